"""Tests of the repair stage (feedarchive/repair/), one file per subject."""
