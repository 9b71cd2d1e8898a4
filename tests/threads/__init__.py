"""Tests of the thread stage (feedarchive/threads/)."""
