"""Headline: the first substantial line after header furniture, if it reads as a headline; None rather than guess."""

from __future__ import annotations

import re
from collections.abc import Sequence

from etl.fields.agency import is_agency_only, is_site_tagline
from etl.fields.boilerplate import SECTIONS, is_boilerplate_line, is_breadcrumb
from etl.fields.dates import is_dateish, parse_dateline
from etl.fields.phrases import HAS_LETTER_RE, phrase_key, strip_line

MAX_TITLE_CHARS = 250
MAX_TITLE_WORDS = 40
MIN_TITLE_CHARS = 20  # shorter lines count as a headline only with >= MIN_TITLE_WORDS words
MIN_TITLE_WORDS = 3
TITLE_LINES = 15  # non-empty lines searched for the headline (menus can be long)
MAX_SITE_LABEL_WORDS = 4  # "Headline | Site name": the parts beside the headline are short labels
# A short line (under MIN_TITLE_CHARS, fewer than MIN_TITLE_WORDS words) is the headline only when a dateline
# follows it, as on pages that print "Headline / date / body"; a menu item has no date after it.
MIN_SHORT_TITLE_WORDS = 2
# "Елге оралу. Сириядағы ... операциясы (ВИДЕО)": a headline may hold two sentences when it does not end as
# a sentence does; a lead paragraph of two sentences ends with a full stop, and is longer.
MAX_TWO_SENTENCE_TITLE_WORDS = 20
_CLOSERS = "»\"”’)] "

_INNER_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[\"«“(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ]")
_SITE_SUFFIX = re.compile(r"\s+[|]\s+")
_DASH_SUFFIX = re.compile(r"\s+[—–-]\s+([^—–|]{2,60})$")
_ABBREVIATION_END = re.compile(r"(?:\b[^\W\d_]{1,2}|\.[^\W\d_]+)\.$")
# "By John Smith", "Автор: Иван Петров" (but not a headline such as "By 2025, all children will return")
_BYLINE = re.compile(
    r"^(?:By\s+[A-Z][^\W\d_]*(?:\s+[A-Z][^\W\d_]*\.?){0,3}"
    r"|(?i:автор|авторы|author|authors|muallif|муаллиф)\s*:?\s+\S.{0,50})$"
)


def clean_title(line: str) -> str:
    """The headline of a title line: spaces collapsed, a site name after "|" or an agency after a dash cut off."""
    title = " ".join(line.split())
    parts = _SITE_SUFFIX.split(title)
    if len(parts) > 1:
        # "Headline | Site name": keep the headline when the other parts are short labels.
        longest = max(parts, key=len)
        if all(len(part.split()) <= MAX_SITE_LABEL_WORDS for part in parts if part is not longest):
            title = longest
    suffix = _DASH_SUFFIX.search(title)
    if suffix and is_agency_only(suffix.group(1)):  # "Headline — Kaktus.media"
        title = title[: suffix.start()]
    return title


def _is_substantial(line: str) -> bool:
    return len(line) >= MIN_TITLE_CHARS or len(line.split()) >= MIN_TITLE_WORDS


def _is_furniture(line: str) -> bool:
    """True for header furniture that may precede the headline (a short line is judged apart: _is_short_title)."""
    return (
        is_boilerplate_line(line)
        or phrase_key(line) in SECTIONS
        or is_breadcrumb(line)
        or is_dateish(line)
        or parse_dateline(line) is not None
        or is_agency_only(line)
        or is_site_tagline(line)
        or bool(_BYLINE.match(line))
        or not HAS_LETTER_RE.search(line)
    )


def _is_short_title(line: str, following: str | None) -> bool:
    """A short line is the headline when the next non-empty line is a dateline ("Mehr operasiyasi-4" / "2 Mart 2021")."""
    return (len(line.split()) >= MIN_SHORT_TITLE_WORDS and following is not None
            and (is_dateish(following) or parse_dateline(following) is not None))


def _looks_like_headline(title: str) -> bool:
    if len(title) > MAX_TITLE_CHARS or title.endswith((",", ";", ":")):
        return False
    if title.endswith(("…", "...")):
        return True
    if title.endswith(".") and not _ABBREVIATION_END.search(title):
        # Headlines here do not end with a full stop; taking a lead sentence as title would cut it from the body.
        return False
    words = len(title.split())
    breaks = len(_INNER_SENTENCE_BREAK.findall(title))
    if breaks == 1 and words <= MAX_TWO_SENTENCE_TITLE_WORDS and not title.rstrip(_CLOSERS).endswith("."):
        return True
    return words <= MAX_TITLE_WORDS and not breaks


def locate_title(lines: Sequence[str]) -> int | None:
    """Index of the headline line: the first substantial line after header furniture, if it reads as a headline."""
    non_empty: list[tuple[int, str]] = []
    for index, raw in enumerate(lines):
        line = strip_line(raw)
        if line:
            non_empty.append((index, line))
            if len(non_empty) > TITLE_LINES:
                break
    for position, (index, line) in enumerate(non_empty[:TITLE_LINES]):
        if _is_furniture(line):
            continue
        if not _is_substantial(line):
            following = non_empty[position + 1][1] if position + 1 < len(non_empty) else None
            if not _is_short_title(line, following):
                continue
        return index if _looks_like_headline(clean_title(line)) else None
    return None


def extract_title(lines: Sequence[str]) -> str | None:
    """Headline: the first substantial line that is not navigation, slug, dateline or credit; None if it reads as body."""
    index = locate_title(lines)
    return None if index is None else clean_title(strip_line(lines[index]))
