"""Profile fields that a timeline shows as plain lines under the bio.

X shows location and website as the last lines of the profile block, with nothing saying which
is which. They are recognised after repair (mojibake hides what a line looks like), only when
unmistakable; the bio keeps every line as shown.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Optional

WEBSITE = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}(?:/\S*)?", re.IGNORECASE)


def looks_like_location(line: str, alone: bool) -> bool:
    """Short, made of letters, spaces and commas only; alone it needs a `City, Country` comma."""
    if len(line) > 40 or len(line.split()) > 5:
        return False
    for char in line:
        if char in " ,-'’":
            continue
        if unicodedata.category(char)[0] not in "LM":  # letters and combining marks (Thai)
            return False
    return "," in line or not alone


def website_and_location(bio: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    lines = [line.strip() for line in (bio or "").split("\n") if line.strip()]
    website = lines.pop() if lines and WEBSITE.fullmatch(lines[-1]) else None
    location = None
    if lines and looks_like_location(lines[-1], alone=len(lines) == 1 and website is None):
        location = lines[-1]
    return website, location
