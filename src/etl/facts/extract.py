"""Counted facts: numbers that count people or things, with subject, qualifier, breakdowns and totals.

A number is a fact only when a countable noun follows it ("460 человек", "шести этапов", "700-ден астам
адам", "more than 130 countries"); years, dates, ordinals, ages, durations, money and percentages never
have one, so they drop out. The stage's entry points and tables are here; the rules are in `reading` (one
number in its sentence: qualifier, subject, country, operation, years) and `totals` (breakdowns, stated
totals, consistency), their word lists and regexes in `lexicon`, number parsing in `numbers`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import astuple, replace

import pandas as pd
import pyarrow as pa

from etl.facts.lexicon import PEOPLE, REGION_RE, has_return_cue
from etl.facts.numbers import find_numbers, mask_non_counts
from etl.facts.reading import (
    clause_spans,
    document_home_country,
    entity_spans,
    pick_country,
    pick_nearest,
    pick_year,
    read_count,
    sentence_spans,
)
from etl.facts.records import Draft, Fact, fact_id
from etl.facts.totals import (
    apply_consistency,
    breakdown_parents,
    facts_by_document,
    inherit_from_parents,
    is_stated_total,
    relation_checks,
    totals_from_evidence,
)

log = logging.getLogger(__name__)

FACT_COLUMNS = ["fact_id", "doc_id", "value", "subject", "qualifier", "country", "operation", "year_from",
                "year_to", "parent_fact_id", "consistency", "evidence", "start", "end", "extractor"]
REPATRIATION_COLUMNS = ["fact_id", "doc_id", "country", "operation", "year_from", "year_to", "subject",
                        "qualifier", "value", "parent_fact_id", "is_total", "title", "source_agency", "published_date",
                        "lang"]
FACT_COLUMN_DOCS = {
    "fact_id": "stable id: hash of (doc_id, start, end, value)",
    "doc_id": "document (join documents.doc_id)",
    "value": "the counted figure as an integer (\"1,6 тысячи\" -> 1600, \"шести\" -> 6)",
    "subject": "what is counted: persons, women, children, women_and_children, men, orphans, countries, families, "
               "stages, other",
    "qualifier": "exact, more_than, about, at_least or less_than (\"up to\", \"почти\" = less_than: at most)",
    "country": "ISO alpha-2 of the country the sentence ties to the figure (Central Asian destination first)",
    "operation": "canonical name of the operation named in the same sentence",
    "year_from": "first year the sentence gives for the figure",
    "year_to": "last year; null for \"since 2019\" and when no year is given",
    "parent_fact_id": "the whole this figure is a part of (\"460 человек (145 женщин и 315 детей)\")",
    "consistency": "ok / mismatch when a breakdown or a stated total was checked, else n/a",
    "evidence": "the sentence holding the number, as in the body",
    "start": "offset of the number in documents.body",
    "end": "offset after the number; body[start:end] is the number as written",
    "extractor": "rule:digits, rule:words (+ :noun_before when the noun precedes the number)",
}


def extract_facts(doc_id: str, body: str, lang: str | None, entities: pd.DataFrame | None = None) -> list[Fact]:
    """Counted facts of one document, in text order, with breakdowns, totals and consistency resolved."""
    if not body:
        return []
    masked = mask_non_counts(body)
    sentences = sentence_spans(body)
    drafts: list[Draft] = []
    for sentence_index, (sentence_start, sentence_end) in enumerate(sentences):
        for span in find_numbers(masked[sentence_start:sentence_end], lang):
            absolute = replace(span, start=span.start + sentence_start, end=span.end + sentence_start)
            reading = read_count(masked, absolute, sentence_start, sentence_end)
            if reading is None:
                continue
            extractor = f"rule:{span.kind}" + (":noun_before" if reading.noun_before else "")
            drafts.append(Draft(start=absolute.start, end=absolute.end, value=absolute.value,
                                subject=reading.subject, qualifier=reading.qualifier, extractor=extractor,
                                sentence_index=sentence_index, noun_end=reading.noun_end))
    if not drafts:
        return []
    ids = [fact_id(doc_id, draft.start, draft.end, draft.value) for draft in drafts]
    parents = breakdown_parents(drafts, masked, sentences)
    countries, operations = entity_spans(entities, doc_id)
    document_home = document_home_country(countries)
    totals = [is_stated_total(masked, draft, sentences[draft.sentence_index]) for draft in drafts]
    # The operation a document reports, when it names only one ("«Меҳр-3» операцияси: ..." then the figures).
    named_operations = {operation[2] for operation in operations}
    document_operation = next(iter(named_operations)) if len(named_operations) == 1 else None
    facts: list[Fact] = []
    for index, draft in enumerate(drafts):
        sentence = sentences[draft.sentence_index]
        clause = next(candidate for candidate in clause_spans(body[sentence[0]:sentence[1]], sentence[0])
                      if candidate[0] <= draft.start <= candidate[1])
        year_from, year_to = pick_year(body, draft, sentence, clause, drafts)
        facts.append(Fact(
            fact_id=ids[index], doc_id=doc_id, value=draft.value, subject=draft.subject, qualifier=draft.qualifier,
            # A count of countries is not about one country ("the 9 countries in the region (..., Turkey)").
            country=(None if draft.subject == "countries"
                     else pick_country(countries, draft, sentence, clause,
                                       None if REGION_RE.search(body, *sentence) else document_home)),
            operation=pick_nearest(operations, draft, [clause, sentence]) or (
                # a stated total sums returns of several operations and years ("Всего ... 551")
                document_operation if draft.subject in PEOPLE and not totals[index]
                and not REGION_RE.search(body, *sentence) else None),
            year_from=year_from, year_to=year_to,
            parent_fact_id=ids[parents[index]] if parents.get(index) is not None else None,
            consistency="n/a", evidence=body[sentence[0]:sentence[1]], start=draft.start, end=draft.end,
            extractor=draft.extractor,
        ))
    facts = inherit_from_parents(facts)
    checks = relation_checks(facts, totals, [draft.sentence_index for draft in drafts])
    return apply_consistency(facts, checks)


def consistency_checks(facts: pd.DataFrame | Sequence[Fact]) -> list[dict]:
    """Breakdown and total checks of a facts table: kind, doc_id, fact_id, part_fact_ids, expected, observed, success."""
    out: list[dict] = []
    for doc_facts in facts_by_document(facts):
        totals, sentence_index = totals_from_evidence(doc_facts)
        out.extend(relation_checks(doc_facts, totals, sentence_index))
    return out


def stated_totals(facts: pd.DataFrame | Sequence[Fact]) -> set[str]:
    """fact_ids of the figures the text marks as a total ("всего", "in total", "барлығы", "jami", ...)."""
    totals: set[str] = set()
    for doc_facts in facts_by_document(facts):
        marks, _ = totals_from_evidence(doc_facts)
        totals.update(fact.fact_id for fact, is_total in zip(doc_facts, marks)
                      if is_total and fact.parent_fact_id is None)
    return totals


# --- tables ----------------------------------------------------------------------------------------------

def facts_frame(docs: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Facts of every document (docs: doc_id, body, lang) as a table with FACT_COLUMNS."""
    by_doc = {doc_id: group for doc_id, group in entities.groupby("doc_id")} if entities is not None and len(
        entities) and "doc_id" in entities.columns else {}
    rows: list[tuple] = []
    for doc in docs[["doc_id", "body", "lang"]].itertuples(index=False):
        body = doc.body if isinstance(doc.body, str) else ""
        lang = doc.lang if isinstance(doc.lang, str) else None
        try:
            found = extract_facts(doc.doc_id, body, lang, by_doc.get(doc.doc_id))
        except Exception:  # one odd document must not sink the batch; the validation stage sees the gap
            log.exception("fact extraction failed for %s", doc.doc_id)
            continue
        rows.extend(astuple(fact) for fact in found)
    log.info("extracted %d facts from %d documents", len(rows), len(docs))
    return _typed(pd.DataFrame(rows, columns=FACT_COLUMNS))


def fact_schema() -> pa.Schema:
    """Arrow schema of the facts table (for `etl.schemas.register_table`)."""
    types = {"value": pa.int64(), "year_from": pa.int64(), "year_to": pa.int64(), "start": pa.int64(),
             "end": pa.int64()}
    return pa.schema([(c, types.get(c, pa.string())) for c in FACT_COLUMNS])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({
        "fact_id": "string", "doc_id": "string", "value": "int64", "subject": "string", "qualifier": "string",
        "country": "string", "operation": "string", "year_from": "Int64", "year_to": "Int64",
        "parent_fact_id": "string", "consistency": "string", "evidence": "string", "start": "int64", "end": "int64",
        "extractor": "string",
    })


def repatriations_frame(facts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """One row per counted fact about people returned or repatriated, with the document's title, agency, date, lang.

    Rows with a parent_fact_id are parts of a breakdown (e.g. the women and the children of one return), and
    rows with is_total sum up other rows ("Всего ... 551"): sum `value` over rows where parent_fact_id is null
    and is_total is false, or people are counted twice.
    """
    people = facts[facts["subject"].isin(PEOPLE) & facts["evidence"].map(lambda e: has_return_cue(str(e)))]
    people = people.assign(is_total=people["fact_id"].isin(stated_totals(facts)).astype("bool"))
    meta_columns = ["title", "source_agency", "published_date", "lang"]
    meta = documents.reindex(columns=["doc_id", *meta_columns]).drop_duplicates("doc_id")
    meta["doc_id"] = meta["doc_id"].astype("string")
    out = people.astype({"doc_id": "string"}).merge(meta, on="doc_id", how="left")[REPATRIATION_COLUMNS]
    out = out.astype({"title": "string", "source_agency": "string", "lang": "string"})
    out["published_date"] = out["published_date"].astype(object).where(out["published_date"].notna(), None)
    return out.reset_index(drop=True)
