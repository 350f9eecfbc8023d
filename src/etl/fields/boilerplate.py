"""Site furniture: whether a whole line is navigation, sharing, a photo credit, a slug, a read-also link, ..."""

from __future__ import annotations

import re
from functools import lru_cache

from etl.fields.phrases import (
    HAS_LETTER_RE,
    PHRASES,
    SENTENCE_END_RE,
    alternation,
    fold,
    phrase_key,
    phrase_keys,
    strip_line,
)

MAX_BOILERPLATE_CHARS = 250  # longer lines are always kept as article text
MAX_LABEL_LINE_CHARS = 150  # a "label: value" line ("Просмотров: 1 234", "Views: 12") is at most this long
MAX_BREADCRUMB_CHARS = 120
MAX_BREADCRUMB_PART_WORDS = 4
MAX_PHOTO_CREDIT_CHARS = 120
MAX_PHOTO_PHRASE_WORDS = 8  # "Иллюстративное фото", "Фото пресс-службы Акорды": short, no full stop
MIN_SLUG_CHARS = 20

NAVIGATION = phrase_keys("navigation")
SECTIONS = phrase_keys("sections")
_END_MARKERS = phrase_keys("end_markers")
_EXACT = phrase_keys("exact")
_SOCIAL = phrase_keys("social")
_NEWS_WORDS = phrase_keys("news_words")
_LANGUAGE_NAMES = phrase_keys("language_names")
# one search for any of the phrases, not one substring test per phrase
_CONTAINS_RE = re.compile("|".join(re.escape(fold(phrase)) for phrase in PHRASES["contains"]) or r"(?!)")

READ_ALSO_RE = re.compile(rf"^(?:{alternation(PHRASES['read_also_prefixes'])})(?:$|(?<=:)|[\s:\-—–»>|.])")
_LABEL_LINE = re.compile(rf"^(?:{alternation(PHRASES['label_prefixes'])})\s*:\s*\S")
_PHOTO_WORD = alternation(PHRASES["photo_keywords"])
_PHOTO_MODIFIER = alternation(PHRASES["photo_modifiers"])
# "Photo: X", "Фото © X", "Сурет — X", "Photo by X", "(Фото: X)"
_PHOTO_CREDIT = re.compile(rf"^[\W_]*(?:(?:{_PHOTO_MODIFIER})\s+)?(?:{_PHOTO_WORD})\s*(?:[:©/|—–]|-\s|by\b|credit\b)")
# "Иллюстративное фото", "Фото из открытых источников", "Фото пресс-службы Акорды" (short, no full stop)
_PHOTO_SOURCE = alternation(PHRASES["photo_sources"])
_PHOTO_PHRASE = re.compile(
    rf"^[\W_]*(?:(?:{_PHOTO_MODIFIER})\s+(?:{_PHOTO_WORD})(?![^\W\d_])|(?:{_PHOTO_WORD})\s+(?:{_PHOTO_SOURCE}))"
)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)\s)")
_SLUG = re.compile(r"^\w+(?:-\w+){3,}(?:\.[a-z]{2,5})?/?$")
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_CRUMB_SEPARATOR = re.compile(r"\s*(?:/|>|»|›|→|\||•|·|::)\s*")
_MENU_SEPARATOR = re.compile(r"[\s|•·,/]+")
_MENU_ITEM = re.compile(r"[^\s|•·,/]+")  # what _MENU_SEPARATOR separates


def is_breadcrumb(line: str) -> bool:
    """True for a navigation path ("Главная / Новости / Казахстан", "Home » World")."""
    if len(line) > MAX_BREADCRUMB_CHARS:
        return False
    parts = [part for part in _CRUMB_SEPARATOR.split(line) if part]
    if len(parts) < 2 or any(len(part.split()) > MAX_BREADCRUMB_PART_WORDS for part in parts):
        return False
    keys = [phrase_key(part) for part in parts]
    return any(key in NAVIGATION for key in keys) or all(key in SECTIONS for key in keys)


def is_photo_credit(line: str) -> bool:
    """True for a photo-credit line ("Photo: MFA RK", "Фото: Акорда", "Иллюстративное фото")."""
    text = strip_line(line)
    if not text or len(text) > MAX_PHOTO_CREDIT_CHARS:
        return False
    folded = fold(text)
    if _PHOTO_CREDIT.match(folded):
        return True
    return (bool(_PHOTO_PHRASE.match(folded)) and len(text.split()) <= MAX_PHOTO_PHRASE_WORDS
            and not SENTENCE_END_RE.search(text))


_PHOTO_BANKS = phrase_keys("photo_banks")
_AGENCY_ALIASES = frozenset(phrase_key(alias) for agency in PHRASES["agencies"] for alias in agency["aliases"])
_PHOTO_WORDS = phrase_keys("photo_keywords") | phrase_keys("photo_modifiers")
# the parts of a credit: '© Sputnik / Дмитрий Виноградов / Медиабанк', 'Photo: AP, Gabriel Chaim'
_CREDIT_PART = re.compile(r"[^:©/|,;()\[\]]+")


def _name_word(word: str) -> bool:
    """'Дмитрий', 'Kassym-Jomart': a capitalised word of letters (hyphen-joined parts each capitalised or small)."""
    pieces = re.split(r"[-'’]", word)
    return len(word) >= 2 and word[0].isupper() and all(p.isalpha() and (p.istitle() or p.islower()) for p in pieces)


def credited_persons(line: str) -> list[tuple[int, int]]:
    """(start, end) in `line` of the persons a photo credit names ('© Sputnik / Дмитрий Виноградов', 'Фото: Тұрар
    Қазанғапов', 'Photo by Gabriel Chaim'): two or three capitalised words standing alone between the credit's
    separators, not an agency, a photo bank or a domain. Empty for a line that is not a photo credit."""
    text = strip_line(line)
    if not text or len(text) > MAX_BOILERPLATE_CHARS or not (is_photo_credit(text) or _COPYRIGHT.match(fold(text))):
        return []
    found = []
    for part in _CREDIT_PART.finditer(line):
        start, value = part.start(), part.group()
        # a caption glued on without a space ('Gabriel ChaimЖенщина несет...'): cut at a capital after a small letter
        glued = next((i for i in range(1, len(value)) if value[i - 1].islower() and value[i].isupper()), None)
        value = value[:glued] if glued is not None else value
        words = list(re.finditer(r"\S+", value))
        # 'Photo by X', 'Фото автора X': the credit's own words before the name
        while words and (fold(words[0].group()) in _PHOTO_WORDS or fold(words[0].group()) in ("by", "credit")):
            words = words[1:]
        if not 2 <= len(words) <= 3 or not all(_name_word(word.group()) for word in words):
            continue
        name = value[words[0].start():words[-1].end()]
        if phrase_key(name) in _PHOTO_BANKS or phrase_key(name) in _AGENCY_ALIASES or "." in name:
            continue
        found.append((start + words[0].start(), start + words[-1].end()))
    return found


def _is_section_label(line: str) -> bool:
    """True for a rubric naming a news feed ("Қазақстан жаңалықтары", "Новости Казахстана", "World news")."""
    words = phrase_key(line).split()
    return 2 <= len(words) <= 3 and (words[0] in _NEWS_WORDS or words[-1] in _NEWS_WORDS)


def _all_words_in(key: str, vocabulary: frozenset[str]) -> bool:
    """True for a menu line all of whose items are in `vocabulary` ("Қазақша | Русский | English")."""
    first = _MENU_ITEM.match(key)  # most lines fail on their first item: test it before splitting the line
    if first is not None and first.group() not in vocabulary:
        return False
    words = [word for word in _MENU_SEPARATOR.split(key) if word]
    return bool(words) and all(word in vocabulary for word in words)


def is_slug(line: str) -> bool:
    """True for a URL slug line of hyphen-joined words ("Опыт-Казахстана-по-реинтеграции-...")."""
    text = strip_line(line)
    return len(text) >= MIN_SLUG_CHARS and bool(_SLUG.match(text)) and bool(HAS_LETTER_RE.search(text))


def is_end_marker(line: str) -> bool:
    """True for a line that opens a list of other stories ("Еще новости", "Related news", "Currently reading")."""
    return phrase_key(line) in _END_MARKERS


# Lines judged per process: the headline search and the body both ask about the top lines, and site furniture
# repeats across documents.
LINE_CACHE_SIZE = 8192


def is_boilerplate_line(line: str) -> bool:
    """True when the whole line is site furniture (navigation, sharing, photo credit, slug, read-also link, ...)."""
    text = strip_line(line)
    if not text or len(text) > MAX_BOILERPLATE_CHARS:
        return False
    return _is_boilerplate_text(text)


# Keyed by the stripped line and only for lines short enough to be furniture: article paragraphs, each seen once,
# would push the repeated furniture out of the cache.
@lru_cache(maxsize=LINE_CACHE_SIZE)
def _is_boilerplate_text(text: str) -> bool:
    key = phrase_key(text)
    if not key:
        return False
    folded = fold(text)
    return (
        key in NAVIGATION
        or key in _EXACT
        or key in _END_MARKERS
        or _all_words_in(key, _SOCIAL)  # sharing buttons
        or _all_words_in(key, _LANGUAGE_NAMES)  # a language menu ("RU KZ EN")
        or _is_section_label(text)
        or is_slug(text)
        or bool(_URL.match(text))
        or is_photo_credit(text)
        or bool(_COPYRIGHT.match(folded))
        or bool(READ_ALSO_RE.match(folded))
        or (len(text) <= MAX_LABEL_LINE_CHARS and bool(_LABEL_LINE.match(folded)))
        or bool(_CONTAINS_RE.search(folded))
        or is_breadcrumb(text)
    )
