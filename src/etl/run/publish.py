"""Publishing a run: its rows stamped, the conservation check, Data Docs, then one new snapshot."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.quality.data_docs import build_data_docs
from etl.quarantine import file_level_quarantine
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import read_table

log = logging.getLogger(__name__)


DOC_TABLES = ("documents", "entities", "facts", "repatriations", "event_mentions", "story_signals")
# One quarantine row per file (or derived row) and reason: re-runs see the same key and add nothing.
QUARANTINE_KEY = ["source_path", "doc_id", "stage", "reason", "raw_sha256", "detail"]


def new_quarantine_rows(candidates: pd.DataFrame, existing: pd.DataFrame) -> pd.DataFrame:
    """Rows of `candidates` not already in `existing` (same file, stage, reason and bytes): re-runs add nothing."""
    if candidates.empty:
        return candidates
    candidates = candidates.drop_duplicates(subset=QUARANTINE_KEY)
    if existing.empty:
        return candidates.reset_index(drop=True)
    seen = set(existing[QUARANTINE_KEY].astype(object).where(existing[QUARANTINE_KEY].notna(), None)
               .itertuples(index=False, name=None))
    keys = candidates[QUARANTINE_KEY].astype(object).where(candidates[QUARANTINE_KEY].notna(), None)
    fresh = [key not in seen for key in keys.itertuples(index=False, name=None)]
    return candidates[fresh].reset_index(drop=True)


@dataclass(frozen=True)
class RunPublication:
    """Everything one run publishes, and the counts its conservation check needs."""

    warehouse: Path
    run_id: str
    flow_run_id: str | None
    started_at: datetime
    parameters: Mapping[str, object]  # the run's parameters (RunParameters.as_dict()), stored in `runs`
    suites: list  # the SuiteSpecs the rows passed
    results: list  # every stage's StageOutput: quarantined rows, dq rows, validations for Data Docs
    documents: pd.DataFrame | list[str]  # a frame, or staged Parquet files (then `published` counts them)
    files_seen: int
    skipped_unchanged: int
    published: int | None = None
    extra_tables: Mapping[str, pd.DataFrame | list[str]] = field(default_factory=dict)
    replaced_tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    provenance: Mapping[str, str] = field(default_factory=dict)
    superseded: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PublishedCounts:
    """What a publication counted: documents, files quarantined (by reason, first rows) and every gate result."""

    published: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    quarantine_rows: list[dict]  # file-level quarantine of this run (at most 1,000 rows)
    gates: list[dict]  # the run's dq rows, the conservation check included


def publish_run(publication: RunPublication) -> PublishedCounts:
    """Stamp the run's rows, check conservation (blocking), build Data Docs and swap in the new snapshot.

    Raises ConservationError before anything is swapped in when files seen != published + quarantined +
    skipped as unchanged.
    """
    run = publication
    now = datetime.now(timezone.utc)
    quarantined = pd.concat([r.quarantined for r in run.results if r.quarantined_path]
                            or [pd.DataFrame(columns=QUARANTINE_KEY)], ignore_index=True)
    # The shard goes with each result to the run's summary (its artifact lists failing shards), not to dq_results.
    dq_results = pd.concat([r.dq_results.assign(shard=r.shard) for r in run.results if r.dq_path] or [pd.DataFrame()],
                           ignore_index=True)
    files_quarantined = file_level_quarantine(quarantined) if len(quarantined) else quarantined
    documents = run.documents
    published = len(documents) if isinstance(documents, pd.DataFrame) else int(run.published or 0)
    # One file-level row per quarantined file: count rows, not paths (two files may escape to one path).
    quarantined_files = len(files_quarantined)
    counts = PublishedCounts(
        published=published, quarantined=quarantined_files,
        quarantined_by_reason=(files_quarantined["reason"].value_counts().to_dict() if quarantined_files else {}),
        quarantine_rows=(files_quarantined[["source_path", "stage", "reason", "detail"]].head(1000).astype(object)
                         .where(lambda f: f.notna(), None).to_dict("records") if quarantined_files else []),
        gates=[])
    if run.files_seen != published + quarantined_files + run.skipped_unchanged:
        raise ConservationError(
            f"conservation check failed: {run.files_seen} files seen != {published} published + "
            f"{quarantined_files} quarantined + {run.skipped_unchanged} skipped", counts)

    if isinstance(documents, pd.DataFrame):
        documents = documents.assign(run_id=run.run_id, ingested_at=now)
    existing_quarantine = read_table(run.warehouse, "quarantine", QUARANTINE_KEY)
    quarantine_rows = new_quarantine_rows(quarantined, existing_quarantine) if len(quarantined) else quarantined
    if len(quarantine_rows):
        quarantine_rows = quarantine_rows.assign(run_id=run.run_id, quarantined_at=now)
    dq_rows = dq_results.assign(run_id=run.run_id, checked_at=now) if len(dq_results) else dq_results
    conservation = {"run_id": run.run_id, "stage": "publish", "suite": "run", "expectation": "conservation",
                    "severity": "block", "success": True, "element_count": run.files_seen, "unexpected_count": 0,
                    "observed": f"{run.files_seen} = {published} + {quarantined_files} + {run.skipped_unchanged}",
                    "checked_at": now}
    dq_rows = (pd.concat([dq_rows, pd.DataFrame([conservation])], ignore_index=True) if len(dq_rows)
               else pd.DataFrame([conservation]))
    run_row = pd.DataFrame([{
        "run_id": run.run_id, "flow_run_id": run.flow_run_id, "started_at": run.started_at, "finished_at": now,
        "status": "completed", "files_seen": run.files_seen, "published": published,
        "quarantined": quarantined_files, "skipped_unchanged": run.skipped_unchanged,
        "parameters": json.dumps(portable_parameters(run.parameters), sort_keys=True),
    }])
    appends = {"documents": documents, "quarantine": quarantine_rows,
               "dq_results": dq_rows.drop(columns=["shard"], errors="ignore"), "runs": run_row,
               **run.extra_tables}
    replaced_tables = dict(run.replaced_tables)
    if run.superseded:
        _replace_superseded(run, appends, replaced_tables, now)
    validations = docs_validations(run.results)
    provenance = {"run_id": run.run_id, **run.provenance, "suites_version": _suites_version(run.suites)}
    # Data Docs are built inside the new snapshot's temporary folder, so a crash leaves nothing but tmp-*.
    publish_snapshot(run.warehouse, run.run_id, appends, replaced_tables,
                     build_docs=lambda site: build_data_docs(validations, run.suites, site, run.run_id),
                     provenance=provenance, stamps={"documents": {"run_id": run.run_id, "ingested_at": now}})
    return replace(counts, gates=dq_rows.drop(columns=["run_id", "checked_at"]).to_dict("records"))


def _replace_superseded(run: RunPublication, appends: dict, replaced_tables: dict, now: datetime) -> None:
    """Rewrite (only) the tables that hold rows of superseded documents: old rows out, new rows in."""
    for table in DOC_TABLES:
        existing = read_table(run.warehouse, table)
        if existing["doc_id"].isin(run.superseded).any():
            new_rows = appends.pop(table, None)
            if isinstance(new_rows, list):
                new_rows = _concat_staged(new_rows, {"run_id": run.run_id, "ingested_at": now}
                                          if table == "documents" else {})
            frames = [existing[~existing["doc_id"].isin(run.superseded)]]
            if new_rows is not None and len(new_rows):
                frames.append(new_rows)
            replaced_tables[table] = pd.concat(frames, ignore_index=True)
    log.info("%d documents superseded by edited files", len(run.superseded))


DOCS_PASSING_PER_STAGE = 1


def docs_validations(results: list) -> list[tuple[str, dict]]:
    """The validations Data Docs show: every one with a failed expectation, and the first passing one per stage.

    A run over a large archive validates hundreds of shards per stage; pages for all of them would make the
    publish step slow and the site unreadable, while dq_results keeps one row per expectation and shard.
    """
    chosen, passing = [], {}
    for r in results:
        if not r.validation_json or not r.dq_path:
            continue
        stage = str(r.dq_results["stage"].iloc[0])
        name = f"{stage}-shard{getattr(r, 'shard', len(chosen))}"
        if not r.validation_json.get("success", True):
            chosen.append((name, r.validation_json))
        elif passing.get(stage, 0) < DOCS_PASSING_PER_STAGE:
            passing[stage] = passing.get(stage, 0) + 1
            chosen.append((name, r.validation_json))
    return chosen


def _concat_staged(paths: list[str], stamp: Mapping[str, object]) -> pd.DataFrame:
    frames = [pq.read_table(p).to_pandas() for p in paths]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True).assign(**stamp) if frames else pd.DataFrame()


def _suites_version(suites: list) -> str:
    """A short hash of the suites' content: which gates the rows passed."""
    digest = hashlib.sha256()
    for suite in sorted(suites, key=lambda s: s.name):
        digest.update(suite.fingerprint.encode())
    return digest.hexdigest()[:16]


def portable_parameters(parameters: Mapping, base: Path | None = None) -> dict:
    """Run parameters for a table: folders relative to `base` (the working directory) or just their name.

    The warehouse is shared with analysts; it must not reveal the machine's absolute paths.
    """
    base = (base or Path.cwd()).resolve()
    out = {}
    for key, value in parameters.items():
        if key.endswith("_dir") and isinstance(value, str) and value:
            path = Path(value).resolve()
            out[key] = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
        else:
            out[key] = value
    return out


class ConservationError(RuntimeError):
    """Files seen != published + quarantined + skipped: something would be lost; nothing is published."""

    def __init__(self, message: str, counts: PublishedCounts) -> None:
        super().__init__(message)
        self.counts = counts
