"""The browser tests: a package, so that their conftest.py is imported as `browser.conftest`
and never takes the place of `tests/conftest.py`, which the other test modules import as
`conftest` (`from conftest import timeline`)."""
