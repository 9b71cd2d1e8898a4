"""What the full-text indexes hold, and how a query is put to them.

Two indexes per searchable table (`posts`, `pages`):

- `<table>_fts`, the word index of every row: FTS5's `unicode61` tokenizer, which splits text
  at spaces and punctuation, with marks kept inside words (by default it cuts Hindi and Thai
  words at their vowel signs) and English word forms folded by the Porter stemmer, so that
  `optimiser` finds `optimisers`. Other languages' word forms are found by prefix (`optim*`).

- `<table>_grams`, the gram index, for the rows holding text in a script written without
  spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) or in Korean, whose
  words carry their particles. The word index makes a whole run of such text one token, with
  any Latin word glued to it (`AIの研究` is one token), so neither can be found inside it.
  Here each run is indexed as its characters (`uni`) and its overlapping pairs (`bi`), and
  the rest of the text, with the runs taken out, as words (`words`). A run of one character
  is looked up in `uni`, of two in `bi`, and of more as the phrase of its pairs, which
  matches exactly where the text holds it. An archive without such text has no rows here.

A query is put to both: the rows of the gram index answer it for the text they hold, the word
index for the rest; a query holding a run can only match rows of the gram index.

>>> gram_runs("GPT 今天很好!")
['今天很好']
>>> grams("AIの研究")
('AI ', 'の 研 究', 'の研 研究')
>>> gram_query("今天很好")
'bi : "今天 天很 很好"'
"""
from __future__ import annotations

import re
from typing import Optional

WORD_TOKENIZER = "porter unicode61 remove_diacritics 2 categories 'L* N* Co M*'"

# Scripts written without spaces between words, and Hangul (syllables, jamo, compatibility
# jamo), by Unicode block. The ideographic iteration marks and the prolonged sound mark are in
# the CJK blocks; full-width Latin and CJK punctuation are not (`unicode61` drops punctuation).
GRAM_SCRIPT = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1100-\u11ff"  # Hangul Jamo
    "\u1780-\u17ff"  # Khmer
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3130-\u318f"  # Hangul Compatibility Jamo
    "\u31f0-\u31ff"  # Katakana Phonetic Extensions
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uac00-\ud7af"  # Hangul Syllables
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK Extensions B-G
)
GRAM_RUN = re.compile(f"[{GRAM_SCRIPT}]+")
GRAM_SPLIT = re.compile(f"([{GRAM_SCRIPT}]+)")
WORD_CHARACTER = re.compile(r"[^\W_]")
# Between two runs in `bi`: a token no query's pairs can be, so a phrase never spans runs.
RUN_BREAK = "0"


def gram_runs(text: str) -> list[str]:
    """The runs of text in the gram scripts, in order."""
    return GRAM_RUN.findall(text)


def grams(text: str) -> Optional[tuple[str, str, str]]:
    """The `words`, `uni` and `bi` columns of `text`'s gram-index row; None when it holds no
    gram-script run."""
    runs = gram_runs(text)
    if not runs:
        return None
    words = GRAM_RUN.sub(" ", text)
    uni = " ".join(ch for run in runs for ch in run)
    bi = f" {RUN_BREAK} ".join(" ".join(run[i:i + 2] for i in range(len(run) - 1))
                               for run in runs if len(run) > 1)
    return words, uni, bi


def gram_query(run: str) -> str:
    """The gram-index query that matches wherever the text holds `run` (a gram-script run)."""
    if len(run) == 1:
        return f'uni : "{run}"'
    return 'bi : "' + " ".join(run[i:i + 2] for i in range(len(run) - 1)) + '"'


def quoted(term: str, prefix: bool = False) -> str:
    """One term of a word-index query, quoted so that FTS5 syntax in it is only text."""
    return '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")


def split_query(q: str) -> tuple[str, str]:
    """The user's words as (words, runs): the query of their words and that of their
    gram-script runs; every word must match, and either may be empty. `word*` is a prefix
    search. `index_queries` says what to ask each index.

    >>> split_query('optimiser "dropout" ありがとう*')
    ('"optimiser" "dropout"', 'bi : "あり りが がと とう"')
    >>> split_query("GPT今天")
    ('"GPT"', 'bi : "今天"')
    """
    words, gram_terms = [], []
    for word in re.findall(r"[^\s\"]+", q):
        prefix = word.endswith("*")
        # Alternately the text between runs and a run: [other, run, other, ..., other].
        pieces = GRAM_SPLIT.split(word.strip("*#@"))
        for index, piece in enumerate(pieces):
            if index % 2:
                gram_terms.append(gram_query(piece))
            elif WORD_CHARACTER.search(piece):
                words.append(quoted(piece, prefix and index == len(pieces) - 1))
    return " ".join(words), " AND ".join(gram_terms)


def index_queries(words: str, runs: str) -> tuple[str, str]:
    """(word-index query, gram-index query) for the parts `split_query` made; the word index
    is not asked (empty) when the query holds a run, which only gram-index rows can match.

    >>> index_queries('"ai"', 'bi : "研究"')
    ('', 'words : ("ai") AND bi : "研究"')
    >>> index_queries('"optimiser"', '')
    ('"optimiser"', 'words : ("optimiser")')
    """
    gram = " AND ".join(filter(None, [f"words : ({words})" if words else "", runs]))
    return ("" if runs else words), gram
