"""Tuned values of the document-level diagnosis, and where each came from.

Kept in one place so that a change to one is a change to this file, next to its reason.
The lossy guesser's many smaller weights stay beside the rules they weigh (`lossy.context`,
`lossy.choose`, `lossy.prior`), each with a comment saying how it was set.
"""
from __future__ import annotations

# A document is thai_lossy when at most this share of its Thai characters contradicts the damage
# model. Genuine Thai contradicts it on almost every word (a consonant is a continuation byte
# with no lead), mis-decoded text essentially never.
THAI_CONTRADICTION_LIMIT = 0.02
# Non-Thai, non-ASCII characters cannot come out of the Thai mis-decoding at all.
THAI_FOREIGN_LIMIT = 0.02
