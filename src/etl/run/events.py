"""The events step of a run: events over the whole warehouse (published + this run's rows), gated, staged.

Events can join a new document's figures to a return other documents reported, so, like stories, they are
recomputed from the published `repatriations` and `facts` rows (not the texts) whenever a run adds or replaces
documents. They are a deterministic function of those rows: a run that changes nothing gives the same rows and
ids, and a new document changes only the events its figures join (every other event keeps its sources, figures
and id; see `etl.events.build`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Collection, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from etl.events.build import build_events
from etl.events.mentions import Bodies
from etl.quality.checks import with_event_check_columns, with_event_source_check_columns
from etl.quality.suites import SuiteSpec
from etl.run.fingerprint import content_key
from etl.run.shards import StageOutput, gate, stage_output
from etl.warehouse.tables import read_table, scan_table

FACT_COLUMNS = ["fact_id", "doc_id", "evidence", "start", "same_as_fact_id"]
DOCUMENT_COLUMNS = ["doc_id", "body"]


def _staged(paths: list[str], columns: list[str] | None = None, doc_ids: Collection[str] | None = None
            ) -> pd.DataFrame:
    """The staged files' rows (of `doc_ids` only when given: filtered file by file, before pandas sees them)."""
    wanted = pa.array(sorted(doc_ids), pa.string()) if doc_ids is not None else None
    frames = []
    for path in paths:
        available = pq.read_schema(path).names
        table = pq.read_table(path, columns=[c for c in columns if c in available] if columns else None)
        if wanted is not None:
            table = table.filter(pc.is_in(table["doc_id"], value_set=wanted))
        frames.append(table.to_pandas())
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns or [])


def event_inputs(warehouse: Path, staged: dict[str, list[str]], documents: list[str],
                 superseded: set[str]) -> tuple[pd.DataFrame, pd.DataFrame, Bodies]:
    """(repatriations, facts, bodies) the events are built from: the published rows of documents still current
    plus this run's staged rows; facts only of documents with a repatriations row, and `bodies` reads the texts
    of the documents it is asked for (published, then staged) a batch at a time, never all at once."""
    published = read_table(warehouse, "repatriations")
    repatriations = _concat(published[~published["doc_id"].isin(superseded)],
                            _staged(staged.get("repatriations", [])))
    del published
    ids = sorted(set(repatriations["doc_id"]))
    facts = _concat(read_table(warehouse, "facts", FACT_COLUMNS, filter_ids=ids),
                    _staged(staged.get("facts", []), FACT_COLUMNS, ids))

    def bodies(doc_ids: Collection[str]) -> Iterator[tuple[str, object]]:
        wanted = pa.array(sorted(doc_ids), pa.string())
        batches = scan_table(warehouse, "documents", DOCUMENT_COLUMNS, filter_ids=wanted.to_pylist())
        for path in documents:
            batches = itertools.chain(batches, _staged_batches(path, wanted))
        for batch in batches:
            yield from zip(batch.column("doc_id").to_pylist(), batch.column("body").to_pylist())

    return repatriations, facts, bodies


def _staged_batches(path: str, wanted: pa.Array, batch_rows: int = 1_000) -> Iterator[pa.RecordBatch]:
    """A staged documents file's (doc_id, body) rows of the doc_ids `wanted`, in batches."""
    for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows, columns=DOCUMENT_COLUMNS):
        batch = batch.filter(pc.is_in(batch.column("doc_id"), value_set=wanted))
        if batch.num_rows:
            yield batch


def _concat(published: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([published, new], ignore_index=True) if len(new) else published


def events_step(warehouse: Path, staged: dict[str, list[str]], documents: list[str], stories: pd.DataFrame,
                superseded: set[str], suites: dict[str, SuiteSpec], staging: Path) -> list[StageOutput]:
    """Build, gate (suites `events` and `event_sources`) and stage the events tables; GateBlocked on a block.

    Returns the two stage outputs (events, event_sources): their `path` holds the rows that passed.
    """
    clock = time.perf_counter()
    repatriations, facts, bodies = event_inputs(warehouse, staged, documents, superseded)
    events, event_sources = build_events(repatriations, facts, stories, bodies)
    del repatriations, facts
    key = content_key("events", pd.util.hash_pandas_object(events.astype(str), index=False).sum(),
                      pd.util.hash_pandas_object(event_sources, index=False).sum())
    outputs = []
    checked = {"events": with_event_check_columns(events, event_sources),
               "event_sources": with_event_source_check_columns(event_sources, events)}
    for stage, frame in checked.items():
        result = gate(frame, suites[stage])
        outputs.append(stage_output(stage, 0, key, staging, result, clock))
    return outputs
