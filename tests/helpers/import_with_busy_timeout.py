"""Run the `feedarchive` command with SQLite's busy timeout shortened (argv[1], milliseconds),
so a test can see what an import does when another writer holds the lock for too long.

    python tests/helpers/import_with_busy_timeout.py 1000 import --db a.db file.txt
"""
import sys

from feedarchive import store
from feedarchive.cli import cli

store.BUSY_TIMEOUT_MS = int(sys.argv[1])
cli(sys.argv[2:], prog_name="feedarchive")
