"""Field extraction: headline, cleaned body, publication date and publishing agency of a news text.

Every extractor is a small fallback chain over the text's lines and returns None rather than guess.
Phrase lists (navigation, end-of-article markers, photo-credit words, months, agency gazetteer and
attribution cues) live in ``etl/data/boilerplate.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import pandas as pd
from dateparser.date import DateDataParser

logger = logging.getLogger(__name__)

MAX_TITLE_CHARS = 250
MIN_TITLE_CHARS = 20  # shorter lines count as a headline only with >= MIN_TITLE_WORDS words
MIN_TITLE_WORDS = 3
MIN_YEAR = 1990
TITLE_LINES = 15  # non-empty lines searched for the headline (menus can be long)
DATELINE_LINES = 5  # non-empty lines searched for the dateline, counted from the top or from the headline
TAIL_LINES = 3  # non-empty lines at the end searched for a labelled dateline
MAX_BOILERPLATE_CHARS = 250  # longer lines are always kept as article text
MAX_DATELINE_CHARS = 100
MAX_CAPTION_CHARS = 150

DATEPARSER_LANGUAGES = ("en", "ru", "kk", "ky", "uz")
_DATEPARSER_SETTINGS: dict[str, Any] = {
    "PREFER_DAY_OF_MONTH": "first",
    "PREFER_DATES_FROM": "past",
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PARSERS": ["absolute-time"],  # never "relative-time" (today, 2 days ago) nor the current-date fallback
}


@dataclass(frozen=True)
class DocumentFields:
    """Fields extracted from one article text."""

    title: str | None
    body: str
    published_date: dt.date | None
    source_agency: str | None


# --------------------------------------------------------------------------- phrase data

_DATA: dict[str, Any] = json.loads(files("etl").joinpath("data/boilerplate.json").read_text(encoding="utf-8"))

_APOSTROPHES = str.maketrans({c: "'" for c in "‘’ʻʼ`´′"})
_EDGE_JUNK = re.compile(r"^[\W_]+|[\W_]+$")
_WORD = re.compile(r"[^\W\d_]+")
# Zero-width characters are invisible indentation left over from HTML.
_LINE_EDGE_CHARS = (
    " \t\r\f\v\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)


def _fold(text: str) -> str:
    """Casefold with ё as е, unified apostrophes and single spaces."""
    return " ".join(text.translate(_APOSTROPHES).casefold().replace("ё", "е").split())


def _phrase_key(text: str) -> str:
    """Folded text without leading and trailing punctuation, for whole-line phrase lookups."""
    return _EDGE_JUNK.sub("", _fold(text))


def _keys(name: str) -> frozenset[str]:
    return frozenset(_phrase_key(p) for p in _DATA[name])


_NAVIGATION = _keys("navigation")
_SECTIONS = _keys("sections")
_END_MARKERS = _keys("end_markers")
_EXACT = _keys("exact")
_SOCIAL = _keys("social")
_NEWS_WORDS = _keys("news_words")
_LANGUAGE_NAMES = _keys("language_names")
_DATE_WORDS = _keys("date_words")
_CONTAINS = tuple(_fold(p) for p in _DATA["contains"])
_PUBLISH_LABELS = tuple(_fold(p) for p in _DATA["publish_labels"])


def _alternation(phrases: Iterable[str]) -> str:
    """Regex alternation of literal phrases, longest first, spaces matching any whitespace."""
    ordered = sorted({_fold(p) for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)


_READ_ALSO = re.compile(rf"^(?:{_alternation(_DATA['read_also_prefixes'])})(?:$|(?<=:)|[\s:\-—–»>|.])")
_LABEL_LINE = re.compile(rf"^(?:{_alternation(_DATA['label_prefixes'])})\s*:\s*\S")
_PHOTO_WORD = _alternation(_DATA["photo_keywords"])
_PHOTO_MODIFIER = _alternation(_DATA["photo_modifiers"])
# "Photo: X", "Фото © X", "Сурет — X", "Photo by X", "(Фото: X)"
_PHOTO_CREDIT = re.compile(rf"^[\W_]*(?:(?:{_PHOTO_MODIFIER})\s+)?(?:{_PHOTO_WORD})\s*(?:[:©/|—–]|-\s|by\b|credit\b)")
# "Иллюстративное фото", "Фото из открытых источников", "Фото пресс-службы Акорды" (short, no full stop)
_PHOTO_SOURCE = _alternation(_DATA["photo_sources"])
_PHOTO_PHRASE = re.compile(
    rf"^[\W_]*(?:(?:{_PHOTO_MODIFIER})\s+(?:{_PHOTO_WORD})(?![^\W\d_])|(?:{_PHOTO_WORD})\s+(?:{_PHOTO_SOURCE}))"
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s)")
_SLUG = re.compile(r"^\w+(?:-\w+){3,}(?:\.[a-z]{2,5})?/?$")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_CRUMB_SEPARATOR = re.compile(r"\s*(?:/|>|»|›|→|\||•|·|::)\s*")
_SENTENCE_END = re.compile(r"[.!?…]$")
_INNER_SENTENCE_BREAK = re.compile(r"[.!?…]\s+[\"«“(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ]")
_SITE_SUFFIX = re.compile(r"\s+[|]\s+")
_DASH_SUFFIX = re.compile(r"\s+[—–-]\s+([^—–|]{2,60})$")
_ABBREVIATION_END = re.compile(r"(?:\b[^\W\d_]{1,2}|\.[^\W\d_]+)\.$")
_CLOCK = re.compile(r"(?<!\d)[0-2]?\d:[0-5]\d(?!\d)")
_TIME = re.compile(r"(?<!\d)[0-2]?\d[:.][0-5]\d(?::[0-5]\d)?(?!\d)(?:\s*(?:am|pm))?", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")
# "By John Smith", "Автор: Иван Петров" (but not a headline such as "By 2025, all children will return")
_BYLINE = re.compile(
    r"^(?:By\s+[A-Z][^\W\d_]*(?:\s+[A-Z][^\W\d_]*\.?){0,3}"
    r"|(?i:автор|авторы|author|authors|muallif|муаллиф)\s*:?\s+\S.{0,50})$"
)

# --------------------------------------------------------------------------- dates

_MONTH_BY_STEM: dict[str, int] = {_fold(stem): int(month) for month, stems in _DATA["months"].items() for stem in stems}
_MONTH_STEMS_LONGEST_FIRST = sorted(_MONTH_BY_STEM, key=len, reverse=True)
# A month stem plus an inflection ("сентября", "sentabrda", "September", "Sept.").
_MONTH = rf"(?<![^\W\d_])(?:{_alternation(_MONTH_BY_STEM)})[^\W\d_]{{0,7}}\.?"
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


def _month_number(token: str) -> int | None:
    if token.isdigit():
        return int(token)
    folded = _fold(token).rstrip(".")
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
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(line):
            if not any(s < match.end() and match.start() < e for s, e, _ in spans):
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
    years = {int(y) for y in _BARE_YEAR.findall(line)}
    if len(line) > 60 or not years or len(_WORD.findall(line)) > 5:
        return None
    try:
        parsed = _date_parser(_dateparser_languages(lang)).get_date_data(line).date_obj
    except Exception:  # dateparser raises assorted internal errors on odd input; a dateline is optional
        logger.debug("dateparser failed on %r", line, exc_info=True)
        return None
    if parsed is None or parsed.year not in years:
        return None
    return _plausible(parsed.date())


def parse_dateline(line: str, lang: str | None = None) -> dt.date | None:
    """Date of a line that is essentially a dateline ("21.09.2016 14:35", "ASTANA, 21 September 2016"), else None."""
    text = line.strip(_LINE_EDGE_CHARS)
    if not text or len(text) > MAX_DATELINE_CHARS:
        return None
    matches = _date_matches(text)
    if not matches:
        return _dateparser_date(text, lang)
    rest = text
    for start, end, _ in reversed(matches):
        rest = rest[:start] + " " + rest[end:]
    rest = _TIME.sub(" ", rest)
    unknown = [w for w in _WORD.findall(rest) if _fold(w) not in _DATE_WORDS]
    # A dateline may name a city or the agency ("ASTANA, 21 September 2016"); lower-case words mean a sentence.
    if len(unknown) > 2 or any(not w[0].isupper() for w in unknown):
        return None
    return next((date for _, _, date in matches if date is not None), None)


def _is_dateish(line: str) -> bool:
    """True for short lines carrying a date or time stamp ("21.09.2016", "Вчера, 14:35")."""
    return len(line) <= 60 and (bool(_CLOCK.search(line)) or bool(_date_matches(line))) and len(_WORD.findall(line)) <= 4


# --------------------------------------------------------------------------- line classes


def _strip_line(line: str) -> str:
    return line.strip(_LINE_EDGE_CHARS)


def _is_breadcrumb(line: str) -> bool:
    """True for a navigation path ("Главная / Новости / Казахстан", "Home » World")."""
    parts = [p for p in _CRUMB_SEPARATOR.split(line) if p]
    if len(parts) < 2 or len(line) > 120 or any(len(p.split()) > 4 for p in parts):
        return False
    keys = [_phrase_key(p) for p in parts]
    return any(k in _NAVIGATION for k in keys) or all(k in _SECTIONS for k in keys)


def is_photo_credit(line: str) -> bool:
    """True for a photo-credit line ("Photo: MFA RK", "Фото: Акорда", "Иллюстративное фото")."""
    text = _strip_line(line)
    if not text or len(text) > 120:
        return False
    folded = _fold(text)
    if _PHOTO_CREDIT.match(folded):
        return True
    return bool(_PHOTO_PHRASE.match(folded)) and len(text.split()) <= 8 and not _SENTENCE_END.search(text)


def _is_section_label(line: str) -> bool:
    """True for a rubric naming a news feed ("Қазақстан жаңалықтары", "Новости Казахстана", "World news")."""
    words = _phrase_key(line).split()
    return 2 <= len(words) <= 3 and (words[0] in _NEWS_WORDS or words[-1] in _NEWS_WORDS)


def _is_language_switch(key: str) -> bool:
    """True for a site's language menu ("Қазақша | Русский | English", "RU KZ EN")."""
    words = [w for w in re.split(r"[\s|•·,/]+", key) if w]
    return bool(words) and all(w in _LANGUAGE_NAMES for w in words)


def _is_social(key: str) -> bool:
    words = [w for w in re.split(r"[\s|•·,/]+", key) if w]
    return bool(words) and all(w in _SOCIAL for w in words)


def is_slug(line: str) -> bool:
    """True for a URL slug line of hyphen-joined words ("Опыт-Казахстана-по-реинтеграции-...")."""
    text = _strip_line(line)
    return len(text) >= 20 and bool(_SLUG.match(text)) and bool(_HAS_LETTER.search(text))


def is_end_marker(line: str) -> bool:
    """True for a line that opens a list of other stories ("Еще новости", "Related news", "Currently reading")."""
    return _phrase_key(line) in _END_MARKERS


def is_boilerplate_line(line: str) -> bool:
    """True when the whole line is site furniture (navigation, sharing, photo credit, slug, read-also link, ...)."""
    text = _strip_line(line)
    if not text or len(text) > MAX_BOILERPLATE_CHARS:
        return False
    key = _phrase_key(text)
    if not key:
        return False
    folded = _fold(text)
    return (
        key in _NAVIGATION
        or key in _EXACT
        or key in _END_MARKERS
        or _is_social(key)
        or _is_language_switch(key)
        or _is_section_label(text)
        or is_slug(text)
        or bool(_URL.match(text))
        or is_photo_credit(text)
        or bool(_COPYRIGHT.match(folded))
        or bool(_READ_ALSO.match(folded))
        or (len(text) <= 150 and bool(_LABEL_LINE.match(folded)))
        or any(p in folded for p in _CONTAINS)
        or _is_breadcrumb(text)
    )


# --------------------------------------------------------------------------- agencies


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    name: str


_WORD_START = re.compile(r"(?<![\w.@/-])\w+")


def _alias_index() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """Gazetteer aliases keyed by their folded first word, longest alias first; values are (pattern, alias, agency name)."""
    index: dict[str, list[tuple[re.Pattern[str], str, str]]] = {}
    seen: set[str] = set()
    for agency in _DATA["agencies"]:
        flags = 0 if agency.get("case_sensitive") else re.IGNORECASE
        for alias in agency["aliases"]:
            first_word = _WORD_START.match(alias)
            if first_word is None or alias.casefold() in seen:
                continue
            seen.add(alias.casefold())
            pattern = re.compile(re.escape(alias).replace(r"\ ", r"\s+") + r"(?![\w-]|\.\w)", flags)
            index.setdefault(first_word.group(0).casefold(), []).append((pattern, alias, agency["name"]))
    for candidates in index.values():
        candidates.sort(key=lambda c: len(c[1]), reverse=True)
    return index


# A dict lookup per word is much faster than one regex alternation over hundreds of aliases.
_ALIAS_INDEX = _alias_index()
_DOMAIN = re.compile(
    r"(?<![\w.@/-])(?:www\.)?((?:[A-Za-z0-9][A-Za-z0-9-]*\.)+"
    r"(?:kz|kg|uz|tj|tm|ru|com|org|net|info|news|media|asia|az|ua|by|am|ge|io|tv|uk|de|fr|cn|tr))(?![\w-]|\.\w)",
    re.IGNORECASE,
)
# "агентство «Новый Регион»", "ИА Trend": group 1 quoted, group 2 a bare Latin name
_QUOTED_AGENCY = re.compile(
    r"(?<!\w)(?:агентств[оауе]|информагентств[оауе]|МИА|ИА|IA)\s+"
    r"(?:[«\"“„]([^»\"”“\n]{2,40})[»\"”“]|([A-Z][\w.-]+(?:\s[A-Z][\w.-]+)?))"
)
_NAMED_NEWS_AGENCY = re.compile(r"\b((?:[A-Z][\w.'-]*\s+){0,2}[A-Z][\w.'-]*)\s+(?:News|Information)\s+Agency\b")


def _cue_regex(name: str) -> str:
    fragments = sorted({_fold(f) for f in _DATA["agency_cues"][name]}, key=len, reverse=True)
    return "|".join(f.replace(" ", r"\s+") for f in fragments)


_FILLER = _cue_regex("filler")
_AGENCY_WORDS = frozenset(_fold(w) for w in _DATA["agency_cues"]["filler"]) - {"of", "the"}
_CUE_TAIL = rf"\s*[:,]?\s*(?:(?:{_FILLER})\s+){{0,3}}[«\"“„']?\s*$"
_BEFORE_PUBLISHER = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('publisher_before')}){_CUE_TAIL}")
_BEFORE_WEAK = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('weak_before')}){_CUE_TAIL}")
_BEFORE_CITED = re.compile(rf"(?:^|[\s,.(—–-])(?:{_cue_regex('cited_before')}){_CUE_TAIL}")
_AFTER_PUBLISHER = re.compile(
    r"^[»\"”']?\s*(?:(?:news\s+)?agency|агенттігі|агенттиги|agentligi|агентлиги)?\s*,?\s*"
    rf"(?:{_cue_regex('publisher_after')})(?![^\W\d_])"
)
_SIGN_OFF_BEFORE = re.compile(r"(?:^|\s)[—–|-]\s*$")
_LINE_END_AFTER = re.compile(r"^[»\"”']?\s*[.)]?\s*$")
_SOURCE_LABEL_BEFORE = re.compile(
    r"^\s*(?:©|\(c\)|(?:source|sources|источник|источники|дереккөз|булак|manba|манба)\s*[:—–-])?"
    r"\s*[«\"“']?$"
)
_HAS_LABEL = re.compile(r"[©\w]")
_CAPS_CITY = r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ \-]{1,30}[.,]\s*"
# Agency datelines: "ASTANA. KAZINFORM - ...", "БИШКЕК, 21 сен — АКИpress. ..."
_CAPS_DATELINE_BEFORE = re.compile(rf"{_CAPS_CITY}$")
_CAPS_DATELINE_DASH_BEFORE = re.compile(rf"{_CAPS_CITY}[^\n]{{0,25}}\s[—–-]\s*$")
# wire dateline "BISHKEK (AKIpress) -", "ДУШАНБЕ (Sputnik) —": the agency in brackets after a capitals city
_CAPS_DATELINE_PAREN_BEFORE = re.compile(r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎ \-]{1,30}(?:,[^\n(]{0,30})?\s*\(\s*$")
_PAREN_DASH_AFTER = re.compile(r"^\s*\)\s*[—–-]")


_INSTITUTION_DOMAINS = frozenset(d.casefold() for d in _DATA["institution_domains"])
_INSTITUTION_LABELS = frozenset(("gov", "mfa", "mid", "president", "parliament", "un", "edu", "mil"))


def _is_institution_domain(domain: str) -> bool:
    """Government, UN and social-network sites are sources of information, not publishing agencies."""
    labels = domain.casefold().split(".")
    return ".".join(labels) in _INSTITUTION_DOMAINS or any(label in _INSTITUTION_LABELS for label in labels[:-1])


def _agency_mentions(text: str) -> list[_Mention]:
    """Known agencies, domains and "агентство «X»" / "X News Agency" names, leftmost first, no overlaps."""
    found: list[tuple[int, int, int, str]] = []  # (start, priority, end, name); lower priority wins a tie
    for word in _WORD_START.finditer(text):
        for pattern, _alias, agency_name in _ALIAS_INDEX.get(word.group(0).casefold(), ()):
            m = pattern.match(text, word.start())
            if m:
                # One name per agency whatever the script or spelling: Казинформ, ҚазАқпарат -> Kazinform.
                found.append((m.start(), 0, m.end(), agency_name))
                break
    for m in _DOMAIN.finditer(text):
        if not _is_institution_domain(m.group(1)):
            found.append((m.start(1), 1, m.end(1), m.group(1)))
    for m in _QUOTED_AGENCY.finditer(text):
        group = 1 if m.group(1) else 2
        found.append((m.start(group), 2, m.end(group), m.group(group).strip()))
    for m in _NAMED_NEWS_AGENCY.finditer(text):
        found.append((m.start(1), 2, m.end(1), m.group(1).strip()))
    mentions: list[_Mention] = []
    for start, _, end, name in sorted(found, key=lambda f: (f[1], f[0], -f[2])):
        if not any(start < m.end and m.start < end for m in mentions):
            mentions.append(_Mention(start, end, name))
    return sorted(mentions, key=lambda m: m.start)


def _attribution_strength(text: str, mention: _Mention) -> int:
    """2 when the context names the mention as publisher, 1 for a weaker attribution, 0 otherwise."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.end)
    line_end = len(text) if line_end == -1 else line_end
    raw_before = text[line_start : mention.start]
    before = _fold(raw_before[-80:]) + " "  # the cue patterns expect a space before the name
    after = _fold(text[mention.end : min(line_end, mention.end + 60)])
    if _BEFORE_CITED.search(before):
        return 0
    if (
        _BEFORE_PUBLISHER.search(before)
        or _AFTER_PUBLISHER.match(after)
        or (_SIGN_OFF_BEFORE.search(before) and _LINE_END_AFTER.match(after))
        or (_SOURCE_LABEL_BEFORE.match(before) and (_LINE_END_AFTER.match(after) or _HAS_LABEL.search(before)))
        or (_CAPS_DATELINE_BEFORE.match(raw_before) and re.match(r"^\s*[—–-]", after))
        or _CAPS_DATELINE_DASH_BEFORE.match(raw_before)
        or (_CAPS_DATELINE_PAREN_BEFORE.match(raw_before) and _PAREN_DASH_AFTER.match(after))
    ):
        return 2
    if _BEFORE_WEAK.search(before):
        return 1
    return 0


def extract_source_agency(text: str) -> str | None:
    """Publishing agency named by an attribution ("передает X", "X reports", "Source: X", "— X"), else None.

    Order: the first mention with a publisher cue, then the first with a weak cue ("according to X").
    Only gazetteer agencies, domains and explicitly labelled agencies count, so press services never do.
    """
    weak: str | None = None
    for mention in _agency_mentions(text):
        strength = _attribution_strength(text, mention)
        if strength == 2:
            return mention.name
        if strength == 1 and weak is None:
            weak = mention.name
    return weak


# --------------------------------------------------------------------------- title


def _clean_title(line: str) -> str:
    title = " ".join(line.split())
    parts = _SITE_SUFFIX.split(title)
    if len(parts) > 1:
        # "Headline | Site name": keep the headline when the other parts are short labels.
        longest = max(parts, key=len)
        if all(len(p.split()) <= 4 for p in parts if p is not longest):
            title = longest
    suffix = _DASH_SUFFIX.search(title)
    if suffix and _is_agency_only(suffix.group(1)):  # "Headline — Kaktus.media"
        title = title[: suffix.start()]
    return title


def _is_substantial(line: str) -> bool:
    return len(line) >= MIN_TITLE_CHARS or len(line.split()) >= MIN_TITLE_WORDS


def _is_agency_only(line: str) -> bool:
    """True for a line naming only an agency ("Kazinform", "— Tengrinews.kz", "Информационное агентство Кабар")."""
    if len(line) > 60:
        return False
    mentions = _agency_mentions(line)
    if len(mentions) != 1:
        return False
    rest = line[: mentions[0].start] + " " + line[mentions[0].end :]
    return all(_fold(word) in _AGENCY_WORDS for word in _WORD.findall(rest))


def _is_site_tagline(line: str) -> bool:
    """True for a short site header that opens with the outlet's name ("24.kg — Новости Кыргызстана")."""
    if len(line.split()) > 6:
        return False
    mentions = _agency_mentions(line)
    return bool(mentions) and mentions[0].start == 0 and bool(re.match(r"\s*[—–|:-]", line[mentions[0].end :]))


def _skip_before_title(line: str) -> bool:
    """True for header furniture that may precede the headline."""
    return (
        is_boilerplate_line(line)
        or _phrase_key(line) in _SECTIONS
        or _is_breadcrumb(line)
        or _is_dateish(line)
        or parse_dateline(line) is not None
        or _is_agency_only(line)
        or _is_site_tagline(line)
        or bool(_BYLINE.match(line))
        or not _HAS_LETTER.search(line)
        or not _is_substantial(line)
    )


def _looks_like_headline(title: str) -> bool:
    if len(title) > MAX_TITLE_CHARS or title.endswith((",", ";", ":")):
        return False
    if title.endswith(("…", "...")):
        return True
    if title.endswith(".") and not _ABBREVIATION_END.search(title):
        # Headlines here do not end with a full stop; taking a lead sentence as title would cut it from the body.
        return False
    return len(title.split()) <= 40 and not _INNER_SENTENCE_BREAK.search(title)


def _locate_title(lines: Sequence[str]) -> int | None:
    """Index of the headline line: the first substantial line after header furniture, if it reads as a headline."""
    seen = 0
    for index, raw in enumerate(lines):
        line = _strip_line(raw)
        if not line:
            continue
        seen += 1
        if seen > TITLE_LINES:
            return None
        if _skip_before_title(line):
            continue
        return index if _looks_like_headline(_clean_title(line)) else None
    return None


def extract_title(lines: Sequence[str]) -> str | None:
    """Headline: the first substantial line that is not navigation, slug, dateline or credit; None if it reads as body."""
    index = _locate_title(lines)
    return None if index is None else _clean_title(_strip_line(lines[index]))


# --------------------------------------------------------------------------- published date


def _locate_dateline(lines: Sequence[str], lang: str | None, title_index: int | None) -> tuple[int, dt.date] | None:
    nonempty = [(i, line) for i, line in enumerate(map(_strip_line, lines)) if line]
    title_rank = next((rank for rank, (i, _) in enumerate(nonempty) if i == title_index), 0)
    for index, line in nonempty[: max(DATELINE_LINES, title_rank + DATELINE_LINES) + 1]:
        if index == title_index:
            continue
        date = parse_dateline(line, lang)
        if date is not None:
            return index, date
    for index, line in nonempty[-TAIL_LINES:]:
        if index != title_index and _fold(line).startswith(_PUBLISH_LABELS):
            date = parse_dateline(line, lang)
            if date is not None:
                return index, date
    return None


def extract_published_date(lines: Sequence[str], lang: str | None = None) -> dt.date | None:
    """Publication date from a standalone dateline near the top, or a labelled one at the end; None if not stated.

    Order: a dateline among the first non-empty lines up to DATELINE_LINES past the headline (regex, then
    dateparser on short lines with a literal year), then a line starting with a publish label ("Опубликовано:")
    among the last TAIL_LINES.
    Dates inside sentences ("met on September 19, 2016 in New York") are event dates and never count.
    """
    found = _locate_dateline(lines, lang, title_index=_locate_title(lines))
    return None if found is None else found[1]


# --------------------------------------------------------------------------- body


def _is_headline_like(line: str) -> bool:
    return len(line) <= 200 and not _SENTENCE_END.search(line)


def _is_paragraph(line: str) -> bool:
    return len(line) > 200 or (bool(_SENTENCE_END.search(line)) and len(line.split()) >= 8)


def _is_caption(line: str, starts_block: bool) -> bool:
    """True for a short line that can be the caption of the photo credited on the next line."""
    if len(line) > MAX_CAPTION_CHARS or line.endswith(":"):
        return False
    # Where paragraphs are separated by single newlines, a sentence above a credit may be article text.
    return not _SENTENCE_END.search(line) or (starts_block and len(line.split()) <= 25)


def _removed_lines(stripped: Sequence[str], start: int) -> set[int]:
    """Indices (>= start) of boilerplate lines, photo captions, read-also links and trailing story lists."""
    removed: set[int] = set()
    count = len(stripped)
    index = start
    while index < count:
        line = stripped[index]
        starts_block = index == start or not stripped[index - 1]
        if not line:
            index += 1
            continue
        if len(line) <= MAX_BOILERPLATE_CHARS and (is_end_marker(line) or _READ_ALSO.match(_fold(line))):
            removed.add(index)
            following = [i for i in range(index + 1, count) if stripped[i]]
            if is_end_marker(line) and not any(_is_paragraph(stripped[i]) for i in following):
                removed.update(following)  # only other stories' headlines remain
                break
            # A bare "Читайте также" is followed by the linked headline.
            if following and is_end_marker(line) and _is_headline_like(stripped[following[0]]):
                removed.add(following[0])
            index += 1
            continue
        if is_boilerplate_line(line) or _is_agency_only(line):
            removed.add(index)
        elif index + 1 < count and is_photo_credit(stripped[index + 1]) and _is_caption(line, starts_block):
            removed.add(index)  # caption printed right above its photo credit
        index += 1
    return removed


def _continues(previous: str, line: str, raw: str) -> bool:
    """True when a line is the wrapped continuation of the previous line rather than a new paragraph."""
    return (
        not raw[:1].isspace()
        and bool(previous)
        and (previous[-1].isalnum() or previous[-1] in ",-–")
        and line[:1].islower()
    )


def extract_body(lines: Sequence[str], start: int = 0, skip: Iterable[int] = ()) -> str:
    """Article text from line `start` on without boilerplate lines; paragraphs joined by a blank line.

    Kept lines are only stripped at their edges, never edited inside. Lines in `skip` (title, dateline) are dropped.
    """
    stripped = [_strip_line(raw) for raw in lines]
    removed = _removed_lines(stripped, start) | set(skip)
    paragraphs: list[list[str]] = []
    open_paragraph = False
    for index in range(start, len(lines)):
        line = stripped[index]
        if not line or index in removed:
            open_paragraph = False
            continue
        if open_paragraph and _continues(paragraphs[-1][-1], line, lines[index]):
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        open_paragraph = True
    return "\n\n".join("\n".join(p) for p in paragraphs)


# --------------------------------------------------------------------------- document


def extract_fields(text: str, lang: str | None) -> DocumentFields:
    """Title, boilerplate-free body, published date and source agency of one article text."""
    lines = text.split("\n")
    title_index = _locate_title(lines)
    title = None if title_index is None else _clean_title(_strip_line(lines[title_index]))
    dateline = _locate_dateline(lines, lang, title_index=title_index)
    skip = {title_index} if title_index is not None else set()
    if dateline is not None:
        skip.add(dateline[0])
    if title is not None:
        skip.update(i for i, raw in enumerate(lines) if " ".join(raw.split()) == title)
    body = extract_body(lines, start=0 if title_index is None else title_index + 1, skip=skip)
    return DocumentFields(
        title=title,
        body=body,
        published_date=None if dateline is None else dateline[1],
        source_agency=extract_source_agency(text),
    )


def add_fields(docs: pd.DataFrame, text_column: str = "text", lang_column: str = "lang") -> pd.DataFrame:
    """Return a copy with columns title, body, published_date (python date or None, object dtype), source_agency."""
    langs: Iterable[Any] = docs[lang_column] if lang_column in docs.columns else [None] * len(docs)
    extracted = [
        extract_fields(text if isinstance(text, str) else "", lang if isinstance(lang, str) and lang else None)
        for text, lang in zip(docs[text_column], langs, strict=True)
    ]
    out = docs.copy()
    for column in ("title", "body", "published_date", "source_agency"):
        out[column] = pd.Series([getattr(f, column) for f in extracted], index=docs.index, dtype=object)
    logger.debug(
        "fields: %d docs, %d titles, %d dates, %d agencies",
        len(extracted),
        sum(f.title is not None for f in extracted),
        sum(f.published_date is not None for f in extracted),
        sum(f.source_agency is not None for f in extracted),
    )
    return out
