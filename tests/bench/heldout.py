"""The sets `measure_repair.py` measures the lossy Thai repair on, built at run time (issue 21).

The lossy repair's weights and constants were chosen on the development corpus, so its score
there says little about text it never saw. This module builds what an honest measurement
needs, and nothing here changes the repair:

- `thai_lossy`: the damage exactly as the corpus README defines it, written from that
  definition (not from the repair's own `lossy.damage`, which a test would then only agree
  with itself), with `damage_starts` mapping every original character to where its damaged
  form begins, so a recorded repair can be checked against the original at its place;
- `completion_count`: how many well-formed texts a damaged one could have been (the README's
  "invertible" is exactly one);
- `persona_halves`, `dev_documents`: the development corpus split into a tuning half and a
  held-out half by the invented person who wrote each text (see `dev_documents`);
- `language_documents`, `emoji_documents`, `math_documents`: text written for no rule
  (`heldout_sentences.py`, whose posts in 14 languages come in two batches), damaged here;
- `realworld_documents`: real post texts read at run time from ../shared/realworld through
  feedarchive's own readers, sampled, damaged here. They are never stored in the repository,
  nor written by the measurement (its JSON names posts by a hash of their text).

Every set is a list of `Document`s: the texts one diagnosis sees (one timeline) and the posts
scored in it, each with its original text.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

# --- The damage, as /work/shared/corpus/README.md defines `thai_lossy` -------------------------

_C1_DELETED = re.compile("[\x80-\x84\x86-\x9f]")  # every C1 control but U+0085
# Bytes ISO-8859-11 leaves undefined; Python's codec refuses them, the damage drops them.
UNDEFINED_BYTES = frozenset((0xDB, 0xDC, 0xDD, 0xDE, 0xFC, 0xFD, 0xFE, 0xFF))
LOST_VALUES = tuple(b for b in range(0x80, 0xA0) if b != 0x85)  # what a lost byte may have been


def thai_lossy(text: str) -> str:
    """The corpus's `thai_lossy` damage, step by step as its README says: UTF-8 bytes decoded
    as ISO-8859-11, undefined bytes dropped, C1 controls deleted except U+0085 (a line break),
    and the NBSP of byte 0xA0 made a plain space.

    >>> thai_lossy("café"), thai_lossy("3× faster")
    ('cafรฉ', '3ร faster')
    >>> thai_lossy("é")  # 0xC3 0xA9: both bytes survive as Thai letters
    'รฉ'
    >>> thai_lossy("À")  # 0xC3 0x80: the second byte is a C1 control, deleted
    'ร'
    >>> thai_lossy("…")  # 0xE2 0x80 0xA6
    'โฆ'
    >>> thai_lossy("ۀ")  # 0xDB 0x80: the lead is undefined in ISO-8859-11, both bytes go
    ''
    """
    decoded = text.encode("utf-8").decode("iso8859_11", errors="ignore")
    return _C1_DELETED.sub("", decoded).replace("\x85", "\n").replace("\xa0", " ")


def damage_starts(text: str) -> list[int]:
    """Offset in `thai_lossy(text)` where the damaged form of each character of `text` starts,
    plus the length of the whole damaged text: the damage acts on each byte alone, so the
    damaged text is the damaged characters one after another.

    >>> damage_starts("aé b")  # 'a', 'รฉ', ' ', 'b'
    [0, 1, 3, 4, 5]
    """
    starts = [0]
    for char in text:
        starts.append(starts[-1] + len(_damaged_char(char)))
    return starts


@lru_cache(maxsize=65536)
def _damaged_char(char: str) -> str:
    return thai_lossy(char)


def lost_bytes(char: str) -> bool:
    """Whether the damage lost part of `char`: a continuation byte deleted (0x80-0x9F but
    0x85) or turned into a space (0xA0), or a lead the codec leaves undefined. The figure
    `measure_repair.py` has always called top-1 is over these characters.

    >>> lost_bytes("é"), lost_bytes("À"), lost_bytes("\\u00a0"), lost_bytes("a")
    (False, True, True, False)
    """
    data = char.encode("utf-8")
    return len(data) > 1 and (data[0] in UNDEFINED_BYTES
                              or any(0x80 <= b <= 0xA0 and b != 0x85 for b in data[1:]))


# --- Invertibility: how many texts the damaged one could have been -----------------------------

def completion_count(raw: str, cap: int = 2) -> int:
    """Completions of damaged `raw` into well-formed UTF-8 of assigned, non-control,
    non-private-use characters, counted up to `cap` (the corpus README's `invertible` is 1).

    Each lost byte was 0x80-0x9F but 0x85; a space may have been 0xA0 and a line break 0x85
    inside a character, as the README says. A lead the codec drops is not foreseen by that
    definition: a text that lost one has 0 completions here (it cannot be restored).

    >>> completion_count("cafรฉ"), completion_count("ร la"), completion_count("ก")
    (1, 2, 0)
    """
    counts: dict[int, int] = {}
    for i in range(len(raw), -1, -1):
        counts[i] = _completions_from(raw, i, counts, cap)
    return counts[0]


def _completions_from(raw: str, i: int, later: dict[int, int], cap: int) -> int:
    """Completions of raw[i:], given those of every later position (`later`)."""
    if i == len(raw):
        return 1
    char = raw[i]
    if ord(char) < 0x80:
        return later[i + 1]
    byte = _thai_byte(char)
    slots = _continuations(byte) if byte is not None else None
    if slots is None:  # not a byte the damage leaves, or no UTF-8 lead
        return 0
    total = 0
    for pattern, end in _slot_patterns(raw, i + 1, slots):
        chars = _valid_chars(byte, pattern)
        if chars and later[end]:
            total = min(cap, total + chars * later[end])
    return total


def _slot_patterns(raw: str, start: int, slots: int) -> Iterable[tuple[tuple[Optional[int], ...], int]]:
    """Every way the `slots` continuation bytes of a lead can lie in raw[start:]: each slot is
    the byte of the next visible character (a Thai continuation letter, a space for 0xA0, a
    line break for 0x85) or a lost byte (None). Yields (pattern, raw offset after it)."""
    if slots == 0:
        yield (), start
        return
    for rest, end in _slot_patterns(raw, start, slots - 1):  # lost byte first
        yield (None, *rest), end
    if start < len(raw):
        visible = _visible_continuation(raw[start])
        if visible is not None:
            for rest, end in _slot_patterns(raw, start + 1, slots - 1):
                yield (visible, *rest), end


def _visible_continuation(char: str) -> Optional[int]:
    if char == " ":
        return 0xA0
    if char == "\n":
        return 0x85
    byte = _thai_byte(char)
    return byte if byte is not None and 0xA1 <= byte <= 0xBF else None


@lru_cache(maxsize=None)
def _valid_chars(lead: int, pattern: tuple[Optional[int], ...]) -> int:
    """How many restorable characters have the bytes `lead`, `pattern` (None: any lost value)."""
    holes = [k for k, b in enumerate(pattern) if b is None]
    found = 0
    for values in itertools.product(LOST_VALUES, repeat=len(holes)):
        tail = list(pattern)
        for k, value in zip(holes, values):
            tail[k] = value
        try:
            char = bytes([lead, *tail]).decode("utf-8")
        except UnicodeDecodeError:
            continue
        found += unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn")
    return found


def _thai_byte(char: str) -> Optional[int]:
    try:
        data = char.encode("iso8859_11")
    except UnicodeEncodeError:
        return None
    return data[0] if data[0] >= 0xA1 else None


def _continuations(lead: int) -> Optional[int]:
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return None


# --- Documents ---------------------------------------------------------------------------------

@dataclass
class Post:
    """One scored post: its original text, the damaged text the repair is given, and labels."""

    key: str  # stable: set, document, index
    text: str
    raw: str
    language: str = "und"
    half: Optional[str] = None  # tuning / heldout, for the development corpus
    kind: str = "thai_lossy"  # the corruption it went through
    invertible: Optional[bool] = None  # from the truth file, else computed when measured


@dataclass
class Document:
    """What one diagnosis sees (`texts`: a timeline's raw texts) and the posts scored in it."""

    set: str
    name: str
    kind: str
    texts: list[str]
    posts: list[Post] = field(default_factory=list)


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def text_id(text: str) -> str:
    """A short stable name for a text, so runs can be compared without writing the text."""
    return hashlib.sha256(norm(text).encode("utf-8")).hexdigest()[:12]


# --- The development corpus, split by persona --------------------------------------------------

def persona_key(display_name: str) -> str:
    """A persona is its display name: each of the corpus's invented people posts under
    several handles (one per file), always with the same name."""
    return norm(display_name).casefold()


def _name_script(name: str) -> str:
    """The script of a name's first letter (LATIN, THAI, CJK…): the stratum of its persona."""
    for char in name:
        if char.isalpha():
            return unicodedata.name(char, "?").split()[0]
    return "?"


def persona_halves(personas: Iterable[str]) -> dict[str, str]:
    """The split rule: personas sorted by (script of their name, SHA-256 of the name) and dealt
    alternately, first to `tuning`, then to `heldout`.

    Dealing in that order keeps each script's personas as evenly split as their number allows
    (the one Thai-named and the one Japanese-named persona of the corpus land in different
    halves), while the hash decides everything else without looking at any text. Adding a
    persona moves others only within its own script.

    >>> sorted(persona_halves(["b", "a", "c", "d"]).values())
    ['heldout', 'heldout', 'tuning', 'tuning']
    """
    order = sorted(set(personas), key=lambda p: (_name_script(p), hashlib.sha256(p.encode()).hexdigest()))
    return {p: ("tuning", "heldout")[i % 2] for i, p in enumerate(order)}


def _profile_texts(raw_file: str) -> list[str]:
    """The display name and the profile lines of a timeline scrape: diagnosed with its posts."""
    lines = raw_file.replace("\r\n", "\n").split("\n")
    handle = next(i for i, line in enumerate(lines) if line.startswith("@"))
    statuses = next(i for i, line in enumerate(lines) if line == "Statuses")
    joined = next(i for i, line in enumerate(lines) if line.startswith("Joined "))
    return ["\n".join(lines[:handle]), "\n".join(lines[statuses + 2:joined])]


def _text_authors(truths: list[dict]) -> dict[str, str]:
    """Who wrote each text: the persona whose timeline has it as their own post (not a repost).

    A timeline reposts other personas' texts, so splitting by the timeline alone would put the
    same text in both halves; in the corpus every text has exactly one such author."""
    authors: dict[str, str] = {}
    for truth in truths:
        for post in truth["posts"]:
            if not post["repost"]:
                authors.setdefault(norm(post["text"]), persona_key(truth["profile"]["name"]))
    return authors


def dev_documents(corpus: Path) -> list[Document]:
    """Every case of the development corpus as a document; each post carries the half of the
    persona who wrote its text (`_text_authors`; a text nobody posts as their own would go by
    the hash of the text itself), wherever it appears. A file is still diagnosed whole, as an
    import would: what its posts of the other half tell the diagnosis is not their truth."""
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("d*.truth.json"))]
    authors = _text_authors(truths)
    halves = persona_halves(authors.values())
    documents = []
    for truth in truths:
        raw_file = (corpus / (truth["case"] + ".txt")).read_text(encoding="utf-8")
        texts = [p["raw"] for p in truth["posts"]] + _profile_texts(raw_file)
        document = Document("dev", truth["case"], truth["corruption"], texts)
        for index, post in enumerate(truth["posts"]):
            author = authors.get(norm(post["text"]))
            half = halves[author] if author else ("tuning", "heldout")[int(text_id(post["text"]), 16) % 2]
            document.posts.append(Post(
                f"dev/{truth['case']}/{index}", post["text"], post["raw"],
                language=post_script(post["text"]), half=half, kind=truth["corruption"],
                invertible=post["invertible"]))
        documents.append(document)
    return documents


# --- Text written for no rule ------------------------------------------------------------------

def _damaged_documents(set_name: str, groups: dict[str, list[str]], size: int) -> list[Document]:
    """Each group's texts (one language, say) damaged, in documents of at most `size` posts,
    like timelines: the repair diagnoses a document at a time."""
    documents = []
    for language, texts in groups.items():
        for first in range(0, len(texts), size):
            chunk = texts[first:first + size]
            name = f"{language}-{first // size + 1}"
            raw = [thai_lossy(t) for t in chunk]
            document = Document(set_name, name, "thai_lossy", raw)
            document.posts = [Post(f"{set_name}/{name}/{k}", t, r, language=language)
                              for k, (t, r) in enumerate(zip(chunk, raw))]
            documents.append(document)
    return documents


def language_documents(per_language: Optional[int] = None, size: int = 20,
                       batch: int = 1) -> list[Document]:
    """The sentences of `heldout_sentences.SENTENCES`, one language per document: set
    `languages`; with `batch=2` its second batch `SENTENCES_2`, written later and apart so
    each language's figure rests on more text, as set `languages2`.

    >>> documents = language_documents(1, batch=2)
    >>> documents[0].set, documents[0].name, len(documents)
    ('languages2', 'zh-1', 14)
    """
    from tests.bench.heldout_sentences import SENTENCES, SENTENCES_2
    sentences, set_name = {1: (SENTENCES, "languages"), 2: (SENTENCES_2, "languages2")}[batch]
    return _damaged_documents(set_name, {lang: list(texts[:per_language])
                                         for lang, texts in sentences.items()}, size)


def thai_tuning_documents(size: int = 20) -> list[Document]:
    """The Thai posts written to tune the Thai lattice on (`thai_tuning_sentences`): not held
    out, so no figure of theirs says how the repair does on unseen text. The second batch is
    reported as language `th-2`, so each batch's figure stays comparable."""
    from tests.bench.thai_tuning_sentences import THAI_TUNING, THAI_TUNING_2
    return _damaged_documents("thai", {"th": list(THAI_TUNING), "th-2": list(THAI_TUNING_2)},
                              size)


def language_tuning_documents(size: int = 20) -> list[Document]:
    """The posts written to tune the other languages on (`language_tuning_sentences`): not held
    out, so no figure of theirs says how the repair does on unseen text."""
    from tests.bench.language_tuning_sentences import LANGUAGE_TUNING
    return _damaged_documents("langtune", {lang: list(texts)
                                           for lang, texts in LANGUAGE_TUNING.items()}, size)


def emoji_documents(limit: Optional[int] = None, size: int = 20) -> list[Document]:
    from tests.bench.heldout_sentences import EMOJI_POSTS
    return _damaged_documents("emoji", {"emoji": list(EMOJI_POSTS[:limit])}, size)


def math_documents(limit: Optional[int] = None, size: int = 20) -> list[Document]:
    """Posts with math-alphabet letters as people paste them, styled here from plain text."""
    from tests.bench.heldout_sentences import MATH_POSTS
    return _damaged_documents("math", {"math": [render_styles(t) for t in MATH_POSTS[:limit]]},
                              size)


# Markup of MATH_POSTS: `{style:text}`; the style names the Unicode math alphabet.
STYLES = {
    "b": "BOLD", "i": "ITALIC", "bi": "BOLD ITALIC", "ss": "SANS-SERIF",
    "sb": "SANS-SERIF BOLD", "si": "SANS-SERIF ITALIC", "sbi": "SANS-SERIF BOLD ITALIC",
    "m": "MONOSPACE", "s": "SCRIPT", "bs": "BOLD SCRIPT", "ds": "DOUBLE-STRUCK",
    "f": "FRAKTUR", "bf": "BOLD FRAKTUR",
}
_STYLED = re.compile(r"\{(" + "|".join(STYLES) + r"):([^{}]*)\}")


def _letterlike() -> dict[str, str]:
    """The letters Unicode had before the math alphabets, which fill their holes (`ℎ` is the
    italic h, `ℂ` the double-struck C): math name -> character."""
    found = {"ITALIC SMALL H": "\u210e"}
    for code in range(0x2100, 0x2150):
        name = unicodedata.name(chr(code), "")
        for old, new in (("SCRIPT", "SCRIPT"), ("BLACK-LETTER", "FRAKTUR"), ("DOUBLE-STRUCK", "DOUBLE-STRUCK")):
            if name.startswith(old + " ") and ("CAPITAL" in name or "SMALL" in name):
                found[new + name[len(old):]] = chr(code)
    return found


_LETTERLIKE = _letterlike()


def styled_char(char: str, style: str) -> str:
    """`char` in the math alphabet `style` (a STYLES value); other characters as they are.

    >>> styled_char("a", "BOLD"), styled_char("h", "ITALIC"), styled_char("7", "MONOSPACE")
    ('𝐚', 'ℎ', '𝟽')
    >>> styled_char("C", "DOUBLE-STRUCK"), styled_char("!", "BOLD")
    ('ℂ', '!')
    """
    if "a" <= char.lower() <= "z" and char.isascii():
        name = f"{style} {'CAPITAL' if char.isupper() else 'SMALL'} {char.upper()}"
    elif char.isascii() and char.isdigit():
        name = f"{style} DIGIT {unicodedata.name(char).split()[-1]}"
    else:
        return char
    try:
        return unicodedata.lookup("MATHEMATICAL " + name)
    except KeyError:
        return _LETTERLIKE.get(name, char)


def render_styles(template: str) -> str:
    """Expand `{style:text}` markup into math-alphabet letters.

    >>> render_styles("{b:New} paper, {m:pip install x}")
    '𝐍𝐞𝐰 paper, 𝚙𝚒𝚙 𝚒𝚗𝚜𝚝𝚊𝚕𝚕 𝚡'
    """
    return _STYLED.sub(lambda m: "".join(styled_char(c, STYLES[m.group(1)]) for c in m.group(2)),
                       template)


# --- Real posts, read at run time --------------------------------------------------------------

# Sources of ../shared/realworld read for their post texts (the rest hold few or no posts
# beyond ASCII, or repeat one of these: twarc-csv-noflat is twarc-csv-flat).
REALWORLD_SOURCES = (
    "xarchive/AlliePinnell-FinalTwitterBackup.zip", "xarchive/alrocar-x.zip",
    "xarchive/dsajgiouawj-TweetArchive.zip", "xarchive/smithjd-twitter_archive.zip",
    "xarchive/vovavasylyna-mytwitterarchive.zip",
    "mastodon/dealingwith-masto-archive.tar.gz", "mastodon/goija-mastodon.tar.gz",
    "mastodon/hikurry-Mastodon-archive.tar.gz",
    "twarc2/colbyeagan-twitterScrape-tweets.jsonl", "twarc2/twarc-csv-2sets.jsonl",
    "twarc2/twarc-csv-flat.jsonl", "twarc2/twarc-csv-withheld.jsonl",
    "snscrape/TwitterPoliticalAffiliation-user-tweets.json",
    "twscrape/twscrape-0.20.1-from-2023-user_tweets_and_replies_raw.jsonl",
    "bluesky/indigo-bnewbold.robocracy.org.20250310005405.car",
    "bluesky/indigo-paul_staging.repo.car",
)
REALWORLD_LONGEST = 1000  # characters: a long note would only slow the run down


def realworld_documents(root: Path, per_source: int) -> list[Document]:
    """Up to `per_source` post texts of each source that are not plain ASCII (plain ASCII
    comes through the damage unchanged), chosen by the hash of their text, each text once
    over all sources; one document per source, damaged here. Texts are those feedarchive's
    readers give (`Post.text`: links expanded, HTML read), as the platform showed them."""
    from feedarchive.formats import READERS, detect_format

    seen: set[str] = set()
    documents = []
    for relative in REALWORLD_SOURCES:
        path = root / relative
        if not path.exists():
            continue
        reader = READERS[detect_format(path)]
        options = {"skip_bad": True} if "skip_bad" in getattr(reader, "OPTIONS", ()) else {}
        found: dict[str, tuple[str, str]] = {}  # text id -> (text, language the source gives)
        for post in reader.read(path, **options).posts:
            text = post.text or ""
            if text and not text.isascii() and len(text) <= REALWORLD_LONGEST and norm(text) not in seen:
                seen.add(norm(text))
                found[text_id(text)] = (text, post.lang or "")
        chosen = [found[k] for k in sorted(found)[:per_source]]
        name = path.name
        for suffix in (".tar.gz", ".zip", ".jsonl", ".json", ".car"):
            name = name.removesuffix(suffix)
        document = Document("realworld", name, "thai_lossy", [thai_lossy(t) for t, _ in chosen])
        document.posts = [Post(f"realworld/{name}/{text_id(t)}", t, raw, language=lang or post_script(t))
                          for (t, lang), raw in zip(chosen, document.texts)]
        documents.append(document)
    return documents


# --- Scripts -----------------------------------------------------------------------------------

def script_of(char: str) -> str:
    """Script of one character, for the per-script figures (finer than the old `japanese`:
    kana, han and CJK punctuation apart, and the scripts of the held-out languages)."""
    code = ord(char)
    name = unicodedata.name(char, "")
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0x1D400 <= code <= 0x1D7FF or 0x2100 <= code <= 0x214F and unicodedata.category(char)[0] == "L":
        return "math"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF:
        return "han"
    if 0xAC00 <= code <= 0xD7AF or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3000 <= code <= 0x303F or 0xFF00 <= code <= 0xFFEF:
        return "cjk-punct"
    if (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF
            or code in (0x200D, 0xFE0F, 0x20E3) or 0xE0020 <= code <= 0xE007F):
        return "emoji"
    if unicodedata.category(char)[0] in "LM":
        for script in ("LATIN", "CYRILLIC", "ARABIC", "DEVANAGARI", "GREEK", "HEBREW"):
            if name.startswith(script) or f" {script} " in f" {name} ":
                return script.lower()
        return "other-letter"
    return "punct"


def post_script(text: str) -> str:
    """The script most of a post's non-ASCII letters are in (`ascii` when it has none); the
    `language` of a post whose language nobody recorded."""
    counts: dict[str, int] = {}
    for char in text:
        if not char.isascii() and unicodedata.category(char)[0] in "LM":
            script = script_of(char)
            counts[script] = counts.get(script, 0) + 1
    if counts.get("kana"):
        return "script:kana"  # Japanese, however many kanji it has
    return "script:" + max(counts, key=counts.__getitem__) if counts else "script:ascii"
