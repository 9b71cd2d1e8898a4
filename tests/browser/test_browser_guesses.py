"""Guessed characters in a real headless Chromium: each is underlined with a dotted line, the
Tab key reaches it, and with the focus it shows what else it could have been.

The archive is tests/test_guesses.py's made-up timeline, damaged the lossy Thai way.

Run with the other browser tests, in their own pytest process:

    .venv/bin/python -m pytest -m browser tests/browser -q
"""
from __future__ import annotations

import sqlite3

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from test_guesses import archive_of_damaged_timeline

    return archive_of_damaged_timeline(tmp_path_factory.mktemp("browser-guesses"))


def test_a_guess_is_underlined_and_shows_its_alternatives_with_the_focus(page, server, archive):
    conn = sqlite3.connect(archive)
    try:
        post = conn.execute("select id from posts where text like '(1/2)%'").fetchone()[0]
    finally:
        conn.close()
    page.goto(f"{server}/-/post/{post}")
    first = page.locator(".fa-text .fa-guess").first
    assert first.evaluate("e => getComputedStyle(e).textDecorationStyle") == "dotted"
    assert first.evaluate("e => getComputedStyle(e, '::after').content") == "none"
    for _ in range(40):  # past the navigation's links to the first guess
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('fa-guess')"):
            break
    focused = page.evaluate_handle("() => document.activeElement")
    title = focused.evaluate("e => e.title")
    assert title.startswith("guessed: ") and title.count("%") >= 2
    assert focused.evaluate("e => getComputedStyle(e, '::after').content") == f'"{title}"'
    shot(page, "guess-focused")
