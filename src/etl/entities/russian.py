"""Russian paragraphs: natasha's PER / ORG / LOC spans, organizations extended over their complements."""

from __future__ import annotations

import re

from etl.entities.candidates import Candidate, Span, org_candidate
from etl.entities.lexicon import DOMAIN_RE, rule_words
from etl.entities.models import NerSpan, morph_analyzer, nominative_ru
from etl.entities.thresholds import (
    FOUND_NAME_PRIORITY,
    FOUND_ORG_PRIORITY,
    NATASHA_LOC_CONFIDENCE,
    NATASHA_ORG_CONFIDENCE,
    NATASHA_PERSON_CONFIDENCE,
)
from etl.entities.transliteration import slugify


def _ru_org_extension(body: str, start: int, end: int, next_spans: list[Span]) -> int:
    """Extend a Russian organization span over a following genitive name, 'при X' or 'по <dative phrase>'."""
    morph = morph_analyzer()
    span_end_at = {span_start: span_end for span_start, span_end in next_spans}
    while True:
        space = re.match(r"[ \t]+", body[end:])
        pos = end + (space.end() if space else 0)
        if pos in span_end_at and space:
            end = span_end_at[pos]
            continue
        preposition = re.match(r"[ \t]+(при|в)[ \t]+", body[end:])
        if preposition and end + preposition.end() in span_end_at and preposition.group(1) == "при":
            end = span_end_at[end + preposition.end()]
            continue
        po = re.match(r"[ \t]+по[ \t]+", body[end:])
        if po and not body[start:end].isupper():
            pos = end + po.end()
            words = list(re.finditer(r"[а-яё]+", body[pos:pos + 60]))
            taken = 0
            last_end = None
            for word in words[:4]:
                if body[pos + (last_end or 0):pos + word.start()].strip():
                    break
                tag = morph.parse(word.group())[0].tag
                if tag.POS not in ("NOUN", "ADJF") or "Apro" in tag or (taken == 0 and tag.case != "datv"):
                    break
                taken += 1
                last_end = word.end()
            if taken and last_end is not None:
                end = pos + last_end
                continue
        return end


def russian_candidates(body: str, start: int, end: int, ner_spans: list[NerSpan],
                       gaz_spans: list[Span]) -> list[Candidate]:
    """Persons, organizations and places natasha tags in the Russian paragraph body[start:end]; ner_spans are
    natasha's spans of that paragraph (``models.natasha_spans_many``), offsets into it."""
    rules = rule_words()
    spans = [(span_start + start, span_end + start, kind) for span_start, span_end, kind in ner_spans]
    joinable = sorted({(span_start, span_end) for span_start, span_end, kind in spans if kind in ("LOC", "ORG")}
                      | set(gaz_spans))
    out = []
    for span_start, span_end, kind in spans:
        if kind == "ORG":
            tagged = body[span_start:span_end]
            span_end = _ru_org_extension(body, span_start, span_end, joinable)
            surface = body[span_start:span_end]
            if surface in rules.generic_acronyms or DOMAIN_RE.search(surface):
                continue
            if " " not in tagged and not tagged.isupper():
                parse = morph_analyzer().parse(tagged)[0]
                grams = set(parse.tag.grammemes)
                common = parse.tag.POS == "NOUN" and not ({"Orgn", "Abbr", "Geox"} & grams)
                # a person noun ("Спецдокладчик") never, a bare common noun ("Совете") only with a name after it
                if common and ("anim" in grams or (parse.is_known and surface == tagged)):
                    continue
            out.append(org_candidate(span_start, span_end, surface, "natasha", NATASHA_ORG_CONFIDENCE,
                                     FOUND_ORG_PRIORITY, "ru"))
        elif kind == "LOC":
            surface = body[span_start:span_end]
            normal = " ".join(nominative_ru(surface.split(), "place"))
            out.append(Candidate(start=span_start, end=span_end, entity_type="LOC", canonical_name=normal,
                                 canonical_id=f"loc:{slugify(normal)}", confidence=NATASHA_LOC_CONFIDENCE,
                                 extractor="natasha", priority=FOUND_NAME_PRIORITY, lang="ru"))
        elif kind == "PER":
            out.append(Candidate(start=span_start, end=span_end, entity_type="PERSON", canonical_name="",
                                 canonical_id="", confidence=NATASHA_PERSON_CONFIDENCE, extractor="natasha",
                                 priority=FOUND_NAME_PRIORITY, lang="ru"))
    return out
