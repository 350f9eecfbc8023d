"""One shard through one stage, with the shard's rows on disk: what a flow task (or a plain loop) runs.

A stage reads its input shard from a staged Parquet file, runs its library function and its gate, writes
the rows that passed to `<staging>/<stage>/<key>.parquet`, and returns a StageOutput: that file, the row
count, the quarantined rows and the gate's dq rows. Only these small outputs travel between tasks and
processes; documents stay on disk, so memory does not grow with the corpus. `key` hashes everything the
output depends on (input keys, suite, code version), so equal keys mean a stored output can be reused.
"""

from __future__ import annotations

import gc
import hashlib
import os
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl import language as _language
from etl.entities import extract as _entities
from etl.entities.extract import entities_frame
from etl.events.build import document_events
from etl.events.stored import event_mention_rows
from etl.facts.extract import consistency_checks, facts_frame, repatriations_frame
from etl.fields.extract import add_fields
from etl.ingest.documents import (
    UNKNOWN_CONTENT_REASONS,
    documents_now,
    ingest_files,
    split_known_and_duplicates,
    superseded_documents,
)
from etl.ingest.files import InputFile, file_version
from etl.language import add_language
from etl.quality.checks import (
    CHECK_COLUMNS,
    consistency_dq_rows,
    with_entity_check_columns,
    with_fact_check_columns,
)
from etl.quality.gate import GateBlocked, run_gate
from etl.quality.suites import SuiteSpec
from etl.quarantine import quarantine_frame
from etl.run.fingerprint import content_key
from etl.schemas import TABLES, to_arrow
from etl.stories import signals_frame
from etl.warehouse.tables import current_snapshot, read_table

DOCUMENT_STAGES = ("language", "fields", "validate")
INDEX_COLUMNS = ["doc_id", "source_path", "content_sha256"]


@dataclass
class StageOutput:
    """One shard after one stage: the staged rows that passed (a Parquet file) and what the gate said.

    The gate's quarantine and dq rows are staged too (`quarantined_path`, `dq_path`) and read when asked for:
    a run keeps one output per shard and stage until publish, and these must stay small for memory not to
    grow with the corpus.
    """

    stage: str
    shard: int
    key: str
    path: str | None
    rows: int
    quarantined_path: str | None = None
    dq_path: str | None = None
    validation_json: dict | None = None
    tables: dict[str, str] = field(default_factory=dict)  # other staged tables of the shard, by table name
    index: pd.DataFrame | None = None  # ingest: doc_id, source_path, content_sha256 of the documents read
    seconds: float = 0.0
    quarantined_count: int = 0
    started_at: float = 0.0  # when the stage began on this shard (epoch seconds): the run's timeline uses it

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The staged rows (all columns, or `columns`); an empty frame when none passed."""
        return read_staged(self.path, columns)

    @property
    def quarantined(self) -> pd.DataFrame:
        """The rows the stage's gate (or ingest) quarantined, with QUARANTINE_COLUMNS."""
        return read_staged(self.quarantined_path) if self.quarantined_path else quarantine_frame([])

    @property
    def dq_results(self) -> pd.DataFrame:
        """One row per expectation of the stage's gate on this shard (empty when the stage had nothing to gate)."""
        return read_staged(self.dq_path) if self.dq_path else pd.DataFrame()


def load_models() -> None:
    """Load the models every stage loads once per process (NER, language ID, gazetteer), now.

    Then everything the process holds so far (libraries, models) is frozen out of the cyclic garbage
    collector (gc.freeze): they live as long as the process, yet each full collection walked their few
    hundred thousand objects, about half a second each, twice per 1,000 documents. In a worker forked
    afterwards the collector also leaves their pages unwritten, so they stay shared with the parent.
    """
    _entities.load_models()
    _language.load_models()
    gc.freeze()


def read_staged(path: str | None, columns: list[str] | None = None) -> pd.DataFrame:
    """A staged shard as a frame; None (nothing staged) reads as an empty frame with `columns`."""
    if path is None:
        return pd.DataFrame(columns=columns or [])
    return pq.read_table(path, columns=columns).to_pandas()


def _nothing(stage: str, shard: int, key: str, clock: float) -> StageOutput:
    """The output of a stage whose input shard has no rows: nothing to run, nothing to gate."""
    seconds = time.perf_counter() - clock
    return StageOutput(stage, shard, key, None, 0, seconds=seconds, started_at=time.time() - seconds)


def write_staged(frame: pd.DataFrame, staging: Path, stage: str, key: str, table: str | None = None) -> str | None:
    """Write `frame` to <staging>/<stage>/<key>.parquet atomically; None (no file) for an empty frame.

    With `table`, the rows are cast to that warehouse table's schema first.
    """
    if frame.empty:
        return None
    folder = staging / stage
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key}.parquet"
    tmp = folder / f".{key}.{uuid.uuid4().hex[:8]}.tmp"
    if table is not None:
        arrow = to_arrow(frame, table)
    else:
        arrow = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pq.write_table(arrow, tmp, compression="zstd")
    os.replace(tmp, path)
    return str(path)


def stage_output(stage: str, shard: int, key: str, staging: Path, result, clock: float, **extra) -> StageOutput:
    """The StageOutput of a gated shard: passed rows, quarantine rows and dq rows staged under `key`."""
    output = StageOutput(stage, shard, key, write_staged(result.passed, staging, stage, key), len(result.passed),
                         quarantined_path=write_staged(result.quarantined, staging, stage, f"{key}.quarantine"),
                         dq_path=write_staged(result.dq_results, staging, stage, f"{key}.dq"),
                         validation_json=_for_data_docs(result, shard), quarantined_count=len(result.quarantined),
                         **extra)
    output.seconds = time.perf_counter() - clock
    output.started_at = time.time() - output.seconds
    return output


def gate(frame: pd.DataFrame, suite: SuiteSpec, quarantined: pd.DataFrame | None = None,
         source_paths: dict | None = None):
    """Run the stage's suite on `frame`; raise GateBlocked on a `block` failure, else return the GateResult."""
    result = run_gate(frame, suite, source_paths)
    if quarantined is not None and len(quarantined):
        result.quarantined = pd.concat([quarantined, result.quarantined], ignore_index=True)
    if result.blocked:
        raise GateBlocked(f"gate {suite.name} blocked: " + "; ".join(result.blocked_by),
                          result.dq_results.to_dict("records"))
    result.passed = result.passed.drop(columns=[c for c in CHECK_COLUMNS if c in result.passed.columns])
    return result


def _for_data_docs(result, shard: int) -> dict | None:
    """The GX validation result to keep for Data Docs: a failing one, or shard 0's (an example of a pass).

    Outputs of every shard stay in the flow's memory until publish; hundreds of passing validations
    would only grow it (Data Docs show failures and one pass per stage, see publish.docs_validations).
    """
    return result.validation_json if not result.success or shard == 0 else None


def ingest_key(files: list[InputFile], max_bytes: int, suite: SuiteSpec) -> str:
    """Ingest depends on the files' bytes: path, inode, size, mtime and ctime stand for them without reading.

    ctime cannot be set back by a program (utime sets mtime only), so an edit that keeps size and mtime still
    changes the key.
    """
    stats = []
    for item in files:
        try:
            stats.append((item.source_path, item.absolute_path, file_version(item.absolute_path), item.problem))
        except OSError:
            stats.append((item.source_path, item.absolute_path, None, item.problem))
    return content_key("ingest", stats, max_bytes, suite.fingerprint)


def unreadable_marker(staging: Path, key: str) -> Path:
    """Present while the ingest output of `key` holds files that could not be read: that output is not reused."""
    return staging / "ingest" / f"{key}.unreadable"


def ingest_shard(files: list[InputFile], max_bytes: int, suite: SuiteSpec, staging: Path,
                 shard: int = 0) -> StageOutput:
    """Read and decode `files`, gate them, stage the documents."""
    clock = time.perf_counter()
    key = ingest_key(files, max_bytes, suite)
    docs, quarantined = ingest_files(files, max_bytes)
    result = gate(docs, suite, quarantined)
    marker = unreadable_marker(staging, key)
    if result.quarantined["reason"].isin(UNKNOWN_CONTENT_REASONS).any():
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    else:
        marker.unlink(missing_ok=True)
    return stage_output("ingest", shard, key, staging, result, clock,
                   index=result.passed[INDEX_COLUMNS].reset_index(drop=True))


def selection_key(source: StageOutput, keep: Iterable[str] | None) -> str:
    """A short hash of which documents (source paths) of `source` a stage keeps (all when `keep` is None)."""
    if keep is None:
        return "all"
    return hashlib.sha256("\x00".join(sorted(keep)).encode()).hexdigest()[:32]


def document_stage_key(stage: str, source: StageOutput, suite: SuiteSpec, keep: Iterable[str] | None = None) -> str:
    return content_key(stage, source.key, selection_key(source, keep), suite.fingerprint)


_DOCUMENT_FUNCTIONS = {"language": add_language, "fields": add_fields, "validate": lambda docs: docs}


def document_stage(stage: str, source: StageOutput, suite: SuiteSpec, staging: Path, shard: int = 0,
                   keep: Iterable[str] | None = None) -> StageOutput:
    """Run a per-document stage (language, fields, validate) on the documents of `source`.

    `keep` (source paths) selects the documents to process; None keeps all.
    """
    clock = time.perf_counter()
    key = document_stage_key(stage, source, suite, keep)
    if source.rows == 0:
        return _nothing(stage, shard, key, clock)
    docs = source.read()
    if keep is not None and len(docs):
        docs = docs[docs["source_path"].isin(set(keep))].reset_index(drop=True)
    result = gate(_DOCUMENT_FUNCTIONS[stage](docs), suite)
    return stage_output(stage, shard, key, staging, result, clock)


def entities_key(documents: StageOutput, suite: SuiteSpec) -> str:
    return content_key("entities", documents.key, suite.fingerprint)


def entities_stage(documents: StageOutput, suite: SuiteSpec, staging: Path, shard: int = 0) -> StageOutput:
    """Find the named entities of the shard's documents and gate them."""
    clock = time.perf_counter()
    key = entities_key(documents, suite)
    if documents.rows == 0:
        return _nothing("entities", shard, key, clock)
    docs = documents.read()
    entities = with_entity_check_columns(entities_frame(docs), docs)
    result = gate(entities, suite, source_paths=dict(zip(docs.get("doc_id", []), docs.get("source_path", []))))
    return stage_output("entities", shard, key, staging, result, clock)


def facts_key(documents: StageOutput, entities: StageOutput, suite: SuiteSpec) -> str:
    return content_key("facts", documents.key, entities.key, suite.fingerprint)


def facts_stage(documents: StageOutput, entities: StageOutput, suite: SuiteSpec, staging: Path,
                shard: int = 0) -> StageOutput:
    """Counted facts of the shard's documents (gated, with consistency checks), its repatriations, event mentions
    and story signals."""
    clock = time.perf_counter()
    key = facts_key(documents, entities, suite)
    if documents.rows == 0:
        return _nothing("facts", shard, key, clock)
    docs, found = documents.read(), entities.read(TABLES["entities"].names if entities.path is None else None)
    facts = with_fact_check_columns(facts_frame(docs, found), docs)
    result = gate(facts, suite, source_paths=dict(zip(docs.get("doc_id", []), docs.get("source_path", []))))
    result.dq_results = pd.concat([result.dq_results, consistency_dq_rows(consistency_checks(result.passed))],
                                  ignore_index=True)
    tables = {}
    if len(result.passed):
        repatriations = repatriations_frame(result.passed, docs)
        tables["repatriations"] = write_staged(repatriations, staging, "repatriations", key)
        # from the rows as they are published (the schemas' types), as a later run would read them
        told = document_events(to_arrow(repatriations, "repatriations").to_pandas(),
                               to_arrow(result.passed, "facts").to_pandas(), docs[["doc_id", "body"]])
        tables["event_mentions"] = write_staged(event_mention_rows(told), staging, "event_mentions", key,
                                                "event_mentions")
    signals = signals_frame(docs, found, result.passed)
    tables["story_signals"] = write_staged(signals, staging, "story_signals", key, "story_signals")
    return stage_output("facts", shard, key, staging, result, clock,
                   tables={name: path for name, path in tables.items() if path})


def results_folder(state_dir: Path) -> Path:
    """Where task results and staged shards live: <state_dir>/results (delete it to recompute everything)."""
    return Path(state_dir).resolve() / "results"


def warehouse_signal_parts(warehouse: Path, staging: Path, batch_size: int = 1000) -> list[str]:
    """The story_signals parts of the current snapshot, plus staged signals for documents that have none.

    Warehouses published before the story_signals table existed get their signals computed here once,
    batch by batch (the next publish stores them).
    """
    import duckdb

    snapshot = current_snapshot(warehouse)
    if snapshot is None:
        return []
    parts = sorted(str(p) for p in (snapshot / "story_signals").glob("*.parquet"))
    doc_parts = sorted(str(p) for p in (snapshot / "documents").glob("*.parquet"))
    if not doc_parts:
        return parts
    with duckdb.connect() as con:
        query = "SELECT doc_id FROM read_parquet(?)"
        if parts:
            query += " EXCEPT SELECT doc_id FROM read_parquet(?)"
        missing = sorted(row[0] for row in con.execute(query, [doc_parts, parts] if parts else [doc_parts]).fetchall())
    for start in range(0, len(missing), batch_size):
        ids = missing[start:start + batch_size]
        docs = read_table(warehouse, "documents", filter_ids=ids)
        signals = signals_frame(docs, read_table(warehouse, "entities", filter_ids=ids),
                                read_table(warehouse, "facts", filter_ids=ids))
        key = content_key("backfill", *ids)
        parts.append(write_staged(signals, staging, "story_signals", key, "story_signals"))
    return [p for p in parts if p]


@dataclass
class IngestPlan:
    """What the ingested shards hold that is new: per ingest shard the source paths to process further."""

    keep: dict[int, list[str]]
    duplicates: StageOutput  # quarantine rows of duplicate files, as a stage output
    skipped_unchanged: int
    superseded: set[str]  # published doc_ids whose file now holds other text (or nothing publishable)
    new: int


def plan_new_documents(ingested: list[StageOutput], warehouse: Path, staging: Path) -> IngestPlan:
    """Compare the ingested documents with the warehouse: new, duplicate, unchanged, and superseded documents.

    A file edited since it was published replaces its old document (and that document's rows).
    """

    known = read_table(warehouse, "documents", ["doc_id", "source_path"])
    index = pd.concat([r.index.assign(shard=r.shard) for r in ingested], ignore_index=True)
    superseded = superseded_documents(known, documents_now([r.quarantined for r in ingested if r.quarantined_path], index))
    new_docs, duplicates, skipped = split_known_and_duplicates(index, dict(zip(known["doc_id"], known["source_path"])))
    keep = {number: sorted(paths) for number, paths in new_docs.groupby("shard")["source_path"]}
    key = content_key("duplicates", duplicates[["source_path", "doc_id", "reason", "detail"]].astype(str).values.tolist())
    staged = write_staged(duplicates, staging, "ingest", f"{key}.duplicates")
    return IngestPlan(keep, StageOutput("ingest", -1, key, None, 0, quarantined_path=staged,
                                        quarantined_count=len(duplicates)),
                      skipped, superseded, len(new_docs))


def staged_tables(entities: Iterable[StageOutput | None], facts: Iterable[StageOutput | None]) -> dict[str, list[str]]:
    """The staged files each extraction table is published from."""
    entities = [o for o in entities if o is not None]
    facts = [o for o in facts if o is not None]
    return {"entities": [o.path for o in entities if o.path], "facts": [o.path for o in facts if o.path],
            "repatriations": [o.tables["repatriations"] for o in facts if "repatriations" in o.tables],
            "event_mentions": [o.tables["event_mentions"] for o in facts if "event_mentions" in o.tables],
            "story_signals": [o.tables["story_signals"] for o in facts if "story_signals" in o.tables]}
