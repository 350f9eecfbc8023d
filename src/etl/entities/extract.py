"""Entity extraction, the stage's entry point: PERSON, ORG, LOC and OPERATION mentions with cross-lingual canonical ids.

Extractors, strongest first: domain gazetteer + CLDR country names (all languages, ``candidates``), operation
rules, natasha NER for Russian paragraphs (``russian``), capitalisation / morphology rules for English,
Kazakh, Kyrgyz and Uzbek paragraphs (``latin``, ``turkic``); ``persons`` and ``resolve`` settle ids and overlaps.
Every mention keeps ``body[start:end] == text``; a mention of the headline that the body does not repeat keeps
``title[start:end] == text`` and ``in_title``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache

import pandas as pd

from etl.entities.candidates import (
    Candidate,
    Span,
    all_countries,
    gazetteer_candidates,
    operation_candidates,
)
from etl.entities.gazetteer import find_gazetteer_hits, gazetteer, operation_hits
from etl.entities.latin import latin_candidates
from etl.entities.lexicon import rule_words
from etl.entities.models import NerSpan, natasha_models, natasha_spans_many
from etl.entities.outlets import outlet_candidates, read_us_line
from etl.entities.persons import credit_person_candidates, particle_person_candidates, resolve_persons
from etl.entities.resolve import org_vs_org, resolve_orgs, select_non_overlapping
from etl.entities.routing import Chunk, route_at, route_chunks
from etl.entities.russian import russian_candidates
from etl.entities.tokens import normalize_token, tokenize
from etl.entities.turkic import turkic_candidates

log = logging.getLogger(__name__)


ENTITY_COLUMNS = ["entity_id", "doc_id", "entity_type", "text", "start", "end", "canonical_name", "canonical_id",
                  "confidence", "extractor", "in_title"]
ENTITY_TYPES = ("PERSON", "ORG", "LOC", "OPERATION")
ENTITY_ID_CACHE_ENTITIES = 20_000  # distinct (type, canonical id) pairs whose entity id is kept


@dataclass(frozen=True)
class Entity:
    """One entity mention; body[start:end] == text (title[start:end] when in_title)."""

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
    in_title: bool = False  # start/end point into the document's title, not its body


@lru_cache(maxsize=ENTITY_ID_CACHE_ENTITIES)
def entity_id_for(entity_type: str, canonical_id: str) -> str:
    """Stable id of a canonical entity across documents and runs (cached: countries and names recur)."""
    return hashlib.sha1(f"{entity_type}|{canonical_id}".encode()).hexdigest()[:16]


def load_models() -> None:
    """Load the NER models and the gazetteer now (otherwise the first document loads them)."""
    natasha_models()
    rule_words()
    gazetteer()


def extract_entities(doc_id: str, body: str, lang: str | None, title: str | None = None) -> list[Entity]:
    """PERSON / ORG / LOC / OPERATION mentions of one document, each with offsets into body; then the title's
    entities that the body does not name (same type and canonical id; a per-country institution of the body also
    names the title's bare one: 'МИД' after 'МИД КР'), with offsets into title and in_title."""
    text, own_paragraph = _read_text(body, title)
    chunks = _chunks(text, lang, own_paragraph)
    return _document_entities(doc_id, body, lang, title, chunks, _russian_ner([text], [chunks])[0])


def _read_text(body: str, title: str | None) -> tuple[str, int]:
    """The text the extractors read and how much of it is the headline, a paragraph of its own: headline and body
    are read as one text, so that a surname in the body joins the headline's full name (natasha reads a body
    sentence that repeats the headline differently when it follows it)."""
    if not title or not title.strip():
        return body, 0
    return f"{title}\n\n{body}", len(title)


def _chunks(text: str, lang: str | None, own_paragraph: int) -> list[Chunk]:
    """The routed chunks of text (``routing.route_chunks``), text[:own_paragraph] kept apart from the rest."""
    if not text or not text.strip():
        return []
    return [piece for route, start, end in route_chunks(text, lang)
            for piece in ((route, start, min(end, own_paragraph)), (route, max(start, own_paragraph), end))
            if piece[1] < piece[2]]


def _russian_ner(texts: list[str], chunks_of: list[list[Chunk]]) -> list[dict[Span, list[NerSpan]]]:
    """natasha's spans of every Russian chunk of the texts, per text keyed by the chunk's (start, end): one
    batched tagger call for them all."""
    keys = [(index, start, end) for index, chunks in enumerate(chunks_of) for route, start, end in chunks if route == "ru"]
    spans = natasha_spans_many([texts[index][start:end] for index, start, end in keys])
    found: list[dict[Span, list[NerSpan]]] = [{} for _ in texts]
    for (index, start, end), chunk_spans in zip(keys, spans):
        found[index][(start, end)] = chunk_spans
    return found


def _document_entities(doc_id: str, body: str, lang: str | None, title: str | None, chunks: list[Chunk],
                       russian_ner: dict[Span, list[NerSpan]]) -> list[Entity]:
    """extract_entities, given the chunks of _read_text(body, title) and natasha's spans of its Russian chunks."""
    if not title or not title.strip():
        return [_entity(doc_id, body, c) for c in _text_mentions(doc_id, body, lang, chunks, russian_ner)]
    text, offset = _read_text(body, title)
    offset += 2  # the blank line after the headline
    both = _text_mentions(doc_id, text, lang, chunks, russian_ner)
    found = [_entity(doc_id, text, c, shift=offset) for c in both if c.start >= offset]
    named = {(entity.entity_type, entity.canonical_id) for entity in found}
    named |= {(kind, qualified.group(1)) for kind, canonical_id in named
              if (qualified := re.fullmatch(r"(org:.+)-[a-z]{2}", canonical_id))}
    for c in both:
        if c.end > len(title):
            continue
        if (c.entity_type, c.canonical_id) not in named:
            named.add((c.entity_type, c.canonical_id))
            found.append(_entity(doc_id, text, c, in_title=True))
    return found


def _entity(doc_id: str, text: str, c: Candidate, shift: int = 0, in_title: bool = False) -> Entity:
    """The Entity of a selected mention of text, its offsets moved back by shift (text[c.start:c.end] is the
    mention either way)."""
    return Entity(entity_id=entity_id_for(c.entity_type, c.canonical_id), doc_id=doc_id, entity_type=c.entity_type,
                  text=text[c.start:c.end], start=c.start - shift, end=c.end - shift, canonical_name=c.canonical_name,
                  canonical_id=c.canonical_id, confidence=round(float(c.confidence), 3), extractor=c.extractor,
                  in_title=in_title)


def _text_mentions(doc_id: str, body: str, lang: str | None, chunks: list[Chunk],
                   russian_ner: dict[Span, list[NerSpan]]) -> list[Candidate]:
    """The PERSON / ORG / LOC / OPERATION mentions of one text that become entities (non-overlapping, with a
    canonical id), each with offsets into it, given its chunks (``_chunks``) and natasha's spans of the Russian
    ones."""
    if not body or not body.strip():
        return []
    tokens = tokenize(body)
    hits = find_gazetteer_hits(body, tokens)
    candidates = operation_candidates(body, hits)
    candidates += gazetteer_candidates(body, hits)
    candidates += outlet_candidates(body, lang)
    candidates = [replace(c, lang=route_at(chunks, c.start)) for c in candidates]
    gazetteer_places_and_orgs = [(c.start, c.end) for c in candidates if c.entity_type in ("LOC", "ORG")]
    strong = [(c.start, c.end) for c in candidates]  # gazetteer and operation spans: rules do not cross them
    gazetteer_orgs = [(c.start, c.end) for c in candidates if c.entity_type == "ORG"]
    for route, start, end in chunks:
        try:
            if route == "ru":
                candidates += russian_candidates(body, start, end, russian_ner[(start, end)], gazetteer_places_and_orgs)
            elif route in ("en", "uz-latn"):
                candidates += latin_candidates(body, start, end, route, strong, gazetteer_orgs)
            else:
                candidates += turkic_candidates(body, start, end, route, strong)
        except Exception:  # one bad paragraph must not lose the document's other entities
            log.exception("entity extraction failed on doc %s [%d:%d] (%s)", doc_id, start, end, route)
    candidates += particle_person_candidates(body, chunks, candidates, strong)
    candidates += credit_person_candidates(body, chunks, strong)
    candidates = [c for c in candidates if c.entity_type != "ORG" or not (all_countries(body, c, hits)
                                                                        or _platform(body, c.start, c.end))]
    candidates = org_vs_org(candidates)
    persons = resolve_persons(body, candidates, lang)
    candidates = [c for c in candidates if c.entity_type != "PERSON"] + persons
    candidates = resolve_orgs(body, candidates)
    return [c for c in select_non_overlapping(candidates) if c.canonical_id]


def _platform(body: str, start: int, end: int) -> bool:
    """A social network or messenger named as a channel: with a case ending or a compound glued on ('Telegram’да',
    'Instagram-да', 'Telegram-каналында'), on a 'read us' line, or in a comma list ('в Telegram, Facebook'). A
    platform acting in the story ('Facebook заплатит штраф') stays an organization, as factRuEval annotates it."""
    platforms = rule_words().platforms
    words = re.findall(r"[^\W\d_]+", body[start:end])
    if not words or normalize_token(words[0]) not in platforms:
        return False
    if len(words) > 1 or read_us_line(body, start) or re.match(r"[’'\-][^\W\d_]", body[end:end + 2]):
        return True
    before = re.search(r"([^\W\d_]+)[ \t]*,[ \t]*$", body[max(0, start - 30):start])
    after = re.match(r"[ \t]*,[ \t]*([^\W\d_]+)", body[end:end + 30])
    return any(m is not None and normalize_token(m.group(1)) in platforms for m in (before, after))


def entities_frame(docs: pd.DataFrame) -> pd.DataFrame:
    """Entity mentions of every document (columns ENTITY_COLUMNS); docs needs doc_id, body, lang (title when
    it has one: the headline's entities the body does not name are added with in_title)."""
    title_column = docs["title"] if "title" in docs.columns else pd.Series(None, index=docs.index, dtype=object)
    doc_ids = [str(doc_id) for doc_id in docs["doc_id"]]
    bodies = [body if isinstance(body, str) else "" for body in docs["body"]]
    langs = [lang if isinstance(lang, str) else None for lang in docs["lang"]]
    titles = [title if isinstance(title, str) else None for title in title_column]
    texts = [_read_text(body, title) for body, title in zip(bodies, titles, strict=True)]
    chunks_of = [_chunks(text, lang, own_paragraph) for (text, own_paragraph), lang in zip(texts, langs)]
    # the NER model's work for the whole shard at once
    russian_ner = _russian_ner([text for text, _ in texts], chunks_of)
    rows: list[dict] = []
    for doc_id, body, lang, title, chunks, ner in zip(doc_ids, bodies, langs, titles, chunks_of, russian_ner):
        rows.extend(entity.__dict__ for entity in _document_entities(doc_id, body, lang, title, chunks, ner))
    frame = pd.DataFrame(rows, columns=ENTITY_COLUMNS)
    frame = frame.astype({"start": "int64", "end": "int64", "confidence": "float64", "in_title": "bool"})
    log.info("entities: %d mentions in %d documents", len(frame), len(docs))
    return frame


def named_operations(text: str) -> list[str]:
    """Canonical names of the operations `text` names ("Mehr operasiyasi-4" -> ["Mehr"]), in text order."""
    if not text or not text.strip():
        return []
    candidates = operation_candidates(text, operation_hits(text, tokenize(text)))
    return list(dict.fromkeys(candidate.canonical_name for candidate in sorted(candidates, key=lambda c: c.start)))
