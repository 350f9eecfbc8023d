"""Datelines: the date of a line that is essentially a date stamp, and where the article's dateline is.

A dateline is read with the regexes here first (numeric and month-name dates in the five languages), then
with dateparser on short lines that state a year. Dates inside sentences are event dates and never count.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from dateparser.date import DateDataParser

from etl.fields.phrases import (
    PHRASES,
    WORD_RE,
    alternation,
    fold,
    phrase_keys,
    strip_line,
)

logger = logging.getLogger(__name__)

MIN_YEAR = 1990
DATELINE_LINES = 5  # non-empty lines searched for the dateline, counted from the top or from the headline
TAIL_LINES = 3  # non-empty lines at the end searched for a labelled dateline
HEADER_MAX_LINES = 40  # below the top window, short date lines above the first paragraph count up to this line
PARAGRAPH_MIN_WORDS = 12  # a line this long is the article's text
MAX_DATELINE_CHARS = 100
MAX_DATELINE_OTHER_WORDS = 2  # capitalized words beside the date: a city, the agency ("ASTANA, 21 September 2016")
MAX_BYLINE_OTHER_WORDS = 2  # words between an author's name and the date ("By X in Nation on 2019-05-29")
MAX_DATEPARSER_LINE_CHARS = 60  # longer lines are not given to dateparser
MAX_DATEPARSER_LINE_WORDS = 5
MAX_DATEISH_CHARS = 60  # a date or time stamp line ("21.09.2016", "Вчера, 14:35") is at most this long
MAX_DATEISH_WORDS = 4

DATEPARSER_LANGUAGES = ("en", "ru", "kk", "ky", "uz")
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "PREFER_DAY_OF_MONTH": "first",
    "PREFER_DATES_FROM": "past",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["absolute-time"],  # never "relative-time" (today, 2 days ago) nor the current-date fallback
}

_DATE_WORDS = phrase_keys("date_words")
_PUBLISH_LABELS = tuple(fold(label) for label in PHRASES["publish_labels"])
_CLOCK = re.compile(r"(?<!\d)[0-2]?\d:[0-5]\d(?!\d)")
_TIME = re.compile(r"(?<!\d)[0-2]?\d[:.][0-5]\d(?::[0-5]\d)?(?!\d)(?:\s*(?:am|pm))?", re.IGNORECASE)

_MONTH_BY_STEM: dict[str, int] = {
    fold(stem): int(month) for month, stems in PHRASES["months"].items() for stem in stems
}
_MONTH_STEMS_LONGEST_FIRST = sorted(_MONTH_BY_STEM, key=len, reverse=True)
# A month stem plus an inflection ("сентября", "sentabrda", "September", "Sept.").
_MONTH = rf"(?<![^\W\d_])(?:{alternation(_MONTH_BY_STEM)})[^\W\d_]{{0,7}}\.?"
_DAY = r"(?<![\d.,:/])(?P<d>[0-3]?\d)"
_DAY_SUFFIX = r"(?:st|nd|rd|th|-?го|-?чи|-?nchi|-?inchi)?"
_YEAR = r"(?P<y>(?:19|20)\d{2})(?!\d)"
_YEAR_WORD = r"(?:жылғы|жылы|жылдың|жылдын|жыл|ж\.|yilning|yil|йилнинг|йил|й\.|года|год|г\.)"

_DATE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        # 21 сентября 2016, 21-sentabr, 2016-yil, 21 қыркүйек 2016 ж., 21st September, 2016
        rf"{_DAY}{_DAY_SUFFIX}[\s\-.]{{0,3}}(?P<m>{_MONTH})[\s,.\-]{{0,4}}{_YEAR}",
        # September 21, 2016
        rf"(?P<m>{_MONTH})[\s.]{{1,3}}{_DAY}(?:st|nd|rd|th)?(?!\d)[\s,.]{{0,4}}{_YEAR}",
        # 2016 жылғы 21 қыркүйек, 2016-yil 21-sentabr, 2016 г. 21 сентября
        rf"(?<![\d.]){_YEAR}(?:\s*-?\s*{_YEAR_WORD})?[\s,.\-]{{0,4}}(?P<d>[0-3]?\d){_DAY_SUFFIX}[\s\-]{{0,3}}(?P<m>{_MONTH})",
        # 21.09.2016, 21/09/2016, 21-09-2016, 21.09.16
        r"(?<![\d.,:/])(?P<d>[0-3]?\d)(?P<sep>[./-])(?P<m>[01]?\d)(?P=sep)(?P<y>(?:19|20)\d{2}|\d{2})(?![\d]|[./-]\d)",
        # 2016-09-21, 2016.09.21
        r"(?<![\d.,:/])(?P<y>(?:19|20)\d{2})(?P<sep>[./-])(?P<m>[01]?\d)(?P=sep)(?P<d>[0-3]?\d)(?![\d]|[./-]\d)",
    )
)
_BARE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_DIGIT = re.compile(r"\d")


def _month_number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    folded = fold(token).rstrip(".")
    for stem in _MONTH_STEMS_LONGEST_FIRST:
        if folded.startswith(stem):
            return _MONTH_BY_STEM[stem]
    return None


def _plausible(date: dt.date | None) -> dt.date | None:
    if date is None or date.year < MIN_YEAR or date > dt.date.today():
        return None
    return date


def _date_from_match(match: re.Match[str]) -> dt.date | None:
    groups = match.groupdict()
    day, month, year_text = int(groups["d"]), _month_number(groups["m"]), groups["y"]
    if month is None:
        return None
    if len(year_text) == 2:
        if groups.get("sep") != ".":  # "21/09/16" is too ambiguous; "21.09.16" is the ru/kk habit
            return None
        century = 2000 if 2000 + int(year_text) <= dt.date.today().year else 1900
        year = century + int(year_text)
    else:
        year = int(year_text)
    if groups.get("sep") == "/" and month > 12 >= day:  # US order 09/21/2016
        day, month = month, day
    try:
        return _plausible(dt.date(year, month, day))
    except ValueError:
        return None


def _date_matches(line: str) -> list[tuple[int, int, dt.date | None]]:
    """All date expressions in a line as (start, end, date or None when invalid), leftmost first."""
    spans: list[tuple[int, int, dt.date | None]] = []
    if not _DIGIT.search(line):  # every date pattern has a day or a year in digits
        return spans
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(line):
            if not any(start < match.end() and match.start() < end for start, end, _ in spans):
                spans.append((match.start(), match.end(), _date_from_match(match)))
    return sorted(spans)


@lru_cache(maxsize=16)
def _date_parser(languages: tuple[str, ...]) -> DateDataParser:
    return DateDataParser(languages=list(languages), settings=_DATEPARSER_SETTINGS)


def _dateparser_languages(lang: str | None) -> tuple[str, ...]:
    if lang in DATEPARSER_LANGUAGES:
        # Pages often mix the article language with Russian or English navigation.
        return tuple(dict.fromkeys((lang, "ru", "en")))
    return DATEPARSER_LANGUAGES


def _dateparser_date(line: str, lang: str | None) -> dt.date | None:
    """dateparser on a short line that states a year; the year must appear literally in the line."""
    years = {int(year) for year in _BARE_YEAR.findall(line)}
    if len(line) > MAX_DATEPARSER_LINE_CHARS or not years or len(WORD_RE.findall(line)) > MAX_DATEPARSER_LINE_WORDS:
        return None
    try:
        parsed = _date_parser(_dateparser_languages(lang)).get_date_data(line).date_obj
    except Exception:  # dateparser raises assorted internal errors on odd input; a dateline is optional
        logger.debug("dateparser failed on %r", line, exc_info=True)
        return None
    if parsed is None or parsed.year not in years:
        return None
    return _plausible(parsed.date())


_CAPITAL_WORD = r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҶҲӢӮ][^\W\d_]*(?:['’-][^\W\d_]+)*"
# "By Assel Satubaldina", "Автор: Дина Аманова": a byline label and an author's name of capitalized words
_BYLINE = re.compile(
    rf"^(?i:{alternation(PHRASES['byline_labels'])})(?:\s*[:—–-]\s*|\s+){_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD}){{0,3}}"
)


def is_byline(line: str) -> bool:
    """True for a line opening with a byline label and an author's name ("By Assel Satubaldina in Nation on ...")."""
    return _BYLINE.match(strip_line(line)) is not None


# The dateline opening a paragraph: "Бишкек, 26.12.24. /Кабар/. ..." (a city, a numeric date, a full stop).
_LEADING_DATELINE = re.compile(
    r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][^\W\d_][\w-]{0,24}[.,]\s*(\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2}))\.?(?:\s|$)")


def parse_dateline(line: str, lang: str | None = None) -> dt.date | None:
    """Date of a line that is essentially a dateline ("21.09.2016 14:35", "ASTANA, 21 September 2016"), else None."""
    text = strip_line(line)
    if not text or len(text) > MAX_DATELINE_CHARS:
        return None
    return _plain_dateline(text, lang)


def _plain_dateline(text: str, lang: str | None) -> dt.date | None:
    if "|" in text:  # a meta line: "Дүйнө , Кыска кабар | 11 мая 2019 | 647 | 0", "30.04.2020 | Ko'rildi: 1 920"
        return next((date for date in (_plain_dateline(segment.strip(), lang) for segment in text.split("|")
                                       if segment.strip()) if date is not None), None)
    byline = _BYLINE.match(text)
    if byline:  # "By Assel Satubaldina in Nation on 2019-05-29": the author's name is no sentence
        return _byline_date(text[byline.end() :])
    matches = _date_matches(text)
    if not matches:
        return _dateparser_date(text, lang)
    unknown = _other_words(text, matches)
    # A dateline may name a city or the agency ("ASTANA, 21 September 2016"); lower-case words mean a sentence.
    if len(unknown) > MAX_DATELINE_OTHER_WORDS or any(not word[0].isupper() for word in unknown):
        return None
    return next((date for _, _, date in matches if date is not None), None)


def _other_words(text: str, matches: list[tuple[int, int, dt.date | None]]) -> list[str]:
    """The words of `text` outside its dates and clock times that are not date words ("on", "Published")."""
    rest = text
    for start, end, _ in reversed(matches):
        rest = rest[:start] + " " + rest[end:]
    rest = _TIME.sub(" ", rest)
    return [word for word in WORD_RE.findall(rest) if fold(word) not in _DATE_WORDS]


def _byline_date(after_name: str) -> dt.date | None:
    """The date that follows an author's name on a byline line, with at most MAX_BYLINE_OTHER_WORDS other words
    beside it ("in Nation on"); a longer tail means the line is text, not a byline."""
    matches = _date_matches(after_name)
    if not matches or len(_other_words(after_name, matches)) > MAX_BYLINE_OTHER_WORDS:
        return None
    return next((date for _, _, date in matches if date is not None), None)


def is_dateish(line: str) -> bool:
    """True for short lines carrying a date or time stamp ("21.09.2016", "Вчера, 14:35")."""
    return (len(line) <= MAX_DATEISH_CHARS and (bool(_CLOCK.search(line)) or bool(_date_matches(line)))
            and len(WORD_RE.findall(line)) <= MAX_DATEISH_WORDS)


def _top_lines(nonempty: list[tuple[int, str]], title_index: int | None) -> list[tuple[int, str]]:
    """The non-empty lines where a dateline may stand: the first ones, up to DATELINE_LINES past the headline."""
    title_rank = next((rank for rank, (index, _) in enumerate(nonempty) if index == title_index), 0)
    return [(index, line) for index, line in nonempty[: max(DATELINE_LINES, title_rank + DATELINE_LINES) + 1]
            if index != title_index]


def _header_lines(nonempty: list[tuple[int, str]], title_index: int | None) -> list[tuple[int, str]]:
    """Short lines past the top window but above the article's first paragraph (a page's menus, prayer times or
    widgets can push the date stamp down: "05.03.2021   1378   1 min." under twenty menu lines)."""
    header: list[tuple[int, str]] = []
    for index, line in nonempty[DATELINE_LINES + 1 : HEADER_MAX_LINES]:
        if index != title_index and is_dateish(line):
            header.append((index, line))
        elif len(WORD_RE.findall(line)) >= PARAGRAPH_MIN_WORDS or line.rstrip().endswith((".", "!", "?", "…")):
            break  # the article's text (a paragraph, a sentence) has begun
    return header


def locate_dateline(lines: Sequence[str], lang: str | None, title_index: int | None) -> tuple[int, dt.date] | None:
    """(line index, date) of the dateline near the top, else of a labelled one at the end; None if not stated."""
    nonempty = [(index, line) for index, line in enumerate(map(strip_line, lines)) if line]
    for index, line in _top_lines(nonempty, title_index) + _header_lines(nonempty, title_index):
        date = parse_dateline(line, lang)
        if date is not None:
            return index, date
    for index, line in nonempty[-TAIL_LINES:]:
        if index != title_index and fold(line).startswith(_PUBLISH_LABELS):
            date = parse_dateline(line, lang)
            if date is not None:
                return index, date
    return None


def leading_dateline(lines: Sequence[str], lang: str | None, title_index: int | None) -> dt.date | None:
    """The numeric date of a dateline opening one of the first paragraphs ("Бишкек, 26.12.24. /Кабар/. Текст..."),
    for pages with no dateline of its own; the paragraph stays in the body."""
    nonempty = [(index, line) for index, line in enumerate(map(strip_line, lines)) if line]
    for _, line in _top_lines(nonempty, title_index):
        leading = _LEADING_DATELINE.match(line)
        if leading:
            return _plain_dateline(leading.group(1), lang)
    return None
