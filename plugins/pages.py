"""Route handlers for the archive pages; each reads with Datasette's own database API."""
from __future__ import annotations

import json

from datasette.utils.asgi import NotFound, Response


async def archive_database(datasette):
    """The first attached database that holds a feedarchive schema."""
    for db in datasette.databases.values():
        if not db.is_memory and await db.table_exists("posts") and await db.table_exists("threads"):
            return db
    raise NotFound("No feedarchive database is attached")


async def thread_page(datasette, request):
    db = await archive_database(datasette)
    thread_id = request.url_vars["thread_id"]
    rows = (await db.execute("select * from threads where id = ?", [thread_id])).rows
    if not rows:
        raise NotFound(f"No thread {thread_id}")
    thread = dict(rows[0])
    thread["missing"] = json.loads(thread["missing"] or "[]")
    parts = [dict(r) for r in (await db.execute(
        "select id, text, text_raw, replies, reposts, likes, thread_index, thread_marker, position "
        "from posts where thread_id = ? order by thread_index, position", [thread_id])).rows]
    candidates = [dict(r) for r in (await db.execute(
        "select c.role, c.evidence, c.confidence, p.id, p.text, p.replies, p.reposts, p.likes "
        "from thread_candidates c join posts p on p.id = c.post_id where c.thread_id = ?",
        [thread_id])).rows]
    data = {"thread": thread, "parts": parts, "candidates": candidates,
            "database": db.name}
    if request.url_vars.get("ext") == ".json":
        return Response.json(data)
    return Response.html(await datasette.render_template(
        "feedarchive_thread.html", data, request=request))
