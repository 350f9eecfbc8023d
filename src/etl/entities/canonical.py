"""Cross-lingual canonical names and ids of one name: countries, persons, organizations, operations, places.

Matching tolerates Russian / Kazakh / Kyrgyz / Uzbek case endings (see ``matcher``); the data is ``gazetteer``'s.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pycountry

from etl.entities.gazetteer import covering_hits, find_gazetteer_hits, gazetteer
from etl.entities.lexicon import (
    LATIN_SPELLING_FOLDS,
    LATIN_SURNAME,
    PATRONYMIC_ENDING,
    SURNAME_CASE_TAILS,
)
from etl.entities.tokens import APOSTROPHES, is_cyrillic, normalize_token
from etl.entities.transliteration import transliterate_to_latin

PERSON_KEY_CACHE_NAMES = 20_000  # distinct (name, language) pairs whose person key is kept
CANONICAL_CACHE_NAMES = 5_000  # distinct organization / operation names whose canonical identity is kept
NAME_TOKENS_CACHE_NAMES = 20_000  # distinct person mentions whose name parts are kept

_SURNAME_ENDING = re.compile(r"(?:ов|ев|ёв|ин|ын)")
_NOT_LATIN_LETTER = re.compile(r"[^a-z]")
_Y_BEFORE_E = re.compile(r"y(?=e)")
_DOUBLED_LETTER = re.compile(r"(.)\1+")
_NAME_PART = re.compile(r"[^\W\d_]+(?:[-" + APOSTROPHES + r"][^\W\d_]+)*\.?")
_QUALIFIED_ORG_ID = re.compile(r"(.+)-([a-z]{2})")

# ---------------------------------------------------------------- countries

def country_code(name: str, lang: str | None = None) -> str | None:
    """ISO alpha-2 for a country name, inflected form, abbreviation or demonym in en/ru/kk/ky/uz; else None."""
    if not name or not name.strip():
        return None
    text = name.strip()
    if re.fullmatch(r"[A-Z]{3}", text):
        found = pycountry.countries.get(alpha_3=text)
        if found is not None:
            return found.alpha_2
    hits = covering_hits(text, {"country"})
    if not hits:
        return None
    # a name reading beats a demonym reading of the same span
    hits.sort(key=lambda h: (h.via == "demonym", -(h.end - h.start)))
    return hits[0].key


def country_name(code: str) -> str:
    """English CLDR name of an ISO alpha-2 code ('KZ' -> 'Kazakhstan')."""
    return gazetteer().names.get(("country", code), code)


# ---------------------------------------------------------------- persons

def _surname_base(token: str) -> str:
    """A surname without case ending or feminine -а: 'Ашикбаевтың' -> 'ашикбаев', 'Ashikbayevning' -> 'ashikbayev'."""
    low = token.lower()
    if is_cyrillic(low):
        for ending in _SURNAME_ENDING.finditer(low):
            stem, tail = low[: ending.end()], low[ending.end():]
            if len(stem) >= 4 and tail in SURNAME_CASE_TAILS:
                return stem
        return low
    latin = LATIN_SURNAME.match(low)
    if latin and len(latin.group("stem")) >= 4 and not low.endswith("ina"):
        return latin.group("stem")
    return low


def _fold(latin: str) -> str:
    """Latin spelling folded so transliteration variants agree: 'Yerzhan' and 'Erjan' -> 'erjan'."""
    folded = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower()
    folded = _NOT_LATIN_LETTER.sub("", folded)
    for spelling, common in LATIN_SPELLING_FOLDS:
        folded = folded.replace(spelling, common)
    folded = _Y_BEFORE_E.sub("", folded)
    folded = folded.replace("y", "i")
    folded = _DOUBLED_LETTER.sub(r"\1", folded)
    return folded


def name_tokens(name: str) -> list[str]:
    """Name parts of a person mention, without initials, patronymics and titles' punctuation."""
    return list(_name_tokens(name))


@lru_cache(maxsize=NAME_TOKENS_CACHE_NAMES)
def _name_tokens(name: str) -> tuple[str, ...]:
    """name_tokens, kept (a document's mentions of a person repeat their names)."""
    out = []
    for part in _NAME_PART.findall(name):
        if part.endswith(".") or len(part) == 1:
            continue  # initial
        if PATRONYMIC_ENDING.search(normalize_token(part)):
            continue
        out.append(part)
    return tuple(out)


@lru_cache(maxsize=PERSON_KEY_CACHE_NAMES)
def person_key(name: str, lang: str | None = None) -> str:
    """Slug shared by a person's spellings and case forms: 'Ержан Ашикбаев' and 'Yerzhan Ashikbayev' agree
    (cached: each surname-like word of a document is looked up)."""
    parts = name_tokens(name)
    if not parts:
        return ""
    keys = []
    for i, part in enumerate(parts):
        base = _surname_base(part) if i == len(parts) - 1 else part.lower()
        keys.append(_fold(transliterate_to_latin(base, "kk" if lang == "uz" else lang)))
    return "-".join(k for k in keys if k)


def person_display_name(name: str, lang: str | None = None) -> str:
    """Latin display form of a person name as written (initials dropped)."""
    parts = name_tokens(name)
    return " ".join(transliterate_to_latin(p, lang) for p in parts)


# ---------------------------------------------------------------- organizations, operations, places

@lru_cache(maxsize=CANONICAL_CACHE_NAMES)
def is_qualified_org_id(org_id: str) -> str | None:
    """'mfa-kz' -> 'mfa' when org_id is a per-country institution id, else None (cached: asked of every
    organization of a document)."""
    qualified = _QUALIFIED_ORG_ID.fullmatch(org_id)
    if qualified and ("qorg", qualified.group(1)) in gazetteer().names:
        return qualified.group(1)
    return None


def qualified_org_name(org_id: str, country: str | None) -> tuple[str, str]:
    """('Ministry of Foreign Affairs of Kazakhstan', 'mfa-kz') for a per-country institution."""
    base = gazetteer().names[("qorg", org_id)]
    if country is None:
        return base, org_id
    return f"{base} of {country_name(country)}", f"{org_id}-{country.lower()}"


@lru_cache(maxsize=CANONICAL_CACHE_NAMES)
def canonical_org(name: str, lang: str | None = None) -> tuple[str, str] | None:
    """(canonical English name, id) for a gazetteer organization or per-country institution; None when unknown
    (cached: the same organizations recur across documents).

    The name must be the organization itself, optionally qualified by a country ('МИД РК', 'Kazakh MFA'); a
    per-country institution may carry a complement ('... при Отделении ООН', '... to the UNOG')."""
    if not name or not name.strip():
        return None
    gz = gazetteer()
    text = re.sub(r"^(?:the|The)\s+", "", re.sub(r"[«»“”„\"]", "", name).strip())
    hits = find_gazetteer_hits(text)
    heads = [h for h in hits if h.kind in ("org", "qorg")]
    if not heads:
        return None
    head = min(heads, key=lambda h: (h.start, -(h.end - h.start)))
    countries = [h for h in hits if h.kind == "country"]
    left = [h for h in countries if h.end <= head.start and not re.sub(r"(?:['’]s|\s)", "", text[h.end:head.start])]
    if re.search(r"\w", text[: left[0].start if left else head.start]):
        return None
    right = [h for h in countries if h.start >= head.end and re.fullmatch(r"\s*(?:of\s+(?:the\s+)?)?", text[head.end:h.start])]
    tail = text[right[0].end if right else head.end:]
    country = (left or right or [None])[0]
    if head.kind == "org":
        if re.search(r"\w", tail):
            return None
        return gz.names[("org", head.key)], head.key
    if re.search(r"\w", tail) and not re.match(r"\s*(?:при|to|at|in|в|к)\b", tail, re.IGNORECASE):
        return None
    if country is None and head.key in gz.requires_country:
        return None
    return qualified_org_name(head.key, country.key if country else None)


@lru_cache(maxsize=CANONICAL_CACHE_NAMES)
def canonical_operation(name: str) -> str | None:
    """Canonical Latin name of a known operation ('Жұсан' -> 'Zhusan'); None when not in the gazetteer (cached)."""
    if not name:
        return None
    for hit in find_gazetteer_hits(name):
        if hit.kind == "op":
            return gazetteer().names[("op", hit.key)]
    return None


def canonical_place(name: str) -> tuple[str, str] | None:
    """(English name, 'loc:<slug>') for a known camp, city or region; None when unknown."""
    hits = [h for h in covering_hits(name, {"camp", "city", "region"})]
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.end - h.start)
    return gazetteer().names[(hit.kind, hit.key)], f"loc:{hit.key}"
