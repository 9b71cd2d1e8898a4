"""Property-based tests (Hypothesis): the timeline reader, format detection and the repair stage
take any input without crashing, and repair never loses text that could not be mojibake.

"Never crashes" means: return, or raise our own documented error (a `FeedarchiveError`
subclass); any other exception is a bug.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from feedarchive.errors import FeedarchiveError
from feedarchive.formats import read_document, timeline as timeline_format
from feedarchive.models import Document, Post, Profile
from feedarchive.repair import DocumentRepair, diagnose, fix_document_text, repair_document

from conftest import timeline

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FAST = settings(SETTINGS, max_examples=300)

# ------------------------------------------------------------------ strategies

# Characters that no mis-decoding repair.py knows (Latin-1, Windows-1252, Mac Roman, double,
# lossy Thai) can produce: those codecs map bytes 0x80-0xFF to Latin, Greek, symbols and Thai,
# never to CJK ideographs or astral emoji, and ASCII is the same under all of them. The CJK
# range excludes the compatibility ideographs (U+F900-FAFF), which NFC normalisation changes.
ASCII_TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \n" \
             "!\"#$%'()*+,-./:;<=>?@[\\]^_`{|}~&"
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
EMOJI = st.sampled_from(list("😀😂🤣😊😍🙏👍🔥🎉🚀🧵💯🤔😭👀✅🌍🍕🐍📈🧠💡🙂🥲"))
SAFE_CHAR = st.one_of(st.sampled_from(list(ASCII_TEXT)), CJK, EMOJI)
SAFE_TEXT = st.lists(SAFE_CHAR, max_size=300).map("".join)

# Lines a timeline is made of, mixed with arbitrary ones, so the reader gets past its header
# often and meets every branch of the post splitter.
TIMELINE_TOKENS = st.sampled_from([
    "Ada Lab", "@ada_lab", "@x", "Followers", "Following", "Media", "Statuses",
    "Joined May 2019", "Joined Smarch 2019", "0", "1", "42", "1,024", "2.5K", "1.2M", "3B",
    "1,2,3", "1.K", "K", "", " ", "\r", "(1/3) a thread", "2/3 more", "🧵", "3/3 end",
    "Ã©tÃ©", "â€™", "\ufeff", "\u2028", "\u0085", "\x00", "\ufffd",
])
LINE = st.one_of(TIMELINE_TOKENS, st.text(max_size=30))
TIMELINE_LIKE = st.lists(LINE, max_size=60).map("\n".join)
HEADER = timeline().rstrip("\n")
AFTER_HEADER = st.lists(LINE, max_size=60).map(lambda lines: HEADER + "\n" + "\n".join(lines))


def write_temp(data: bytes) -> Path:
    handle = tempfile.NamedTemporaryFile(prefix="fa-prop-", suffix=".txt", delete=False)
    with handle:
        handle.write(data)
    return Path(handle.name)


def read_timeline(data: bytes) -> Document | None:
    """The timeline reader on `data`, its posts read (they may come lazily, while the file is
    there) and the repair stage run over them: the document, or None for our own error."""
    path = write_temp(data)
    try:
        doc = timeline_format.read(path)
        doc.posts = list(doc.posts)
        check_document(doc)
        return doc
    except FeedarchiveError:
        return None
    finally:
        path.unlink()


def check_document(doc: Document) -> None:
    """A document the reader returned is well-formed, and the repair stage takes it."""
    assert doc.profile is not None and doc.profile.handle
    for post in doc.posts:
        assert isinstance(post.text_raw, str) and post.text_raw.strip()
        for count in (post.replies, post.reposts, post.likes):
            assert isinstance(count, int) and count >= 0
    decision = repair_document(doc)
    assert isinstance(decision, DocumentRepair)
    for post in doc.posts:
        assert isinstance(post.text, str)
        for repair in post.repairs:
            assert 0 <= repair.start <= repair.end <= len(post.text_raw)
            assert 0.0 <= repair.confidence <= 1.0


# ------------------------------------------------------------------ the timeline reader

@SETTINGS
@given(st.binary(max_size=2000))
def test_timeline_reader_takes_any_bytes(data):
    read_timeline(data)


@SETTINGS
@given(st.text(max_size=2000))
def test_timeline_reader_takes_any_text(text):
    read_timeline(text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(TIMELINE_LIKE)
def test_timeline_reader_takes_timeline_like_text(text):
    read_timeline(text.encode("utf-8", errors="surrogatepass"))


@SETTINGS
@given(AFTER_HEADER, st.sampled_from(["\n", "\r\n"]))
def test_timeline_reader_after_a_valid_header(text, newline):
    doc = read_timeline(text.replace("\n", newline).encode("utf-8", errors="surrogatepass"))
    if doc is not None:
        assert doc.profile.handle == "ada_lab" and doc.profile.followers == 1024


@SETTINGS
@given(st.lists(st.tuples(st.text(min_size=1, max_size=80).filter(lambda t: t.strip()),
                          st.integers(0, 10**6), st.integers(0, 10**6),
                          st.integers(0, 10**6)), max_size=15))
def test_well_formed_timelines_keep_every_post_and_count(posts):
    """Posts whose text is any text without a line break come back one for one, with their
    counts (a text line that is itself a number would join the counts: excluded)."""
    posts = [(t.replace("\n", " ").replace("\r", " ").replace("\x00", " "), r, s, l)
             for t, r, s, l in posts]
    assume(all(not timeline_format.is_count(t) and t.strip() for t, *_ in posts))
    text = timeline(*[(t, f"{r:,}", str(s), str(l)) for t, r, s, l in posts])
    doc = read_timeline(text.encode("utf-8", errors="surrogatepass"))
    assert doc is not None
    assert [(p.text_raw, p.replies, p.reposts, p.likes) for p in doc.posts] == \
        posts


@SETTINGS
@given(st.binary(max_size=3000))
def test_format_detection_and_every_reader_take_any_bytes(data):
    path = write_temp(data)
    try:
        for forced in [None, "timeline", "snscrape", "twarc2", "homepage", "x-archive",
                       "mastodon", "bluesky"]:
            try:
                read_document(path, forced)
            except FeedarchiveError:
                pass
    finally:
        path.unlink()


# ------------------------------------------------------------------ the repair stage

MOJIBAKE_PRONE = st.lists(
    st.one_of(
        st.characters(max_codepoint=0x24F),                                  # Latin, C1
        st.sampled_from(list("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ√∫≈ΩπµÃÂâ€™œðŸ˜€")),  # cp1252/Mac
        st.characters(min_codepoint=0x0E00, max_codepoint=0x0E7F),           # Thai
        st.sampled_from(["\ufffd", "\u2028", "\u0085", "\ufeff", "\x00", "&amp;", "\r\n",
                         "Ã©", "â€™", "ðŸ˜€", "à¸ªà¸§", "Ã\x83Â©", "√©"]),
    ),
    max_size=120,
).map("".join)


@FAST
@given(st.one_of(st.text(max_size=400), MOJIBAKE_PRONE))
@example("Ã")
@example("â€")
@example("ðŸ")
@example("à¸")
@example("\ud800")
def test_fix_document_text_returns_or_raises_our_error(text):
    try:
        fixed, repairs = fix_document_text(text)
    except FeedarchiveError:
        return
    assert isinstance(fixed, str)
    for repair in repairs:
        assert 0 <= repair.start <= repair.end <= len(text)
        assert 0.0 <= repair.confidence <= 1.0


@SETTINGS
@given(st.lists(st.one_of(st.text(max_size=120), MOJIBAKE_PRONE), max_size=8),
       st.one_of(st.text(max_size=200), MOJIBAKE_PRONE))
def test_diagnose_and_fix_take_any_texts(texts, field_text):
    try:
        decision = diagnose(texts)
        fixed, repairs = decision.fix(field_text)
    except FeedarchiveError:
        return
    assert decision.kind in {"none", "thai_lossy", "mac_roman", "cp1252", "latin1", "double"}
    assert isinstance(fixed, str)


@SETTINGS
@given(st.sampled_from(["none", "thai_lossy", "mac_roman", "cp1252", "latin1", "double"]),
       st.one_of(st.text(max_size=200), MOJIBAKE_PRONE))
def test_every_repair_kind_takes_any_text(kind, text):
    try:
        fixed, repairs = DocumentRepair(kind).fix(text, "text")
    except FeedarchiveError:
        return
    assert isinstance(fixed, str)


@SETTINGS
@given(st.lists(st.one_of(st.text(max_size=100), MOJIBAKE_PRONE).filter(str.strip), max_size=6),
       st.one_of(st.none(), st.text(max_size=60)), st.one_of(st.none(), MOJIBAKE_PRONE))
def test_repair_document_takes_any_document(texts, name, bio):
    profile = Profile(handle="ada_lab", name=name, bio=bio)
    doc = Document("x.txt", "timeline", profile, [Post(t, "ada_lab") for t in texts], [])
    try:
        repair_document(doc)
    except FeedarchiveError:
        return
    assert all(isinstance(p.text, str) for p in doc.posts)


@FAST
@given(SAFE_TEXT)
@example("")
@example("Hello & welcome <b>")
@example("价格 ¥")  # noqa: RUF001  (the ¥ is not safe: only the ideographs must stay)
def test_repair_keeps_every_character_that_cannot_be_mojibake(text):
    """Text made only of ASCII, CJK ideographs and common emoji cannot be mis-decoded bytes:
    every one of those characters must come out of repair, in order."""
    fixed, repairs = fix_document_text(text)
    safe = [c for c in text if c in ASCII_TEXT or 0x4E00 <= ord(c) <= 0x9FFF or ord(c) > 0xFFFF]
    kept = [c for c in fixed if c in ASCII_TEXT or 0x4E00 <= ord(c) <= 0x9FFF or ord(c) > 0xFFFF]
    assert kept == safe, (text, fixed, repairs)
    if all(c in ASCII_TEXT or 0x4E00 <= ord(c) <= 0x9FFF or ord(c) > 0xFFFF for c in text):
        assert fixed == text and repairs == [], (text, fixed, repairs)


@FAST
@given(SAFE_TEXT, SAFE_TEXT)
def test_safe_text_next_to_mojibake_is_kept(before, after):
    """A mis-decoded word between safe texts is repaired; the safe texts stay as they were."""
    text = f"{before} cafÃ© {after}"
    fixed, repairs = fix_document_text(text)
    assert fixed.startswith(before) and fixed.endswith(after), (text, fixed)


CLEAN_TEXTS = [
    "Just shipped the new eval harness! 🚀 Thanks @mira_builds_ml #evals",
    "Café, déjà vu, naïve coöperation, Ångström, São Paulo, Ça va ?",
    "Grüße aus Köln – schöne Straße, Maß und Fuß.",
    "¿Qué tal? ¡Mañana en el año nuevo, señor Muñoz!",
    "Zażółć gęślą jaźń. Příliš žluťoučký kůň úpěl ďábelské ódy.",
    "Съешь же ещё этих мягких французских булок, да выпей чаю.",
    "Τάχιστη αλώπηξ βαφής ψημένη γη, δρασκελίζει υπέρ νωθρού κυνός.",
    "สวัสดีครับ วันนี้อากาศดีมาก ไปเที่ยวทะเลกันไหม",
    "今日は良い天気ですね。東京タワーに行きました。",
    "오늘 날씨가 정말 좋네요. 서울에서 만나요!",
    "مرحبا بالعالم، كيف حالك اليوم؟",
    "नमस्ते दुनिया, आज मौसम अच्छा है।",
    "“Curly quotes” and ‘single ones’ — it’s fine… isn’t it?",
    "Prices: £5, €10, ¥100, ₹250, 30°C, ±2%, ≤ 3, ≥ 4, ½ cup, × 2",
    "Family: 👨‍👩‍👧‍👦, flags 🇫🇷🇯🇵, skin tones 👍🏽, hearts ❤️ and keycaps 1️⃣",
    "Math: ∀x ∈ ℝ, ∑ xᵢ² ≥ 0; ∫₀¹ f(x) dx ≈ π/4",
    "(1/5) A thread on tokenizers 🧵\nLine two of the post\n\nAnd a paragraph.",
    "Ελληνικά, Русский, 中文, 日本語, 한국어, ไทย, עברית in one line",
    "Zoë and Chloë met Renée at the café on Rue de l’Église.",
    "The résumé says: piñata, jalapeño, façade, fiancée, über, smörgåsbord.",
]


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_clean_realistic_texts_come_back_unchanged(text):
    fixed, repairs = fix_document_text(text)
    assert fixed == text and repairs == []


def test_a_clean_realistic_document_comes_back_unchanged():
    """All the clean texts as the posts of one document: the diagnosis finds no mis-decoding
    and no post changes."""
    doc = Document("x.txt", "timeline", Profile(handle="ada_lab", name="Zoë Ångström",
                                                 bio="Café owner in São Paulo ☕ — she/her"),
                   [Post(text, "ada_lab") for text in CLEAN_TEXTS], [])
    decision = repair_document(doc)
    assert decision.kind == "none", decision
    assert [p.text for p in doc.posts] == CLEAN_TEXTS
    assert not any(p.repairs for p in doc.posts)
    assert doc.profile.name == "Zoë Ångström" and doc.profile.bio.startswith("Café owner")
