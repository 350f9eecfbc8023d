"""The events step of a run: events over the whole warehouse (published + this run's rows), gated, staged.

Events can join a new document's figures to a return other documents reported, so, like stories, they are
recomputed over the whole warehouse whenever a run adds or replaces documents: from the `event_mentions` rows
(what each document tells the events, computed with the document by the facts task), not from the texts. They
are a deterministic function of those rows and the stories: a run that changes nothing gives the same rows and
ids, and a new document changes only the events its figures join (every other event keeps its sources, figures
and id; see `etl.events.build`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.events.build import document_events, events_from_documents
from etl.events.mentions import DocumentEvents
from etl.events.stored import EVENT_MENTION_COLUMNS, documents_from_rows, event_mention_rows
from etl.quality.checks import with_event_check_columns, with_event_source_check_columns
from etl.quality.suites import SuiteSpec
from etl.run.fingerprint import content_key
from etl.run.shards import StageOutput, gate, stage_output, write_staged
from etl.warehouse.tables import read_table, scan_table

log = logging.getLogger(__name__)

FACT_COLUMNS = ["fact_id", "doc_id", "evidence", "start", "same_as_fact_id"]
DOCUMENT_COLUMNS = ["doc_id", "body"]


def told_by_documents(warehouse: Path, staged: list[str], superseded: set[str], staging: Path,
                      batch_size: int = 1_000) -> tuple[dict[str, DocumentEvents], str | None]:
    """What every current document tells the events (published `event_mentions` rows but the superseded
    documents', plus this run's staged rows), and the staged file of rows computed here for published
    documents that have none (None when all have rows): a warehouse published before the table existed gets
    them once, from its texts, a batch at a time, and the run publishes them."""
    published = documents_from_rows(scan_table(warehouse, "event_mentions", EVENT_MENTION_COLUMNS), superseded)
    missing = sorted(set(read_table(warehouse, "repatriations", ["doc_id"])["doc_id"].dropna())
                     - published.keys() - superseded)
    computed: dict[str, DocumentEvents] = {}
    for start in range(0, len(missing), batch_size):
        ids = missing[start:start + batch_size]
        computed.update(document_events(read_table(warehouse, "repatriations", filter_ids=ids),
                                        read_table(warehouse, "facts", FACT_COLUMNS, filter_ids=ids),
                                        read_table(warehouse, "documents", DOCUMENT_COLUMNS, filter_ids=ids)))
    backfilled = None
    if missing:
        log.info("event mentions computed from the texts of %d published documents that had none", len(missing))
        backfilled = write_staged(event_mention_rows(computed), staging, "event_mentions",
                                  content_key("backfill-events", *missing), "event_mentions")
    told = {**published, **computed}
    told.update(documents_from_rows(pq.read_table(path, columns=EVENT_MENTION_COLUMNS) for path in staged))
    return told, backfilled


def events_step(warehouse: Path, staged: dict[str, list[str]], stories: pd.DataFrame, superseded: set[str],
                suites: dict[str, SuiteSpec], staging: Path) -> list[StageOutput]:
    """Build, gate (suites `events` and `event_sources`) and stage the events tables; GateBlocked on a block.

    Returns the two stage outputs (events, event_sources): their `path` holds the rows that passed; the events
    output's `tables["event_mentions"]`, when there, the rows to publish for documents that had none.
    """
    clock = time.perf_counter()
    told, backfilled = told_by_documents(warehouse, staged.get("event_mentions", []), superseded, staging)
    events, event_sources = events_from_documents(told, stories)
    del told
    key = content_key("events", pd.util.hash_pandas_object(events.astype(str), index=False).sum(),
                      pd.util.hash_pandas_object(event_sources, index=False).sum())
    outputs = []
    checked = {"events": with_event_check_columns(events, event_sources),
               "event_sources": with_event_source_check_columns(event_sources, events)}
    for stage, frame in checked.items():
        result = gate(frame, suites[stage])
        tables = {"event_mentions": backfilled} if stage == "events" and backfilled else {}
        outputs.append(stage_output(stage, 0, key, staging, result, clock, tables=tables))
    return outputs
