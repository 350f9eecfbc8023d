"""Cross-lingual canonical names and ids: countries, persons, organizations, operations, places.

Country names come from CLDR (babel) and ISO 3166 (pycountry with its translations); the domain
gazetteer in ``etl/data/gazetteer.json`` adds organizations, operations, camps and the few
abbreviations CLDR lacks. Matching tolerates Russian / Kazakh / Kyrgyz / Uzbek case endings.
"""

from __future__ import annotations

import gettext
import json
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import pycountry
from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location

log = logging.getLogger(__name__)

APOSTROPHES = "'’‘ʻʼ`´"
_APOSTROPHE_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})
TOKEN_RE = re.compile(r"[^\W\d_]+(?:[" + APOSTROPHES + r"][^\W\d_]+)*|\d+")
CYRILLIC_RE = re.compile(r"[\u0400-\u04FF]")

CLDR_LOCALES = ("en", "ru", "kk", "ky", "uz", "uz_Cyrl")
PYCOUNTRY_LOCALES = ("ru", "kk", "ky", "uz")
# Time zones whose CLDR exemplar cities are useful place names for this domain.
CITY_ZONE_PREFIXES = ("Asia/", "Europe/", "Africa/")
EXTRA_CITY_ZONES = ("America/New_York",)

# ---------------------------------------------------------------- transliteration

_PRESS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    # Kazakh / Kyrgyz letters, spelled the way English-language press writes names.
    "ә": "a", "ғ": "g", "қ": "k", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i",
    "ў": "u", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u",
}
# Official Uzbek Latin alphabet (1995, revised).
_UZBEK = dict(_PRESS) | {
    "ў": "oʻ", "қ": "q", "ғ": "gʻ", "ҳ": "h", "х": "x", "ж": "j", "ц": "s", "ъ": "ʼ", "е": "e",
    "ё": "yo", "ю": "yu", "я": "ya", "й": "y",
}
_CYR_VOWELS = set("аеёиоуыэюяәөұүіўӯӣ")


def _word_case(source: str, prev: str, nxt: str, latin: str) -> str:
    if not source.isupper() or not latin:
        return latin
    # ALL-CAPS word: keep it all caps; Capitalised word: only the first Latin letter.
    if nxt.isupper() or (prev.isupper() and not nxt.isalpha()):
        return latin.upper()
    return latin[0].upper() + latin[1:]


def transliterate_to_latin(text: str, lang: str | None = None) -> str:
    """Cyrillic (ru/kk/ky/uz) -> Latin; Latin characters pass through unchanged."""
    uzbek = lang == "uz" or (lang is None and re.search(r"[ўҳЎҲ]", text) is not None)
    table = _UZBEK if uzbek else _PRESS
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


def normalize_token(token: str) -> str:
    """Case- and spelling-folded token used for gazetteer look-ups."""
    return unicodedata.normalize("NFC", token).translate(_APOSTROPHE_TABLE).lower().replace("ё", "е")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """Word tokens of text as (start, end, surface)."""
    return [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)]


def is_cyrillic(text: str) -> bool:
    """True when text holds at least one Cyrillic letter."""
    return CYRILLIC_RE.search(text) is not None


# ---------------------------------------------------------------- gazetteer data

@lru_cache(maxsize=1)
def gazetteer_data() -> dict:
    """The shipped domain gazetteer (organizations, operations, camps, abbreviations)."""
    return json.loads(files("etl").joinpath("data/gazetteer.json").read_text(encoding="utf-8"))


_CYR_NAME_SUFFIXES = frozenset("""
а я у ю ом ем ой ою ей е и ы ам ям ами ями ах ях ов ев ые ых ым ыми ая ую ое ого ому ие их им ими его ему
ға ге қа ке на не ның нің дың дің тың тің ны ні ды ді ты ті н да де та те нда нде дан ден тан тен нан нен
мен бен пен дағы дегі тағы тегі ндағы ндегі ы і сы сі сын сін сына сіне сының сінің сында сінде сынан сінен
сымен сімен ға дейін
га го гө ка ко кө нын нин нун нүн дын дин дун дүн тын тин тун түн ну нү ду дү ту тү до дө то тө ндо ндө
дон дөн тон төн нон нөн менен дагы деги
нинг ни даги
""".split()) | {""}
_LAT_NAME_SUFFIXES = frozenset(["", "'s", "s'", "ga", "ka", "qa", "ning", "ni", "da", "dan", "dagi", "ta", "tan"])
_CYR_ADJ_RE = re.compile(
    r"(?:[йи]?(?:ск|цк)(?:ий|ый|ая|ое|ие|ые|ого|ому|им|ым|ом|ой|ую|их|ых|ими|ыми))"
    r"|(?:(?:лық|лік|дық|дік|тық|тік|лык|лик|лук|лүк|дык|дик|дук|дүк|тык|тик|тук|түк)"
    r"(?:тар|тер|лар|лер|дар|дер)?"
    r"(?:дың|дің|тың|тің|ның|нің|нын|нин|дын|дин|тын|тин|ға|ге|қа|ке|га|ка|ды|ді|ты|ті|ны|ні|ди|ти|ни"
    r"|да|де|та|те|дан|ден|тан|тен|нан|нен|мен|бен|пен|менен)?)"
    r"|(?:лик(?:лар)?(?:нинг|ни|га|да|дан)?)"
)
_LAT_ADJ_RE = re.compile(r"(?:n|an|ian|i|ese|ish)s?|s|(?:lik(?:lar)?(?:ning|ni|ga|da|dan)?)")
_RU_ADJ_ENDINGS = ("ые", "ая", "ий", "ый", "ое", "ой", "ие")


@dataclass(frozen=True)
class Alias:
    """One spelling of a gazetteer entry, tokenized for matching."""

    raw: str
    tokens: tuple[str, ...]
    gaps: tuple[str, ...]
    kind: str  # country | region | city | camp | org | qorg | op
    key: str  # ISO alpha-2 for countries, gazetteer id otherwise
    acronym: bool


@dataclass(frozen=True)
class GazetteerHit:
    """A gazetteer mention found in text: text[start:end] is the mention as written."""

    start: int
    end: int
    kind: str
    key: str
    via: str  # "name" | "acronym" | "demonym"
    alias: str = ""  # the gazetteer spelling that matched, in its dictionary (nominative) form


def _gap_class(gap: str) -> str | None:
    if "\n" in gap:
        return None
    stripped = gap.strip()
    if stripped in ("", "-", "–"):
        return ""
    return stripped.translate(_APOSTROPHE_TABLE)


def _stems(token: str, first: bool = True) -> list[tuple[str, bool]]:
    """(stem, needs_suffix_check) pairs under which an alias token may appear inflected. A short first
    word keeps its vowel (so 'Мали' never reads 'малой'); inside a phrase 'Азия' -> 'Азии' is safe."""
    stems = [(token, False)]
    if is_cyrillic(token):
        if token.endswith(_RU_ADJ_ENDINGS) and len(token) >= 7:
            stems.append((token[:-2], True))
        if token[-1] in "аяьйоые" and len(token) >= (5 if first else 4):
            stems.append((token[:-1], True))
    return stems


_GLUED_CASE_RE = re.compile(
    r"([A-ZА-ЯЁӘҒҚҢӨҰҮҺІЎҲ]{2,})(ның|нің|дың|дің|тың|тің|нын|нин|нун|нүн|дын|дин|дун|дүн|тын|тин|тун|түн|нинг|ning|"
    r"ға|ге|қа|ке|га|го|гө|ка|ко|кө|да|де|та|те|до|дө|то|тө|дан|ден|тан|тен|дон|дөн|тон|төн|нан|нен|дағы|дегі|"
    r"тағы|тегі|дагы|деги|даги|ны|ні|ды|ді|ни|ди|ga|ka|qa|da|dan|dagi|ni)"
)


class AliasMatcher:
    """Finds gazetteer aliases in text, tolerating case endings on Cyrillic and Uzbek words."""

    def __init__(self) -> None:
        self._by_stem: dict[str, list[tuple[Alias, bool]]] = defaultdict(list)
        self._acronyms: dict[str, list[Alias]] = defaultdict(list)
        self._adj: dict[str, set[str]] = defaultdict(set)
        self._bare: set[str] = set()
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, raw: str, kind: str, key: str) -> None:
        raw = unicodedata.normalize("NFC", raw.strip())
        toks = tokenize(raw)
        if not toks:
            return
        norm = tuple(normalize_token(t[2]) for t in toks)
        ident = (" ".join(norm), kind, key)
        if ident in self._seen:
            return
        self._seen.add(ident)
        gaps = tuple(_gap_class(raw[toks[i][1]:toks[i + 1][0]]) or "" for i in range(len(toks) - 1))
        letters = [c for c in raw if c.isalpha()]
        acronym = len(toks) == 1 and len(letters) >= 2 and all(c.isupper() for c in letters) and len(raw) <= 8
        alias = Alias(raw, norm, gaps, kind, key, acronym)
        if acronym:
            self._acronyms[raw.translate(_APOSTROPHE_TABLE).replace(".", "")].append(alias)
            return
        if len(norm) == 1 and len(norm[0]) < 3:
            return
        for stem, inflected in _stems(norm[0]):
            self._by_stem[stem].append((alias, inflected))

    def add_adjective_stem(self, stem: str, key: str, bare: bool = False) -> None:
        """Register a demonym stem; bare=True lets the stem stand alone (English 'Kazakh', 'Afghan')."""
        stem = normalize_token(stem)
        if len(stem) >= 4:
            self._adj[stem].add(key)
            if bare:
                self._bare.add(stem)

    @staticmethod
    def _token_matches(surface: str, alias_token: str, first: bool, alias_raw_first_upper: bool) -> bool:
        norm = normalize_token(surface)
        if first and alias_raw_first_upper and not surface[0].isupper():
            return False
        for stem, _inflected in _stems(alias_token, first):
            if norm.startswith(stem):
                rest = norm[len(stem):]
                suffixes = _CYR_NAME_SUFFIXES if is_cyrillic(stem) else _LAT_NAME_SUFFIXES
                if rest in suffixes:
                    return True
        return False

    def find(self, text: str, tokens: list[tuple[int, int, str]] | None = None) -> list[GazetteerHit]:
        """All alias hits in text (overlapping hits of different entries are all returned)."""
        toks = tokens if tokens is not None else tokenize(text)
        hits: list[GazetteerHit] = []
        for i, (start, end, surface) in enumerate(toks):
            acronyms, candidates, demonym = self._surface_lookup(surface)
            hits.extend(self._acronym_hits(text, toks, i, acronyms))
            for alias in candidates:
                hit = self._match_from(text, toks, i, alias)
                if hit is not None:
                    hits.append(hit)
            if demonym is not None:
                hits.append(GazetteerHit(start, end, "country", demonym, "demonym", surface))
        return hits

    def _surface_lookup(self, surface: str) -> tuple[tuple[Alias, ...], tuple[Alias, ...], str | None]:
        """The acronyms a token is, the aliases that may start at it, and the country its demonym names: functions
        of the surface alone, so looked up once per distinct word (news repeats its words; this was a quarter of
        the entities stage's time)."""
        lookup = self.__dict__.get("_lookup_cache")
        if lookup is None:  # built on first use: aliases are all added by then (gazetteer() builds them at once)
            # bounded: an archive's vocabulary keeps growing; 30,000 words served 89 % of look-ups on 2,000 news texts
            lookup = self.__dict__["_lookup_cache"] = lru_cache(maxsize=30_000)(self._surface_lookup_uncached)
        return lookup(surface)

    def _surface_lookup_uncached(self, surface: str) -> tuple[tuple[Alias, ...], tuple[Alias, ...], str | None]:
        norm = normalize_token(surface)
        candidates: list[Alias] = []
        tried: set[int] = set()
        for cut in range(0, min(9, len(norm) - 1)):
            prefix = norm[: len(norm) - cut]
            for alias, _inflected in self._by_stem.get(prefix, ()):
                if id(alias) not in tried:
                    tried.add(id(alias))
                    candidates.append(alias)
        return self._acronyms_of(surface), tuple(candidates), self._demonym(surface, norm)

    def _acronym_hits(self, text: str, toks: list[tuple[int, int, str]], i: int,
                      acronyms: tuple[Alias, ...]) -> Iterator[GazetteerHit]:
        """Hits of a dotted acronym starting at token i (U.S., U.N.), then of `acronyms`, the token's own."""
        start, end, surface = toks[i]
        j, dotted_end = i, end
        while j + 1 < len(toks) and text[toks[j][1]:toks[j + 1][0]] == "." and len(toks[j + 1][2]) == 1:
            j += 1
            dotted_end = toks[j][1]
        if j > i:
            key = surface.translate(_APOSTROPHE_TABLE) + "".join(tok[2] for tok in toks[i + 1:j + 1])
            if dotted_end < len(text) and text[dotted_end] == ".":
                dotted_end += 1
            for alias in self._acronyms.get(key, ()):
                yield GazetteerHit(start, dotted_end, alias.kind, alias.key, "acronym", alias.raw)
        for alias in acronyms:
            yield GazetteerHit(start, end, alias.kind, alias.key, "acronym", alias.raw)

    def _acronyms_of(self, surface: str) -> tuple[Alias, ...]:
        """Acronym aliases a single token is: "UNICEF", or one with a Turkic case ending glued on."""
        found = list(self._acronyms.get(surface.translate(_APOSTROPHE_TABLE), ()))
        glued = _GLUED_CASE_RE.fullmatch(surface)
        if glued:  # "ЮНИСЕФтин", "БМТнинг", "BMTning", "ТИМдин"
            found += self._acronyms.get(glued.group(1).translate(_APOSTROPHE_TABLE), ())
        return tuple(found)

    def _match_from(self, text: str, toks: list[tuple[int, int, str]], i: int, alias: Alias) -> GazetteerHit | None:
        n = len(alias.tokens)
        if i + n > len(toks):
            return None
        first_upper = alias.raw[0].isupper() and alias.kind != "qorg"
        for j in range(n):
            surface = toks[i + j][2]
            if not self._token_matches(surface, alias.tokens[j], j == 0, first_upper):
                return None
            if j:
                gap = _gap_class(text[toks[i + j - 1][1]:toks[i + j][0]])
                if gap is None or gap != alias.gaps[j - 1]:
                    return None
        return GazetteerHit(toks[i][0], toks[i + n - 1][1], alias.kind, alias.key, "name", alias.raw)

    def _demonym(self, surface: str, norm: str) -> str | None:
        """The country key a demonym token names ("казахстанских", "Kazakh", "o'zbekistonlik"), else None."""
        cyr = is_cyrillic(norm)
        if not cyr and not surface[0].isupper() and not norm.endswith(("lik", "liklar")):
            return None
        best: tuple[int, str] | None = None
        for cut in range(0, min(14, len(norm) - 3)):
            stem = norm[: len(norm) - cut]
            keys = self._adj.get(stem)
            if not keys or len(keys) != 1:
                continue
            rest = norm[len(stem):]
            adj_re = _CYR_ADJ_RE if cyr else _LAT_ADJ_RE
            if (rest and adj_re.fullmatch(rest)) or (not rest and not cyr and stem in self._bare):
                if best is None or len(stem) > best[0]:
                    best = (len(stem), next(iter(keys)))
        return best[1] if best is not None else None



def _country_names() -> dict[str, set[str]]:
    """ISO alpha-2 -> every name CLDR and ISO 3166 give it in en/ru/kk/ky/uz."""
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


def find_gazetteer_hits(text: str, tokens: list[tuple[int, int, str]] | None = None) -> list[GazetteerHit]:
    """Every gazetteer / CLDR mention in text, overlapping hits included."""
    return gazetteer().matcher.find(text, tokens)


def _covering_hits(name: str, kinds: set[str]) -> list[GazetteerHit]:
    text = name.strip().strip("«»\"“”„'")
    text = re.sub(r"^(?:the|The)\s+", "", text)
    return [h for h in find_gazetteer_hits(text) if h.kind in kinds and h.start == 0 and h.end >= len(text.rstrip(".")) - 0]


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
    hits = _covering_hits(text, {"country"})
    if not hits:
        return None
    # a name reading beats a demonym reading of the same span
    hits.sort(key=lambda h: (h.via == "demonym", -(h.end - h.start)))
    return hits[0].key


def country_name(code: str) -> str:
    """English CLDR name of an ISO alpha-2 code ('KZ' -> 'Kazakhstan')."""
    return gazetteer().names.get(("country", code), code)


# ---------------------------------------------------------------- persons

_PATRONYMIC_RE = re.compile(
    r"(?:ович|евич|ьевич|овна|евна|ична|инична|ұлы|улы|қызы|кызы|уулу|ovich|evich|ovna|evna|uly|uli|ulı|qızı|kyzy|kizi|qizi|ogli|o'g'li)$"
)
_SURNAME_RE = re.compile(r"^(?P<stem>.+?(?:ов|ев|ёв|ин|ын|ский|цкий))(?P<tail>.*)$")
_SURNAME_TAILS = frozenset(
    a + c
    for a in ("", "а")
    for c in ("", "а", "у", "ым", "ом", "е", "ой", "ою", "ых", "ыми", "ому", "ого", "тың", "тің", "ның", "нің",
              "қа", "ке", "ға", "ге", "ты", "ті", "ны", "ні", "та", "те", "тан", "тен", "пен", "бен", "мен", "нан",
              "нен", "тын", "тин", "дын", "дин", "нын", "нин", "ка", "га", "го", "ко", "ту", "ду", "ну", "дун",
              "тун", "нун", "дан", "ден", "менен", "дын")
)
_LATIN_SURNAME_RE = re.compile(r"^(?P<stem>.+?(?:ov|ev|yev|in))(?P<tail>a?(?:ning|ni|ga|da|dan|dir|tyng|ting|nyng|ning)?)$")


def _surname_base(token: str) -> str:
    low = token.lower()
    if is_cyrillic(low):
        for m in re.finditer(r"(?:ов|ев|ёв|ин|ын)", low):
            stem, tail = low[: m.end()], low[m.end():]
            if len(stem) >= 4 and tail in _SURNAME_TAILS:
                return stem
        return low
    m = _LATIN_SURNAME_RE.match(low)
    if m and len(m.group("stem")) >= 4 and not low.endswith("ina"):
        return m.group("stem")
    return low


def _fold(latin: str) -> str:
    s = unicodedata.normalize("NFKD", latin).encode("ascii", "ignore").decode().lower()
    s = re.sub(r"[^a-z]", "", s)
    for a, b in (("dzh", "j"), ("zh", "j"), ("kh", "h"), ("x", "h"), ("q", "k"), ("w", "v"), ("ph", "f")):
        s = s.replace(a, b)
    s = re.sub(r"y(?=e)", "", s)
    s = s.replace("y", "i")
    s = re.sub(r"(.)\1+", r"\1", s)
    return s


def name_tokens(name: str) -> list[str]:
    """Name parts of a person mention, without initials, patronymics and titles' punctuation."""
    parts = re.findall(r"[^\W\d_]+(?:[-" + APOSTROPHES + r"][^\W\d_]+)*\.?", name)
    out = []
    for p in parts:
        if p.endswith(".") or len(p) == 1:
            continue  # initial
        if _PATRONYMIC_RE.search(normalize_token(p)):
            continue
        out.append(p)
    return out


def person_key(name: str, lang: str | None = None) -> str:
    """Slug shared by a person's spellings and case forms: 'Ержан Ашикбаев' and 'Yerzhan Ashikbayev' agree."""
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

def is_qualified_org_id(org_id: str) -> str | None:
    """'mfa-kz' -> 'mfa' when org_id is a per-country institution id, else None."""
    m = re.fullmatch(r"(.+)-([a-z]{2})", org_id)
    if m and ("qorg", m.group(1)) in gazetteer().names:
        return m.group(1)
    return None


def qualified_org_name(org_id: str, country: str | None) -> tuple[str, str]:
    """('Ministry of Foreign Affairs of Kazakhstan', 'mfa-kz') for a per-country institution."""
    base = gazetteer().names[("qorg", org_id)]
    if country is None:
        return base, org_id
    return f"{base} of {country_name(country)}", f"{org_id}-{country.lower()}"


def canonical_org(name: str, lang: str | None = None) -> tuple[str, str] | None:
    """(canonical English name, id) for a gazetteer organization or per-country institution; None when unknown.

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


def canonical_operation(name: str) -> str | None:
    """Canonical Latin name of a known operation ('Жұсан' -> 'Zhusan'); None when not in the gazetteer."""
    if not name:
        return None
    for hit in find_gazetteer_hits(name):
        if hit.kind == "op":
            return gazetteer().names[("op", hit.key)]
    return None


def canonical_place(name: str) -> tuple[str, str] | None:
    """(English name, 'loc:<slug>') for a known camp, city or region; None when unknown."""
    hits = [h for h in _covering_hits(name, {"camp", "city", "region"})]
    if not hits:
        return None
    hit = max(hits, key=lambda h: h.end - h.start)
    return gazetteer().names[(hit.kind, hit.key)], f"loc:{hit.key}"
