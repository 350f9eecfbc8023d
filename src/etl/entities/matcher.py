"""Gazetteer alias matching: finds every alias of a gazetteer entry in text, tolerating case endings and demonyms."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from etl.entities.lexicon import (
    CYRILLIC_ADJECTIVE_ENDING,
    CYRILLIC_NAME_SUFFIXES,
    GLUED_CASE_ACRONYM,
    LATIN_ADJECTIVE_ENDING,
    LATIN_NAME_SUFFIXES,
    RU_ADJECTIVE_ENDINGS,
)
from etl.entities.tokens import APOSTROPHE_TABLE, is_cyrillic, normalize_token, tokenize


@dataclass(frozen=True)
class Alias:
    """One spelling of a gazetteer entry, tokenized for matching."""

    raw: str
    tokens: tuple[str, ...]
    gaps: tuple[str, ...]
    kind: str  # country | region | city | camp | org | qorg | op
    key: str  # ISO alpha-2 for countries, gazetteer id otherwise
    acronym: bool
    # per token, the (stem, endings) pairs it may be written as (``alias_stems``; the first word's own rule)
    forms: tuple[tuple[tuple[str, frozenset[str]], ...], ...] = ()


@dataclass(frozen=True)
class GazetteerHit:
    """A gazetteer mention found in text: text[start:end] is the mention as written."""

    start: int
    end: int
    kind: str
    key: str
    via: str  # "name" | "acronym" | "demonym"
    alias: str = ""  # the gazetteer spelling that matched, in its dictionary (nominative) form


def _first_upper(alias: Alias) -> bool:
    """Whether a mention of alias must open with a capital, as the alias does (a qualified org's does not)."""
    return alias.raw[0].isupper() and alias.kind != "qorg"


def gap_class(gap: str) -> str | None:
    if "\n" in gap:
        return None
    stripped = gap.strip()
    if stripped in ("", "-", "–"):
        return ""
    return stripped.translate(APOSTROPHE_TABLE)


def _forms(token: str, first: bool) -> tuple[tuple[str, frozenset[str]], ...]:
    """The (stem, endings) pairs under which an alias token may be written: ``alias_stems`` with the endings of
    the stem's script."""
    return tuple((stem, CYRILLIC_NAME_SUFFIXES if is_cyrillic(stem) else LATIN_NAME_SUFFIXES)
                 for stem, _inflected in alias_stems(token, first))


# what a word that opens no alias, is no acronym and no demonym looks up to (one shared value)
_NO_MATCH: tuple[tuple[Alias, ...], tuple[Alias, ...], str | None] = ((), (), None)


def alias_stems(token: str, first: bool = True) -> list[tuple[str, bool]]:
    """(stem, needs_suffix_check) pairs under which an alias token may appear inflected. A short first
    word keeps its vowel (so 'Мали' never reads 'малой'); inside a phrase 'Азия' -> 'Азии' is safe."""
    stems = [(token, False)]
    if is_cyrillic(token):
        if token.endswith(RU_ADJECTIVE_ENDINGS) and len(token) >= 7:
            stems.append((token[:-2], True))
        if token[-1] in "аяьйоые" and len(token) >= (5 if first else 4):
            stems.append((token[:-1], True))
    return stems


def _written_as(norm: str, forms: tuple[tuple[str, frozenset[str]], ...]) -> bool:
    """Whether a folded word is one of an alias token's forms: a stem and one of its endings."""
    for stem, endings in forms:
        if norm.startswith(stem) and norm[len(stem):] in endings:
            return True
    return False


class AliasMatcher:
    """Finds gazetteer aliases in text, tolerating case endings on Cyrillic and Uzbek words."""

    def __init__(self) -> None:
        self._by_stem: dict[str, list[tuple[Alias, bool]]] = defaultdict(list)
        self._acronyms: dict[str, list[Alias]] = defaultdict(list)
        self._adj: dict[str, set[str]] = defaultdict(set)
        self._bare: set[str] = set()
        self._seen: set[tuple[str, str, str]] = set()
        self._stem_prefixes: set[str] = set()  # every prefix (2 letters or more) of a stem of _by_stem
        self._adj_heads: set[str] = set()  # the first 4 letters of every demonym stem of _adj

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
        gaps = tuple(gap_class(raw[toks[i][1]:toks[i + 1][0]]) or "" for i in range(len(toks) - 1))
        letters = [c for c in raw if c.isalpha()]
        acronym = len(toks) == 1 and len(letters) >= 2 and all(c.isupper() for c in letters) and len(raw) <= 8
        forms = tuple(_forms(token, index == 0) for index, token in enumerate(norm))
        alias = Alias(raw, norm, gaps, kind, key, acronym, forms)
        if acronym:
            self._acronyms[raw.translate(APOSTROPHE_TABLE).replace(".", "")].append(alias)
            return
        if len(norm) == 1 and len(norm[0]) < 3:
            return
        for stem, inflected in alias_stems(norm[0]):
            self._by_stem[stem].append((alias, inflected))
            self._stem_prefixes.update(stem[:length] for length in range(2, len(stem) + 1))

    def add_adjective_stem(self, stem: str, key: str, bare: bool = False) -> None:
        """Register a demonym stem; bare=True lets the stem stand alone (English 'Kazakh', 'Afghan')."""
        stem = normalize_token(stem)
        if len(stem) >= 4:
            self._adj[stem].add(key)
            self._adj_heads.add(stem[:4])
            if bare:
                self._bare.add(stem)

    def find(self, text: str, tokens: Sequence[tuple[int, int, str]] | None = None) -> list[GazetteerHit]:
        """All alias hits in text (overlapping hits of different entries are all returned)."""
        toks = tokens if tokens is not None else tokenize(text)
        hits: list[GazetteerHit] = []
        surface_lookup = self._surface_lookup()
        last = len(toks) - 1
        for i, (start, end, surface) in enumerate(toks):
            found = surface_lookup(surface)
            # a dotted acronym (U.S.) may start at any word a full stop and the next word follow
            dotted = i < last and toks[i + 1][0] == end + 1 and text[end] == "."
            if found is _NO_MATCH:  # most words: nothing else starts here
                if dotted:
                    hits.extend(self._acronym_hits(text, toks, i, ()))
                continue
            acronyms, candidates, demonym = found
            if acronyms or dotted:  # else no acronym starts here
                hits.extend(self._acronym_hits(text, toks, i, acronyms))
            for alias in candidates:
                hit = self._match_from(text, toks, i, alias)
                if hit is not None:
                    hits.append(hit)
            if demonym is not None:
                hits.append(GazetteerHit(start, end, "country", demonym, "demonym", surface))
        return hits

    def _surface_lookup(self) -> Callable[[str], tuple[tuple[Alias, ...], tuple[Alias, ...], str | None]]:
        """surface -> the acronyms a token is, the aliases whose first word it is, and the country its demonym names:
        functions of the surface alone, so looked up once per distinct word (news repeats its words; this was a
        quarter of the entities stage's time)."""
        lookup = self.__dict__.get("_lookup_cache")
        if lookup is None:  # built on first use: aliases are all added by then (gazetteer() builds them at once)
            # bounded: an archive's vocabulary keeps growing; 30,000 words served 89 % of look-ups on 2,000 news texts
            lookup = self.__dict__["_lookup_cache"] = lru_cache(maxsize=30_000)(self._surface_lookup_uncached)
        return lookup

    def _surface_lookup_uncached(self, surface: str) -> tuple[tuple[Alias, ...], tuple[Alias, ...], str | None]:
        norm = normalize_token(surface)
        candidates: list[Alias] = []
        tried: set[int] = set()
        # stems are looked up among the word's prefixes of 2+ letters, at most 8 letters cut; none is longer than
        # the longest prefix that begins some stem
        longest = 1
        while longest < len(norm) and norm[:longest + 1] in self._stem_prefixes:
            longest += 1
        for cut in range(len(norm) - longest, min(9, len(norm) - 1)):
            prefix = norm[: len(norm) - cut]
            for alias, _inflected in self._by_stem.get(prefix, ()):
                if id(alias) not in tried:
                    tried.add(id(alias))
                    if (not (_first_upper(alias) and not surface[0].isupper())
                            and _written_as(norm, alias.forms[0])):
                        candidates.append(alias)
        acronyms, demonym = self._acronyms_of(surface), self._demonym(surface, norm)
        if not acronyms and not candidates and demonym is None:
            return _NO_MATCH
        return acronyms, tuple(candidates), demonym

    def _acronym_hits(self, text: str, toks: Sequence[tuple[int, int, str]], i: int,
                      acronyms: tuple[Alias, ...]) -> Iterator[GazetteerHit]:
        """Hits of a dotted acronym starting at token i (U.S., U.N.), then of `acronyms`, the token's own."""
        start, end, surface = toks[i]
        j, dotted_end = i, end
        while j + 1 < len(toks) and text[toks[j][1]:toks[j + 1][0]] == "." and len(toks[j + 1][2]) == 1:
            j += 1
            dotted_end = toks[j][1]
        if j > i:
            key = surface.translate(APOSTROPHE_TABLE) + "".join(tok[2] for tok in toks[i + 1:j + 1])
            if dotted_end < len(text) and text[dotted_end] == ".":
                dotted_end += 1
            for alias in self._acronyms.get(key, ()):
                yield GazetteerHit(start, dotted_end, alias.kind, alias.key, "acronym", alias.raw)
        for alias in acronyms:
            yield GazetteerHit(start, end, alias.kind, alias.key, "acronym", alias.raw)

    def _acronyms_of(self, surface: str) -> tuple[Alias, ...]:
        """Acronym aliases a single token is: "UNICEF", or one with a Turkic case ending glued on."""
        if not surface[0].isupper():  # an acronym's letters are all capitals, and a token opens with a letter or digit
            return ()
        found = list(self._acronyms.get(surface.translate(APOSTROPHE_TABLE), ()))
        glued = GLUED_CASE_ACRONYM.fullmatch(surface)
        if glued:  # "ЮНИСЕФтин", "БМТнинг", "BMTning", "ТИМдин"
            found += self._acronyms.get(glued.group(1).translate(APOSTROPHE_TABLE), ())
        return tuple(found)

    def _match_from(self, text: str, toks: Sequence[tuple[int, int, str]], i: int, alias: Alias) -> GazetteerHit | None:
        """The hit of alias starting at token i, whose first word _surface_lookup has already matched."""
        n = len(alias.tokens)
        if i + n > len(toks):
            return None
        for j in range(1, n):
            if not _written_as(normalize_token(toks[i + j][2]), alias.forms[j]):
                return None
            gap = gap_class(text[toks[i + j - 1][1]:toks[i + j][0]])
            if gap is None or gap != alias.gaps[j - 1]:
                return None
        return GazetteerHit(toks[i][0], toks[i + n - 1][1], alias.kind, alias.key, "name", alias.raw)

    def _demonym(self, surface: str, norm: str) -> str | None:
        """The country key a demonym token names ("казахстанских", "Kazakh", "o'zbekistonlik"), else None."""
        if norm[:4] not in self._adj_heads:  # every stem looked up below begins with the word's first 4 letters
            return None
        cyr = is_cyrillic(norm)
        if not cyr and not surface[0].isupper() and not norm.endswith(("lik", "liklar")):
            return None
        best: tuple[int, str] | None = None
        for cut in range(min(14, len(norm) - 3)):
            stem = norm[: len(norm) - cut]
            keys = self._adj.get(stem)
            if not keys or len(keys) != 1:
                continue
            rest = norm[len(stem):]
            adj_re = CYRILLIC_ADJECTIVE_ENDING if cyr else LATIN_ADJECTIVE_ENDING
            if (rest and adj_re.fullmatch(rest)) or (not rest and not cyr and stem in self._bare):
                if best is None or len(stem) > best[0]:
                    best = (len(stem), next(iter(keys)))
        return best[1] if best is not None else None
