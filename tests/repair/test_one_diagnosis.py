"""One repair decision per document, applied to every field, by one code path: `import`,
`repair-check` and `fix-text` diagnose a document from the same text and make the same
repairs; what the document's own inversion restores is final, so a post quoting mojibake on
purpose keeps its example; and a homepage's entities (`&nbsp;` beside a damaged emoji) do not
hide the damage from the diagnosis."""
from __future__ import annotations

import html
from pathlib import Path

import pytest

from feedarchive.formats import read_document
from feedarchive.importer import import_file
from feedarchive.repair import diagnose, fix_document_text, repair_document
from feedarchive.store import open_db

from conftest import shared_file, timeline

# -- the same diagnosis and repairs, whichever command ---------------------------------------


def repaired_pairs(doc) -> set[tuple[str, str]]:
    fields = [post.repairs for post in doc.posts] + [page.repairs for page in doc.pages]
    if doc.profile is not None:
        fields.append(doc.profile.repairs)
    return {(r.before, r.after) for repairs in fields for r in repairs}


@pytest.mark.parametrize("seed", ["000", "001", "002", "003"])
def test_import_repair_check_and_fix_text_agree_on_each_seed(tmp_path, seed):
    path = next(shared_file("seeds").glob(f"{seed}_*.txt"))
    raw = path.read_text(encoding="utf-8")
    fixed, by_fix_text = fix_document_text(raw)

    checked = read_document(path)  # what repair-check does
    decision = repair_document(checked)
    assert decision.kind == diagnose([raw]).kind

    db = open_db(tmp_path / "archive.db")
    report = import_file(db, path)
    assert report.repair_kind == decision.kind
    stored = {(r["before"], r["after"]) for r in db["repairs"].rows}
    assert stored == repaired_pairs(checked)
    assert report.repairs == db["repairs"].count
    if decision.kind != "thai_lossy":  # lossy guesses may read a field's own neighbours
        assert stored == {(r.before, r.after) for r in by_fix_text}


def test_seed_003_homepage_is_repaired_in_every_field(tmp_path):
    path = next(shared_file("seeds").glob("003_*.txt"))
    db = open_db(tmp_path / "archive.db")
    import_file(db, path)
    assert db.execute("select repair_kind from sources").fetchone()[0] == "mac_roman"
    page = next(db["pages"].rows)
    entries = list(db["page_entries"].rows)
    repaired = [page["title"], page["text"], page["sections"]] + [
        value for e in entries for value in (e["text"], e["venue"]) if value]
    for value in repaired:
        assert "\uf8ff" not in value and "‚Ä" not in value and "Ô∏" not in value
    assert "📖" in page["text"] and "机器之心" in page["text"]
    fields = {r["field"] for r in db["repairs"].rows}
    assert {"page.title", "page.text"} <= fields and any(f.startswith("page.entry.") for f in fields)
    assert all(r["page_id"] == page["id"] and r["rule"] for r in db["repairs"].rows)
    assert page["repaired"] == 1


# -- text about mojibake is left as its author wrote it ---------------------------------------
ABOUT_MOJIBAKE = [
    "Why does the invoice say “Ã©” where “é” should be? A UTF-8 file opened as Windows-1252.",
    "If a name shows as 'Ã¶' instead of 'ö', the bytes were read with the wrong table.",
    "`â€™` in a subject line is an apostrophe that went through cp1252 twice",
    "Crème brûlée for the team after the release 🍮",
    "Grüße aus Köln — and thanks for the review!",
]


def damaged(text: str, kind: str) -> str:
    """`text` as a scraper mis-decoded it (the sloppy codecs are ftfy's, registered when the
    repair stage imports ftfy)."""
    data = text.encode("utf-8")
    if kind == "double":
        return data.decode("sloppy-windows-1252").encode("utf-8").decode("sloppy-windows-1252")
    codec = {"cp1252": "sloppy-windows-1252", "latin1": "latin-1", "mac_roman": "mac_roman"}
    return data.decode(codec[kind]) if kind in codec else text


@pytest.mark.parametrize("kind", ["clean", "cp1252", "latin1", "double", "mac_roman"])
def test_a_post_quoting_mojibake_keeps_its_example_in_every_kind(tmp_path, kind):

    posts = [(damaged(text, kind), "0", "1", "2") for text in ABOUT_MOJIBAKE]
    scrape = tmp_path / "ines.txt"
    scrape.write_text(timeline(*posts, handle="ines_codes", name="Ines"), encoding="utf-8")
    db = open_db(tmp_path / "archive.db")
    report = import_file(db, scrape)
    assert report.repair_kind == ("none" if kind == "clean" else kind)
    stored = [row[0] for row in db.execute("select text from posts order by line")]
    assert stored == ABOUT_MOJIBAKE
    if kind == "clean":
        assert db["repairs"].count == 0


def test_a_damaged_word_in_quotes_is_still_repaired():
    """Only an example alone between its quotes is one: `“cafÃ©”` is a damaged word."""
    fixed, repairs = diagnose(["We met at the “cafÃ©” by the station"]).fix(
        "We met at the “cafÃ©” by the station")
    assert fixed == "We met at the “café” by the station" and repairs[0].rule.startswith("ftfy")


# -- a homepage's entities beside its damage --------------------------------------------------
PAGE_MD = """# {title}

## News

- *2025.04*: {space}{party} Our dataset paper was accepted {amp} presented at a workshop.
- *2024.12*: {space}{book} New notes on “tokenizers” are online.
- *2024.09*: {space}{party} Joined the lab in Zürich — café meetings on Fridays ☕.

## About

I work on small models{space}{rocket} and evaluation with José, Zoë and Björn.
Our reading group meets in the “Salle Église” ✨ every week.
"""
PAGE_HTML = """<html><head><title>{title}</title></head><body>
<h2>News</h2>
<ul><li>2025.04: {space}{party} Our dataset paper was accepted {amp} presented at a workshop.</li>
<li>2024.12: {space}{book} New notes on “tokenizers” are online.</li>
<li>2024.09: {space}{party} Joined the lab in Zürich — café meetings on Fridays ☕.</li></ul>
<h2>About</h2><p>I work on small models{space}{rocket} and evaluation with José, Zoë and Björn.
Our reading group meets in the “Salle Église” ✨ every week.</p>
</body></html>
"""
NEWS = ["🎉 Our dataset paper was accepted & presented at a workshop.",
        "📖 New notes on “tokenizers” are online.",
        "🎉 Joined the lab in Zürich — café meetings on Fridays ☕."]


@pytest.mark.parametrize("space", ["&nbsp;", "&#160;", "&#xa0;"])
@pytest.mark.parametrize("kind", ["mac_roman", "cp1252"])
@pytest.mark.parametrize("shape, suffix", [(PAGE_MD, ".md"), (PAGE_HTML, ".html")])
def test_homepage_entities_beside_damaged_runs(tmp_path, space, kind, shape, suffix):

    clean = {"title": "ℹ️ Lin Wei · small models", "party": "🎉", "book": "📖", "rocket": "🚀"}
    page = shape.format(space=space, amp="&amp;", **clean)
    text = damaged(page, kind)  # the whole file mis-decoded: its entities stay ASCII
    path = tmp_path / f"lin{suffix}"
    path.write_text(text, encoding="utf-8")
    db = open_db(tmp_path / "archive.db")
    import_file(db, path, author="lin_wei")
    assert db.execute("select repair_kind from sources").fetchone()[0] == kind
    page = next(db["pages"].rows)
    assert page["title"] == clean["title"]
    news = [row[0] for row in db.execute(
        "select text from page_entries where kind = 'news' order by date desc")]
    assert news == NEWS
    assert "models\u00a0🚀 and evaluation with José, Zoë and Björn" in page["text"]
    assert "“Salle Église” ✨" in page["text"]
    assert html.unescape(space) == "\u00a0"
    assert all(r["page_id"] == page["id"] for r in db["repairs"].rows)
    assert db["repairs"].count >= 10


def test_fix_text_and_import_of_a_page_agree(tmp_path):

    text = damaged(PAGE_MD.format(title="ℹ️ Lin Wei", space="&nbsp;", amp="&amp;", party="🎉",
                                  book="📖", rocket="🚀"), "mac_roman")
    path = tmp_path / "lin.md"
    path.write_text(text, encoding="utf-8")
    _, by_fix_text = fix_document_text(text)
    doc = read_document(path, author="lin_wei")
    repair_document(doc)
    assert {(r.before, r.after) for r in by_fix_text} == repaired_pairs(doc)


def test_what_a_source_says_is_kept_raw(tmp_path):
    """The raw page text keeps the damage as found: the repairs can be audited against it."""
    path = next(shared_file("seeds").glob("003_*.txt"))
    db = open_db(tmp_path / "archive.db")
    import_file(db, path)
    raw, text = db.execute("select text_raw, text from pages").fetchone()
    for r in db.execute("select before, after from repairs where field = 'page.text'"):
        assert r[0] in raw and r[1] in text
    assert Path(path).read_text(encoding="utf-8").count("\uf8ff") > 0
