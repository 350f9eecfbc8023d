"""The events step of a run: events over the whole warehouse (published + this run's rows), gated, staged.

Events can join a new document's figures to a return other documents reported, so, like stories, they are
recomputed from the published `repatriations` and `facts` rows (not the texts) whenever a run adds or replaces
documents. They are a deterministic function of those rows: a run that changes nothing gives the same rows and
ids, and a new document changes only the events its figures join (every other event keeps its sources, figures
and id; see `etl.events.build`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.events.build import build_events
from etl.quality.checks import with_event_check_columns, with_event_source_check_columns
from etl.quality.suites import SuiteSpec
from etl.run.fingerprint import content_key
from etl.run.shards import StageOutput, gate, stage_output
from etl.warehouse.tables import read_table

FACT_COLUMNS = ["fact_id", "doc_id", "evidence", "start", "same_as_fact_id"]
DOCUMENT_COLUMNS = ["doc_id", "body"]


def _staged(paths: list[str], columns: list[str] | None = None) -> pd.DataFrame:
    frames = []
    for path in paths:
        available = pq.read_schema(path).names
        frames.append(pq.read_table(path, columns=[c for c in columns if c in available] if columns else None)
                      .to_pandas())
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns or [])


def event_inputs(warehouse: Path, staged: dict[str, list[str]], documents: list[str],
                 superseded: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(repatriations, facts, documents) the events are built from: the published rows of documents still
    current plus this run's staged rows; facts and documents only of documents with a repatriations row."""
    published = read_table(warehouse, "repatriations")
    repatriations = _concat(published[~published["doc_id"].isin(superseded)],
                            _staged(staged.get("repatriations", [])))
    ids = sorted(set(repatriations["doc_id"]))
    facts = _concat(read_table(warehouse, "facts", FACT_COLUMNS, filter_ids=ids),
                    _staged(staged.get("facts", []), FACT_COLUMNS))
    docs = _concat(read_table(warehouse, "documents", DOCUMENT_COLUMNS, filter_ids=ids),
                   _staged(documents, DOCUMENT_COLUMNS))
    return repatriations, facts[facts["doc_id"].isin(ids)], docs[docs["doc_id"].isin(ids)]


def _concat(published: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([published, new], ignore_index=True) if len(new) else published


def events_step(warehouse: Path, staged: dict[str, list[str]], documents: list[str], stories: pd.DataFrame,
                superseded: set[str], suites: dict[str, SuiteSpec], staging: Path) -> list[StageOutput]:
    """Build, gate (suites `events` and `event_sources`) and stage the events tables; GateBlocked on a block.

    Returns the two stage outputs (events, event_sources): their `path` holds the rows that passed.
    """
    clock = time.perf_counter()
    repatriations, facts, docs = event_inputs(warehouse, staged, documents, superseded)
    events, event_sources = build_events(repatriations, facts, stories, docs)
    key = content_key("events", pd.util.hash_pandas_object(events.astype(str), index=False).sum(),
                      pd.util.hash_pandas_object(event_sources, index=False).sum())
    outputs = []
    checked = {"events": with_event_check_columns(events, event_sources),
               "event_sources": with_event_source_check_columns(event_sources, events)}
    for stage, frame in checked.items():
        result = gate(frame, suites[stage])
        outputs.append(stage_output(stage, 0, key, staging, result, clock))
    return outputs
