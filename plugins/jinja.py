"""The plugin's helpers for its templates, added to Datasette's Jinja environment by the
`prepare_jinja2_environment` hook (in `__init__`, with the plugin's other hooks), which Datasette
calls once at startup on the environment that renders every page.

Each helper is both a global and a filter:
    {{ count_phrase(p.likes, "like", "likes") }}   {{ p.likes|count_phrase("like") }}
    {{ parts_phrase(t.found, t.declared_total) }}
    {{ bio_without(author.bio, author.location, author.website) }}
    {{ cut_title(text, 80) }}                       {{ text|cut_title(80) }}
    {{ fa_linkify(text, urls.path) }}
    {{ fa_alternatives(repair.alternatives) }}      (`😂 62% · 📰 21% · 🙂 9%`)
"""
from __future__ import annotations

from feedarchive.titles import cut_title

from .render import (bio_without, count_phrase, count_text, linkify, parts_phrase,
                     repair_alternatives)

HELPERS = {
    "count_phrase": count_phrase,
    "count_text": count_text,
    "parts_phrase": parts_phrase,
    "bio_without": bio_without,
    "cut_title": cut_title,
    "fa_linkify": linkify,
    "fa_alternatives": repair_alternatives,
}


def add_helpers(env) -> None:
    """Add the helpers to a Jinja environment (what the hook does; tests use it too)."""
    env.globals.update(HELPERS)
    env.filters.update(HELPERS)
