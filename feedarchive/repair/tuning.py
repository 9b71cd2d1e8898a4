"""The repair stage's tuned weights and thresholds, each with what is known of its origin.

A change to one is a change to this file. Where a value was estimated (a share of posts, a
frequency) or measured (on the development corpus, `/work/shared/corpus`), its comment says
so; the others are weights set by hand while the rules were written, and only the figures
of `score.py` and `tests/bench/measure_repair.py` tell whether a new value is better. This
module imports nothing of the package: every layer may read it.

Some numbers stay beside their code on purpose: the estimated letter and punctuation tables
of `lossy.prior` (`THAI_LETTER_RATES`, `PUNCTUATION_RATES`: data, not weights), the codec
evidence limits of `exact` (`MIN_EVIDENCE`, `IMPLAUSIBLE_RATIO`), and the cost bounds of
`diff` (`DIFF_*`) and `document` (`EVIDENCE_TEXTS`), which bound work, not accuracy.
"""
from __future__ import annotations

import math

# --- Diagnosis (`diagnose`) -----------------------------------------------------------------

# A document is thai_lossy when at most this share of its Thai characters contradicts the damage
# model. Genuine Thai contradicts it on almost every word (a consonant is a continuation byte
# with no lead), mis-decoded text essentially never.
THAI_CONTRADICTION_LIMIT = 0.02
# Non-Thai, non-ASCII characters cannot come out of the Thai mis-decoding at all.
THAI_FOREIGN_LIMIT = 0.02


# --- Character priors (`lossy.prior`) --------------------------------------------------------

# Mixture weights of the languages the archive's sources are written in, before any evidence
# from the document itself.
LANGUAGE_WEIGHTS = {"en": 0.4, "fr": 0.15, "it": 0.05, "ja": 0.25}
THAI_WEIGHT = 0.15
EMOJI_WEIGHT = 4.0  # social posts use emoji far more than wordfreq's mixed sources
CAPITAL_SHARE = 0.05  # of the letters in posts, estimated

EMOJI_PRESENTATION_BOOST = 3.0

# Languages told apart by their words, and how much one word counts: words of one sentence
# are not independent draws, so the full product of their likelihoods would be overconfident.
WORD_LANGUAGES = ("en", "fr", "it")
WORD_EVIDENCE = 0.5
UNLISTED_WORD = 1e-7  # frequency of a word a language's list leaves out
# Share left to a script's language in a text where no character can be of that script.
ABSENT_SCRIPT = 0.02

# Thai word lists PyThaiNLP ships as plain files, and the share each gets: the Thai National
# Corpus (formal written Thai, 106k words), the Thai Textbook Corpus (everyday Thai, 19k), which
# is nearer to what people post, and Phupha (web pages from Common Crawl, 62k words).
THAI_CORPORA = {"tnc_freq.txt": 0.1, "ttc_freq.txt": 0.4, "phupha_word_freqs.txt": 0.5}


# --- Emoji named in a post (`lossy.emoji`) ---------------------------------------------------

# Name words this common say nothing of the picture (`face`, `button`), nor do the commonest
# words of the languages (`the`, `new`, `de`: Zipf frequency 5 is once per 100,000 words).
MAX_EMOJI_PER_NAME_WORD = 3

MAX_NAME_WORD_ZIPF = 5.0


# --- Context rules (`lossy.context`), in log units -------------------------------------------

# How much a neighbour of the same class raises a candidate, in log units, by class.
SAME_CLASS_BONUS = {"cjk": 2.0, "thai": 1.5, "emoji": 1.0, "latin": 0.3}
MATH_STYLE_BONUS = 5.0
OTHER_LETTER_BONUS = 2.0

# Bigram evidence is capped: an unseen pair (`c’est` when a word list splits elisions) must
# not veto a candidate on its own. Two letters that never meet inside a word (`àd`) are strong
# evidence, so letter pairs get a wider range.
BIGRAM_LOG_RANGE = (-4.0, 5.0)
LETTER_BIGRAM_LOG_RANGE = (-9.0, 5.0)

# An apostrophe touches letters (`don’t`); a dash touching a letter is the rarer spelling.
APOSTROPHE_LETTER = 1.0

ZWJ_BONUS = 3.0
# A variation selector after a character Unicode does not pair with one: not a sequence any
# keyboard produces.
INVALID_SEQUENCE = 8.0

# A flag is two regional indicator letters (🇫🇷); one alone, or a skin tone with no emoji
# before it, is not something a keyboard writes.
SEQUENCE_BREAK = 4.0

FLAG_PAIR = 5.0

CAPITAL_INSIDE_WORD = 3.0

LONE_MARK = 2.0  # per side of a styled letter among plain text; twice that for a lone quote

YEAR_ABBREVIATION = 1.0

# Corrections to the letter-neighbour rules of `_quote_left`/`_quote_right` (which favour `’`
# touching letters by 2 and disfavour a dash by 2), once the words on both sides are known.
NOT_A_CONTRACTION = -5.0

DASH_BETWEEN_WORDS = 3.0


# --- Both word lattices (`lossy.lattice`) ----------------------------------------------------

MAX_WORD = 12  # characters
BREAK_LOG = math.log(0.01)


# --- The Thai word lattice (`lossy.thai`) ----------------------------------------------------

# Share of tokens that are dictionary words, the rest being single out-of-vocabulary characters.
WORD_WEIGHT = 0.95

THAI_WORDS_KEPT = 60_000

WORDS_PER_FORM = 16  # the rest of the words sharing one damaged form never win
THAI_SPACE_LOG = math.log(0.15)

# Share of the words right after a number that are classifiers: Thai counts with one
# (`50 บาท`, `40 ปี`, `3 คน`), though a number can also end a phrase.
AFTER_NUMBER_CLASSIFIER = 0.5


# --- The Japanese lattice (`lossy.japanese`) -------------------------------------------------

# Share of tokens that are no dictionary word (names, rare kanji), each one character here.
UNKNOWN_SHARE = 0.05
# Of the words that share a damaged form and context ids, only the cheapest can be on the
# best path. One this many nats dearer than the cheapest word of its form would need the
# grammar to favour it by 6,400 cost units (on the development corpus, margins of 6 and 10
# pick the same characters as no margin at all; 3 loses 13 of them).
WORD_MARGIN = 8.0
# Japanese is written without spaces: between two Japanese characters a space is rare (after
# `！` or around a Latin word, mostly), and a space there is more often byte 0xA0 of `だ`, `ム`
# or `眠`, which the damage turned into one.
JAPANESE_SPACE_LOG = math.log(0.01)

# States further than this below the best one at their position (a factor of e**30, about
# 1e13) can change neither the best path nor any confidence a person would read.
BEAM = 30.0


# --- Styled words (`lossy.styled`) -----------------------------------------------------------

# How often a word is written in one math-alphabet style (estimate for social posts).
MATH_WORD_PRIOR = 1e-4  # spread over the styles that fit
CAPITAL_LOG = math.log(0.05)  # a capital letter inside a styled word, without other evidence
MIN_MATH_WORD = 3  # letters a run needs to be read as a styled word on its own

# A styled run no word list knows (`𝗿𝗲𝗸𝘁`), in a style the text uses elsewhere: read as
# the likeliest letters, as if it were a rare word.
OOV_WORD_FREQUENCY = 1e-7


# --- Choosing among candidates (`lossy.choose`) ----------------------------------------------

# Probability that a real space / line break stands where a lead could have owned it.
REAL_TOKEN_PROBABILITY = {" ": 0.15, "\n": 0.01}
# A real line break is seldom followed by a space (a line starting with one, estimated); where
# a leftover line break is, the byte 0x85 of the character before it is the likelier reading.
LINE_STARTS_WITH_SPACE_LOG = math.log(0.05)

# Options kept per group for the chain decoding; thousands of emoji otherwise. Candidates are
# ranked by prior once per candidate table; the best PRESELECT of them and any the document
# shows intact are scored with the document's evidence, and the best MAX_OPTIONS kept.
MAX_OPTIONS = 16
PRESELECT = 64
LATTICE_OPTIONS = 48  # character edges per reading in the word lattice

# How much likelier an emoji is when the text names what it shows (`egg` for 🥚).
NAMED_EMOJI_BOOST = math.log(150.0)

PER_KIND = 3

EMOJI_BASE_OPTIONS = 8
