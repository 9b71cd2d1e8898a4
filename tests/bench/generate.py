"""Deterministic generator of realistic scrapes for the benchmark (`run.py`).

    .venv/bin/python -m tests.bench.generate --posts 100000 --out /tmp/feedarchive-bench/data

Writes, for N posts spread over K authors (the first author holds the biggest share, the way one
large profile scrape dominates a real archive):

- `timelines/<handle>.txt`: one timeline-text scrape per author (profile header, then posts
  newest first, each followed by its reply/repost/like counts). Whole files are mis-decoded the
  way scrapers do it: file 1 of every 4 went through Windows-1252 (`â€™`, `ðŸ”¥`), file 5 of
  every 8 through Latin-1; the others are clean UTF-8.
- `x-archive/data/tweets.js` (`window.YTD.tweets.part0 = [...]`), `data/account.js`,
  `data/profile.js`: the same N posts as one account's X archive, as X writes it today.
- `x-archive-legacy/tweet.js` (`window.YTD.tweet.part0`) and `account.js`: the same archive
  under the pre-2022 file name, the only one twitter-to-sqlite 0.22 reads.
- `manifest.json`: what was written (counts, handles, words for the search benchmarks).

Posts carry emoji (ZWJ sequences, flags, skin tones), accents, CJK, Cyrillic, curly quotes,
`&`, links, @mentions and #hashtags; about one post in nine belongs to a numbered thread (`1/5`,
`(2/8)`, `[3/4]`, `🧵1/` … `4/`, trailing `3/5`, with `/end`), newest part first, sometimes with
a part missing or an unrelated post between parts; counts read `1,234`, `2K`, `12.4K`, `1.2M`;
some posts end in a line that is a bare number. Everything is streamed: memory stays flat
whatever N is. The same seed gives the same bytes.

`--shape threads` (issue 20) writes instead one author's thread-heavy scrape
(`generate_threads`: 8% of posts start a 2-8 part thread); `write_thread_timeline` and
`write_next_scrape` give `growth.py` its archives and the next scrape that overlaps them.
"""
from __future__ import annotations

import argparse
import json
import random
import time
import zlib
from collections import Counter
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Iterable, Iterator, Optional

SEED = 20251011
COMMON_WORD = "the"        # in most posts: the "matches almost everything" search
RARE_WORD = "optimiser"    # in about 1 post in 100
TWITTER_EPOCH_MS = 1288834974657
NEWEST = datetime(2025, 10, 11, 15, 50, 20, tzinfo=timezone.utc)

WORDS = """time people way day man thing woman life child world school state family student
group country problem hand part place case week company system program question work government
number night point home water room mother area money story fact month lot right study book eye
job word business issue side kind head house service friend father power hour game line end
member law car city community name president team minute idea kid body information back parent
face others level office door health person art war history party result change morning reason
research girl guy moment air teacher force education model data paper training loss schedule
benchmark dataset compiler kernel query index cache latency throughput release bug patch test
deploy server client archive thread timeline scrape parser repair encoding emoji search review
draft slide talk conference workshop deadline coffee train bike garden recipe bread weather
rain sunset football match season goal coach player score album song concert ticket movie
small large quick slow early late new old good bad great little big long short high low open
closed simple hard easy real free full wrong strong clear final main public local common
make take see know get give find think tell become show leave feel bring begin keep hold write
stand hear let mean set meet run pay sit speak lie lead read grow lose fall send build stay
cut reach kill remain suggest raise pass sell require report decide pull ship learn try""".split()
GLUE = "and or but so because while if when then also just still really maybe".split()
ACCENTED = ("café crème naïve façade jalapeño über Straße résumé déjà vu São Paulo Zürich "
            "Kraków señor años garçon Ærø smörgåsbord piñata coöperate").split()
CJK = ["日本語", "東京", "機械学習", "中文", "数据库", "한국어", "서울", "ありがとう", "テスト", "北京"]
CYRILLIC = ["привет", "Москва", "данные", "модель", "спасибо"]
GREEK = ["ευχαριστώ", "Αθήνα", "δεδομένα"]
EMOJI = ["😂", "🔥", "🙏", "😍", "🎉", "👀", "✅", "☕", "🚀", "📖", "🧪", "💡", "🤔", "😮‍💨",
         "👩‍💻", "🧑‍🔬", "👍🏽", "🇳🇬", "🇯🇵", "❤️", "✨", "🤷‍♀️", "🏳️‍🌈", "🐈", "🌧️", "⚽"]
PUNCT_PAIRS = [("“", "”"), ("‘", "’"), ("«\u00a0", "\u00a0»"), ('"', '"')]
HANDLE_WORDS = "mira dev lab data kit cat sun sea ada byte node loop fern owl".split()
THREAD_STYLES = ("slash_total", "paren", "bracket", "emoji_open", "trailing")
MOJIBAKE_BY_FILE = {1: "cp1252", 5: "latin1"}  # file index modulo 8; the rest are clean


def _cp1252_table() -> dict[int, str]:
    """Byte → character as a sloppy Windows-1252 decoder (ftfy's name) maps it: the five bytes
    Windows-1252 leaves undefined come out as the C1 control of the same value."""
    table = {}
    for byte in range(256):
        try:
            table[byte] = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            table[byte] = chr(byte)
    return table


CP1252 = _cp1252_table()


def misdecode(text: str, kind: str) -> str:
    """`text` as a scraper that read its UTF-8 bytes with the wrong codec would show it."""
    if kind == "clean" or text.isascii():
        return text
    data = text.encode("utf-8")
    if kind == "latin1":
        return data.decode("latin-1")
    return "".join([CP1252[b] for b in data]) if kind == "cp1252" else text


def file_kind(index: int) -> str:
    return MOJIBAKE_BY_FILE.get(index % 8, "clean")


# --------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------
def shown_count(value: int, rng: random.Random) -> str:
    """How X displays a count: `987`, `1,234` (or `1.2K`), `12.4K`, `123K`, `1.2M`; X truncates."""
    if value < 1000:
        return str(value)
    if value < 10_000:
        return f"{value:,}" if rng.random() < 0.7 else _short(value, 1000, "K")
    if value < 1_000_000:
        return _short(value, 1000, "K")
    return _short(value, 1_000_000, "M")


def _short(value: int, unit: int, suffix: str) -> str:
    whole = value // unit
    if whole >= 100:
        return f"{whole}{suffix}"
    tenth = (value * 10 // unit) % 10
    return f"{whole}.{tenth}{suffix}" if tenth else f"{whole}{suffix}"


def _counts(rng: random.Random) -> tuple[int, int, int]:
    likes = min(int(rng.lognormvariate(2.6, 2.1)), 4_800_000)
    reposts = int(likes * rng.uniform(0.0, 0.25))
    replies = int(likes * rng.uniform(0.0, 0.08)) + (1 if rng.random() < 0.3 else 0)
    return replies, reposts, likes


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------
class TextMaker:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.serial = 0

    def sentence(self, words: int) -> str:
        rng = self.rng
        out = [rng.choice(WORDS) for _ in range(words)]
        if rng.random() < 0.85:
            out.insert(rng.randrange(len(out) + 1), COMMON_WORD)
        if rng.random() < 0.35:
            out.insert(rng.randrange(1, len(out) + 1), rng.choice(GLUE))
        roll = rng.random()
        if roll < 0.10:
            out.insert(rng.randrange(len(out) + 1), rng.choice(ACCENTED))
        elif roll < 0.14:
            out.insert(rng.randrange(len(out) + 1), rng.choice(CJK))
        elif roll < 0.16:
            out.insert(rng.randrange(len(out) + 1), rng.choice(CYRILLIC))
        elif roll < 0.17:
            out.insert(rng.randrange(len(out) + 1), rng.choice(GREEK))
        if rng.random() < 0.01:
            out.insert(rng.randrange(len(out) + 1), RARE_WORD)
        text = " ".join(out)
        text = text[0].upper() + text[1:]
        roll = rng.random()
        if roll < 0.12:
            left, right = rng.choice(PUNCT_PAIRS)
            cut = rng.randrange(1, len(out) + 1)
            text = " ".join(out[:cut - 1] + [left + out[cut - 1] + right] + out[cut:])
            text = text[0].upper() + text[1:]
        elif roll < 0.22:
            text = text.replace(" ", "’s ", 1)
        return text + rng.choice((".", ".", ".", "!", "?", " —", "…", ":"))

    def body(self) -> str:
        """One post's text: one to four lines, decorated the way people write."""
        rng = self.rng
        self.serial += 1
        lines = [self.sentence(rng.randint(3, 14)) for _ in range(rng.choice((1, 1, 1, 1, 2, 2, 3, 4)))]
        roll = rng.random()
        if roll < 0.30:
            emoji = "".join(rng.choice(EMOJI) for _ in range(rng.choice((1, 1, 2, 3))))
            if rng.random() < 0.5:
                lines[-1] += " " + emoji
            else:
                lines[0] = emoji + " " + lines[0]
        if rng.random() < 0.08:
            lines[-1] += f" https://example.org/p/{self.serial}"
        if rng.random() < 0.08:
            lines[-1] += f" @{rng.choice(HANDLE_WORDS)}_{rng.randrange(1000)}"
        if rng.random() < 0.08:
            lines[-1] += f" #{rng.choice(WORDS)}{rng.choice(('', 'AI', '2025'))}"
        if rng.random() < 0.04:
            lines.insert(rng.randrange(len(lines) + 1), f"{rng.choice(WORDS).title()} & {rng.choice(WORDS)}")
        # The serial keeps texts apart, as real posts are (dates, names, numbers differ).
        if rng.random() < 0.1:  # dates, prices, versions: what keeps short texts apart
            lines[rng.randrange(len(lines))] += rng.choice(
                (f" on {self.serial % 28 + 1}.{self.serial % 12 + 1}.", f" v{self.serial % 97}.{self.serial % 13}",
                 f" — ${self.serial % 500}", f" ({self.serial})"))
        if rng.random() < 0.012:
            # A post whose last line is a bare number: "Final score:" / "42".
            lines.append(str(rng.choice((rng.randrange(10, 100), rng.randrange(100, 100_000)))))
        return "\n".join(lines)


def _marker(style: str, k: int, n: int) -> tuple[str, str]:
    """(prefix, suffix) marking part k of n in one of the styles people use."""
    if style == "slash_total":
        return f"{k}/{n} ", ""
    if style == "paren":
        return f"({k}/{n}) ", ""
    if style == "bracket":
        return f"[{k}/{n}] ", ""
    if style == "emoji_open":
        return ("\U0001f9f5 1/ " if k == 1 else f"{k}/ "), (" /end" if k == n else "")
    return "", f" {k}/{n}"  # trailing


# --------------------------------------------------------------------------------------------
# Posts, newest first
# --------------------------------------------------------------------------------------------
def iter_posts(rng: random.Random, count: int, start: datetime, id_base: int) -> Iterator[dict]:
    """`count` posts newest first: dict(text, replies, reposts, likes, created, id, reply_to).

    Thread parts come newest part first; about 1 thread in 12 lacks a part (deleted, or cut by
    the scrape) and 1 in 20 has an unrelated post between its parts. In the X archive each part
    replies to the part before it, as X records self-reply threads."""
    maker = TextMaker(rng)
    moment = start
    emitted = 0
    seq = 0

    def stamp() -> tuple[datetime, str]:
        nonlocal moment, seq
        moment -= timedelta(seconds=rng.randint(1, 5400))
        seq += 1
        ms = int(moment.timestamp() * 1000)
        return moment, str(((ms - TWITTER_EPOCH_MS) << 22) | (id_base << 12) | (seq & 0xFFF))

    def single() -> dict:
        created, native = stamp()
        replies, reposts, likes = _counts(rng)
        return dict(text=maker.body(), replies=replies, reposts=reposts, likes=likes,
                    created=created, id=native, reply_to=None)

    while emitted < count:
        if rng.random() < 0.018 and count - emitted >= 4:
            n = min(rng.choice((2, 3, 3, 4, 5, 5, 6, 8, 10, 12)), count - emitted - 1)
            style = rng.choice(THREAD_STYLES)
            missing = rng.randint(2, n) if n >= 3 and rng.random() < 0.08 else None
            parts = []
            # Built oldest first (ids must grow with time), yielded newest first.
            created_ids = []
            for _ in range(n):
                created_ids.append(stamp())
            created_ids.reverse()  # stamp() walks back in time
            previous = None
            for k in range(1, n + 1):
                created, native = created_ids[k - 1]
                prefix, suffix = _marker(style, k, n)
                body = maker.body().split("\n")
                if body[-1].isdigit():
                    body.pop()
                text = prefix + "\n".join(body) + suffix
                replies, reposts, likes = _counts(rng)
                if k == 1:
                    likes = likes * 3 + 10
                parts.append(dict(text=text, replies=replies, reposts=reposts, likes=likes,
                                  created=created, id=native, reply_to=previous, thread=True))
                previous = native
            if missing is not None:
                del parts[missing - 1]
            parts.reverse()
            if len(parts) >= 3 and rng.random() < 0.05:
                # An unrelated post between two parts (posted in between).
                other = single()
                other["created"] = parts[1]["created"] + timedelta(seconds=1)
                parts.insert(1, other)
            for post in parts:
                if emitted >= count:
                    return
                yield post
                emitted += 1
        else:
            yield single()
            emitted += 1


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------
def make_handles(rng: random.Random, authors: int) -> list[str]:
    handles = []
    for index in range(authors):
        handles.append(f"{rng.choice(HANDLE_WORDS)}_{rng.choice(HANDLE_WORDS)}_{index}")
    return handles


def author_shares(count: int, authors: int) -> list[int]:
    """The first author holds 40% (all of them when alone), the others split the rest."""
    if authors == 1:
        return [count]
    first = int(count * 0.4)
    rest = count - first
    sizes = [first] + [rest // (authors - 1)] * (authors - 1)
    sizes[-1] += count - sum(sizes)
    return sizes


def profile_header(rng: random.Random, handle: str, name: str, statuses: int) -> str:
    followers = int(rng.lognormvariate(8, 2))
    lines = [
        name, f"@{handle}",
        "Followers", shown_count(followers, rng),
        "Following", shown_count(rng.randrange(50, 3000), rng),
        "Media", shown_count(rng.randrange(0, 5000), rng),
        "Statuses", shown_count(statuses, rng),
        "Small models, big archives & café-grade coffee ☕ — opinions are my cat’s.",
        rng.choice(("Lagos, Nigeria", "São Paulo", "Zürich", "東京", "Kraków, Polska")),
        f"{handle.replace('_', '')}.dev",
        f"Joined {rng.choice(('March', 'May', 'September'))} {rng.randrange(2009, 2022)}",
    ]
    return "\n".join(lines) + "\n"


def tweet_json(post: dict, handle: str, user_id: str) -> dict:
    text = post["text"]
    full_text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    urls = []
    marker = "https://example.org/p/"
    at = full_text.find(marker)
    if at >= 0:
        end = full_text.find(" ", at)
        end = len(full_text) if end < 0 else end
        expanded = full_text[at:end]
        short = "https://t.co/" + format(zlib.crc32(expanded.encode()), "08x")
        full_text = full_text[:at] + short + full_text[end:]
        urls.append({"url": short, "expanded_url": expanded, "display_url": expanded[8:],
                     "indices": [str(at), str(at + len(short))]})
    tweet = {
        "retweeted": False,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": urls},
        "display_text_range": ["0", str(len(full_text))],
        "favorite_count": str(post["likes"]),
        "id_str": post["id"],
        "truncated": False,
        "retweet_count": str(post["reposts"]),
        "id": post["id"],
        "created_at": post["created"].strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorited": False,
        "full_text": full_text,
        "lang": "en",
    }
    if post["reply_to"]:
        tweet["in_reply_to_status_id_str"] = post["reply_to"]
        tweet["in_reply_to_status_id"] = post["reply_to"]
        tweet["in_reply_to_user_id"] = user_id
        tweet["in_reply_to_user_id_str"] = user_id
        tweet["in_reply_to_screen_name"] = handle
    return {"tweet": tweet}


def generate(out: Path, posts: int, authors: int = 4, seed: int = SEED) -> dict:
    """Write the scrapes for `posts` posts under `out` (see the module doc); return the manifest."""
    started = time.perf_counter()
    rng = random.Random(seed)
    out = Path(out)
    (out / "timelines").mkdir(parents=True, exist_ok=True)
    (out / "x-archive" / "data").mkdir(parents=True, exist_ok=True)
    (out / "x-archive-legacy").mkdir(parents=True, exist_ok=True)
    for old in (out / "timelines").glob("*.txt"):
        old.unlink()
    handles = make_handles(rng, authors)
    owner, owner_id = handles[0], str(rng.randrange(10 ** 17, 10 ** 18))
    tweets = open(out / "x-archive" / "data" / "tweets.js", "w", encoding="utf-8", newline="\n")
    legacy = open(out / "x-archive-legacy" / "tweet.js", "w", encoding="utf-8", newline="\n")
    tweets.write("window.YTD.tweets.part0 = [")
    legacy.write("window.YTD.tweet.part0 = [")
    files = []
    stats = dict(threads_parts=0, bare_number_posts=0, non_ascii_posts=0)
    first_tweet = True
    for index, (handle, size) in enumerate(zip(handles, author_shares(posts, authors))):
        kind = file_kind(index)
        name = f"{handle.split('_')[0].title()} {rng.choice(('Okonkwo', 'Müller', 'Ñúñez', 'Tanaka 田中', 'Ivanova'))} {rng.choice(EMOJI)}"
        path = out / "timelines" / f"{handle}.txt"
        with open(path, "w", encoding="utf-8", newline="\n") as timeline:
            timeline.write(misdecode(profile_header(rng, handle, name, size + rng.randrange(500)), kind))
            post_rng = random.Random(f"{seed}:{index}")
            chunk: list[str] = []
            json_chunk: list[str] = []
            for post in iter_posts(post_rng, size, NEWEST - timedelta(minutes=index), index):
                text = post["text"]
                if post.get("thread"):
                    stats["threads_parts"] += 1
                if text.rsplit("\n", 1)[-1].isdigit():
                    stats["bare_number_posts"] += 1
                if not text.isascii():
                    stats["non_ascii_posts"] += 1
                rng_counts = post_rng
                chunk.append(f"{text}\n{shown_count(post['replies'], rng_counts)}\n"
                             f"{shown_count(post['reposts'], rng_counts)}\n"
                             f"{shown_count(post['likes'], rng_counts)}\n")
                element = json.dumps(tweet_json(post, owner, owner_id), ensure_ascii=False)
                json_chunk.append(("\n" if first_tweet else ",\n") + element)
                first_tweet = False
                if len(chunk) >= 2000:
                    timeline.write(misdecode("".join(chunk), kind))
                    data = "".join(json_chunk)
                    tweets.write(data)
                    legacy.write(data)
                    chunk, json_chunk = [], []
            timeline.write(misdecode("".join(chunk), kind))
            data = "".join(json_chunk)
            tweets.write(data)
            legacy.write(data)
        files.append(dict(path=str(path), handle=handle, posts=size, mojibake=kind,
                          bytes=path.stat().st_size))
    tweets.write("\n]\n")
    legacy.write("\n]\n")
    tweets.close()
    legacy.close()
    account = [{"account": {"email": f"{owner}@example.org", "createdVia": "web",
                            "username": owner, "accountId": owner_id,
                            "createdAt": "2016-03-02T10:11:12.000Z",
                            "accountDisplayName": f"{owner.split('_')[0].title()} Okonkwo"}}]
    profile = [{"profile": {"description": {"bio": "Small models, big archives.",
                                            "website": "https://t.co/abc", "location": "Lagos"},
                            "avatarMediaUrl": "https://pbs.twimg.com/profile_images/1/a.jpg"}}]
    account_js = "window.YTD.account.part0 = " + json.dumps(account, indent=2) + "\n"
    (out / "x-archive" / "data" / "account.js").write_text(account_js, encoding="utf-8")
    (out / "x-archive" / "data" / "profile.js").write_text(
        "window.YTD.profile.part0 = " + json.dumps(profile, indent=2) + "\n", encoding="utf-8")
    (out / "x-archive-legacy" / "account.js").write_text(account_js, encoding="utf-8")
    manifest = dict(
        posts=posts, authors=authors, seed=seed, handles=handles, timelines=files,
        x_archive=str(out / "x-archive"), x_archive_legacy=str(out / "x-archive-legacy"),
        x_archive_bytes=(out / "x-archive" / "data" / "tweets.js").stat().st_size,
        x_owner=owner, common_word=COMMON_WORD, rare_word=RARE_WORD, seconds=0.0, **stats,
    )
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


# --------------------------------------------------------------------------------------------
# Thread-heavy single author (issue 20: "An archive that grows for years")
# --------------------------------------------------------------------------------------------
THREAD_START_SHARE = 0.08  # of all posts, the share that starts a thread (prolific authors)
THREAD_LENGTHS = (2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8)
# The styles the stitcher knows (threads/markers.py), weighted as they are seen: "1/5", "(1/8)",
# "🧵1/" then "2/", a head without a number ("… 🧵", "Thread:") then "2/", a trailing "… 3/5".
HEAVY_STYLES = ("slash_total",) * 3 + ("paren",) * 3 + ("emoji_open",) * 2 + \
    ("emoji_head",) * 2 + ("trailing",)
GAP_SHARE = 0.06  # a gap between two parts holds 1-3 other posts (written in between)
MISSING_SHARE = 0.06  # a thread of 3+ parts lacks one (deleted, or skipped by the scrape)
NEW_POSTS, KNOWN_POSTS = 3, 20  # the growth run's next scrape: 3 new above the 20 newest known
THREAD_EMOJI = "\U0001f9f5"


def thread_chance() -> float:
    """Chance that the next item of the stream is a thread rather than a single post, chosen
    so that thread starts are THREAD_START_SHARE of all posts: a thread brings its parts and
    the posts written between them, less a missing part, so p = h / (1 - h·(T - 1))."""
    mean = sum(THREAD_LENGTHS) / len(THREAD_LENGTHS)
    long_share = sum(n >= 3 for n in THREAD_LENGTHS) / len(THREAD_LENGTHS)
    per_thread = mean + GAP_SHARE * (mean - 1) * 2 - MISSING_SHARE * long_share
    return THREAD_START_SHARE / (1 - THREAD_START_SHARE * (per_thread - 1))


def heavy_marker(style: str, k: int, n: int, variant: int) -> tuple[str, str]:
    """(prefix, suffix) marking part k of n; `variant` (0-2, one per thread: an author writes
    a thread one way) picks among the ways each style is written."""
    if style == "slash_total":
        return (f"{k}/{n}: " if variant == 0 else f"{k}/{n} "), ""
    if style == "paren":
        return ("", f" ({k}/{n})") if variant == 0 else (f"({k}/{n}) ", "")
    if style == "emoji_open":
        if k == 1:
            return (f"{THREAD_EMOJI} 1/ " if variant == 0 else f"{THREAD_EMOJI}1/ "), ""
        return f"{k}/ ", (" /end" if k == n and variant == 2 else "")
    if style == "emoji_head":
        if k > 1:
            return f"{k}/ ", ""
        return (("", f" {THREAD_EMOJI}"), (f"{THREAD_EMOJI} ", ""), ("Thread: ", ""))[variant]
    return "", f" {k}/{n}"  # trailing



def _shown(counts: tuple[int, int, int], rng: random.Random) -> tuple[str, str, str]:
    return tuple(shown_count(value, rng) for value in counts)  # type: ignore[return-value]


def _heavy_single(rng: random.Random, maker: TextMaker) -> dict:
    counts = _counts(rng)
    return dict(text=maker.body(), counts=counts, shown=_shown(counts, rng), part=None)


def _heavy_thread(rng: random.Random, maker: TextMaker) -> list[dict]:
    """One thread as the timeline shows it: last part first, sometimes a part missing, and
    now and then other posts between two parts."""
    n = rng.choice(THREAD_LENGTHS)
    style = rng.choice(HEAVY_STYLES)
    variant = rng.randrange(3)
    missing = rng.randint(2, n) if n >= 3 and rng.random() < MISSING_SHARE else None
    parts: list[Optional[dict]] = []
    for k in range(1, n + 1):
        prefix, suffix = heavy_marker(style, k, n, variant)
        lines = maker.body().split("\n")
        if len(lines) > 1 and lines[-1].isdigit():
            lines.pop()  # the bare number would sit between the text and its marker
        if suffix:
            lines[-1] = lines[-1].rstrip(":")  # "…: 2/5" reads as a score, not a part
        counts = _counts(rng)
        if k == 1:
            counts = (counts[0], counts[1], counts[2] * 3 + 10)
        parts.append(dict(text=prefix + "\n".join(lines) + suffix, counts=counts,
                          shown=_shown(counts, rng), part=(k, n, style)))
    if missing is not None:
        parts[missing - 1] = None
    shown: list[dict] = []
    for part in reversed(parts):
        if part is None:
            continue
        if shown and rng.random() < GAP_SHARE:
            shown.extend(_heavy_single(rng, maker) for _ in range(rng.randint(1, 3)))
        shown.append(part)
    return shown


def thread_heavy_posts(seed: int = SEED) -> Iterator[dict]:
    """One author's timeline, newest first and without end: dict(text, counts, shown, part),
    `part` = (k, n, style) for thread parts, None for other posts.

    The stream does not depend on how much of it is read, so the first posts are the same for
    a 10k and a 1M archive: the growth run's next scrape overlaps each of them alike."""
    rng = random.Random(f"{seed}:thread-heavy")
    maker = TextMaker(rng)
    chance = thread_chance()
    while True:
        if rng.random() < chance:
            yield from _heavy_thread(rng, maker)
        else:
            yield _heavy_single(rng, maker)


def thread_author(seed: int = SEED) -> tuple[str, str]:
    """(handle, display name) of the thread-heavy author."""
    rng = random.Random(f"{seed}:thread-author")
    handle = make_handles(rng, 1)[0]
    return handle, f"{handle.split('_')[0].title()} {rng.choice(('Okonkwo', 'Müller', 'Tanaka 田中'))}"


def timeline_entry(text: str, shown: tuple[str, str, str]) -> str:
    """A post as a copied profile page shows it: its text, then replies, reposts, likes."""
    return f"{text}\n{shown[0]}\n{shown[1]}\n{shown[2]}\n"


def write_heavy_timeline(path: Path, posts: Iterable[dict], header: str) -> dict:
    """Stream `posts` under `header` into `path` (renamed into place when complete, so a cache
    never holds half a file); what was written, counted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    stats = dict(posts=0, thread_starts=0, thread_parts=0, styles={})
    styles: Counter = Counter()
    with open(partial, "w", encoding="utf-8", newline="\n") as timeline:
        timeline.write(header)
        chunk: list[str] = []
        for post in posts:
            stats["posts"] += 1
            if post["part"] is not None:
                stats["thread_parts"] += 1
                if post["part"][0] == 1:
                    stats["thread_starts"] += 1
                    styles[post["part"][2]] += 1
            chunk.append(timeline_entry(post["text"], post["shown"]))
            if len(chunk) >= 2000:
                timeline.write("".join(chunk))
                chunk = []
        timeline.write("".join(chunk))
    partial.replace(path)
    stats["styles"] = dict(sorted(styles.items()))
    stats["bytes"] = path.stat().st_size
    stats["path"] = str(path)
    return stats


def write_thread_timeline(path: Path, posts: int, seed: int = SEED, skip: int = 0) -> dict:
    """The thread-heavy author's scrape of `posts` posts, the `skip` newest left out (the
    growth run's archives leave out what the next scrape brings as new)."""
    handle, name = thread_author(seed)
    header = profile_header(random.Random(f"{seed}:profile"), handle, name, skip + posts)
    stats = write_heavy_timeline(path, islice(thread_heavy_posts(seed), skip, skip + posts), header)
    return dict(stats, handle=handle)


def _grown(value: int, rng: random.Random) -> int:
    """A count a few days later: counts only grow."""
    return value + int(value * rng.uniform(0.0, 0.2)) + rng.randrange(3)


def write_next_scrape(path: Path, seed: int = SEED, new: int = NEW_POSTS,
                      known: int = KNOWN_POSTS) -> dict:
    """The author's next scrape, as a real re-scrape reads: `new` posts written since, then the
    `known` newest posts any archive of `write_thread_timeline(skip=new)` holds, with their
    counts grown; the profile header read again (followers changed)."""
    rng = random.Random(f"{seed}:rescrape")
    posts = list(islice(thread_heavy_posts(seed), new + known))
    for post in posts[new:]:
        post["counts"] = tuple(_grown(value, rng) for value in post["counts"])
        post["shown"] = _shown(post["counts"], rng)
    handle, name = thread_author(seed)
    header = profile_header(rng, handle, name, 1_000_000 + new)
    return dict(write_heavy_timeline(path, posts, header), handle=handle, new=new, known=known)


def generate_threads(out: Path, posts: int, seed: int = SEED) -> dict:
    """The thread-heavy shape for `run.py --shape threads`: `timelines/<handle>.txt`, one
    author, N posts (clean UTF-8); return the manifest (written to `manifest.json`)."""
    started = time.perf_counter()
    out = Path(out)
    handle, _ = thread_author(seed)
    stats = write_thread_timeline(out / "timelines" / f"{handle}.txt", posts, seed)
    manifest = dict(
        shape="threads", posts=posts, authors=1, seed=seed, handles=[handle],
        timelines=[dict(path=stats["path"], handle=handle, posts=posts, mojibake="clean",
                        bytes=stats["bytes"])],
        thread_starts=stats["thread_starts"], threads_parts=stats["thread_parts"],
        thread_start_share=round(stats["thread_starts"] / max(posts, 1), 4),
        styles=stats["styles"], common_word=COMMON_WORD, rare_word=RARE_WORD, seconds=0.0,
    )
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=4)
    parser.add_argument("--shape", choices=("timelines", "threads"), default="timelines",
                        help="threads: one thread-heavy author (--authors is ignored)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/feedarchive-bench/data"))
    args = parser.parse_args(argv)
    if args.shape == "threads":
        manifest = generate_threads(args.out, args.posts, args.seed)
    else:
        manifest = generate(args.out, args.posts, args.authors, args.seed)
    print(json.dumps({k: v for k, v in manifest.items() if k != "timelines"}, indent=2))
    for item in manifest["timelines"]:
        print(f"{item['path']}: {item['posts']} posts, {item['bytes']:,} bytes, {item['mojibake']}")


if __name__ == "__main__":
    main()
