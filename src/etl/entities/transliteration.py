"""Cyrillic (ru/kk/ky/uz) -> Latin as the English-language press spells names, and ASCII slugs built on it.

``CYRILLIC_TO_LATIN`` is the one press table of the package; other stages should import it rather than keep their own.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

CYRILLIC_TO_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh / Kyrgyz letters, spelled the way English-language press writes names.
    "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "ў": "u", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u",
}

# Official Uzbek Latin alphabet (1995, revised).
CYRILLIC_TO_UZBEK_LATIN = dict(CYRILLIC_TO_LATIN) | {
    "ў": "oʻ", "қ": "q", "ғ": "gʻ", "ҳ": "h", "х": "x", "ж": "j", "ц": "s", "ъ": "ʼ", "е": "e",
    "ё": "yo", "ю": "yu", "я": "ya", "й": "y",
}

_CYR_VOWELS = set("аеёиоуыэюяәөұүіўӯӣ")

TRANSLITERATED_CACHE_TEXTS = 20_000  # distinct (name, language) pairs whose Latin form is kept


def _word_case(source: str, prev: str, nxt: str, latin: str) -> str:
    if not source.isupper() or not latin:
        return latin
    # ALL-CAPS word: keep it all caps; Capitalised word: only the first Latin letter.
    if nxt.isupper() or (prev.isupper() and not nxt.isalpha()):
        return latin.upper()
    return latin[0].upper() + latin[1:]


@lru_cache(maxsize=TRANSLITERATED_CACHE_TEXTS)
def transliterate_to_latin(text: str, lang: str | None = None) -> str:
    """Cyrillic (ru/kk/ky/uz) -> Latin; Latin characters pass through unchanged (cached: names recur)."""
    uzbek = lang == "uz" or (lang is None and re.search(r"[ўҳЎҲ]", text) is not None)
    table = CYRILLIC_TO_UZBEK_LATIN if uzbek else CYRILLIC_TO_LATIN
    out: list[str] = []
    for i, ch in enumerate(text):
        low = ch.lower()
        if low not in table:
            out.append(ch)
            continue
        prev = text[i - 1] if i else ""
        nxt = text[i + 1] if i + 1 < len(text) else ""
        latin = table[low]
        if low == "е" and (not prev.isalpha() or prev.lower() in _CYR_VOWELS or prev.lower() in "ъь"):
            latin = "ye"
        out.append(_word_case(ch, prev, nxt, latin))
    return "".join(out)


def slugify(text: str) -> str:
    """Lower-case ASCII slug: 'Al-Hol camp' -> 'al-hol-camp'."""
    latin = transliterate_to_latin(text)
    ascii_text = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
