"""Datasette metadata for feedarchive archives, shipped with the package as `feedarchive_db`.

`metadata.json` (titles, table descriptions, canned queries) and `SCHEMA.md` live beside this
file; the archive database itself is created here by default (`db/feedarchive.db`, ignored by
git).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def load_metadata() -> dict:
    return json.loads(Path(__file__).with_name("metadata.json").read_text(encoding="utf-8"))
