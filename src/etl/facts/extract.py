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
from dataclasses import replace
from functools import lru_cache
from operator import attrgetter

import pandas as pd
import pyarrow as pa

from etl.entities.extract import named_operations
from etl.facts.lexicon import (
    OPERATION_ANAPHOR_RE,
    PEOPLE,
    REGION_RE,
    has_planned_cue,
    has_return_cue,
    held_where_they_are,
)
from etl.facts.numbers import NumberSpan, find_numbers, mask_non_counts
from etl.facts.reading import (
    Mention,
    clause_spans,
    document_home_country,
    entity_spans,
    mentions_by_document,
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
    covers_a_period,
    facts_by_document,
    family_parents,
    group_parents,
    held_in_place,
    inherit_from_parents,
    is_stated_total,
    link_repeated_mentions,
    parents_by_sum,
    relation_checks,
    restating,
    same_group,
    totals_from_evidence,
)

log = logging.getLogger(__name__)

FACT_COLUMNS = ["fact_id", "doc_id", "value", "subject", "qualifier", "country", "operation", "year_from",
                "year_to", "parent_fact_id", "same_as_fact_id", "planned", "in_title", "consistency", "evidence", "start",
                "end", "extractor"]
REPATRIATION_COLUMNS = ["fact_id", "doc_id", "country", "operation", "year_from", "year_to", "subject",
                        "qualifier", "value", "parent_fact_id", "same_as_fact_id", "planned", "is_total", "title",
                        "source_agency", "published_date", "lang"]
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
    "parent_fact_id": "the whole this figure is a part of (\"460 человек (145 женщин и 315 детей)\", or \"31 women "
                      "and 73 children\" after \"104 women and children\": parts that add up to an earlier figure)",
    "same_as_fact_id": "a group stated again in the same document (the same figure, the same or a wider subject): "
                       "the fact_id of its first mention; null on first mentions",
    "planned": "true for an announced return (\"will be repatriated\", \"намерены вернуть\", \"qaytaradi\")",
    "in_title": "true for a figure of the headline: start/end then point into documents.title; a headline figure "
                "the body states again restates it (same_as_fact_id)",
    "consistency": "ok / mismatch when a breakdown or a stated total was checked, else n/a",
    "evidence": "the sentence holding the number, as in the body",
    "start": "offset of the number in documents.body (documents.title when in_title)",
    "end": "offset after the number; body[start:end] is the number as written",
    "extractor": "rule:digits, rule:words (+ :noun_before when the noun precedes the number)",
}


def extract_facts(doc_id: str, body: str, lang: str | None, entities: pd.DataFrame | None = None,
                  title: str | None = None,
                  mentions: tuple[list[Mention], list[Mention]] | None = None) -> list[Fact]:
    """Counted facts of one document, in text order, with breakdowns, totals and consistency resolved; then the
    headline's figures (`in_title`), each restating the body's first mention of its group when there is one.

    `mentions`: the document's (countries, operations) from `mentions_by_document`, read instead of `entities`.
    """
    if not body:
        return []
    masked = mask_non_counts(body)
    sentences = sentence_spans(body)
    drafts = _drafts(masked, sentences, lang)
    countries, operations = mentions if mentions is not None else entity_spans(entities, doc_id)
    document_home = document_home_country(countries)
    # The operation a document reports, when it names only one ("«Меҳр-3» операцияси: ..." then the figures),
    # in its body or else in its headline ("Mehr operasiyasi-4").
    in_body = {operation[2] for operation in operations}
    in_title = set(named_operations(title)) if title and not in_body else set()
    document_operation = next(iter(in_body or in_title)) if len(in_body or in_title) == 1 else None
    facts: list[Fact] = []
    if drafts:
        ids = [fact_id(doc_id, draft.start, draft.end, draft.value) for draft in drafts]
        parents = breakdown_parents(drafts, masked, sentences)
        parents.update(parents_by_sum(drafts, parents))
        parents.update(family_parents(drafts, parents))
        parents.update(group_parents(drafts, masked, sentences, parents))
        totals = [is_stated_total(masked, draft, sentences[draft.sentence_index]) for draft in drafts]
        clauses_of: dict[int, list[tuple[int, int]]] = {}  # a sentence's clauses, split once for all its figures
        for index, draft in enumerate(drafts):
            sentence = sentences[draft.sentence_index]
            if draft.sentence_index not in clauses_of:
                clauses_of[draft.sentence_index] = clause_spans(body[sentence[0]:sentence[1]], sentence[0])
            clause = next(candidate for candidate in clauses_of[draft.sentence_index]
                          if candidate[0] <= draft.start <= candidate[1])
            year_from, year_to = pick_year(body, draft, sentence, clause, drafts)
            regional = bool(REGION_RE.search(body, *sentence))
            facts.append(Fact(
                fact_id=ids[index], doc_id=doc_id, value=draft.value, subject=draft.subject,
                qualifier=draft.qualifier,
                # A count of countries is not about one country ("the 9 countries in the region (..., Turkey)").
                country=(None if draft.subject == "countries"
                         else pick_country(countries, draft, sentence, clause, None if regional else document_home)),
                operation=pick_nearest(operations, draft, [clause, sentence])
                or _operation_referred_to(body, operations, sentences, draft) or (
                    # a stated total sums returns of several operations and years ("Всего ... 551", "since 2019")
                    document_operation if draft.subject in PEOPLE and not totals[index]
                    and not covers_a_period(year_from, year_to) and not regional else None),
                year_from=year_from, year_to=year_to,
                parent_fact_id=ids[parents[index]] if parents.get(index) is not None else None,
                same_as_fact_id=None, planned=_is_planned(body, sentence, clause, (draft.start, draft.end)),
                in_title=False,
                consistency="n/a", evidence=body[sentence[0]:sentence[1]], start=draft.start, end=draft.end,
                extractor=draft.extractor,
            ))
        facts = inherit_from_parents(link_repeated_mentions(facts))
        checks = relation_checks(facts, totals, [draft.sentence_index for draft in drafts])
        facts = apply_consistency(facts, checks)
    if title:
        facts += _title_facts(doc_id, title, lang, facts, document_home, document_operation)
    return facts


def _operation_referred_to(body: str, operations: list, sentences: list[tuple[int, int]], draft: Draft) -> str | None:
    """The operation named last before the figure's sentence, when that sentence says "the operation" without a
    name ("«Жусан» ... . 2019 жылдан бері операцияның төрт кезеңінде 600-ден астам азамат қайтарылған")."""
    sentence_start, sentence_end = sentences[draft.sentence_index]
    if not OPERATION_ANAPHOR_RE.search(body, sentence_start, sentence_end):
        return None
    named = sorted(operation for operation in operations if operation[1] <= sentence_start)
    return named[-1][2] if named else None


def _drafts(masked: str, sentences: list[tuple[int, int]], lang: str | None) -> list[Draft]:
    """The numbers of `masked` that count something, read in their sentences."""
    drafts: list[Draft] = []
    for sentence_index, (sentence_start, sentence_end) in enumerate(sentences):
        for span in find_numbers(masked[sentence_start:sentence_end], lang):
            absolute = NumberSpan(span.start + sentence_start, span.end + sentence_start, span.value, span.kind,
                                  span.is_range)
            reading = read_count(masked, absolute, sentence_start, sentence_end)
            if reading is None:
                continue
            extractor = f"rule:{span.kind}" + (":noun_before" if reading.noun_before else "")
            drafts.append(Draft(start=absolute.start, end=absolute.end, value=absolute.value,
                                subject=reading.subject, qualifier=reading.qualifier, extractor=extractor,
                                sentence_index=sentence_index, noun_end=reading.noun_end))
    return drafts


def _is_planned(text: str, sentence: tuple[int, int], clause: tuple[int, int], figure: tuple[int, int]) -> bool:
    """An announced return: a plan cue in the figure's clause, or in its sentence when the clause reports none done;
    never people said to be somewhere ("43 women are held in prisons, and 75 children will be returned": 75 only)."""
    clause_text = text[clause[0]:clause[1]]
    if held_where_they_are(text[sentence[0]:sentence[1]], figure[0] - sentence[0], figure[1] - sentence[0]):
        return False
    return has_planned_cue(clause_text) or (
        not has_return_cue(clause_text) and has_planned_cue(text[sentence[0]:sentence[1]]))


def _title_facts(doc_id: str, title: str, lang: str | None, body_facts: list[Fact], document_home: str | None,
                 document_operation: str | None) -> list[Fact]:
    """The headline's figures. One the body states again restates the body's first mention (which carries the
    sentence's attribution); one only the headline gives takes the document's home country and operation."""
    masked = mask_non_counts(title)
    whole = (0, len(title))
    out: list[Fact] = []
    for draft in _drafts(masked, [whole], lang):
        year_from, year_to = pick_year(title, draft, whole, whole, [draft])
        fact = Fact(
            fact_id=fact_id(f"{doc_id}|title", draft.start, draft.end, draft.value), doc_id=doc_id,
            value=draft.value, subject=draft.subject, qualifier=draft.qualifier,
            country=None if draft.subject == "countries" or REGION_RE.search(title) else document_home,
            operation=document_operation if draft.subject in PEOPLE
            and not covers_a_period(year_from, year_to) else None,
            year_from=year_from, year_to=year_to, parent_fact_id=None, same_as_fact_id=None,
            planned=_is_planned(title, whole, whole, (draft.start, draft.end)), in_title=True, consistency="n/a",
            evidence=title,
            start=draft.start, end=draft.end, extractor=draft.extractor,
        )
        restated = next((earlier for earlier in body_facts if same_group(earlier, fact)), None)
        if restated is not None:  # the body's sentence says more than the headline
            fact = replace(restating(fact, restated), country=restated.country or fact.country,
                           operation=restated.operation or fact.operation,
                           year_from=restated.year_from if fact.year_from is None else fact.year_from,
                           year_to=restated.year_to if fact.year_from is None else fact.year_to)
        out.append(fact)
    return out


def consistency_checks(facts: pd.DataFrame | Sequence[Fact]) -> list[dict]:
    """Breakdown and total checks of a facts table: kind, doc_id, fact_id, part_fact_ids, expected, observed, success."""
    # copies: the checks of the last table read are remembered
    return [{**check, "part_fact_ids": list(check["part_fact_ids"])}
            for _, _, checks in _checked_documents(facts) for check in checks]


def stated_totals(facts: pd.DataFrame | Sequence[Fact]) -> set[str]:
    """fact_ids of the figures the text marks as a total ("всего", "in total", "барлығы", "jami", ...).

    A marked figure that its own breakdown adds up exactly, and that adds up no earlier figures, is one group,
    not a total of other rows ("the fourth group, 47 people in total, including 15 women, 17 girls, 15 boys").
    """
    return _stated_totals(_checked_documents(facts))


def _checked_documents(facts: pd.DataFrame | Sequence[Fact]) -> list[tuple[list[Fact], list[bool], list[dict]]]:
    """Per document: its facts in text order, which the text marks as a total, and their relation checks."""
    return _checked_by_document(tuple(map(tuple, facts_by_document(facts))))


# The facts stage checks a shard's table (`consistency_checks`), then reads its totals (`repatriations_frame`): the
# second reading of the same facts is the first one's result. Pure: a function of the facts alone.
@lru_cache(maxsize=1)
def _checked_by_document(documents: tuple[tuple[Fact, ...], ...]) -> list[tuple[list[Fact], list[bool], list[dict]]]:
    checked = []
    for doc_facts in map(list, documents):
        marks, sentence_index = totals_from_evidence(doc_facts)
        checked.append((doc_facts, marks, relation_checks(doc_facts, marks, sentence_index)))
    return checked


def _stated_totals(checked: list[tuple[list[Fact], list[bool], list[dict]]]) -> set[str]:
    totals: set[str] = set()
    for doc_facts, marks, checks in checked:
        wholes = {check["fact_id"] for check in checks
                  if check["kind"] == "breakdown" and check["observed"] == check["expected"]}
        adding_up = {check["fact_id"] for check in checks if check["kind"] == "total" and check["success"]}
        totals.update(fact.fact_id for fact, is_total in zip(doc_facts, marks)
                      if is_total and fact.parent_fact_id is None
                      and (fact.fact_id not in wholes or fact.fact_id in adding_up))
    return totals


# --- tables ----------------------------------------------------------------------------------------------

def facts_frame(docs: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Facts of every document (docs: doc_id, body, lang, title when known) as a table with FACT_COLUMNS."""
    by_doc = mentions_by_document(entities)
    rows: list[tuple] = []
    columns = docs.reindex(columns=["doc_id", "body", "lang", "title"])
    for doc_id, body, lang, title in zip(*(columns[name].tolist() for name in columns.columns)):
        body = body if isinstance(body, str) else ""
        lang = lang if isinstance(lang, str) else None
        title = title if isinstance(title, str) else None
        try:
            found = extract_facts(doc_id, body, lang, title=title, mentions=by_doc.get(doc_id, ([], [])))
        except Exception:  # one odd document must not sink the batch; the validation stage sees the gap
            log.exception("fact extraction failed for %s", doc_id)
            continue
        rows.extend(map(_FACT_ROW, found))
    log.info("extracted %d facts from %d documents", len(rows), len(docs))
    return _typed(pd.DataFrame(rows, columns=FACT_COLUMNS))


_FACT_ROW = attrgetter(*FACT_COLUMNS)


def fact_schema() -> pa.Schema:
    """Arrow schema of the facts table (for `etl.schemas.register_table`)."""
    types = {"value": pa.int64(), "year_from": pa.int64(), "year_to": pa.int64(), "start": pa.int64(),
             "end": pa.int64(), "planned": pa.bool_(), "in_title": pa.bool_()}
    return pa.schema([(c, types.get(c, pa.string())) for c in FACT_COLUMNS])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({
        "fact_id": "string", "doc_id": "string", "value": "int64", "subject": "string", "qualifier": "string",
        "country": "string", "operation": "string", "year_from": "Int64", "year_to": "Int64",
        "parent_fact_id": "string", "same_as_fact_id": "string", "planned": "bool", "in_title": "bool",
        "consistency": "string", "evidence": "string", "start": "int64", "end": "int64",
        "extractor": "string",
    })


def repatriations_frame(facts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """One row per counted fact about people returned or repatriated, with the document's title, agency, date, lang.

    A people figure is a return when its sentence says so ("were repatriated", "қайтарылды", "баргардонида
    шуданд") and its own predicate does not say where the people are ("43 women are held in prisons, and 75
    children will be returned": 75 only), when it is a part of a return ("of them 31 orphans"), or when it
    restates one. Rows with a parent_fact_id are parts of a breakdown, rows with same_as_fact_id restate an
    earlier row of the same document, rows with is_total sum up other rows ("Всего ... 551", or a figure over several years: "since
    2019", "2019-2024") and planned rows announce a return to
    come: sum `value` over rows where all four are null / false, or people are counted twice.

    year_from / year_to: the year the sentence gives; else, for a done return that is not a total, the year
    of the document's published date (a return reported as just done); parts take their whole's.
    """
    people = facts[facts["subject"].isin(PEOPLE)]
    cued = [has_return_cue(str(evidence)) for evidence in people["evidence"]]
    # people said to be somewhere ("43 women are held in prisons") are no return of their own sentence
    held = {fact.fact_id for doc_facts in facts_by_document(people)
            for fact, is_held in zip(doc_facts, held_in_place(doc_facts)) if is_held}
    returned = {fact for fact, is_return in zip(people["fact_id"], cued) if is_return and fact not in held}
    links = dict(zip(people["fact_id"], zip(people["parent_fact_id"], people["same_as_fact_id"]
                                           if "same_as_fact_id" in people else [None] * len(people))))
    # a list mask, not a Series: an empty object Series would select columns, not rows
    people = people.loc[[_linked_to(fact, returned, links) for fact in people["fact_id"]]]
    checked = _checked_documents(facts)  # once for both: re-reading every evidence sentence is the costly part
    totals = _stated_totals(checked)
    # a figure that a stated total adds up ("460 ... 2022-2024, 10 ... 2024-2025. Всего 551") is one of its returns
    summed = {part for _, _, checks in checked for check in checks if check["kind"] == "total" and check["success"]
              for part in check["part_fact_ids"]}
    over_a_period = [covers_a_period(None if pd.isna(start) else start, None if pd.isna(end) else end)
                     and fact not in summed
                     for fact, start, end in zip(people["fact_id"], people["year_from"], people["year_to"])]
    people = people.assign(is_total=(people["fact_id"].isin(totals)
                                     | (pd.Series(over_a_period, index=people.index, dtype="bool")
                                        & people["parent_fact_id"].isna())).astype("bool"))
    if "planned" not in people:
        people = people.assign(planned=False, same_as_fact_id=pd.NA)
    meta_columns = ["title", "source_agency", "published_date", "lang"]
    meta = documents.reindex(columns=["doc_id", *meta_columns]).drop_duplicates("doc_id")
    meta["doc_id"] = meta["doc_id"].astype("string")
    out = people.astype({"doc_id": "string"}).merge(meta, on="doc_id", how="left")[REPATRIATION_COLUMNS]
    out = out.astype({"title": "string", "source_agency": "string", "lang": "string", "planned": "bool"})
    out["published_date"] = out["published_date"].astype(object).where(out["published_date"].notna(), None)
    out = _year_from_published_date(out)
    return out.reset_index(drop=True)


def _linked_to(fact: str, returned: set[str], links: dict[str, tuple]) -> bool:
    """True when `fact`, its whole, or the first mention it restates (transitively) is a return."""
    seen: set[str] = set()
    while isinstance(fact, str) and fact not in seen:
        if fact in returned:
            return True
        seen.add(fact)
        parent, same_as = links.get(fact, (None, None))
        fact = parent if isinstance(parent, str) else same_as
    return False


def _year_from_published_date(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows with no year of their own take their published date's year when they are a done return and no total;
    parts then take their whole's year."""
    published_year = rows["published_date"].map(lambda day: getattr(day, "year", None))
    takes = rows["year_from"].isna() & rows["year_to"].isna() & ~rows["is_total"] & ~rows["planned"] \
        & rows["parent_fact_id"].isna() & published_year.notna()
    rows = rows.copy()
    rows.loc[takes, "year_from"] = published_year[takes]
    rows.loc[takes, "year_to"] = published_year[takes]
    for _ in range(3):  # a part of a part of a whole
        year_of = dict(zip(rows["fact_id"], zip(rows["year_from"], rows["year_to"])))
        parts = rows["year_from"].isna() & rows["year_to"].isna() & rows["parent_fact_id"].notna()
        inherited = [year_of.get(parent, (pd.NA, pd.NA)) for parent in rows.loc[parts, "parent_fact_id"]]
        rows.loc[parts, "year_from"] = [pair[0] for pair in inherited]
        rows.loc[parts, "year_to"] = [pair[1] for pair in inherited]
    return rows.astype({"year_from": "Int64", "year_to": "Int64"})
