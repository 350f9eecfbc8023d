"""The gazetteer, built once: CLDR / ISO 3166 countries, regions and cities plus the domain gazetteer, in one matcher.

Country names come from CLDR (babel) and ISO 3166 (pycountry with its translations); the domain
gazetteer in ``etl/data/gazetteer.json`` adds organizations, operations, camps and the few
abbreviations CLDR lacks.
"""

from __future__ import annotations

import gettext
import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import pycountry
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

from etl.entities.lexicon import gazetteer_data
from etl.entities.matcher import AliasMatcher, GazetteerHit
from etl.entities.tokens import is_cyrillic, normalize_token, tokenize
from etl.entities.transliteration import slugify

log = logging.getLogger(__name__)


CLDR_LOCALES = ("en", "ru", "kk", "ky", "uz", "uz_Cyrl", "tg")

PYCOUNTRY_LOCALES = ("ru", "kk", "ky", "uz")

# Time zones whose CLDR exemplar cities are useful place names for this domain.
CITY_ZONE_PREFIXES = ("Asia/", "Europe/", "Africa/")

EXTRA_CITY_ZONES = ("America/New_York",)


def _country_names() -> dict[str, set[str]]:
    """ISO alpha-2 -> every name CLDR and ISO 3166 give it in en/ru/kk/ky/uz/tg."""
    names: dict[str, set[str]] = defaultdict(set)
    codes = {c.alpha_2 for c in pycountry.countries}
    for loc_id in CLDR_LOCALES:
        for code, name in Locale.parse(loc_id).territories.items():
            if code in codes:
                names[code].add(name)
    translations = {}
    for lang in PYCOUNTRY_LOCALES:
        try:
            translations[lang] = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
        except OSError:
            log.warning("pycountry has no %s translation", lang)
    for country in pycountry.countries:
        english = [country.name] + [getattr(country, a) for a in ("official_name", "common_name") if hasattr(country, a)]
        names[country.alpha_2].update(english)
        for tr in translations.values():
            names[country.alpha_2].update(tr.gettext(n) for n in english)
    extra = gazetteer_data()["country_aliases"]
    for code, aliases in extra.items():
        if not code.startswith("_"):
            names[code].update(aliases)
    # "Republic of X" / "Республика X" / "X Республикасы": X alone names the country too, and the
    # Turkic "X Республикасы / Respublikasi" form is how kk / ky / uz texts write any republic.
    for code, variants in names.items():
        derived = set()
        for name in variants:
            m = re.fullmatch(r"(?:Republic of|Республика|Kingdom of|State of)\s+(\w+)", name) or re.fullmatch(
                r"(\w+)\s+(?:Республикасы|Республикаси|Respublikasi)", name)
            if m:
                derived.add(m.group(1))
        for name in variants | derived:
            if " " in name or not name[:1].isupper():
                continue
            if is_cyrillic(name):
                derived.update((f"{name} Республикасы", f"{name} Республикаси"))
            elif re.search(r"[ʻ'‘’]|iston$|stan$", name):
                derived.add(f"{name} Respublikasi")
        variants.update(derived)
    blocked = set(gazetteer_data()["country_alias_blocklist"])
    return {code: {n for n in v if "," not in n and normalize_token(n) not in blocked} for code, v in names.items()}


def _regions_and_blocs() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """CLDR macro-regions (Central Asia, ...) and the UN / EU names, in all five languages."""
    regions: dict[str, set[str]] = defaultdict(set)
    blocs: dict[str, set[str]] = defaultdict(set)
    english = Locale.parse("en").territories
    for loc_id in CLDR_LOCALES:
        for code, name in Locale.parse(loc_id).territories.items():
            if code.isdigit() and code != "001":
                regions[slugify(english[code])].add(name)
            elif code in ("UN", "EU"):
                blocs[code].add(name)
    return regions, blocs


def _cities() -> dict[str, set[str]]:
    """CLDR exemplar cities (from time-zone names) in all five languages, keyed by English slug."""
    zones = sorted(z for z in get_global("zone_territories") if z.startswith(CITY_ZONE_PREFIXES) or z in EXTRA_CITY_ZONES)
    cities: dict[str, set[str]] = defaultdict(set)
    for zone in zones:
        try:
            english = get_timezone_location(zone, locale="en", return_city=True)
            localized = {get_timezone_location(zone, locale=loc_id, return_city=True) for loc_id in CLDR_LOCALES}
        except (LookupError, ValueError):
            continue
        cities[slugify(english)].update(localized)
    return cities


@dataclass(frozen=True)
class Gazetteer:
    """Everything the matcher knows, with display names per key."""

    matcher: AliasMatcher
    names: dict[tuple[str, str], str]  # (kind, key) -> canonical display name (English)
    acronyms: dict[str, str]  # org id -> acronym
    requires_country: frozenset[str]
    country_aliases: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """Build (once) the alias matcher over CLDR countries/regions/cities and the domain gazetteer."""
    data = gazetteer_data()
    matcher = AliasMatcher()
    names: dict[tuple[str, str], str] = {}
    acronyms: dict[str, str] = {}
    countries = _country_names()
    english = Locale.parse("en").territories
    for code, variants in countries.items():
        names[("country", code)] = english.get(code, code)
        for name in variants:
            matcher.add(name, "country", code)
            toks = tokenize(name)
            if len(toks) == 1:
                norm = normalize_token(name)
                matcher.add_adjective_stem(norm, code)
                if is_cyrillic(norm) and norm[-1] in "аяь" and len(norm) >= 5:
                    matcher.add_adjective_stem(norm[:-1], code)
                if not is_cyrillic(norm) and norm[-1] in "aeoy" and len(norm) >= 5:
                    matcher.add_adjective_stem(norm[:-1], code)
                m = re.fullmatch(r"(.{4,}?)(?:и?стан|i?ston|i?stan)", norm)
                if m:
                    matcher.add_adjective_stem(m.group(1), code, bare=not is_cyrillic(norm))
    for code, stems in data["demonym_stems"].items():
        if code.startswith("_"):
            continue
        for stem in stems:
            matcher.add_adjective_stem(stem, code, bare=not is_cyrillic(stem) and stem[0].isupper())
    regions, blocs = _regions_and_blocs()
    for slug, variants in regions.items():
        names[("region", slug)] = slug.replace("-", " ").title()
        for name in variants:
            matcher.add(name, "region", slug)
    bloc_ids = {"UN": "un", "EU": "eu"}
    for org in data["orgs"]:
        names[("org", org["id"])] = org["name"]
        acronyms[org["id"]] = org["acronym"]
        for alias in org["aliases"]:
            matcher.add(alias, "org", org["id"])
    for code, variants in blocs.items():
        for name in variants:
            matcher.add(name, "org", bloc_ids[code])
    qualified = data["qualified_orgs"]["items"]
    for org in qualified:
        names[("qorg", org["id"])] = org["name"]
        for alias in org["aliases"]:
            matcher.add(alias, "qorg", org["id"])
    for op in data["operations"]:
        names[("op", op["id"])] = op["name"]
        for alias in op["aliases"]:
            matcher.add(alias, "op", op["id"])
    for place in data["locations"]:
        names[(place["kind"], place["id"])] = place["name"]
        for alias in place["aliases"]:
            matcher.add(alias, place["kind"], place["id"])
    country_norms = {normalize_token(n) for v in countries.values() for n in v}
    for slug, variants in _cities().items():
        if any(normalize_token(n) in country_norms for n in variants):
            continue
        names.setdefault(("city", slug), slug.replace("-", " ").title())
        for name in variants:
            matcher.add(name, "city", slug)
    requires = frozenset(o["id"] for o in qualified if o["requires_country"])
    log.debug("gazetteer built: %d display names", len(names))
    return Gazetteer(matcher, names, acronyms, requires, {k: frozenset(v) for k, v in countries.items()})


def find_gazetteer_hits(text: str, tokens: Sequence[tuple[int, int, str]] | None = None) -> list[GazetteerHit]:
    """Every gazetteer / CLDR mention in text, overlapping hits included."""
    return gazetteer().matcher.find(text, tokens)


@lru_cache(maxsize=1)
def _operations_matcher() -> AliasMatcher:
    """A matcher of the domain gazetteer's operations alone (what ``operation_hits`` reads)."""
    matcher = AliasMatcher()
    for op in gazetteer_data()["operations"]:
        for alias in op["aliases"]:
            matcher.add(alias, "op", op["id"])
    return matcher


def operation_hits(text: str, tokens: Sequence[tuple[int, int, str]] | None = None) -> list[GazetteerHit]:
    """The hits of kind 'op' of ``find_gazetteer_hits`` (the same, in the same order), without matching every other
    alias: a matcher's hits of one entry do not depend on the other entries."""
    return _operations_matcher().find(text, tokens)


def covering_hits(name: str, kinds: set[str]) -> list[GazetteerHit]:
    """Hits of the given kinds that cover the whole of name (quotes and a leading 'the' aside)."""
    text = name.strip().strip("«»\"“”„'")
    text = re.sub(r"^(?:the|The)\s+", "", text)
    return [h for h in find_gazetteer_hits(text) if h.kind in kinds and h.start == 0 and h.end >= len(text.rstrip(".")) - 0]
