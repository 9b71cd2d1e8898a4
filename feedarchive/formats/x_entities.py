"""A tweet's text as X shows it, and its media: shared by the three X-shaped readers.

X keeps a tweet's text as it was posted: every link shortened to `https://t.co/…`, the media
attached to it as one more t.co link at the end, and `&`, `<`, `>` written `&amp;`, `&lt;`,
`&gt;` (nothing else is escaped). The link targets and the media are described beside the text,
as "entities", in a shape that depends on where the tweet comes from:

- the account archive (and API v1.1): `entities.urls[{url, expanded_url}]`, the media in
  `extended_entities.media` (all of them) and `entities.media` (the first only, a video's
  still as a `photo`), each with the t.co `url` that stands for it;
- API v2 (twarc2): `entities.urls[{url, expanded_url}]`, the media link among them (with a
  `media_key`, or shown as `pic.x.com/…`), the media in `includes.media` by key;
- snscrape and twscrape: `links[{tcourl, url}]`, and media that do not say their t.co link.

Each reader turns its own shape into `Entities`; `shown` then gives the text X displays: every
described t.co link replaced by its target, the media links taken out (X shows the media under
the text, not a link), X's escapes undone once, and the `Media`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

from ..models import Media
from .common import count

TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")
TRAILING_TCO = re.compile(r"(https?://t\.co/[A-Za-z0-9]+)\s*\Z")
V1_KINDS = {"photo": "image", "video": "video", "animated_gif": "gif"}
SCRAPER_KINDS = {"Photo": "image", "Video": "video", "Gif": "gif"}
MEDIA_DISPLAY = ("pic.twitter.com/", "pic.x.com/")


@dataclass(slots=True)
class Entities:
    """What a source says about a tweet's links and media, in one shape.

    `links` maps each t.co link to its target; `media_links` are the t.co links that stand for
    the media. Scrapers do not say which link that is: with `media_at_end` the last t.co link,
    when it ends the text, the post has media and `links` does not describe it, is taken as it.
    """

    links: dict[str, str] = field(default_factory=dict)
    media: list[Media] = field(default_factory=list)
    media_links: set[str] = field(default_factory=set)
    media_at_end: bool = False


NO_ENTITIES = Entities()


def unescape(text: str) -> str:
    """Undo X's three escapes once (`&amp;lt;` is the text `&lt;`): `&amp;` goes last."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def shown(raw: str, entities: Entities = NO_ENTITIES,
          escaped: bool = True) -> tuple[str, list[Media]]:
    """(the text as X shows it, the media) for `raw` as the source holds it.

    The escapes are undone in the text between links only, so an expanded URL's own `&` is
    never touched. A t.co link the entities do not describe stays as it is. `escaped=False`
    for text X stores unescaped (a long post's note text)."""
    media = entities.media or []  # never the shared default's list
    if "t.co/" not in raw:
        return (unescape(raw) if escaped and "&" in raw else raw), media
    media_links = entities.media_links
    if entities.media_at_end and entities.media:
        last = TRAILING_TCO.search(raw)
        if last is not None and last.group(1) not in entities.links:
            media_links = media_links | {last.group(1)}
    links = entities.links
    pieces: list[str] = []
    position, removed = 0, False
    for match in TCO.finditer(raw):
        link = match.group()
        segment = raw[position:match.start()]
        if escaped and "&" in segment:
            segment = unescape(segment)
        if link in media_links:
            pieces.append(segment.rstrip(" \t"))  # the space that led to the link goes with it
            removed = True
        else:
            pieces.append(segment)
            pieces.append(links.get(link, link))
        position = match.end()
    rest = raw[position:]
    pieces.append(unescape(rest) if escaped and "&" in rest else rest)
    text = "".join(pieces)
    return (text.strip() if removed else text), media


def expand_url(url: str, urls: Any) -> str:
    """A profile's website (`https://t.co/…`) expanded by its `entities.url.urls`."""
    links = link_map(urls, "url", "expanded_url")
    return links.get(url, url)


def link_map(entries: Any, short: str, long: str) -> dict[str, str]:
    """{t.co link: target} from a list of link entities; malformed entries are left out."""
    links: dict[str, str] = {}
    for entry in entries or ():
        if entry.__class__ is dict:
            shortened, expanded = entry.get(short), entry.get(long)
            if shortened and expanded and isinstance(shortened, str) and isinstance(expanded, str):
                links[shortened] = expanded
    return links


# -- the account archive (API v1.1 shape) ---------------------------------------------------
def v1_entities(tweet: dict) -> Entities:
    """Links and media of an archive tweet. `extended_entities.media` lists every item;
    `entities.media` repeats the first (as a `photo`, even for a video): an item is taken
    once, by its id, from `extended_entities` when it is there."""
    entities = tweet.get("entities")
    entities = entities if entities.__class__ is dict else {}
    urls = entities.get("urls")
    found = Entities(link_map(urls, "url", "expanded_url") if urls else {})
    extended = tweet.get("extended_entities")
    items = extended.get("media") if extended.__class__ is dict else None
    first = entities.get("media")
    if not items and not first:
        return found
    seen: set[str] = set()
    for item in (items or []) + (first or []):
        if item.__class__ is not dict:
            continue
        key = str(item.get("id_str") or item.get("id") or item.get("media_url_https") or "")
        if key in seen:
            continue
        seen.add(key)
        found.media.append(v1_media(item))
        if isinstance(item.get("url"), str):
            found.media_links.add(item["url"])
    return found


def v1_media(item: dict) -> Media:
    """One archive media item: a photo's own URL; a video's or GIF's best MP4, with its
    still as `preview_url`; the size of the original (or the `large` rendition)."""
    kind = V1_KINDS.get(item.get("type"), "other")
    still = item.get("media_url_https") or item.get("media_url") or None
    width, height = _v1_size(item)
    alt = item.get("ext_alt_text") or item.get("alt_text") or None
    if kind == "image":
        return Media(kind, still, alt, width, height)
    video = item.get("video_info")
    variants = video.get("variants") if isinstance(video, dict) else None
    url = best_mp4(variants, "content_type", "bitrate")
    return Media(kind, url or still, alt, width, height, preview_url=still)


def _v1_size(item: dict) -> tuple[Optional[int], Optional[int]]:
    original = item.get("original_info")
    if isinstance(original, dict) and original.get("width"):
        return count(original.get("width")), count(original.get("height"))
    sizes = item.get("sizes")
    large = sizes.get("large") if isinstance(sizes, dict) else None
    if isinstance(large, dict):
        return count(large.get("w")), count(large.get("h"))
    return None, None


def best_mp4(variants: Any, type_key: str, rate_key: str) -> Optional[str]:
    """The URL of the highest-bitrate MP4 among a video's variants (the HLS playlist and
    unreadable entries are passed over); None when there is none."""
    best, best_rate = None, -1
    for variant in variants or ():
        if not isinstance(variant, dict) or not variant.get("url"):
            continue
        if variant.get(type_key, "video/mp4") != "video/mp4":
            continue
        rate = count(variant.get(rate_key))
        rate = -1 if rate is None else rate
        if best is None or rate > best_rate:
            best, best_rate = variant["url"], rate
    return best


# -- API v2 (twarc2) ------------------------------------------------------------------------
def v2_entities(tweet: dict, media: Iterable[Any]) -> Entities:
    """Links and media of an API v2 tweet; `media` are its `includes.media` items (or, in
    `twarc2 flatten` output, `attachments.media`). A link entity for the media carries a
    `media_key` (or, in older responses, is displayed as `pic.twitter.com/…`)."""
    # twarc2 flatten leaves `{}` for media it could not find: no media, not an unknown kind
    found = Entities(media=[v2_media(item) for item in media
                            if isinstance(item, dict) and item.get("type")])
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    for entry in urls or ():
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            continue
        display = entry.get("display_url") or ""
        if entry.get("media_key") or (isinstance(display, str)
                                      and display.startswith(MEDIA_DISPLAY)):
            found.media_links.add(entry["url"])
        elif isinstance(entry.get("expanded_url"), str):
            found.links[entry["url"]] = entry["expanded_url"]
    return found


def v2_media(item: dict) -> Media:
    """One `includes.media` item: a photo's `url`; a video's or GIF's best MP4 variant (when
    the response asked for variants) with `preview_image_url` as its still."""
    kind = V1_KINDS.get(item.get("type"), "other")
    still = item.get("preview_image_url") or None
    alt = item.get("alt_text") or None
    width, height = count(item.get("width")), count(item.get("height"))
    if kind == "image":
        return Media(kind, item.get("url") or still, alt, width, height)
    url = best_mp4(item.get("variants"), "content_type", "bit_rate") or item.get("url") or None
    return Media(kind, url, alt, width, height, preview_url=still)


# -- snscrape and twscrape ------------------------------------------------------------------
def scraper_entities(tweet: dict) -> Entities:
    """Links and media of a snscrape or twscrape tweet. `links[{tcourl, url}]` (older
    snscrape: the parallel lists `tcooutlinks`/`outlinks`); media as snscrape's list of typed
    items or twscrape's `{photos, videos, animated}`. Neither says which t.co link is the
    media's, so the trailing one is taken (`media_at_end`). A retweet's text is the retweeted
    tweet's, whose links and media the retweet itself may not list: theirs fill in."""
    links, media = _scraper_links(tweet), _scraper_media(tweet.get("media"))
    retweeted = tweet.get("retweetedTweet")
    if isinstance(retweeted, dict):
        links = {**_scraper_links(retweeted), **links}
        media = media or _scraper_media(retweeted.get("media"))
    return Entities(links, media, set(), media_at_end=True)


def _scraper_links(tweet: dict) -> dict[str, str]:
    links = link_map(tweet.get("links"), "tcourl", "url")
    if not links:
        short, targets = tweet.get("tcooutlinks"), tweet.get("outlinks")
        if isinstance(short, list) and isinstance(targets, list) and len(short) == len(targets):
            links = {s: t for s, t in zip(short, targets)
                     if isinstance(s, str) and isinstance(t, str)}
    return links


def _scraper_media(raw: Any) -> list[Media]:
    if isinstance(raw, dict):
        return twscrape_media(raw)
    if isinstance(raw, list):
        return [snscrape_media(item) for item in raw if isinstance(item, dict)]
    return []


def snscrape_media(item: dict) -> Media:
    """snscrape's `Photo{fullUrl, previewUrl, altText}`, `Video`/`Gif{thumbnailUrl,
    variants[{contentType, url, bitrate}]}`."""
    kind = SCRAPER_KINDS.get(str(item.get("_type", "")).rsplit(".", 1)[-1], "other")
    alt = item.get("altText") or None
    if kind == "image" or (kind == "other" and item.get("fullUrl")):
        return Media("image", item.get("fullUrl") or item.get("previewUrl") or None, alt)
    still = item.get("thumbnailUrl") or None
    url = best_mp4(item.get("variants"), "contentType", "bitrate")
    return Media(kind, url, alt, preview_url=still)


def twscrape_media(groups: dict) -> list[Media]:
    """twscrape's `{photos[{url}], videos[{thumbnailUrl, variants}], animated[{thumbnailUrl,
    videoUrl}]}`, in that order (the source keeps no other)."""
    found: list[Media] = []
    for item in groups.get("photos") or ():
        if isinstance(item, dict):
            found.append(Media("image", item.get("url") or None,
                               item.get("altText") or item.get("alt_text") or None))
    for item in groups.get("videos") or ():
        if isinstance(item, dict):
            found.append(Media("video", best_mp4(item.get("variants"), "contentType", "bitrate"),
                               item.get("altText") or None,
                               preview_url=item.get("thumbnailUrl") or None))
    for item in groups.get("animated") or ():
        if isinstance(item, dict):
            found.append(Media("gif", item.get("videoUrl") or None, item.get("altText") or None,
                               preview_url=item.get("thumbnailUrl") or None))
    return found
