"""Entity extraction: PERSON, ORG, LOC and OPERATION mentions with cross-lingual canonical ids.

Extractors, strongest first: domain gazetteer + CLDR country names (all languages), operation
rules, natasha NER for Russian paragraphs, capitalisation / morphology rules for English,
Kazakh, Kyrgyz and Uzbek paragraphs. Every mention keeps ``body[start:end] == text``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd
from rapidfuzz import fuzz

from etl.entities.canonical import (
    canonical_operation,
    canonical_org,
    country_name,
    is_qualified_org_id,
    name_tokens,
    person_key,
    qualified_org_name,
)
from etl.entities.gazetteer import find_gazetteer_hits, gazetteer
from etl.entities.lexicon import gazetteer_data
from etl.entities.matcher import GazetteerHit
from etl.entities.tokens import is_cyrillic, normalize_token, tokenize
from etl.entities.transliteration import slugify, transliterate_to_latin

log = logging.getLogger(__name__)

ENTITY_COLUMNS = ["entity_id", "doc_id", "entity_type", "text", "start", "end", "canonical_name", "canonical_id",
                  "confidence", "extractor"]
ENTITY_TYPES = ("PERSON", "ORG", "LOC", "OPERATION")

KK_LETTERS = re.compile(r"[әғқұһіӘҒҚҰҺІ]")
KY_LETTERS = re.compile(r"[ңөүҢӨҮ]")
UZ_CYR_LETTERS = re.compile(r"[ўҳЎҲ]")
UZ_LATIN_MARKERS = re.compile(r"[oOgG][ʻ'‘’`]|\b(?:va|bilan|uchun|yil|boʻyicha|qilindi|respublikasi)\b", re.IGNORECASE)
QUOTE_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"', "'": "'", "‹": "›"}
SENTENCE_END = re.compile(r"[.!?…]\s*$")
DOMAIN_RE = re.compile(r"\.(?:kz|kg|uz|ru|com|org|net|info|tj|tm|gov)\b", re.IGNORECASE)
RU_FUNCTION_WORDS = {"и", "в", "во", "на", "не", "что", "с", "со", "по", "для", "из", "от", "к", "о", "об", "это", "как",
                     "его", "её", "их", "был", "была", "были", "также", "который", "которые", "при", "за", "до",
                     "после", "или", "но", "а", "же", "том", "этом", "года", "году"}
KK_KY_UZ_SENTENCE_STARTERS = {
    "бүгін", "кеше", "сондай", "сондай-ақ", "осы", "бұл", "ал", "мұнда", "онда", "бүгүн", "кечээ", "ошондой", "бул",
    "ошол", "ал", "bugun", "kecha", "shuningdek", "bu", "ushbu", "shu", "бугун", "шунингдек", "ушбу", "шу", "бу",
    "сонымен", "сонымен қатар", "дегенмен", "алайда", "бирок", "ammo", "lekin", "аммо", "лекин", "биринчи",
}


@dataclass(frozen=True)
class Entity:
    """One entity mention; body[start:end] == text."""

    entity_id: str
    doc_id: str
    entity_type: str
    text: str
    start: int
    end: int
    canonical_name: str
    canonical_id: str
    confidence: float
    extractor: str


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    entity_type: str
    canonical_name: str
    canonical_id: str
    confidence: float
    extractor: str
    priority: int  # lower wins overlaps
    lang: str = ""
    display: str = ""  # organizations: the name in the mention's language, nominative
    known: bool = False  # organizations: resolved to a gazetteer identity


def entity_id_for(entity_type: str, canonical_id: str) -> str:
    """Stable id of a canonical entity across documents and runs."""
    return hashlib.sha1(f"{entity_type}|{canonical_id}".encode()).hexdigest()[:16]


# ---------------------------------------------------------------- models (loaded once per process)

@lru_cache(maxsize=1)
def _natasha():
    """Natasha segmenter, NER tagger and morph vocab (models ship inside the PyPI wheels)."""
    from natasha import MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter

    embedding = NewsEmbedding()
    return Segmenter(), NewsNERTagger(embedding), MorphVocab()


def _morph():
    return _natasha()[2]


def load_models() -> None:
    """Load the NER models and the gazetteer now (otherwise the first document loads them)."""
    _natasha()
    _rules()
    gazetteer()


@lru_cache(maxsize=1)
def _rules() -> dict:
    data = gazetteer_data()
    keywords = data["org_keywords"]
    return {
        "stopwords": {normalize_token(w) for w in data["en_stopwords"]},
        "titles": {normalize_token(w) for w in data["en_titles"]},
        "connectors": set(data["en_connectors"]),
        "en_org": {normalize_token(w) for w in keywords["en"] if " " not in w},
        "stem_org": tuple(normalize_token(w) for lang in ("kk", "ky", "uz") for w in keywords[lang] if " " not in w),
        "generic_acronyms": set(data["generic_acronyms"]),
        "not_org_words": {normalize_token(w) for w in data["press_service_words"] + data["locative_words"]},
        "op_cues": sorted({normalize_token(c) for c in data["operation_cues"]}, key=len, reverse=True),
    }


# ---------------------------------------------------------------- paragraphs and routing

def _lines(body: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in re.finditer(r"\n", body):
        if m.start() > start:
            yield start, m.start()
        start = m.end()
    if start < len(body):
        yield start, len(body)


def _route(line: str, doc_lang: str | None) -> str | None:
    """Which extractor family reads this line: ru, kk, ky, uz, uz-latn, en; None for no letters."""
    cyr = len(re.findall(r"[\u0400-\u04FF]", line))
    lat = len(re.findall(r"[A-Za-z]", line))
    if cyr == 0 and lat == 0:
        return None
    if cyr >= lat:
        if UZ_CYR_LETTERS.search(line):
            return "uz"
        if KK_LETTERS.search(line):
            return "ky" if doc_lang == "ky" and not re.search(r"[әұһіӘҰҺІ]", line) else "kk"
        if KY_LETTERS.search(line):
            return "ky"
        if doc_lang in ("kk", "ky", "uz"):
            words = re.findall(r"[а-яё]+", line.lower())
            russian = sum(w in RU_FUNCTION_WORDS for w in words)
            return "ru" if words and russian >= max(1, 0.08 * len(words)) else doc_lang
        return "ru"
    if doc_lang == "uz" or len(UZ_LATIN_MARKERS.findall(line)) >= 2:
        return "uz-latn"
    return "en"


def _route_at(chunks: list[tuple[str, int, int]], pos: int) -> str:
    return next((route for route, start, end in chunks if start <= pos < end), "")


def _chunks(body: str, doc_lang: str | None) -> list[tuple[str, int, int]]:
    """Consecutive lines with the same route merged: (route, start, end)."""
    out: list[tuple[str, int, int]] = []
    for start, end in _lines(body):
        route = _route(body[start:end], doc_lang)
        if route is None:
            continue
        if out and out[-1][0] == route:
            out[-1] = (route, out[-1][1], end)
        else:
            out.append((route, start, end))
    return out


# ---------------------------------------------------------------- gazetteer candidates

def _adjacent_country(body: str, start: int, end: int, countries: list[GazetteerHit]) -> tuple[GazetteerHit | None, int, int]:
    """A country qualifying the institution at body[start:end], and the span widened to include it."""
    for hit in countries:
        gap = body[hit.end:start]
        if hit.end <= start and re.fullmatch(r"\s*(?:['’]s\s*)?", gap):
            return hit, hit.start, end
    for hit in countries:
        gap = body[end:hit.start]
        if hit.start >= end and re.fullmatch(r"\s*(?:(?:of|of the|in|in the)\s+)?", gap):
            return hit, start, hit.end
    return None, start, end


def _gazetteer_candidates(body: str, hits: list[GazetteerHit]) -> list[_Candidate]:
    gz = gazetteer()
    countries = [h for h in hits if h.kind == "country"]
    out = []
    for hit in hits:
        if hit.kind == "country":
            demonym = hit.via == "demonym"
            conf = 0.75 if demonym else (0.85 if hit.via == "acronym" and hit.end - hit.start <= 2 else 0.95)
            out.append(_Candidate(hit.start, hit.end, "LOC", country_name(hit.key), hit.key, conf,
                                  "gazetteer:demonym" if demonym else "gazetteer:country", 5 if demonym else 2))
        elif hit.kind in ("region", "city", "camp"):
            out.append(_Candidate(hit.start, hit.end, "LOC", gz.names[(hit.kind, hit.key)], f"loc:{hit.key}", 0.9,
                                  f"gazetteer:{hit.kind}", 2))
        elif hit.kind == "org":
            out.append(_Candidate(hit.start, hit.end, "ORG", gz.names[("org", hit.key)], f"org:{hit.key}", 0.95,
                                  "gazetteer:org", 1, display=hit.alias, known=True))
        elif hit.kind == "qorg":
            country, start, end = _adjacent_country(body, hit.start, hit.end, countries)
            if country is None and hit.key in gz.requires_country:
                continue
            name, org_id = qualified_org_name(hit.key, country.key if country else None)
            display = body[start:hit.start] + hit.alias + body[hit.end:end]
            out.append(_Candidate(start, end, "ORG", name, f"org:{org_id}", 0.9 if country else 0.75,
                                  "gazetteer:org", 1, display=display, known=True))
    return out


# ---------------------------------------------------------------- operations

def _operation_candidates(body: str, hits: list[GazetteerHit]) -> list[_Candidate]:
    """Named operations: a quoted name next to an operation word, or a gazetteer name in that context."""
    cues = _rules()["op_cues"]
    cue_re = "|".join(re.escape(c) for c in cues)
    quoted = r"([«“„\"'])\s*([^\W\d_][\w’'ʻ\- ]{1,40}?)\s*([»”“\"'])"
    out: list[_Candidate] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int, extractor: str, conf: float) -> None:
        name = body[start:end]
        if (start, end) in seen or not name[:1].isupper():
            return
        known = canonical_operation(name)
        canonical = known or transliterate_to_latin(name).strip()
        seen.add((start, end))
        out.append(_Candidate(start, end, "OPERATION", canonical, f"op:{slugify(canonical)}", conf, extractor, 0))

    # cue then quoted name: операция «Жусан», operation "Zhusan", операциясы «Жусан»
    for m in re.finditer(rf"(?i)\b(?:{cue_re})\s+{quoted}", body):
        if QUOTE_PAIRS.get(m.group(1)) == m.group(3) or m.group(3) in "»”\"":
            add(m.start(2), m.start(2) + len(m.group(2).rstrip()), "rule:operation", 0.9)
    # quoted name then cue: the “Zhusan” humanitarian operation, «Жусан» операциясы
    for m in re.finditer(rf"{quoted}\s+(?:(?:[\w-]+)\s+)?(?i:{cue_re})\b", body):
        add(m.start(2), m.start(2) + len(m.group(2).rstrip()), "rule:operation", 0.85)
    # Operation Zhusan (English, capitalised, unquoted)
    for m in re.finditer(r"\bOperation\s+([A-Z][\w’'\-]+)", body):
        add(m.start(1), m.end(1), "rule:operation", 0.85)
    # gazetteer names: quoted, near a cue, or already confirmed elsewhere in the document
    confirmed = {c.canonical_name for c in out}
    for hit in hits:
        if hit.kind != "op":
            continue
        name = gazetteer().names[("op", hit.key)]
        before, after = body[max(0, hit.start - 30):hit.start], body[hit.end:hit.end + 30]
        is_quoted = before.rstrip().endswith(tuple(QUOTE_PAIRS)) and after.lstrip()[:1] in "»”“\"'"
        near_cue = re.search(rf"(?i)(?:{cue_re})\W*$", before) or re.search(rf"(?i)^\W*(?:\w+\s+)?(?:{cue_re})", after)
        if is_quoted or near_cue or name in confirmed:
            add(hit.start, hit.end, "gazetteer:operation", 0.95)
    return out


# ---------------------------------------------------------------- Russian: natasha

def _natasha_spans(text: str) -> list[tuple[int, int, str]]:
    # The tagger alone gives character spans; natasha's Doc would also segment the text, which we do not use.
    _, ner_tagger, _ = _natasha()
    return [(s.start, s.stop, s.type) for s in ner_tagger(text).spans]


def _nominative_ru(words: list[str], mode: str) -> list[str]:
    """Words put in the nominative. mode 'org': the head phrase up to its first noun (the rest stays as
    written, so 'Министерства иностранных дел' -> 'Министерство иностранных дел'); 'name' and 'place': every
    word that cannot already be read as a nominative."""
    morph = _morph()
    wanted = {"name": {"Name", "Surn", "Patr"}, "place": {"Geox"}}.get(mode)
    out = []
    for i, word in enumerate(words):
        if not re.fullmatch(r"[А-Яа-яЁё\-]+", word) or word.isupper():
            out.append(word)
            if mode == "org":
                return out + words[i + 1:]
            continue
        if mode == "name" and re.search(r"(?:ов|ев|ёв|ин|ын)а?$", word):
            out.append(word)  # surnames in -ов/-ин: pymorphy may read them as plural genitives
            continue
        if mode == "name" and (m := re.fullmatch(r"(.+(?:ов|ев|ёв|ин|ын))(у|ым|ом|е)", word)):
            out.append(m.group(1))
            continue
        parses = morph.parse(word)
        best = parses[0]
        if mode == "org":
            nominative = any(p.tag.case == "nomn" and p.tag.POS == best.tag.POS and p.tag.number == best.tag.number
                             for p in parses)
        else:
            nominative = any(p.tag.case == "nomn" for p in parses)
            best = next((p for p in parses if wanted & set(p.tag.grammemes)), best if mode == "place" else None)
        new = word
        if not nominative and best is not None and best.tag.POS in ("NOUN", "ADJF", "PRTF"):
            plural = best.tag.number == "plur" and mode != "name"
            inflected = best.inflect({"Nom"} | ({"Plur"} if plural else {"Sing"}))
            if inflected is not None:
                new = inflected.word
                new = new[:1].upper() + new[1:] if word[0].isupper() else new
        out.append(new)
        if mode == "org" and best.tag.POS == "NOUN":
            return out + words[i + 1:]
    return out


def _ru_org_extension(body: str, start: int, end: int, next_spans: list[tuple[int, int]]) -> int:
    """Extend a Russian organization span over a following genitive name, 'при X' or 'по <dative phrase>'."""
    morph = _morph()
    span_starts = {s: e for s, e in next_spans}
    while True:
        m = re.match(r"[ \t]+", body[end:])
        pos = end + (m.end() if m else 0)
        if pos in span_starts and m:
            end = span_starts[pos]
            continue
        m = re.match(r"[ \t]+(при|в)[ \t]+", body[end:])
        if m and end + m.end() in span_starts and m.group(1) == "при":
            end = span_starts[end + m.end()]
            continue
        m = re.match(r"[ \t]+по[ \t]+", body[end:])
        if m and not body[start:end].isupper():
            pos = end + m.end()
            words = list(re.finditer(r"[а-яё]+", body[pos:pos + 60]))
            taken = 0
            last_end = None
            for w in words[:4]:
                if body[pos + (last_end or 0):pos + w.start()].strip():
                    break
                tag = morph.parse(w.group())[0].tag
                if tag.POS not in ("NOUN", "ADJF") or "Apro" in tag or (taken == 0 and tag.case != "datv"):
                    break
                taken += 1
                last_end = w.end()
            if taken and last_end is not None:
                end = pos + last_end
                continue
        return end


def _ru_candidates(body: str, start: int, end: int, gaz_spans: list[tuple[int, int]]) -> list[_Candidate]:
    text = body[start:end]
    rules = _rules()
    spans = [(s + start, e + start, t) for s, e, t in _natasha_spans(text)]
    joinable = sorted({(s, e) for s, e, t in spans if t in ("LOC", "ORG")} | set(gaz_spans))
    out = []
    for s, e, kind in spans:
        if kind == "ORG":
            tagged = body[s:e]
            e = _ru_org_extension(body, s, e, joinable)
            surface = body[s:e]
            if surface in rules["generic_acronyms"] or DOMAIN_RE.search(surface):
                continue
            if " " not in tagged and not tagged.isupper():
                parse = _morph().parse(tagged)[0]
                grams = set(parse.tag.grammemes)
                common = parse.tag.POS == "NOUN" and not ({"Orgn", "Abbr", "Geox"} & grams)
                # a person noun ("Спецдокладчик") never, a bare common noun ("Совете") only with a name after it
                if common and ("anim" in grams or (parse.is_known and surface == tagged)):
                    continue
            out.append(_org_candidate(s, e, surface, "natasha", 0.8, 3, "ru"))
        elif kind == "LOC":
            surface = body[s:e]
            normal = " ".join(_nominative_ru(surface.split(), "place"))
            out.append(_Candidate(s, e, "LOC", normal, f"loc:{slugify(normal)}", 0.75, "natasha", 4, "ru"))
        elif kind == "PER":
            out.append(_Candidate(s, e, "PERSON", "", "", 0.85, "natasha", 4, "ru"))
    return out


def _org_candidate(start: int, end: int, surface: str, extractor: str, conf: float, priority: int,
                   lang: str) -> _Candidate:
    words = re.sub(r"^(?:the|The)\s+", "", surface).split()
    if lang == "ru":
        words = _nominative_ru(words, "org")
    elif lang in ("kk", "ky", "uz", "uz-latn"):
        words = words[:-1] + [_keyword_form(words[-1])]
    display = re.sub(r"[«»“”„\"]", "", " ".join(words)).strip()
    known = canonical_org(surface, lang)
    if known is not None:
        name, org_id = known
        return _Candidate(start, end, "ORG", name, f"org:{org_id}", max(conf, 0.85), extractor, priority, lang,
                          display, known=True)
    return _Candidate(start, end, "ORG", display, f"org:{slugify(display)}", conf, extractor, priority, lang,
                      display)


def _keyword_form(word: str) -> str:
    norm = normalize_token(word)
    for keyword in _rules()["stem_org"]:
        if norm.startswith(keyword):
            return word[: len(keyword)]
    return word


# ---------------------------------------------------------------- rules: English / Latin Uzbek

_WORD = re.compile(r"[^\W\d_]+(?:[-'’ʻ‘][^\W\d_]+)*|\d+(?:st|nd|rd|th)?|[«»“”\"„]", re.UNICODE)


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _caps_runs(text: str, offset: int, connectors: set[str]) -> list[list[tuple[int, int, str]]]:
    """Runs of capitalised words, joined by spaces/hyphens and lower-case connectors (of, the, for...)."""
    words = [(m.start() + offset, m.end() + offset, m.group()) for m in _WORD.finditer(text)]
    runs: list[list[tuple[int, int, str]]] = []
    current: list[tuple[int, int, str]] = []
    pending: list[tuple[int, int, str]] = []
    prev_end = None
    for w in words:
        gap = text[prev_end - offset:w[0] - offset] if prev_end is not None else " "
        joined = re.fullmatch(r"[ \t]*(?:[-–][ \t]*)?", gap) is not None
        if not joined:
            if current:
                runs.append(current)
            current, pending = [], []
        if _is_cap(w[2]) and w[2] not in "«»“”\"„":
            if current and pending:
                current.extend(pending)
            elif not current:
                pending = []
            current.append(w)
            pending = []
        elif current and w[2].lower() in connectors and len(pending) < 2:
            pending.append(w)
        else:
            if current:
                runs.append(current)
            current, pending = [], []
        prev_end = w[1]
    if current:
        runs.append(current)
    return runs


def _sentence_initial(body: str, start: int) -> bool:
    before = body[:start].rstrip(" \t«“\"'(")
    return not before or before.endswith(("\n", ".", "!", "?", ":", ";")) and not before.endswith(("Mr.", "Dr.", "Ms."))


def _latin_candidates(body: str, start: int, end: int, route: str, covered: list[tuple[int, int]],
                      gaz_orgs: list[tuple[int, int]]) -> list[_Candidate]:
    """English and Latin-script Uzbek: organizations by keyword, persons by capitalised name runs."""
    rules = _rules()
    out: list[_Candidate] = []
    text = body[start:end]
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.6 * len(letters):
        return out  # ALL-CAPS headline: capitalisation carries no signal
    for run in _caps_runs(text, start, rules["connectors"]):
        run = _trim_run(body, run, rules)
        if not run:
            continue
        s, e = run[0][0], run[-1][1]
        words = [w[2] for w in run]
        norms = [normalize_token(w) for w in words]
        if any(n in rules["en_org"] for n in norms):
            if len(run) > 1 and not _overlaps_many(s, e, gaz_orgs):
                s, e = _extend_quoted_name(body, s, e)
                m = re.match(r"[ \t]+(?:to|at|in)[ \t]+(?:the[ \t]+)?[A-Z][\w\-]*(?:[ \t]+[A-Z][\w\-]*){0,3}", body[e:end])
                if m and norms[0] in ("permanent", "embassy", "mission", "office", "delegation", "representation"):
                    e += m.end()
                out.append(_org_candidate(s, e, body[s:e], "rule:org", 0.6, 3, route))
                continue
        if len(run) == 1 and _is_acronym(words[0], rules) and not _overlaps(s, e, covered):
            out.append(_Candidate(s, e, "ORG", words[0], f"org:{slugify(words[0])}", 0.45, "rule:acronym", 3, route,
                                  words[0]))
            continue
        for segment in _name_segments(run, rules, covered, route):
            out.append(_Candidate(segment[0][0], segment[-1][1], "PERSON", "", "", 0.6, "rule:person", 4, route))
    if route == "en":
        out.extend(_lower_keyword_org_candidates(body, start, end, route, gaz_orgs))
    if route == "uz-latn":
        out.extend(_keyword_org_candidates(body, start, end, route))
        out.extend(_surname_person_candidates(body, start, end, route, covered))
    # quoted all-caps names: “AQNIET”
    for m in re.finditer(r"[«“\"]([A-Z][A-Z0-9\-]{2,15})[»”\"]", text):
        s, e = start + m.start(1), start + m.end(1)
        if _is_acronym(m.group(1), rules) and not _overlaps(s, e, covered):
            out.append(_Candidate(s, e, "ORG", m.group(1), f"org:{slugify(m.group(1))}", 0.5, "rule:acronym", 3, route,
                                  m.group(1)))
    return out


# Only keywords that name a body on their own: "Foreign Policy office", "UN agency" or "Kazakh foreign
# ministry" are parts or descriptions of an organisation, not its name.
_EN_LOWER_ORG_KEYWORD = re.compile(r"[ \t]+(foundation|fund|association|centre|center|institute)\b")


def _lower_keyword_org_candidates(body: str, start: int, end: int, route: str,
                                  gaz_orgs: list[tuple[int, int]]) -> list[_Candidate]:
    """'the Aqniet foundation', "Kazakhstan's Rukh foundation": capitalised words, then a lower-case keyword."""
    rules = _rules()
    out = []
    for run in _caps_runs(body[start:end], start, rules["connectors"]):
        m = _EN_LOWER_ORG_KEYWORD.match(body, run[-1][1], end)
        # a lower-case keyword takes only the capitalised words right before it, not "Volunteers of ..."
        while any(not _is_cap(w[2]) for w in run):
            run = run[next(i for i, w in enumerate(run) if not _is_cap(w[2])) + 1:]
        run = _trim_run(body, run, rules)
        if m is None or not run or re.search(r"['’]s$", run[-1][2]):
            continue  # "the President's office" is a person's office
        norms = [normalize_token(w[2]) for w in run]
        if any(n in rules["en_org"] for n in norms) or _overlaps_many(run[0][0], m.end(), gaz_orgs):
            continue
        if len(run) == 1 and _sentence_initial(body, run[0][0]):
            continue  # "Charity foundation ...": a sentence-opening common noun
        s, e = run[0][0], m.end()
        out.append(_org_candidate(s, e, body[s:e], "rule:org", 0.55, 3, route))
    return out


def _trim_run(body: str, run: list[tuple[int, int, str]], rules: dict) -> list[tuple[int, int, str]]:
    """Drop leading titles, sentence-initial stopwords and connectors, and trailing connectors."""
    while run and (normalize_token(run[0][2]) in rules["titles"] or run[0][2].lower() in rules["connectors"] or
                   (normalize_token(run[0][2]) in rules["stopwords"] and _sentence_initial(body, run[0][0]))):
        run = run[1:]
    while run and run[-1][2].lower() in rules["connectors"]:
        run = run[:-1]
    return run


def _name_segments(run, rules, covered, route) -> list[list[tuple[int, int, str]]]:
    """Pieces of a capitalised run that read as a person name: 2-4 name-like words, split at known
    places / organizations, titles and common words."""
    segments, current = [], []
    for w in run + [None]:
        name_like = w is not None and _name_word(w, rules, covered, route)
        # Uzbek genitive ends a name ("Shavkat Mirziyoyevning tashabbusi"); a name word after it starts another
        after_genitive = bool(current) and route == "uz-latn" and bool(_GENITIVE_WORD.search(current[-1][2]))
        if name_like and not after_genitive:
            current.append(w)
            continue
        # "Majlisda Alisher Qodirov": a case-marked opening word is a place or body, not part of the name
        if route == "uz-latn" and len(current) >= 3 and _case_marked_word(current[0][2]):
            current = current[1:]
        core = [x for x in current if x[2].lower() not in _PARTICLES]
        while current and current[-1][2].lower() in _PARTICLES:
            current.pop()
        if 2 <= len(core) <= 4:
            segments.append(current)
        current = [w] if name_like else []
    return segments


def _name_word(w: tuple[int, int, str], rules: dict, covered, route: str) -> bool:
    word = w[2]
    norm = normalize_token(word)
    if word.lower() in _PARTICLES:
        return True
    if not _NAME_WORD.fullmatch(word) or norm in rules["stopwords"] or norm in rules["titles"] or norm in rules["en_org"]:
        return False
    if _overlaps(w[0], w[1], covered):
        return False
    return not (route == "en" and norm.endswith(_NON_NAME_SUFFIXES) and len(norm) > 5)


def _extend_quoted_name(body: str, start: int, end: int) -> tuple[int, int]:
    """Foundation “AQNIET” -> include the quoted name that follows the organization keyword."""
    m = re.match(r"\s*([«“\"])([^«»“”\"\n]{2,40})([»”\"])", body[end:])
    if m and m.group(2)[:1].isupper():
        return start, end + m.end()
    return start, end


def _is_acronym(word: str, rules: dict) -> bool:
    letters = [c for c in word if c.isalpha()]
    return (2 <= len(letters) <= 8 and all(c.isupper() for c in letters) and word not in rules["generic_acronyms"]
            and not re.fullmatch(r"[IVXLCDM]+", word))


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _overlaps_many(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Two or more known organizations inside one capitalised run: a list, not one name."""
    return sum(1 for s, e in spans if start <= s and e <= end) >= 2


_NAME_WORD = re.compile(r"[A-ZÀ-ÖØ-ÞА-ЯЁӘҒҚҢӨҰҮҺІЎҲ][a-zß-öø-ÿа-яёәғқңөұүһіўҳ'’ʻ]+(?:-[A-ZА-Яa-zа-я][a-zа-яё'’ʻ]+)*")
_PARTICLES = {"al", "el", "bin", "ibn", "ni", "de", "van", "von", "der", "du", "da", "ul", "ud", "abu", "ни", "аль", "ибн"}
_NON_NAME_SUFFIXES = ("tion", "ment", "ness", "ity", "ism", "ance", "ence", "ical", "ive", "ous", "ful", "less", "ship",
                      "ing", "ly", "ed", "ers", "ies", "ics", "ions", "ings")


# ---------------------------------------------------------------- rules: Kazakh / Kyrgyz / Uzbek

_SURNAME_MORPH = re.compile(
    r"^[А-ЯЁӘҒҚҢӨҰҮҺІЎҲA-Z][\w'ʻ’\-]*?(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ov|ev|yev|ova|eva|yeva|in|ina|uly|ulı|kyzy|qizi)"
    r"(?:а|у|ым|ом|е|ой|тың|тің|ның|нің|қа|ке|ға|ге|ка|га|ты|ті|ны|ні|та|те|тан|тен|пен|бен|мен|нан|нен|тын|тин|дын|дин|"
    r"нын|нин|ту|ду|ну|дун|тун|нун|дан|ден|менен|нинг|ни|ning|ni|ga|ka|da|dan)?$"
)
# Uzbek/Kazakh/Kyrgyz genitive on a name word ("Majlisning", "Кеңесінің"): the word modifies what follows
_GENITIVE_WORD = re.compile(r"(?:ning|нинг|ның|нің|нын|нин|нун|нүн)$", re.IGNORECASE)
# A locative / ablative / dative / genitive ending (uz, kk, ky) after a stem of 3+ letters
_CASE_MARKED = re.compile(
    r"^(?P<stem>[^\W\d_][\w'ʻ’‘`]{2,}?)(?P<suffix>ning|dan|da|ga|нинг|дан|ден|нан|нен|дон|дөн|"
    r"ның|нің|дың|дің|тың|тің|нын|нун|нүн|дын|дун|дүн|тын|тун|түн|да|де|та|те|до|дө|то|тө|ға|ге|қа|ке|"
    r"га|го|гө|ка|ко|кө)$", re.IGNORECASE)
# not in the list: -тан/-тен, -дин/-тин, which end common given names (Нұрсұлтан, Дастан, Нурдин, Мартин)
# stems ending so are read as female given names ("Farida", "Рита", "Ольга"), not as a case-marked noun
_NAME_FINAL_VOWELS = "aeioаеиоэяёьъ'ʻ’‘`"


def _case_marked_word(word: str) -> bool:
    """'Majlisda', 'Мәжілісте', 'Жыйында': a capitalised word carrying a case suffix, so not a given name."""
    m = _CASE_MARKED.match(word)
    if m is None:
        return False
    return len(m.group("suffix")) >= 3 or m.group("stem")[-1].lower() not in _NAME_FINAL_VOWELS


_PATRONYM_WORD = re.compile(r"^(?:ұлы|улы|уулу|қызы|кызы|uly|ulı|o[ʻ'‘’]g[ʻ'‘’]li|qizi)$", re.IGNORECASE)


def _cyr_rule_candidates(body: str, start: int, end: int, route: str, covered: list[tuple[int, int]]) -> list[_Candidate]:
    """Persons by surname morphology and organizations ending in a keyword, for kk / ky / uz text."""
    return _keyword_org_candidates(body, start, end, route) + _surname_person_candidates(body, start, end, route, covered)


def _surname_person_candidates(body: str, start: int, end: int, route: str,
                               covered: list[tuple[int, int]]) -> list[_Candidate]:
    """'Ержан Ашикбаев', 'Ашикбаев Ержан', 'Е. Ашикбаев', 'Бекболот уулу': a word with a surname ending and
    the capitalised given name beside it."""
    rules = _rules()
    out = []
    text = body[start:end]

    def given_name(w) -> bool:
        norm = normalize_token(w[2])
        return (_NAME_WORD.fullmatch(w[2]) is not None and not _overlaps(w[0], w[1], covered)
                and norm not in rules["stopwords"] and norm not in rules["titles"]
                and norm not in KK_KY_UZ_SENTENCE_STARTERS and not norm.startswith(rules["stem_org"]))

    for run in _caps_runs(text, start, set()):
        used_until = -1
        for k, w in enumerate(run):
            if k <= used_until or not _SURNAME_MORPH.match(w[2]) or not given_name(w):
                continue
            before = body[max(0, w[0] - 4):w[0]]
            initial = re.search(r"(?:^|[\s(])([А-ЯЁӘҒҚҢӨҰҮҺІA-Z])\.\s?$", before)
            # a given name never carries a genitive: "Oliy Majlisning Inson ..." modifies what follows
            if (k > 0 and k - 1 > used_until and given_name(run[k - 1]) and not _GENITIVE_WORD.search(run[k - 1][2])
                    and not _case_marked_word(run[k - 1][2])):
                s, e = run[k - 1][0], w[1]
            elif k + 1 < len(run) and given_name(run[k + 1]) and not _SURNAME_MORPH.match(run[k + 1][2]):
                s, e = w[0], run[k + 1][1]
                k += 1
            elif initial:
                s, e = w[0] - (len(before) - initial.start(1)), w[1]
            else:
                continue
            m = re.match(r"[ \t]+(\w+)", body[e:])
            if m and _PATRONYM_WORD.match(m.group(1)):
                e += m.end()
            used_until = k
            out.append(_Candidate(s, e, "PERSON", "", "", 0.6, "rule:person", 4, route))
    return out


def _keyword_org_candidates(body: str, start: int, end: int, route: str) -> list[_Candidate]:
    """'<Capitalised ...> <lower-case ...> министрлігі' style organization names (kk / ky / uz)."""
    rules = _rules()
    stems = rules["stem_org"]
    toks = tokenize(body[start:end])
    out = []
    for i, (s, e, w) in enumerate(toks):
        if not normalize_token(w).startswith(stems):
            continue
        j = i
        lowers = 0
        while j > 0 and lowers < 3 and not toks[j - 1][2][:1].isupper() and _joined(body, start, toks[j - 1], toks[j]):
            j -= 1
            lowers += 1
        caps = 0
        while j > 0 and caps < 5 and toks[j - 1][2][:1].isupper() and _joined(body, start, toks[j - 1], toks[j]):
            j -= 1
            caps += 1
        while j < i and not toks[j][2][:1].isupper():
            j += 1
        if j < i and normalize_token(toks[j][2]) in KK_KY_UZ_SENTENCE_STARTERS:
            j += 1
        if not toks[j][2][:1].isupper():
            continue
        if any(normalize_token(t[2]) in rules["not_org_words"] for t in toks[j:i]):
            continue  # "Президенттин басма сөз кызматы", "Toshkent viloyatidagi reabilitatsiya markazi"
        s0, e0 = start + toks[j][0], start + e
        out.append(_org_candidate(s0, e0, body[s0:e0], "rule:org", 0.6, 3, route))
    return out


def _joined(body: str, offset: int, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    return re.fullmatch(r"[ \t]*(?:[-–][ \t]*)?", body[offset + left[1]:offset + right[0]]) is not None


# ---------------------------------------------------------------- persons: canonical names and coreference

@dataclass
class _PersonCluster:
    key: str
    surname_key: str
    display: str
    latin: bool
    full: bool


def _surname_key(text: str, lang: str | None) -> str:
    parts = name_tokens(text)
    return person_key(parts[-1], lang) if parts else ""


def _initial(text: str) -> str | None:
    m = re.match(r"\s*([^\W\d_])\.", text)
    return normalize_token(m.group(1)) if m else None


def _person_display(text: str, lang: str) -> str:
    parts = [p for p in name_tokens(text)]
    if lang == "ru" and is_cyrillic(text):
        parts = _nominative_ru(parts, "name")
    elif is_cyrillic(text) and parts:
        parts[-1] = _strip_kk_case(parts[-1])
    elif parts and lang.startswith("uz"):
        parts[-1] = re.sub(r"(?<=ov|ev|va)(?:ning|ni|ga|da|dan)$", "", parts[-1])  # "Mirziyoyevning" -> "Mirziyoyev"
    return " ".join(parts)


def _strip_kk_case(word: str) -> str:
    m = re.match(r"^(.+?(?:ов|ев|ин|ова|ева|ина|ov|ev|ova|eva))(?:тың|тің|ның|нің|қа|ке|ға|ге|ка|га|ты|ті|ны|ні|та|те|"
                 r"тан|тен|пен|бен|мен|нан|нен|тын|тин|дын|дин|нын|нин|ту|ду|ну|дун|тун|нун|дан|ден|менен|нинг|ни)$",
                 word)
    return m.group(1) if m else word


def _resolve_persons(body: str, cands: list[_Candidate], doc_lang: str | None) -> list[_Candidate]:
    """Canonical name/id per person: variants, case forms and surname-only mentions share one id."""
    persons = sorted((c for c in cands if c.entity_type == "PERSON"), key=lambda c: c.start)
    clusters: list[_PersonCluster] = []
    assigned: dict[int, _PersonCluster] = {}
    # full names first, in reading order
    for idx, c in enumerate(persons):
        text = body[c.start:c.end]
        parts = name_tokens(text)
        lang = c.lang or doc_lang or ""
        if len(parts) < 2:
            continue
        key = person_key(_person_display(text, lang), lang)
        skey = person_key(parts[-1], lang)
        match = None
        for cl in clusters:
            if cl.key == key or fuzz.ratio(cl.key, key) >= 90 or (
                    cl.surname_key == skey and key.split("-")[0][:3] == cl.key.split("-")[0][:3]):
                match = cl
                break
        if match is None:
            display = _person_display(text, lang)
            match = _PersonCluster(key, skey, display, not is_cyrillic(display), True)
            clusters.append(match)
        elif is_cyrillic(match.display) and not is_cyrillic(text):
            match.display, match.latin = _person_display(text, lang), True
        assigned[idx] = match
    # surname-only and initial mentions join a full name with the same surname
    for idx, c in enumerate(persons):
        if idx in assigned:
            continue
        text = body[c.start:c.end]
        lang = c.lang or doc_lang or ""
        skey = _surname_key(text, lang)
        if not skey:
            continue
        initial = _initial(text)
        found = [cl for cl in clusters if cl.full and (cl.surname_key == skey or fuzz.ratio(cl.surname_key, skey) >= 90)]
        if initial:
            found = [cl for cl in found if _fold_initial(cl.display) in (_fold_initial(initial), "")] or found
        if found:
            assigned[idx] = found[0]
        else:
            display = _person_display(text, lang)
            cl = _PersonCluster(person_key(display, lang), skey, display, not is_cyrillic(display), False)
            clusters.append(cl)
            assigned[idx] = cl
    out = []
    for idx, c in enumerate(persons):
        cl = assigned.get(idx)
        if cl is None or not cl.key:
            continue
        latin = cl.display if cl.latin else transliterate_to_latin(cl.display)
        out.append(replace(c, canonical_name=latin, canonical_id=f"person:{cl.key}"))
    out.extend(_surname_echoes(body, clusters, out, cands))
    return out


def _fold_initial(text: str) -> str:
    latin = transliterate_to_latin(text.strip()[:1]).lower()
    return {"y": "e", "i": "e", "j": "z"}.get(latin[:1], latin[:1])


def _surname_echoes(body: str, clusters: list[_PersonCluster], persons: list[_Candidate],
                    cands: list[_Candidate]) -> list[_Candidate]:
    """Bare surname tokens elsewhere in the text ('said Ashikbaev', 'Ашикбаеву') of a full name already found."""
    full = {cl.surname_key: cl for cl in clusters if cl.full and len(cl.surname_key) >= 4}
    if not full:
        return []
    taken = [(c.start, c.end) for c in cands if c.entity_type != "LOC" or c.priority <= 2] + \
            [(p.start, p.end) for p in persons]
    out = []
    for s, e, w in tokenize(body):
        if not w[:1].isupper() or w.isupper() or _overlaps(s, e, taken):
            continue
        lang = "ru" if is_cyrillic(w) else "en"
        key = person_key(w, lang)
        cl = full.get(key)
        if cl is None:
            continue
        latin = cl.display if cl.latin else transliterate_to_latin(cl.display)
        out.append(_Candidate(s, e, "PERSON", latin, f"person:{cl.key}", 0.7, "rule:coref", 4))
    return out


# ---------------------------------------------------------------- organizations: within-document resolution

def _resolve_orgs(body: str, cands: list[_Candidate]) -> list[_Candidate]:
    """Within one document: an unqualified institution ('Совет безопасности') takes the one qualified form
    seen, and a name followed by '(ACRONYM)' shares the acronym's identity."""
    qualified: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for c in cands:
        base = is_qualified_org_id(c.canonical_id.removeprefix("org:")) if c.entity_type == "ORG" else None
        if base:
            qualified[base].add((c.canonical_id, c.canonical_name))
    out = []
    for c in cands:
        base = c.canonical_id.removeprefix("org:")
        if c.entity_type == "ORG" and len(qualified.get(base, ())) == 1:
            cid, name = next(iter(qualified[base]))
            c = replace(c, canonical_id=cid, canonical_name=name)
        out.append(c)
    orgs_at = {c.start: c for c in out if c.entity_type == "ORG"}
    for i, c in enumerate(out):
        if c.entity_type != "ORG":
            continue
        m = re.match(r"\s*\(\s*", body[c.end:c.end + 6])
        acronym = orgs_at.get(c.end + m.end()) if m else None
        if acronym is None or acronym is c:
            continue
        if acronym.extractor.startswith("gazetteer") and not c.extractor.startswith("gazetteer"):
            out[i] = replace(c, canonical_id=acronym.canonical_id, canonical_name=acronym.canonical_name)
        elif not acronym.extractor.startswith("gazetteer"):
            j = out.index(acronym)
            out[j] = replace(acronym, canonical_id=c.canonical_id, canonical_name=c.canonical_name)
    return _local_org_names(out)


def _local_org_names(cands: list[_Candidate]) -> list[_Candidate]:
    """Outside English, an organization's canonical name is its fullest nominative form in the document's
    language ('Совет безопасности Кыргызской Республики'); canonical_id stays the cross-lingual key."""
    fullest: dict[str, str] = {}
    for c in cands:
        if c.entity_type != "ORG" or c.lang in ("en", "") or not c.display:
            continue
        best = fullest.get(c.canonical_id)
        if best is None or (len(c.display.split()), len(c.display)) > (len(best.split()), len(best)):
            fullest[c.canonical_id] = c.display
    return [replace(c, canonical_name=fullest[c.canonical_id])
            if c.entity_type == "ORG" and c.lang not in ("en", "") and c.canonical_id in fullest else c
            for c in cands]


# ---------------------------------------------------------------- overlap resolution and assembly

def _select(cands: list[_Candidate]) -> list[_Candidate]:
    """Non-overlapping mentions by priority then length; country names may nest inside organizations."""
    chosen: list[_Candidate] = []
    for c in sorted(cands, key=lambda c: (c.priority, -(c.end - c.start), c.start)):
        if c.end <= c.start:
            continue
        ok = True
        for other in chosen:
            if other.start < c.end and c.start < other.end:
                nested = (c.entity_type == "LOC" and re.fullmatch(r"[A-Z]{2}", c.canonical_id) and
                          other.entity_type == "ORG" and other.start <= c.start and c.end <= other.end)
                if not nested:
                    ok = False
                    break
        if ok:
            chosen.append(c)
    return sorted(chosen, key=lambda c: (c.start, c.end))


def _org_vs_org(cands: list[_Candidate]) -> list[_Candidate]:
    """Among overlapping organization spans the longest wins, unless it is an unresolved name that would
    swallow a gazetteer organization with another identity ('Ержан Ашикбаев ... БҰҰ ... кеңесінің')."""
    orgs = sorted((c for c in cands if c.entity_type == "ORG"), key=lambda c: (-(c.end - c.start), c.priority))
    known = [c for c in orgs if c.extractor == "gazetteer:org"]
    kept: list[_Candidate] = []
    for c in orgs:
        if any(k.start < c.end and c.start < k.end for k in kept):
            continue
        if not c.known and any(k.start < c.end and c.start < k.end and k.canonical_id != c.canonical_id for k in known):
            continue
        kept.append(c)
    return [c for c in cands if c.entity_type != "ORG"] + [replace(c, priority=1) for c in kept]


def extract_entities(doc_id: str, body: str, lang: str | None) -> list[Entity]:
    """PERSON / ORG / LOC / OPERATION mentions of one document, each with offsets into body."""
    if not body or not body.strip():
        return []
    tokens = tokenize(body)
    hits = find_gazetteer_hits(body, tokens)
    cands = _operation_candidates(body, hits)
    cands += _gazetteer_candidates(body, hits)
    chunks = _chunks(body, lang)
    cands = [replace(c, lang=_route_at(chunks, c.start)) for c in cands]
    gaz_spans = [(c.start, c.end) for c in cands if c.entity_type in ("LOC", "ORG")]
    strong = [(c.start, c.end) for c in cands]
    gaz_orgs = [(c.start, c.end) for c in cands if c.entity_type == "ORG"]
    for route, start, end in chunks:
        try:
            if route == "ru":
                cands += _ru_candidates(body, start, end, gaz_spans)
            elif route in ("en", "uz-latn"):
                cands += _latin_candidates(body, start, end, route, strong, gaz_orgs)
            else:
                cands += _cyr_rule_candidates(body, start, end, route, strong)
        except Exception:  # one bad paragraph must not lose the document's other entities
            log.exception("entity extraction failed on doc %s [%d:%d] (%s)", doc_id, start, end, route)
    cands += _particle_person_candidates(body, chunks, cands, strong)
    cands = [c for c in cands if c.entity_type != "ORG" or not _all_countries(body, c, hits)]
    cands = _org_vs_org(cands)
    persons = _resolve_persons(body, cands, lang)
    cands = [c for c in cands if c.entity_type != "PERSON"] + persons
    cands = _resolve_orgs(body, cands)
    chosen = _select(cands)
    out = []
    for c in chosen:
        if not c.canonical_id:
            continue
        out.append(Entity(entity_id_for(c.entity_type, c.canonical_id), doc_id, c.entity_type, body[c.start:c.end],
                          c.start, c.end, c.canonical_name, c.canonical_id, round(float(c.confidence), 3), c.extractor))
    return out


_CYR_NAME = r"[А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі]+(?:-[А-ЯЁ][а-яё]+)?"
_CYR_PARTICLE_NAME = re.compile(
    rf"(?<![\w-])({_CYR_NAME})((?:[ \t]+(?:ван|фон|де|дер|ди|да|ле|ла|аль|эль)){{1,2}})[ \t]+({_CYR_NAME})(?![\w-])")


def _particle_person_candidates(body: str, chunks: list[tuple[str, int, int]], cands: list[_Candidate],
                                covered: list[tuple[int, int]]) -> list[_Candidate]:
    """'Артур ван Дизен', 'Шарль де Голль': two capitalised words around a name particle, in ru / kk / ky text.
    Russian needs natasha to have tagged a part as a person; kk / ky take the pattern alone."""
    rules = _rules()
    persons = [(c.start, c.end) for c in cands if c.entity_type == "PERSON"]
    out = []
    for route, start, end in chunks:
        if route not in ("ru", "kk", "ky"):
            continue
        for m in _CYR_PARTICLE_NAME.finditer(body, start, end):
            s, e = m.start(), m.end()
            first = normalize_token(m.group(1))
            if (_overlaps(s, e, covered) or first in KK_KY_UZ_SENTENCE_STARTERS or first in rules["titles"]
                    or _case_marked_word(m.group(1))):
                continue
            # "Нұрлан да Серік те": enclitic 'and / also' on both words, not a particle
            if re.match(r"[ \t]+(?:да|де|та|те)(?![\w-])", body[e:end]):
                continue
            if route == "ru" and not _overlaps(s, e, persons):
                continue
            out.append(_Candidate(s, e, "PERSON", "", "", 0.6, "rule:person", 4, route))
    return out


def _all_countries(body: str, c: _Candidate, hits: list[GazetteerHit]) -> bool:
    """'РК-США' tagged as an organization is two countries."""
    inside = [h for h in hits if h.kind == "country" and c.start <= h.start and h.end <= c.end]
    if not inside:
        return False
    rest = (body[p] for p in range(c.start, c.end) if not any(h.start <= p < h.end for h in inside))
    return not any(ch.isalpha() for ch in rest)


def entities_frame(docs: pd.DataFrame) -> pd.DataFrame:
    """Entity mentions of every document (columns ENTITY_COLUMNS); docs needs doc_id, body, lang."""
    rows: list[dict] = []
    for doc in docs[["doc_id", "body", "lang"]].itertuples(index=False):
        body = doc.body if isinstance(doc.body, str) else ""
        lang = doc.lang if isinstance(doc.lang, str) else None
        rows.extend(e.__dict__ for e in extract_entities(str(doc.doc_id), body, lang))
    frame = pd.DataFrame(rows, columns=ENTITY_COLUMNS)
    frame = frame.astype({"start": "int64", "end": "int64", "confidence": "float64"})
    log.info("entities: %d mentions in %d documents", len(frame), len(docs))
    return frame
