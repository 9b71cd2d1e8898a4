"""Thread stitching, by example.

Each timeline below is written newest first, the way a profile page shows it.
"""
from __future__ import annotations

import pytest

from feedarchive.identity import post_id, thread_id
from feedarchive.models import Post
from feedarchive.threads import find_marker, stitch, stitch_replies


def timeline(*texts: str, author: str = "ines_bakes") -> list[Post]:
    """Posts in page order (newest first) with the ids the store stage would give them."""
    posts = []
    for n, text in enumerate(texts):
        post = Post(text_raw=text, author=author)
        post.id = post_id(author, text, n)
        posts.append(post)
    return posts


def parts_of(result, n: int = 0) -> list[str]:
    return [p.text for p in result.threads[n].parts]


# --- find_marker: each marker style ------------------------------------------------------------

@pytest.mark.parametrize("text, part, total, style, literal", [
    ("1/5: Why does sourdough go flat on day three? Short answer: your starter is hungry.",
     1, 5, "slash_total", "1/5:"),
    ("2/4 Day two: we hiked from Grindelwald to Bachalpsee, 6 km and worth every step.",
     2, 4, "slash_total", "2/4"),
    ("Rustで書いたパーサが3倍速くなった話 (1/4)", 1, 4, "paren", "(1/4)"),
    ("[3/3] Slides and code are on my site, feedback welcome.", 3, 3, "bracket", "[3/3]"),
    ("4/ Last stop: the old market in Chiang Rai.", 4, None, "slash_open", "4/"),
    ("3/n Nobody talks about the bus lanes, so I will.", 3, None, "slash_n", "3/n"),
    ("Notre rapport sur les pistes cyclables est en ligne 🧵(1/6)", 1, 6, "paren", "🧵(1/6)"),
    ("How I cut our CI time in half, a short breakdown 🧵1/", 1, None, "slash_open", "🧵1/"),
    ("🧵 1/3 ร้านก๋วยเตี๋ยวเรือที่ดีที่สุดในอยุธยา", 1, 3, "slash_total", "🧵 1/3"),
    ("1/3 📊 We surveyed 900 bakers about hydration.", 1, 3, "slash_total", "1/3"),
    ("Results table below, raw data in the repo (2/3) https://t.co/Xy12ab", 2, 3, "paren", "(2/3)"),
    ("それでは、今日はここまで。読んでくれてありがとう！(5/5) 🙏", 5, 5, "paren", "(5/5)"),
    ("...and that is why the starter died.(4/4)", 4, 4, "paren", "(4/4)"),
    ("Thread 1/4: what I learned shipping a PWA", 1, 4, "slash_total", "1/4:"),
])
def test_numbered_markers(text, part, total, style, literal):
    marker = find_marker(text)
    assert marker is not None
    assert (marker.part, marker.total, marker.style, marker.text) == (part, total, style, literal)
    assert text[marker.start:marker.end].strip() == literal


def test_marker_position_is_reported():
    assert find_marker("1/5: Intro").position == "start"
    assert find_marker("Intro to the series (1/5)").position == "end"


@pytest.mark.parametrize("text, literal", [
    ("Everything I know about laminated dough, in one place 🧵", "🧵"),
    ("Tactical breakdown of Saturday's derby 🧵👇", "🧵"),
    ("A thread on the three mistakes that cost us the launch:", "A thread"),
    ("Thread: how we moved 40 TB without downtime", "Thread"),
    ("Un fil sur la rénovation du quai Saint-Antoine", "Un fil"),
])
def test_numberless_heads(text, literal):
    marker = find_marker(text)
    assert marker.style == "head" and marker.part is None and marker.text == literal


@pytest.mark.parametrize("text", ["That's all for today, thanks for reading /end", "n/n Fin."])
def test_closing_markers(text):
    assert find_marker(text).style == "end"


@pytest.mark.parametrize("text", [
    "Cup replay moved to 3/4/2025, kick-off at 19:45.",
    "I'd give the new kit a 1.5/10 and I'm being generous.",
    "2/3 of us missed the last train home 🙃",
    "3/4 of the crowd had left before the final whistle.",
    "Brioche: 500 g flour\n1/2 tsp salt\n4 eggs",
    "1/2 tsp of cinnamon changes everything in this cake.",
    "Dinner at the trattoria on Via Zamboni 4/5 — great ragù, slow service.",
    "Our win rate is 7/10 so far this season.",
    "Rated the ramen place 4/5. Broth was perfect.",
    "Full write-up here: https://t.co/ab1/2",
    "Great thread by @mira_sand on learning-rate warmup 👇 https://t.co/Qw3Er",
    "Verdict: 4/5",
    "5/5 would recommend the night train to Vienna.",
    "Meeting moved to 12/3, same room.",
    "The answer is f(1/2)",
])
def test_not_markers(text):
    marker = find_marker(text)
    assert marker is None or marker.style == "head"
    assert stitch(timeline(text)).threads == []


def test_a_post_that_only_mentions_a_thread_is_no_thread():
    posts = timeline("Bought the top, sold the bottom, wrote a 🧵 about it. Full circle 🔄",
                     "Great thread by @kaixu_opt on LR schedules 👇")
    assert stitch(posts).threads == []


# --- layouts ---------------------------------------------------------------------------------

def test_reverse_contiguous_thread_with_colon_markers():
    posts = timeline(
        "5/5: Code and data: https://t.co/Ab12Cd34 Comments welcome!",
        "4/5: In practice: shorten warmup 4× and nothing breaks.",
        "3/5: The surprise: the drift is front-loaded.",
        "2/5: Setup: any network with LayerNorm.",
        "1/5: Why does weight decay fight with warmup?",
        "Lunch in Zürich was 38 francs. I have questions.",
    )
    result = stitch(posts)
    (thread,) = result.threads
    assert [p.thread_index for p in thread.parts] == [1, 2, 3, 4, 5]
    assert thread.parts[0] is posts[4] and thread.parts[-1] is posts[0]
    assert thread.declared_total == 5 and thread.missing == [] and thread.method == "markers"
    assert thread.id == thread_id("ines_bakes", posts[4].id)
    assert posts[4].thread_marker == "1/5:" and posts[5].thread_id is None
    assert thread.confidence == 1.0


def test_forward_thread_in_thai():
    posts = timeline(
        "1/3 รวมร้านอาหารเช้าแถวนางเลิ้ง เปิดตั้งแต่ตีห้า 🥢",
        "2/3 ร้านแรก ข้าวต้มปลา ชามละ 60 บาท",
        "3/3 ร้านสุดท้าย กาแฟโบราณกับขนมปังสังขยา ☕",
    )
    thread = stitch(posts).threads[0]
    assert thread.parts == posts and thread.declared_total == 3


def test_interleaved_reverse_thread_in_japanese():
    posts = timeline(
        "最後にベンチマーク結果。コードはこちら https://t.co/Vn7Ke3Pq (3/3)",
        "今日のランチは味噌ラーメン 🍜",
        "次にアロケータを差し替えたら、メモリ使用量が半分に (2/3)",
        "週末は鎌倉へ行ってきました",
        "自作のHTTPサーバを高速化した話をまとめます (1/3)",
    )
    thread = stitch(posts).threads[0]
    assert thread.parts == [posts[4], posts[2], posts[0]]
    assert "between parts" in thread.evidence


def test_partial_thread_keeps_what_is_known_missing():
    posts = timeline(
        "Merci à toutes celles et ceux qui sont venus samedi ! (8/8)",
        "Les chiffres complets sont dans le rapport. (6/8)",
    )
    thread = stitch(posts).threads[0]
    assert [p.thread_index for p in thread.parts] == [6, 8]
    assert thread.missing == [1, 2, 3, 4, 5, 7]
    assert thread.id == thread_id("ines_bakes", posts[1].id)  # earliest part present


def test_lone_first_part_is_a_thread_of_one():
    posts = timeline("Pourquoi les carrefours à feux tuent les cyclistes — un petit fil 🧵(1/8)")
    thread = stitch(posts).threads[0]
    assert thread.declared_total == 8 and thread.missing == [2, 3, 4, 5, 6, 7, 8]


def test_lone_thread_emoji_head_with_open_number():
    posts = timeline("We just doubled inference speed with speculative decoding. No tricks. 🧵1/")
    thread = stitch(posts).threads[0]
    assert thread.declared_total is None and thread.missing == []
    assert posts[0].thread_marker == "🧵1/"


def test_open_thread_gaps_below_highest_part_are_missing():
    posts = timeline("5/ Last: keep receipts.", "3/ Sybil filters got smarter.",
                     "2/ Gas adds up.", "Why most airdrop farmers lose money 🧵1/")
    thread = stitch(posts).threads[0]
    assert [p.thread_index for p in thread.parts] == [1, 2, 3, 5] and thread.missing == [4]


def test_literal_n_total_stays_unknown():
    posts = timeline("2/n The academy is the plan.", "1/n Let's talk about our academy.")
    thread = stitch(posts).threads[0]
    assert thread.declared_total is None and len(thread.parts) == 2


# --- heads ---------------------------------------------------------------------------------

def test_emoji_head_becomes_part_one_when_part_two_follows():
    posts = timeline(
        "3/ Day three: Pai canyon at sunset.",
        "2/ Day two: Mae Kampong, coffee and fog.",
        "เที่ยวเชียงใหม่ 3 วัน 2 คืน งบไม่เกิน 5,000 บาท 🧵",
    )
    thread = stitch(posts).threads[0]
    assert thread.parts == [posts[2], posts[1], posts[0]]
    assert posts[2].thread_index == 1 and posts[2].thread_marker == "🧵"
    assert "part 1" in thread.evidence


def test_text_head_forward_and_interleaved():
    posts = timeline(
        "A thread on writing a one-page spec that people actually read:",
        "2/ Start with the problem, in the user's words.",
        "Coffee number three. Don't judge.",
        "3/ Then: what success looks like, as a number.",
    )
    thread = stitch(posts).threads[0]
    assert thread.parts == [posts[0], posts[1], posts[3]]


def test_head_without_part_two_is_no_thread():
    posts = timeline("Our summer menu is here 🧵", "Fresh tagliatelle every Friday.")
    assert stitch(posts).threads == []


def test_head_on_the_wrong_side_is_not_taken():
    # Newest first: 3/ above 2/, so part 1 must sit below 2/, not above 3/.
    posts = timeline("Some news for Friday 🧵", "3/ Knead ten minutes.", "2/ Flour and eggs.")
    thread = stitch(posts).threads[0]
    assert thread.parts == [posts[2], posts[1]] and posts[0].thread_id is None


def test_headless_partial_open_thread():
    posts = timeline("4/ 最後は京都の純喫茶。", "3/ 吉祥寺の小さなお店。", "2/ 神保町の老舗。")
    thread = stitch(posts).threads[0]
    assert [p.thread_index for p in thread.parts] == [2, 3, 4] and thread.missing == [1]


def test_closing_end_marker_joins_the_thread_before_it():
    posts = timeline("That's it, thanks for reading /end", "2/ Roll it thin.", "1/ Make a well.")
    thread = stitch(posts).threads[0]
    assert thread.parts == [posts[2], posts[1], posts[0]] and posts[0].thread_index == 3


# --- grouping: same totals, authors ----------------------------------------------------------

def test_two_threads_with_the_same_total_are_split():
    posts = timeline(
        "2/2 Et une découverte : le vélo cargo, c'est plus rapide que la voiture.",
        "1/2 Petit bilan de mon mois sans voiture : 412 km à vélo, 0 regret.",
        "Été 2025 : record de fréquentation sur les berges du Rhône.",
        "2/2 Alors on a refait la réunion, avec des cartes et du café.",
        "1/2 Ce que j'ai appris en animant ma première réunion de quartier.",
    )
    result = stitch(posts)
    assert len(result.threads) == 2
    assert [t.parts for t in result.threads] == [[posts[1], posts[0]], [posts[4], posts[3]]]
    assert result.threads[0].id != result.threads[1].id
    assert "share this total" in result.threads[0].evidence


def test_two_first_parts_next_to_one_second_part_split_by_shared_words():
    posts = timeline(
        "1/2 Petit bilan de mon mois sans voiture : 412 km à vélo.",
        "2/2 Alors on a refait la réunion, avec des cartes et du café.",
        "1/2 Ce que j'ai appris en animant ma première réunion de quartier.",
    )
    result = stitch(posts)
    paired = next(t for t in result.threads if len(t.parts) == 2)
    assert paired.parts == [posts[2], posts[1]]
    assert paired.confidence < 1.0 and "more words in common" in paired.evidence


def test_two_complete_same_total_threads_back_to_back():
    posts = timeline("3/3 C", "2/3 B", "1/3 A", "3/3 Z", "2/3 Y", "1/3 X")
    result = stitch(posts)
    assert [[p.text for p in t.parts] for t in result.threads] == [
        ["1/3 A", "2/3 B", "3/3 C"], ["1/3 X", "2/3 Y", "3/3 Z"]]


def test_parts_are_grouped_per_author():
    posts = timeline("2/2 Second by Ana.", author="ana") + timeline("1/2 First by Bo.", author="bo")
    result = stitch(posts)
    # Bo's bare "1/2" stands alone as a thread start; Ana's lone "2/2" could be a score.
    assert [(t.author, len(t.parts)) for t in result.threads] == [("bo", 1)]


def test_different_totals_never_mix():
    posts = timeline("[2/3] Second.", "(2/4) Other second.", "[1/3] First.", "(1/4) Other first.")
    result = stitch(posts)
    assert sorted(len(t.parts) for t in result.threads) == [2, 2]
    assert {t.declared_total for t in result.threads} == {3, 4}


def test_two_scores_on_a_rating_scale_do_not_chain():
    posts = timeline("9/10 Best tiramisu in Bologna.", "8/10 Great crust, sleepy service.")
    assert stitch(posts).threads == []


def test_lone_lowercase_fraction_is_no_thread():
    assert stitch(timeline("1/2 marathon done this morning 🏃")).threads == []


def test_stitching_twice_gives_the_same_ids():
    texts = ("2/3 Middle.", "1/3 Start.", "3/3 End.")
    first = stitch(timeline(*texts)).threads[0].id
    assert stitch(timeline(*texts)).threads[0].id == first


# --- candidates --------------------------------------------------------------------------------

def test_closing_note_after_last_part_is_a_tail_candidate():
    posts = timeline(
        "Huge thanks to my amazing collaborators @ana_k and @bo_li 🙏",
        "3/3: Conclusion: Muon's update matches the outer-product structure of memories.",
        "2/3: Muon learns more isotropic weights than Adam.",
        "1/3: Where does Muon beat Adam? Associative memory parameters.",
    )
    result = stitch(posts)
    (candidate,) = result.candidates
    assert candidate.post is posts[0] and candidate.role == "tail"
    assert candidate.thread_id == result.threads[0].id and 0 < candidate.confidence < 1
    assert posts[0].thread_id is None and posts[0] not in result.threads[0].parts


def test_intro_shown_first_sharing_the_vocabulary_is_a_head_candidate():
    posts = timeline(
        "Why does Muon outperform Adam? Answer: associative memory learning, isotropic weights.",
        "Conference season again, packing light this time.",
        "2/2: Muon learns isotropic weights; Adam does not.",
        "1/2: Where does Muon beat Adam? Associative memory parameters.",
    )
    result = stitch(posts)
    assert [(c.post, c.role) for c in result.candidates] == [(posts[0], "head")]


def test_unrelated_neighbours_are_not_candidates():
    posts = timeline("Rain all day in Lyon.", "2/2 Fin du trajet.", "1/2 Départ de Mâcon.",
                     "Nouveau vélo !")
    assert stitch(posts).candidates == []


# --- reply ids ---------------------------------------------------------------------------------

def test_reply_chain_each_part_replying_to_the_previous():
    posts = timeline("And that's how we fixed it.", "Then we found the second bug.",
                     "We lost a month of compute to three bugs. Here's what happened.")
    reply_to = {posts[0].id: posts[1].id, posts[1].id: posts[2].id}
    result = stitch_replies(posts, reply_to)
    (thread,) = result.threads
    assert thread.parts == [posts[2], posts[1], posts[0]] and thread.method == "replies"
    assert [p.thread_index for p in thread.parts] == [1, 2, 3]
    assert thread.id == thread_id("ines_bakes", posts[2].id) and result.candidates == []


def test_reply_star_every_part_replying_to_the_first():
    posts = timeline("(3/3) Done.", "(2/3) Middle.", "(1/3) Start here.")
    reply_to = {posts[0].id: posts[2].id, posts[1].id: posts[2].id}
    thread = stitch_replies(posts, reply_to).threads[0]
    assert thread.parts == [posts[2], posts[1], posts[0]]
    assert thread.declared_total == 3 and "first" in thread.evidence


def test_replies_to_other_people_do_not_make_threads():
    mine = timeline("Totally agree with this!")
    theirs = timeline("Hot take: bidirectional bike lanes are fine.", author="someone_else")
    result = stitch_replies(mine + theirs, {mine[0].id: theirs[0].id})
    assert result.threads == [] and mine[0].thread_id is None
