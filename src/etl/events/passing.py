"""Passing mentions of a done return that give no count, and the year they give an undated event.

"The Zhusan operation, launched in January of this year" in a report dated May 2019 mentions a return of
Zhusan in January 2019 without a figure. When an event of kind 'return' states no year, and other documents
dated year Y mention its home country and operation (and its month, when both state one) as done, without a
figure or with one of the event's figures, and Y is the only such year, the event is of year Y.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from etl.entities.extract import named_operations
from etl.events.lexicon import DONE_RE, NOT_A_RETURN_RE, PLANNED_RE
from etl.events.mentions import first_date, operation_name, stated_stage
from etl.facts.lexicon import has_return_cue
from etl.facts.reading import sentence_spans

PASSING_COLUMNS = ["doc_id", "country", "operation", "stage", "month", "year", "figures"]


@dataclass
class PassingInput:
    """What the passing mentions of each document are read with, from the repatriations rows (with evidence).

    A passing mention is a sentence of a dated document telling a done return of a (country, operation) its
    repatriations rows name; `year` is the year the sentence states, else the document's published year;
    `figures` the repatriations figures of the sentence."""

    operations: dict[str, list[tuple[str, str]]]  # doc_id -> its (country, operation) pairs, sorted
    published: dict[str, object]  # doc_id -> published date
    figures: dict[tuple[str, str], set[int]]  # (doc_id, evidence) -> the figures of that sentence

    @classmethod
    def of(cls, repatriations: pd.DataFrame) -> PassingInput:
        """From the repatriations rows of any documents: pairs of the dated ones that name a country (a passing
        mention gives no year to a return of no country) and an operation."""
        if repatriations is None or not len(repatriations) or "evidence" not in repatriations.columns:
            return cls({}, {}, {})
        rows = repatriations[repatriations["published_date"].notna()]
        pairs = {
            (doc_id, country, operation)
            for doc_id, country, operation in zip(rows["doc_id"], rows["country"],
                                                  rows["operation"].map(operation_name))
            if isinstance(country, str) and isinstance(operation, str)
        }
        figures: dict[tuple[str, str], set[int]] = {}
        for doc_id, evidence, value in zip(repatriations["doc_id"], repatriations["evidence"],
                                           repatriations["value"]):
            figures.setdefault((doc_id, str(evidence)), set()).add(int(value))
        operations: dict[str, list[tuple[str, str]]] = {}
        for doc_id, country, operation in sorted(pairs):
            operations.setdefault(doc_id, []).append((country, operation))
        return cls(operations, dict(zip(rows["doc_id"], rows["published_date"])), figures)

    def document_rows(self, doc_id: str, body: object) -> list[dict]:
        """The document's passing mentions (PASSING_COLUMNS), pair by pair in sorted order."""
        if doc_id not in self.operations:
            return []
        return _document_passing(doc_id, body, self.operations[doc_id], self.published[doc_id], self.figures)


def _document_passing(doc_id: str, body: object, operations: list[tuple[str, str]], published: object,
                      figures: dict[tuple[str, str], set[int]]) -> list[dict]:
    """The passing mentions of one document's (country, operation) pairs, pair by pair in sorted order."""
    if not isinstance(body, str):
        return []
    # the body is split, and each sentence telling a done return read for operations, once for all the pairs
    telling = [(sentence, named_operations(sentence)) for sentence in (body[start:end] for start, end
                                                                       in sentence_spans(body))
               if _tells_a_done_return(sentence)]
    out = []
    for country, operation in operations:
        for sentence, named in telling:
            if operation not in named:
                continue
            month, _, year = first_date(sentence)
            out.append(
                {
                    "doc_id": doc_id,
                    "country": country,
                    "operation": operation,
                    "stage": stated_stage(sentence, operation),
                    "month": month,
                    "year": year if year is not None else pd.Timestamp(published).year,
                    "figures": tuple(sorted(figures.get((doc_id, sentence), ()))),
                }
            )
    return out


def year_from_passing(
    country: str | None,
    operation: str | None,
    stage: str | None,
    month: int | None,
    people: set[int],
    doc_ids: set[str],
    passing: pd.DataFrame | list,
) -> int | None:
    """The one year that other documents' passing mentions give an undated return (module docstring), else None.

    `passing`: the passing mentions, or a list of their rows (`itertuples`), e.g. those of this country and
    operation only (`passing_by_operation`: one pass over them for all the events of a run)."""
    if country is None or operation is None or not len(passing):
        return None
    years = {
        int(row.year)
        for row in (passing.itertuples(index=False) if isinstance(passing, pd.DataFrame) else passing)
        if row.country == country
        and row.operation == operation
        and row.doc_id not in doc_ids
        and (row.month is None or pd.isna(row.month) or month is None or int(row.month) == month)
        and (not isinstance(row.stage, str) or stage is None or row.stage == stage)
        and (not row.figures or bool(people & set(row.figures)))
    }
    return years.pop() if len(years) == 1 else None


def passing_by_operation(passing: pd.DataFrame) -> dict[tuple, list]:
    """The passing mentions' rows (`itertuples`) by (country, operation)."""
    rows: dict[tuple, list] = {}
    for row in passing.itertuples(index=False):
        rows.setdefault((row.country, row.operation), []).append(row)
    return rows


def _tells_a_done_return(sentence: str) -> bool:
    return (
        (has_return_cue(sentence) or bool(DONE_RE.search(sentence)))
        and not PLANNED_RE.search(sentence)
        and not NOT_A_RETURN_RE.search(sentence)
    )
