"""Repairing a damaged warehouse (`etl repair`, `etl run --repair`): out with what cannot be trusted, then a re-run.

The design, the simplest that is correct: unchanged parts are hard links shared by every snapshot, so an older
snapshot usually holds the same damaged bytes and cannot be the source. Instead, the repair publishes a new
snapshot without the damaged parts and without every row of the documents whose rows may have been in them,
in every document table; the run that follows (same parameters) finds those documents new in the input and
publishes them again (their shards' task results are reused when kept in the state folder). Nothing is
appended next to rows still there, so nothing is duplicated.

Tables a run computes over the whole warehouse (stories, events, ...: neither per document nor run history)
are not rebuilt by documents: the repaired snapshot keeps their readable rows and asks the next run to compute
them again (manifest `recompute`), which that run does even when it publishes nothing new.

Which documents: a damaged `documents` part loses the documents that other tables still name; a damaged part
of another document table loses rows of documents that table no longer names. Such a document is dropped
(and re-published) only when its file is in the run's input; otherwise it is kept as it is and counted, since
dropping it would lose it for good. Rows of the run-history tables (quarantine, dq_results, runs) in a damaged
part cannot be rebuilt from the input: they are lost and counted (the re-run quarantines its files again).
A table whose parts were written under another schema is rewritten under the code's schema (a migration).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.run.publish import DOC_TABLES
from etl.schemas import TABLES, to_arrow
from etl.warehouse.manifest import Damage, read_manifest, schema_drift, verify_snapshot
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import current_snapshot

log = logging.getLogger(__name__)

# Tables that record runs, not documents: nothing in the input can rebuild their rows.
HISTORY_TABLES = frozenset({"quarantine", "dq_results", "runs"})


@dataclass
class RepairReport:
    """What a repair found and did."""

    damaged: list[Damage] = field(default_factory=list)
    migrated: dict[str, str] = field(default_factory=dict)  # table -> what changed in its schema
    dropped_documents: int = 0  # documents taken out, to be published again from the input
    kept_documents: int = 0  # documents whose rows may be incomplete but whose file is not in the input
    lost_rows: dict[str, int] = field(default_factory=dict)  # rows of damaged history parts, by table
    snapshot: str | None = None  # the snapshot the repair published

    def lines(self) -> list[str]:
        if not self.damaged and not self.migrated:
            return ["repair: every part matches the manifest and the code's schemas; nothing to repair"]
        lines = [f"repair: damaged {d}" for d in self.damaged]
        lines += [f"repair: table {t} rewritten under the code's schema ({change})" for t, change in self.migrated.items()]
        lines.append(f"repair: published snapshot {self.snapshot} without the damaged parts: {self.dropped_documents} "
                     f"documents taken out to be published again from the input")
        if self.kept_documents:
            lines.append(f"repair: {self.kept_documents} documents whose rows may have been in a damaged part are not "
                         f"in the input and were kept as they are")
        lines += [f"repair: {rows} rows of {table} were in damaged parts and are lost" for table, rows in
                  sorted(self.lost_rows.items())]
        return lines


def document_tables() -> list[str]:
    """Every table a run appends rows to per document (publish.DOC_TABLES): rebuilt from the input."""
    return sorted(t for t in DOC_TABLES if t in TABLES)


def recomputed_tables() -> list[str]:
    """Every other table but the run history: computed again over the whole warehouse by a run."""
    return sorted(set(TABLES) - set(DOC_TABLES) - HISTORY_TABLES)


def repair_warehouse(warehouse: Path, input_paths: set[str], run_id: str) -> RepairReport:
    """Check every part of the current snapshot (checksums) and the schemas; publish a repaired snapshot if needed.

    `input_paths` are the source paths of the files the following run will read (documents.source_path).
    """
    report = RepairReport()
    snapshot = current_snapshot(warehouse)
    if snapshot is None:
        return report
    report.damaged = verify_snapshot(snapshot, full=True)
    report.migrated = schema_drift(snapshot, TABLES)
    if not report.damaged and not report.migrated:
        return report
    bad_parts = {d.part for d in report.damaged}
    damaged_tables = {d.table for d in report.damaged}
    frames = {table: _readable_rows(snapshot, table, bad_parts) for table in TABLES}
    doc_tables = [t for t in document_tables() if t in frames]
    named = {t: set(frames[t]["doc_id"].dropna()) for t in doc_tables}
    documents = frames.get("documents", pd.DataFrame(columns=["doc_id", "source_path"]))
    suspect: set[str] = set()
    for table in damaged_tables & set(doc_tables):
        if table == "documents":  # the text is gone: other tables' rows of these documents are orphans
            suspect |= set().union(*(named[t] for t in doc_tables if t != "documents")) - named["documents"]
        else:
            suspect |= named.get("documents", set()) - named[table]
    in_input = set(documents.loc[documents["source_path"].isin(input_paths), "doc_id"])
    drop = {doc for doc in suspect if doc in in_input or doc not in named.get("documents", set())}
    report.kept_documents = len(suspect - drop)
    report.dropped_documents = len(drop)
    manifest = read_manifest(snapshot) or {"parts": {}}
    for damage in report.damaged:
        if damage.table in HISTORY_TABLES:
            rows = manifest["parts"].get(damage.part, {}).get("rows", 0)
            report.lost_rows[damage.table] = report.lost_rows.get(damage.table, 0) + rows
    replacements = {}
    for table, frame in frames.items():
        touched = table in doc_tables and frame["doc_id"].isin(drop).any()
        if touched or table in damaged_tables or table in report.migrated:
            replacements[table] = frame[~frame["doc_id"].isin(drop)] if table in doc_tables else frame
    report.snapshot = publish_snapshot(warehouse, run_id, {}, replacements, recompute=recomputed_tables()).name
    log.info("repaired warehouse: %s", "; ".join(report.lines()))
    return report


def _readable_rows(snapshot: Path, table: str, bad_parts: set[str]) -> pd.DataFrame:
    """The rows of the table's parts that are not damaged, cast to the code's schema."""
    frames = [pq.read_table(part).to_pandas() for part in sorted((snapshot / table).glob("*.parquet"))
              if f"{table}/{part.name}" not in bad_parts]
    frames = [f for f in frames if len(f)]
    rows = pd.concat(frames, ignore_index=True) if frames else TABLES[table].empty_table().to_pandas()
    return to_arrow(rows, table).to_pandas()
