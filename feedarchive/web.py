"""Web stage: a Datasette configured for an archive. Our pages come from the plugin
(`plugins/`, installed as `feedarchive_plugins`), which a bare `datasette archive.db` loads too."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from datasette.app import Datasette

# Facet suggestions and full counts dominate page time on large tables; the SQL limit keeps a
# runaway query from holding the server, and the plugin's own pages read under it too. What one
# response may hold: at most max_returned_rows rows, table and query cells cut at
# truncate_cells_html characters (the plugin cuts its own cells there as well), and, set by the
# plugin on every connection (plugins/limits.py), no value past 8 MB and no result past 16 MB
# of text and blobs (a 400 saying so); the archive's pages show at most 100 KB of a post.
SETTINGS = {
    "suggest_facets": False,
    "default_page_size": 50,
    "max_returned_rows": 1000,
    "truncate_cells_html": 2048,
    "sql_time_limit_ms": 3000,
    "allow_download": False,
    "num_sql_threads": 3,
}


def make_datasette(db_path: Path | str, host: Optional[str] = None) -> Datasette:
    """The one place the server's configuration lives; used by `serve` and by the tests.
    Requests must name this machine (127.0.0.1, localhost) or `host`, the address it is
    served on when that is another."""
    plugins = {"feedarchive": {"allowed_hosts": [host] if host else []}}
    # On storage nothing may write to (a read-only mount, a file or folder without write
    # permission) SQLite cannot open the archive the usual way, which needs a `-shm` file
    # beside it: it is opened immutable, as Datasette does for files that never change.
    files = [str(db_path)]
    if read_only_storage(db_path):
        return Datasette([], immutables=files, settings=SETTINGS, metadata={"plugins": plugins})
    return Datasette(files, settings=SETTINGS, metadata={"plugins": plugins})


def read_only_storage(db_path: Path | str) -> bool:
    """Whether the archive cannot be written where it is: a file system mounted read-only, or
    a file or folder this user may not write."""
    path = Path(db_path)
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False  # not there (yet): Datasette says so itself
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def serve(db_path: Path | str, host: str = "127.0.0.1", port: int = 8001) -> None:
    import uvicorn

    from .store import open_db

    if not read_only_storage(db_path):
        open_db(db_path).close()  # an archive made by an older version gains the newer tables

    uvicorn.run(make_datasette(db_path, host).app(), host=host, port=port, log_level="warning")
