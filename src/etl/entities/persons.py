"""Persons: name-particle candidates in Cyrillic text, then one canonical name and id per person in a document."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz

from etl.entities.candidates import Candidate, Span, overlaps
from etl.entities.canonical import name_tokens, person_key
from etl.entities.lexicon import (
    CYRILLIC_PARTICLE_NAME,
    KK_KY_UZ_SENTENCE_STARTERS,
    PATRONYMIC_ENDING,
    SURNAME_MORPHOLOGY,
    TURKIC_SURNAME_WITH_CASE,
    UZ_LATIN_SURNAME_CASE,
    rule_words,
)
from etl.entities.models import nominative_ru
from etl.entities.routing import Chunk, route_at
from etl.entities.thresholds import (
    CREDIT_PERSON_PRIORITY,
    FOUND_NAME_PRIORITY,
    GAZETTEER_PLACE_PRIORITY,
    GIVEN_NAME_PREFIX_LETTERS,
    PERSON_MATCH_RATIO,
    RULE_PERSON_CONFIDENCE,
    SURNAME_ECHO_CONFIDENCE,
    SURNAME_ECHO_MIN_LETTERS,
)
from etl.entities.tokens import is_cyrillic, normalize_token, tokenize
from etl.entities.transliteration import transliterate_to_latin
from etl.entities.turkic import case_marked_word
from etl.fields.boilerplate import credited_persons
from etl.fields.phrases import PHRASES


def particle_person_candidates(body: str, chunks: list[Chunk], candidates: list[Candidate],
                               covered: list[Span]) -> list[Candidate]:
    """'Артур ван Дизен', 'Шарль де Голль': two capitalised words around a name particle, in ru / kk / ky text.
    Russian needs natasha to have tagged a part as a person; kk / ky take the pattern alone."""
    rules = rule_words()
    persons = [(c.start, c.end) for c in candidates if c.entity_type == "PERSON"]
    out = []
    for route, start, end in chunks:
        if route not in ("ru", "kk", "ky"):
            continue
        for name in CYRILLIC_PARTICLE_NAME.finditer(body, start, end):
            name_start, name_end = name.start(), name.end()
            first = normalize_token(name.group(1))
            if (overlaps(name_start, name_end, covered) or first in KK_KY_UZ_SENTENCE_STARTERS or first in rules.titles
                    or case_marked_word(name.group(1))):
                continue
            # "Нұрлан да Серік те": enclitic 'and / also' on both words, not a particle
            if re.match(r"[ \t]+(?:да|де|та|те)(?![\w-])", body[name_end:end]):
                continue
            if route == "ru" and not overlaps(name_start, name_end, persons):
                continue
            out.append(Candidate(start=name_start, end=name_end, entity_type="PERSON", canonical_name="",
                                 canonical_id="", confidence=RULE_PERSON_CONFIDENCE, extractor="rule:person",
                                 priority=FOUND_NAME_PRIORITY, lang=route))
    return out


def credit_person_candidates(body: str, chunks: list[Chunk], covered: list[Span]) -> list[Candidate]:
    """Photographers of the photo credits the body keeps ('© Sputnik / Дмитрий Виноградов', 'Сурет: Kazinform /
    Тұрар Қазанғапов') and authors of its bylines ('Айгүл ОРАЗБАЕВА, «Egemen Qazaqstan»', 'Author: Jane Doe'),
    whatever the line's language rules make of them; never over a gazetteer organization, place or operation, nor
    a name with an organization keyword ('Photo: Kazakh Foreign Ministry')."""
    rules = rule_words()
    out = []
    for line in re.finditer(r"[^\n]+", body):
        for start, end in credited_persons(line.group()) + _byline_name(line.group()):
            start, end = line.start() + start, line.start() + end
            words = [normalize_token(word) for word in body[start:end].split()]
            if overlaps(start, end, covered) or any(
                    word in rules.en_org_keywords or word.startswith(rules.turkic_org_stems) for word in words):
                continue
            out.append(Candidate(start=start, end=end, entity_type="PERSON", canonical_name="", canonical_id="",
                                 confidence=RULE_PERSON_CONFIDENCE, extractor="rule:credit",
                                 priority=CREDIT_PERSON_PRIORITY, lang=route_at(chunks, start)))
    return out


# a byline: a label ('Автор:', 'By') and a name, or a name whose surname is in capitals ('Айгүл ОРАЗБАЕВА'), then
# nothing but the outlet or the date after a separator
_BYLINE_LABELS = "|".join(re.escape(label) for label in PHRASES["byline_labels"])
_BYLINE = re.compile(
    rf"[ \t]*(?:(?i:{_BYLINE_LABELS})[ \t]*:?[ \t]+(?P<labelled>[^\W\d_][^\W\d_'’-]+(?:[ \t]+[^\W\d_][^\W\d_'’-]+){{1,2}})"
    r"|(?P<capitals>[^\W\d_][^\W\d_'’-]+[ \t]+[^\W\d_][^\W\d_'’-]+))[ \t]*(?:$|[,|/—–(])")
_OTHER_SURNAME_ENDING = re.compile(r"(?:зода|zoda|заде|zade|ский|ская|ий|ко|ук|юк|ян|швили|дзе)$")
BYLINE_MAX_CHARS = 80  # a byline is a short line: the name, the outlet, the date
ECHO_KEY_CACHE_WORDS = 20_000  # distinct capitalised words whose surname key is kept
PERSON_DISPLAY_CACHE_NAMES = 20_000  # distinct (mention, language) pairs whose dictionary form is kept


def _byline_name(line: str) -> list[tuple[int, int]]:
    """(start, end) in `line` of the author a byline names, or nothing for a line that is no byline."""
    byline = _BYLINE.match(line) if len(line) <= BYLINE_MAX_CHARS else None
    if byline is None:
        return []
    if byline.group("labelled"):
        words = byline.group("labelled").split()
        if all(word[:1].isupper() and not word.isupper() for word in words):
            return [byline.span("labelled")]
        return []
    given, surname = byline.group("capitals").split()
    # the surname's shape tells a byline from a rubric in capitals ('Главная ТЕМА', 'Фото ДНЯ')
    surname_shaped = SURNAME_MORPHOLOGY.match(surname.title()) or _OTHER_SURNAME_ENDING.search(surname.lower())
    if given[:1].isupper() and given[1:].islower() and surname.isupper() and surname_shaped:
        return [byline.span("capitals")]
    return []


# ---------------------------------------------------------------- canonical names and coreference

@dataclass
class _PersonCluster:
    """One person of a document: the mentions that share key (or surname_key) share this identity."""

    key: str  # person_key of the fullest name
    surname_key: str
    display: str  # the name to show, Latin when any mention was
    latin: bool  # display is already Latin
    full: bool  # built from a mention with a given name and a surname


def _surname_key(text: str, lang: str | None) -> str:
    parts = name_tokens(text)
    return person_key(parts[-1], lang) if parts else ""


def _initial(text: str) -> str | None:
    """The folded initial a mention opens with ('Е. Ашикбаев' -> 'е'), else None."""
    initial = re.match(r"\s*([^\W\d_])\.", text)
    return normalize_token(initial.group(1)) if initial else None


@lru_cache(maxsize=PERSON_DISPLAY_CACHE_NAMES)
def _person_display(text: str, lang: str) -> str:
    """A person mention's name parts in their dictionary form: nominative (ru), case ending dropped (kk/ky/uz), a
    part in capitals (a byline's 'ОРАЗБАЕВА') in title case (cached: resolve_persons asks twice for a name, and
    news repeats its names)."""
    parts = [part.title() if part.isupper() and len(part) > 2 else part for part in name_tokens(text)]
    if lang == "ru" and is_cyrillic(text):
        parts = nominative_ru(parts, "name")
    elif is_cyrillic(text) and parts:
        parts[-1] = _strip_kk_case(parts[-1])
    elif parts and lang.startswith("uz"):
        parts[-1] = UZ_LATIN_SURNAME_CASE.sub("", parts[-1])  # "Mirziyoyevning" -> "Mirziyoyev"
    return " ".join(parts)


def _strip_kk_case(word: str) -> str:
    surname = TURKIC_SURNAME_WITH_CASE.match(word)
    return surname.group(1) if surname else word


def _same_person(cluster: _PersonCluster, key: str, surname_key: str) -> bool:
    """A full name's keys read as the cluster's person: equal or near-equal, or same surname and given-name start."""
    return (cluster.key == key or fuzz.ratio(cluster.key, key) >= PERSON_MATCH_RATIO or (
        cluster.surname_key == surname_key
        and key.split("-")[0][:GIVEN_NAME_PREFIX_LETTERS] == cluster.key.split("-")[0][:GIVEN_NAME_PREFIX_LETTERS]))


def resolve_persons(body: str, candidates: list[Candidate], doc_lang: str | None) -> list[Candidate]:
    """Canonical name/id per person: variants, case forms and surname-only mentions share one id."""
    persons = sorted((c for c in candidates if c.entity_type == "PERSON"), key=lambda c: c.start)
    clusters: list[_PersonCluster] = []
    assigned: dict[int, _PersonCluster] = {}
    # full names first, in reading order
    for index, person in enumerate(persons):
        text = body[person.start:person.end]
        parts = name_tokens(text)
        lang = person.lang or doc_lang or ""
        if len(parts) < 2:
            continue
        key = person_key(_person_display(text, lang), lang)
        surname_key = person_key(parts[-1], lang)
        match = next((cluster for cluster in clusters if _same_person(cluster, key, surname_key)), None)
        if match is None:
            display = _person_display(text, lang)
            match = _PersonCluster(key=key, surname_key=surname_key, display=display, latin=not is_cyrillic(display),
                                   full=True)
            clusters.append(match)
        elif is_cyrillic(match.display) and not is_cyrillic(text):
            match.display, match.latin = _person_display(text, lang), True
        assigned[index] = match
    # surname-only and initial mentions join a full name with the same surname
    for index, person in enumerate(persons):
        if index in assigned:
            continue
        text = body[person.start:person.end]
        lang = person.lang or doc_lang or ""
        surname_key = _surname_key(text, lang)
        if not surname_key:
            continue
        initial = _initial(text)
        if _given_name_and_patronymic(text):
            # 'Лола Сергеевна' after 'Лола Шакимова': the polite form names the person by given name
            found = [cluster for cluster in clusters if cluster.full and cluster.key.split("-")[0] == surname_key]
        else:
            found = [cluster for cluster in clusters if cluster.full and (cluster.surname_key == surname_key or
                     fuzz.ratio(cluster.surname_key, surname_key) >= PERSON_MATCH_RATIO)]
        if initial:
            found = [cluster for cluster in found
                     if _fold_initial(cluster.display) in (_fold_initial(initial), "")] or found
        if found:
            assigned[index] = found[0]
        else:
            display = _person_display(text, lang)
            cluster = _PersonCluster(key=person_key(display, lang), surname_key=surname_key, display=display,
                                     latin=not is_cyrillic(display), full=False)
            clusters.append(cluster)
            assigned[index] = cluster
    out = []
    for index, person in enumerate(persons):
        cluster = assigned.get(index)
        if cluster is None or not cluster.key:
            continue
        out.append(replace(person, canonical_name=_latin_display(cluster), canonical_id=f"person:{cluster.key}"))
    out.extend(_surname_echoes(body, clusters, out, candidates))
    return out


def _given_name_and_patronymic(text: str) -> bool:
    """'Лола Сергеевна', 'Kamola Rustamovna': a given name and a patronymic, no surname."""
    words = text.split()
    return len(words) == 2 and PATRONYMIC_ENDING.search(normalize_token(words[1])) is not None


def _latin_display(cluster: _PersonCluster) -> str:
    return cluster.display if cluster.latin else transliterate_to_latin(cluster.display)


def _fold_initial(text: str) -> str:
    """An initial folded across transliterations: Е / Ye / E, И / I, Ж / J / Z agree."""
    latin = transliterate_to_latin(text.strip()[:1]).lower()
    return {"y": "e", "i": "e", "j": "z"}.get(latin[:1], latin[:1])


@lru_cache(maxsize=ECHO_KEY_CACHE_WORDS)
def _echo_key(word: str) -> str:
    """person_key of a capitalised word read as a bare surname, in its script's language (cached: every
    capitalised word of a document with a full name is looked up)."""
    return person_key(word, "ru" if is_cyrillic(word) else "en")


def _surname_echoes(body: str, clusters: list[_PersonCluster], persons: list[Candidate],
                    candidates: list[Candidate]) -> list[Candidate]:
    """Bare surname tokens elsewhere in the text ('said Ashikbaev', 'Ашикбаеву') of a full name already found."""
    full = {cluster.surname_key: cluster for cluster in clusters
            if cluster.full and len(cluster.surname_key) >= SURNAME_ECHO_MIN_LETTERS}
    if not full:
        return []
    taken = ([(c.start, c.end) for c in candidates if c.entity_type != "LOC" or c.priority <= GAZETTEER_PLACE_PRIORITY]
             + [(p.start, p.end) for p in persons])
    out = []
    for word_start, word_end, word in tokenize(body):
        if not word[0].isupper() or word.isupper():
            continue
        cluster = full.get(_echo_key(word))
        if cluster is None or overlaps(word_start, word_end, taken):
            continue
        out.append(Candidate(start=word_start, end=word_end, entity_type="PERSON",
                             canonical_name=_latin_display(cluster), canonical_id=f"person:{cluster.key}",
                             confidence=SURNAME_ECHO_CONFIDENCE, extractor="rule:coref", priority=FOUND_NAME_PRIORITY))
    return out
