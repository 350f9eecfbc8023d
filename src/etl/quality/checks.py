"""Columns the suites check that the stages do not produce themselves: row keys, offsets, codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

import pandas as pd

from etl.quality.gate import dq_frame

# Columns added only for the gates to check; dropped before publish.
CHECK_COLUMNS = ("row_key", "offset_ok", "country_code", "source_count", "subgroups_within_people", "event_known")
SUBGROUP_COLUMNS = ("women", "children", "men", "orphans")


def with_entity_check_columns(entities: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Entities plus row_key (the quarantine row id), offset_ok and country_code (the ISO check's input)."""
    looks_like_country = (entities["entity_type"] == "LOC") & entities["canonical_id"].str.fullmatch(
        r"[A-Z]{2}").fillna(False).astype(bool)
    entities = entities.assign(
        row_key=entities["doc_id"] + ":" + entities["start"].astype(str) + ":" + entities["end"].astype(str)
        + ":" + entities["entity_type"] + _title_marks(entities),
        country_code=entities["canonical_id"].where(looks_like_country, None))
    return mark_offsets(entities, documents, "text")


def with_fact_check_columns(facts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Facts plus offset_ok (the figure's offsets lie inside its evidence sentence in the body)."""
    return mark_offsets(facts, documents, None)


def with_event_check_columns(events: pd.DataFrame, event_sources: pd.DataFrame) -> pd.DataFrame:
    """Events plus source_count (its event_sources rows) and subgroups_within_people (no subgroup over the total,
    no orphans over the children)."""
    counts = event_sources["event_id"].value_counts() if len(event_sources) else pd.Series(dtype="int64")
    people = events["people"].astype("Float64")
    within = pd.Series(True, index=events.index)
    for column in SUBGROUP_COLUMNS:
        part = events[column].astype("Float64")
        within &= (part.isna() | people.isna() | (part <= people)).fillna(True).astype(bool)
    orphans, children = events["orphans"].astype("Float64"), events["children"].astype("Float64")
    within &= (orphans.isna() | children.isna() | (orphans <= children)).fillna(True).astype(bool)
    return events.assign(source_count=events["event_id"].map(counts).fillna(0).astype("int64"),
                         subgroups_within_people=within.astype(bool))


def with_event_source_check_columns(event_sources: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Event sources plus event_known (the event_id is a row of events) and row_key (event_id:fact_id)."""
    return event_sources.assign(event_known=event_sources["event_id"].isin(set(events["event_id"])).astype(bool),
                                row_key=event_sources["event_id"] + ":" + event_sources["fact_id"].fillna(""))


def _title_marks(rows: pd.DataFrame) -> pd.Series:
    """':title' for rows whose offsets point into the title (in_title), '' otherwise: a headline's mention and a
    body mention at the same offsets are different rows."""
    if "in_title" not in rows.columns:
        return pd.Series("", index=rows.index)
    return rows["in_title"].fillna(False).astype(bool).map({True: ":title", False: ""})


def mark_offsets(rows: pd.DataFrame, documents: pd.DataFrame, expected_column: str | None) -> pd.DataFrame:
    """Add `offset_ok`: body[start:end] (title[start:end] for rows with in_title) is non-empty and equals
    rows[expected_column] (or lies in `evidence` when None).

    The check a suite gates on with severity block; offsets that do not point into the body make every
    downstream join wrong.
    """
    bodies = dict(zip(documents["doc_id"], documents["body"]))
    titles = dict(zip(documents["doc_id"], documents["title"])) if "title" in documents else {}
    marks = []
    for row in rows.itertuples(index=False):
        # a headline's figure or entity points into the title (facts.in_title, entities.in_title)
        in_title = getattr(row, "in_title", False)
        body = titles.get(row.doc_id) if in_title is not pd.NA and bool(in_title) else bodies.get(row.doc_id)
        start, end = int(row.start), int(row.end)
        piece = body[start:end] if isinstance(body, str) and 0 <= start < end <= len(body) else None
        if piece is None:
            marks.append(False)
        elif expected_column is None:
            marks.append(piece in (row.evidence or ""))
        else:
            marks.append(piece == getattr(row, expected_column))
    return rows.assign(offset_ok=pd.Series(marks, index=rows.index, dtype="bool"))


def consistency_dq_rows(checks: Iterable[Mapping]) -> pd.DataFrame:
    """dq_results rows for breakdown/total consistency checks: recorded (severity `record`), never gating or fixing."""
    now = datetime.now(timezone.utc)
    rows = [{
        "run_id": None, "stage": "facts", "suite": "consistency", "expectation": f"{check['kind']}_consistency",
        "severity": "record", "success": bool(check["success"]), "element_count": 1,
        "unexpected_count": 0 if check["success"] else 1,
        "observed": f"doc {str(check.get('doc_id'))[:12]} fact {check.get('fact_id')}: expected {check.get('expected')}, "
                    f"observed {check.get('observed')}",
        "checked_at": now,
    } for check in checks]
    return dq_frame(rows)
