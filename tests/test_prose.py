"""The pages' prose as a person writes it (issue 17, items 4 and 5): counts with the right noun
and short big numbers, charts on a log scale, titles cut after a word, profile lines shown
once, and Datasette's tables wrapping text between words.

Unit tests for the helpers (plugins/render.py, feedarchive/titles.py) in several scripts, then
pages served in-process from an archive imported by the real pipeline."""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.titles import ELLIPSIS, cut_title, grapheme_boundary
from feedarchive.web import make_datasette
from feedarchive_plugins import jinja as fa_jinja
from feedarchive_plugins.render import (bar_chart, bio_without, count_number, count_phrase,
                                        count_text, log_scale, parts_phrase, short,
                                        timeline_chart)

from conftest import query
from test_web import ada_thread_id, write_archive


# --------------------------------------------------------------------------- counts

@pytest.mark.parametrize("value, expected", [
    (0, "0"), (7, "7"), (999, "999"), (1_000, "1K"), (1_099, "1K"), (1_299, "1.2K"),
    (1_999, "1.9K"), (12_345, "12.3K"), (99_999, "99.9K"), (123_456, "123K"),
    (999_999, "999K"), (1_000_000, "1M"), (1_250_000, "1.2M"), (12_999_999, "12.9M"),
    (3_400_000_000, "3.4B"),
])
def test_short_truncates_like_x(value, expected):
    assert short(value) == expected


@pytest.mark.parametrize("value, singular, plural, expected", [
    (0, "like", "likes", "0 likes"),
    (1, "like", "likes", "1 like"),
    (2, "like", "likes", "2 likes"),
    (1, "reply", "replies", "1 reply"),
    (3, "reply", "replies", "3 replies"),
    (1, "repost", None, "1 repost"),
    (1, "part", None, "1 part"),
    (1_234, "like", "likes", "1,234 likes"),
    (9_999, "like", "likes", "9,999 likes"),
    (None, "like", "likes", "\u2013 likes"),
    (None, "reply", "replies", "\u2013 replies"),
])
def test_count_phrase_small_counts_are_written_out(value, singular, plural, expected):
    phrase = count_phrase(value, singular, plural)
    assert isinstance(phrase, Markup)
    assert str(phrase) == expected
    assert count_text(value, singular, plural) == expected


@pytest.mark.parametrize("value, shown, exact", [
    (10_000, "10K likes", "10,000 likes"),
    (12_345, "12.3K likes", "12,345 likes"),
    (1_299_999, "1.2M likes", "1,299,999 likes"),
])
def test_count_phrase_large_counts_are_short_with_the_exact_count_on_hover(value, shown, exact):
    assert str(count_phrase(value, "like", "likes")) == f'<span title="{exact}">{shown}</span>'
    assert count_text(value, "like", "likes") == exact


def test_count_phrase_strong_number_and_escaping():
    assert str(count_phrase(1, "like", strong=True)) == "<strong>1</strong> like"
    assert str(count_phrase(45_600, "follower", strong=True)) == \
        '<span title="45,600 followers"><strong>45.6K</strong> followers</span>'
    assert str(count_phrase(None, "follower", strong=True)) == \
        "<strong>\u2013</strong> followers"
    assert str(count_phrase(2, "<b>", "<b>s")) == "2 &lt;b&gt;s"
    assert count_number(None) == "\u2013" and count_number(9_999) == "9,999"


def test_parts_phrase():
    assert str(parts_phrase(1)) == "1 part"
    assert str(parts_phrase(3)) == "3 parts"
    assert str(parts_phrase(3, 4)) == "3 of 4 parts"
    assert str(parts_phrase(1, 1)) == "1 of 1 part"


# --------------------------------------------------------------------------- charts

def bar_heights(svg: str) -> list[float]:
    return [float(h) for h in re.findall(r'<g class="fa-bar">.*?height="([\d.]+)"', svg)]


def test_bar_chart_is_log_scaled_and_says_the_real_counts():
    svg = str(bar_chart([{"label": 1, "value": 10_000}, {"label": 2, "value": 1},
                         {"label": 3, "value": 99}, {"label": 4, "value": None, "missing": True},
                         {"label": 5, "value": 0}]))
    assert 'aria-label="likes per part (log scale)"' in svg
    assert ">log scale</text>" in svg
    tall, one, ninety_nine, zero = bar_heights(svg)
    # On a linear scale 1 like beside 10,000 is under a hundredth of a pixel (drawn as 1).
    assert one / tall == pytest.approx(math.log10(2) / math.log10(10_001), rel=0.02)
    assert ninety_nine / tall == pytest.approx(0.5, rel=0.02)
    assert one > 5 and zero == 1.0
    assert "<title>part 1: 10,000 likes</title>" in svg
    assert "<title>part 2: 1 like</title>" in svg
    assert "<title>part 5: 0 likes</title>" in svg
    assert "<title>part 4: not in the archive</title>" in svg
    assert ">10K</text>" in svg  # the number over the bar is the real count, short


def test_bar_chart_single_bar_has_room_for_its_note():
    svg = str(bar_chart([{"label": 1, "value": 3}]))
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    assert width >= 60 and "log scale" in svg


def test_timeline_chart_is_log_scaled_with_ticks_at_real_counts():
    points = [{"first": i, "last": i, "likes": likes, "reposts": reposts, "posts": 1}
              for i, (likes, reposts) in enumerate([(5, 1), (50_000, 2_000), (1, 0), (120, 8)])]
    svg = str(timeline_chart(points))
    assert "(log scale)" in re.search(r'aria-label="([^"]*)"', svg).group(1)
    assert ">log scale</text>" in svg
    labels = re.findall(r'class="fa-axis-label" text-anchor="end">([^<]+)<', svg)
    assert "50K" in labels and "0" in labels  # the peak and zero, as real counts
    assert {"10", "100", "1K"} <= set(labels)  # ticks at powers of ten
    # The 1-like post is drawn well above the axis (linear: 1/50,000 of the height).
    circles = re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"[^>]*><title>post (\d+) ', svg)
    ys = {int(post): float(cy) for cy, post in circles}
    base = float(re.search(r'<line x1="\d+" y1="([\d.]+)"[^>]*class="fa-axis"', svg).group(1))
    assert (base - ys[2]) / (base - ys[1]) == pytest.approx(
        math.log10(2) / math.log10(50_001), rel=0.05)
    assert "post 1 (0 = newest): 50,000 likes, 2,000 reposts" in svg
    assert "post 2 (0 = newest): 1 like, 0 reposts" in svg


def test_log_scale():
    assert log_scale(0) == 0 and log_scale(None) == 0 and log_scale(-3) == 0
    assert log_scale(9) == pytest.approx(1.0) and log_scale(999) == pytest.approx(3.0)


# --------------------------------------------------------------------------- titles

@pytest.mark.parametrize("text, limit, expected", [
    # English: after the last whole word, dangling punctuation dropped.
    ("How we cut our eval bill in half, and what we learned when doing it", 36,
     "How we cut our eval bill in half…"),
    ("Short title", 120, "Short title"),
    ("exactly ten", 11, "exactly ten"),
    # German and French (accents precomposed and combining).
    ("Warum kleine Sprachmodelle bei engen Aufgaben überzeugen", 30,
     "Warum kleine Sprachmodelle…"),
    ("Le re\u0301sume\u0301 de\u0301taille\u0301 de notre e\u0301valuation", 20,
     "Le re\u0301sume\u0301…"),
    # One long word (a URL) past half the room: cut inside it rather than keep one word.
    ("See https://example.org/a/very/long/path/that/goes/on", 30,
     "See https://example.org/a/ver…"),
    # Hindi: spaces between words; vowel signs and conjuncts stay whole.
    ("छोटे मॉडल संकीर्ण कार्यों पर अच्छा प्रदर्शन करते हैं", 20, "छोटे मॉडल संकीर्ण…"),
    # Korean separates words with spaces.
    ("작은 모델이 좁은 작업에서 이기는 이유", 12, "작은 모델이 좁은…"),
    # Chinese and Japanese: any character boundary, not before 、。」 nor after 「.
    ("小模型在窄任务上为什么总能赢过大模型", 10, "小模型在窄任务上为…"),
    ("評価コストを半分に、そして「速く」した話", 11, "評価コストを半分に…"),
    ("評価コストを半分に、そして「速く」した話", 10, "評価コストを半分…"),  # not before 、
    ("評価「コスト」を半分にした話です", 9, "評価「コスト」を…"),
    ("小さなモデル「評価」の話", 8, "小さなモデル…"),
    # Thai: never a tone mark or vowel sign alone, never after a leading vowel (เ แ โ ใ ไ).
    ("ผมลองฝึกโมเดลเล็กด้วยข้อมูลที่สะอาด", 10, "ผมลองฝึก…"),
    ("น้ำใจของคนไทย", 4, "น้ำ…"),  # not "น้…": sara am stays with its consonant
])
def test_cut_title(text, limit, expected):
    assert cut_title(text, limit) == expected


@pytest.mark.parametrize("text, limit, expected", [
    ("family 👩\u200d👩\u200d👧\u200d👦 photos and more", 10, "family…"),
    ("👩\u200d👩\u200d👧\u200d👦👩\u200d👩\u200d👧\u200d👦", 9, "👩\u200d👩\u200d👧\u200d👦…"),
    ("👍🏽👍🏽👍🏽👍🏽", 6, "👍🏽👍🏽…"),
    ("🇯🇵🇫🇷🇩🇪🇮🇹", 6, "🇯🇵🇫🇷…"),
    ("🇯🇵🇫🇷🇩🇪🇮🇹", 5, "🇯🇵🇫🇷…"),
    ("1\ufe0f\u20e32\ufe0f\u20e33\ufe0f\u20e3", 6, "1\ufe0f\u20e3…"),
    ("\u2764\ufe0f\u2764\ufe0f\u2764\ufe0f", 4, "\u2764\ufe0f…"),
])
def test_cut_title_keeps_emoji_sequences_whole(text, limit, expected):
    assert cut_title(text, limit) == expected


def test_cut_title_keeps_surrogate_pairs_together():
    pair = "\ud83d\ude00"  # U+1F600 as a UTF-16 pair, as a lossy decoder can leave it
    assert cut_title(pair * 5, 4) == pair + ELLIPSIS
    assert not grapheme_boundary(pair, 1)


def test_cut_title_from_the_store_cuts_after_a_word(tmp_path):
    line = ("(1/2) Why small language models keep winning on narrow tasks: cleaner data, "
            "cheaper evaluation, faster iteration and fewer surprises in production")
    assert len(line) > 120
    path = write_prose_archive(tmp_path, first_line=line)
    (title,) = query(path, "select title from threads where author = 'lin_writes'")[0]
    assert title.endswith(ELLIPSIS) and len(title) <= 120
    head = title[:-1]
    assert line.startswith(head) and line[len(head)] == " ", title


# Characters from several scripts, with the marks and joiners that make clusters.
CLUSTER_PARTS = st.sampled_from(
    list("ab xyz,") + ["e\u0301", "\u0301", "क", "्", "ष", "ि", "ा", " ", "ก", "\u0e49", "\u0e33",
                       "เ", "ๆ", "日", "本", "、", "。", "「", "」", "ー", "👩", "\u200d", "🏽",
                       "\ufe0f", "🇯", "🇵", "한", "글"])


@settings(max_examples=300, deadline=None)
@given(st.lists(CLUSTER_PARTS, min_size=1, max_size=40).map("".join),
       st.integers(min_value=1, max_value=30))
def test_cut_title_properties(text, limit):
    regex = pytest.importorskip("regex")  # not a dependency; checks the cut where installed
    cut = cut_title(text, limit)
    assert len(cut) <= max(limit, len(text) if len(text) <= limit else 0)
    if len(text) <= limit:
        assert cut == text
        return
    assert cut.endswith(ELLIPSIS)
    head = cut[:-1]
    assert text.startswith(head)
    ends = {m.end() for m in regex.finditer(r"\X", text)} | {0}
    assert len(head) in ends, f"{text!r} cut inside a character at {len(head)}"


# --------------------------------------------------------------------------- profiles

@pytest.mark.parametrize("bio, location, website, expected", [
    ("Tiny models, big notebooks.\nBerlin, Germany\nhttps://ada.example/",
     "Berlin, Germany", "ada.example", "Tiny models, big notebooks."),
    ("Tiny models.\n  berlin,   GERMANY  \nwww.Ada.Example", "Berlin, Germany",
     "https://ada.example/", "Tiny models."),
    ("Tiny models.\nhttp://ada.example", None, "www.ada.example/", "Tiny models."),
    # Only whole lines equal to them go: a sentence that mentions the city stays.
    ("I moved to Berlin, Germany last year.\nBerlin, Germany", "Berlin, Germany", None,
     "I moved to Berlin, Germany last year."),
    # Another site in the bio is not the website.
    ("Notes: https://notes.example\nhttps://ada.example", None, "https://ada.example",
     "Notes: https://notes.example"),
    ("機械学習の研究者です。\n東京都渋谷区\nkenji.example.jp", "東京都渋谷区", "kenji.example.jp",
     "機械学習の研究者です。"),
    ("นักวิจัยด้านภาษา\nกรุงเทพมหานคร", "กรุงเทพมหานคร", None, "นักวิจัยด้านภาษา"),
    ("First line\n\nSecond paragraph\n\nBerlin", "Berlin", None, "First line\n\nSecond paragraph"),
    ("Berlin", "Berlin", None, ""),
    ("Unrelated bio", "Berlin", "ada.example", "Unrelated bio"),
    (None, "Berlin", None, ""),
    ("A bio", None, None, "A bio"),
    ("A bio\n", "", "  ", "A bio"),
])
def test_bio_without(bio, location, website, expected):
    assert bio_without(bio, location, website) == expected


def test_helpers_are_added_to_a_jinja_environment():
    from jinja2 import Environment

    env = Environment(autoescape=True)
    fa_jinja.add_helpers(env)
    html = env.from_string(
        '{{ count_phrase(n, "like") }}|{{ n|count_phrase("like") }}|{{ cut_title(t, 8) }}|'
        '{{ bio_without(b, "Oslo", None) }}').render(n=12_345, t="one two three", b="Hi\nOslo")
    assert html == ('<span title="12,345 likes">12.3K likes</span>|'
                    '<span title="12,345 likes">12.3K likes</span>|one two…|Hi')


# --------------------------------------------------------------------------- pages

PROFILE_BIO = "Small models, careful evals.\nBerlin, Germany\nlin.example/notes"
FIRST_LINE = ("(1/3) Why small language models keep winning on narrow tasks: cleaner data, "
              "cheaper evaluation, faster iteration and fewer surprises in production")


def write_prose_archive(tmp_path: Path, first_line: str = FIRST_LINE) -> Path:
    """One author whose counts exercise every noun form: 12.5K followers, 1 following, 1
    photo or video; a three-part thread with 12,345 likes on part 1, 1 like, 1 reply and 1
    repost on part 2, nothing on part 3."""
    lines = ["Lin Writes", "@lin_writes", "Followers", "12.5K", "Following", "1", "Media", "1",
             "Statuses", "3", PROFILE_BIO, "Joined March 2020"]
    posts = [("(3/3) That is all for now.", "0", "0", "0"),
             ("(2/3) Data first: we cleaned the labels before anything else.", "1", "1", "1"),
             (first_line, "12", "2,345", "12,345")]
    if first_line.startswith("(1/2)"):
        posts = [("(2/2) The end.", "0", "0", "0"), (first_line, "0", "0", "5")]
    for text, replies, reposts, likes in posts:
        lines += [text, replies, reposts, likes]
    source = tmp_path / "lin.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = tmp_path / "prose.db"
    db = open_db(path)
    import_file(db, source)
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def prose_archive(tmp_path_factory):
    return write_prose_archive(tmp_path_factory.mktemp("prose"))


@pytest.fixture(scope="module")
def web_archive(tmp_path_factory):
    return write_archive(tmp_path_factory.mktemp("prose-web"))


def lin_thread(path) -> str:
    return query(path, "select id from threads where author = 'lin_writes'")[0][0]


def no_bad_plurals(html: str) -> None:
    text = re.sub(r"<[^>]+>", "", html)
    for noun in ("likes", "replies", "reposts", "parts", "threads", "sources", "followers",
                 "posts archived", "repairs"):
        assert not re.search(rf"(?<![\d,.])1 {noun}\b", text), f"'1 {noun}'"


async def test_thread_page_counts_summary_and_chart(prose_archive):
    ds = make_datasette(prose_archive)
    html = (await ds.client.get(f"/-/thread/{lin_thread(prose_archive)}")).text
    assert '<span title="12,345 likes"><strong>12.3K</strong> likes</span>' in html
    assert "<strong>2,345</strong> reposts" in html and "<strong>12</strong> replies" in html
    part2 = html[html.index("Data first"):]
    part2 = part2[:part2.index("</article>")]
    assert "<strong>1</strong> like<" in part2 and "<strong>1</strong> reply<" in part2
    assert "<strong>1</strong> repost<" in part2
    assert "<strong>0</strong> likes" in html
    summary = html[html.index('class="fa-thread-summary"'):]
    summary = re.sub(r"\s+", " ", summary[:summary.index("</p>")])
    assert "3 of 3 parts" in summary
    assert 'in total <span title="12,346 likes">12.3K likes</span>, 2,346 reposts, ' \
           '13 replies' in summary
    chart = re.search(r'<svg class="fa-chart".*?</svg>', html, re.S).group(0)
    assert "(log scale)" in chart and ">log scale</text>" in chart
    assert "<title>part 1: 12,345 likes</title>" in chart and "<title>part 2: 1 like</title>" in chart
    heights = bar_heights(chart)
    assert heights[1] > 5  # 1 like still shows beside 12,345
    no_bad_plurals(html)


async def test_thread_title_is_cut_after_a_word_on_its_pages(prose_archive):
    ds = make_datasette(prose_archive)
    html = (await ds.client.get(f"/-/thread/{lin_thread(prose_archive)}")).text
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    # 120 characters end inside "fewer": the title stops at the word before.
    assert title.strip().endswith("faster iteration and…"), title
    home = (await ds.client.get("/")).text
    assert "iteration and…</a>" in home and "and fe" not in home


async def test_author_page_counts_and_profile_lines_shown_once(prose_archive):
    ds = make_datasette(prose_archive)
    html = (await ds.client.get("/-/author/lin_writes")).text
    profile = html[html.index('class="fa-profile"'):html.index("</ul>", html.index("fa-stats"))]
    bio = re.search(r'<div class="fa-bio fa-text">(.*?)</div>', profile, re.S).group(1)
    assert bio == "Small models, careful evals."
    assert profile.count("Berlin, Germany") == 1
    assert profile.count(">lin.example/notes</a>") == 1
    assert '<span title="12,500 followers"><strong>12.5K</strong> followers</span>' in profile
    assert "<strong>1</strong> following" in profile
    assert "<strong>1</strong> photo or video" in profile
    assert "<strong>3</strong> posts archived" in profile
    assert "<strong>1</strong> thread<" in profile
    threads = html[html.index("<h2>Threads</h2>"):]
    threads = threads[:threads.index("</ul>")]
    assert "3 of 3 parts" in re.sub(r"\s+", " ", threads)
    assert '<span title="12,346 likes">12.3K likes</span>' in threads
    chart = re.search(r'<svg class="fa-chart fa-timeline-chart".*?</svg>', html, re.S).group(0)
    assert "(log scale)" in chart and ">log scale</text>" in chart and ">12.3K</text>" in chart
    no_bad_plurals(html)


async def test_web_archive_pages_read_as_prose(web_archive):
    ds = make_datasette(web_archive)
    thread = (await ds.client.get(f"/-/thread/{ada_thread_id(web_archive)}")).text
    summary = re.sub(r"\s+", " ", thread[thread.index('class="fa-thread-summary"'):])
    assert summary.startswith('class="fa-thread-summary"> 2 of 4 parts')
    assert "Count history (2 sources)" in thread
    author = (await ds.client.get("/-/author/ada_lab")).text
    assert "Tiny models, big notebooks." in author
    for html in (thread, author):
        no_bad_plurals(html)


async def test_table_cells_wrap_between_words(web_archive):
    ds = make_datasette(web_archive)
    css = (await ds.client.get("/-/static-plugins/feedarchive/feedarchive.css")).text
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = dict((sel.strip(), body) for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css))
    cell = rules[".fa-text, .fa-cell-text"]
    assert "overflow-wrap: break-word" in cell and "word-break: normal" in cell
    assert "anywhere" not in cell
    url = next(body for sel, body in rules.items() if ".fa-cell-text a.fa-url" in sel)
    assert "overflow-wrap: anywhere" in url
    # No rule lets a cell's words break anywhere.
    assert not any("anywhere" in body or "break-all" in body
                   for sel, body in rules.items() if "a.fa-url" not in sel)
    table = (await ds.client.get("/feedarchive/posts")).text
    assert 'class="fa-cell-text"' in table and "/-/static-plugins/feedarchive/feedarchive.css" in table


async def test_plugin_registers_the_template_helpers(tmp_path):
    """Datasette calls the plugin's `prepare_jinja2_environment` on the environment every
    page renders from: the helpers are there for every template."""
    open_db(tmp_path / "archive.db")
    ds = make_datasette(tmp_path / "archive.db")
    await ds.invoke_startup()
    assert ds.jinja_env.filters["count_phrase"] is count_phrase
    assert ds.jinja_env.globals["cut_title"] is cut_title