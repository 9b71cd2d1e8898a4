"""A file repairs the same in every process.

Where two readings score the same (two emoji an unfinished sequence fits equally, two math
alphabets a styled word spells equally), the first one looked at wins; looking at them in the
order of a set made that order, and so the repair, depend on Python's per-process string
hashing. These files, read at run time, had lines that came out differently from one process
to the next.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import shared_file


def repaired_in_process(path, hash_seed: str) -> str:
    """`feedarchive fix-text` on a file, in a process with this string-hashing seed."""
    environment = dict(os.environ, PYTHONHASHSEED=hash_seed)
    done = subprocess.run([sys.executable, "-m", "feedarchive", "fix-text"],
                          input=path.read_bytes(), capture_output=True, env=environment,
                          check=True)
    return done.stdout.decode("utf-8")


@pytest.mark.parametrize("case", ["d005.txt", "d035.txt"])
def test_ties_are_broken_the_same_way_in_every_process(case):
    path = shared_file("corpus", "dev", case)
    outputs = {repaired_in_process(path, seed) for seed in ("0", "1", "2")}
    assert len(outputs) == 1
