"""Publishing a run: its rows stamped, the conservation check, Data Docs, then one new snapshot."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.quality.data_docs import build_data_docs
from etl.quarantine import file_level_quarantine
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import read_table

log = logging.getLogger(__name__)


DOC_TABLES = ("documents", "entities", "facts", "repatriations", "story_signals")
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


def publish_run(warehouse: Path, run_id: str, results: list, documents: pd.DataFrame | list[str], summary,
                parameters: Mapping, suites: list, started_at, flow_run_id: str | None,
                extra_tables: Mapping[str, pd.DataFrame | list[str]] | None = None,
                replaced_tables: Mapping[str, pd.DataFrame] | None = None,
                provenance: Mapping[str, str] | None = None, superseded: set[str] | None = None,
                published: int | None = None):
    """Stamp the run's rows, check conservation (blocking), build Data Docs and swap in the new snapshot.

    `results` are the outputs of every stage (quarantined rows and dq_results); `documents` and the
    `extra_tables` are frames or lists of staged Parquet files (then `published` is the documents' count).
    Returns `summary` completed with the counts. Raises ConservationError before anything is swapped in.
    """
    import json
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    quarantined = pd.concat([r.quarantined for r in results if r.quarantined_path] or [pd.DataFrame(columns=QUARANTINE_KEY)],
                            ignore_index=True)
    dq_results = pd.concat([r.dq_results for r in results if r.dq_path] or [pd.DataFrame()], ignore_index=True)
    files_quarantined = file_level_quarantine(quarantined) if len(quarantined) else quarantined
    summary.published = len(documents) if isinstance(documents, pd.DataFrame) else int(published or 0)
    # One file-level row per quarantined file: count rows, not paths (two files may escape to one path).
    summary.quarantined = len(files_quarantined)
    summary.quarantined_by_reason = files_quarantined["reason"].value_counts().to_dict() if len(files_quarantined) else {}
    summary.quarantine_rows = (files_quarantined[["source_path", "stage", "reason", "detail"]].head(1000)
                               .astype(object).where(lambda f: f.notna(), None).to_dict("records")
                               if len(files_quarantined) else [])
    if not summary.conserved:
        raise ConservationError(
            f"conservation check failed: {summary.files_seen} files seen != {summary.published} published + "
            f"{summary.quarantined} quarantined + {summary.skipped_unchanged} skipped")

    if isinstance(documents, pd.DataFrame):
        documents = documents.assign(run_id=run_id, ingested_at=now)
    existing_quarantine = read_table(warehouse, "quarantine", QUARANTINE_KEY)
    quarantine_rows = new_quarantine_rows(quarantined, existing_quarantine) if len(quarantined) else quarantined
    if len(quarantine_rows):
        quarantine_rows = quarantine_rows.assign(run_id=run_id, quarantined_at=now)
    dq_rows = dq_results.assign(run_id=run_id, checked_at=now) if len(dq_results) else dq_results
    conservation = {"run_id": run_id, "stage": "publish", "suite": "run", "expectation": "conservation",
                    "severity": "block", "success": True, "element_count": summary.files_seen, "unexpected_count": 0,
                    "observed": f"{summary.files_seen} = {summary.published} + {summary.quarantined} + "
                                f"{summary.skipped_unchanged}", "checked_at": now}
    dq_rows = pd.concat([dq_rows, pd.DataFrame([conservation])], ignore_index=True) if len(dq_rows) else pd.DataFrame([conservation])
    summary.gates = dq_rows.drop(columns=["run_id", "checked_at"]).to_dict("records")
    summary.status = "completed"
    run_row = pd.DataFrame([{
        "run_id": run_id, "flow_run_id": flow_run_id, "started_at": started_at, "finished_at": now,
        "status": "completed", "files_seen": summary.files_seen, "published": summary.published,
        "quarantined": summary.quarantined, "skipped_unchanged": summary.skipped_unchanged,
        "parameters": json.dumps(portable_parameters(parameters), sort_keys=True),
    }])
    appends = {"documents": documents, "quarantine": quarantine_rows, "dq_results": dq_rows, "runs": run_row,
               **(extra_tables or {})}
    replaced_tables = dict(replaced_tables or {})
    if superseded:
        # Rewrite (only) the tables that hold rows of superseded documents: old rows out, new rows in.
        for table in DOC_TABLES:
            existing = read_table(warehouse, table)
            if existing["doc_id"].isin(superseded).any():
                new_rows = appends.pop(table, None)
                if isinstance(new_rows, list):
                    new_rows = _concat_staged(new_rows, {"run_id": run_id, "ingested_at": now}
                                              if table == "documents" else {})
                frames = [existing[~existing["doc_id"].isin(superseded)]]
                if new_rows is not None and len(new_rows):
                    frames.append(new_rows)
                replaced_tables[table] = pd.concat(frames, ignore_index=True)
        log.info("%d documents superseded by edited files", len(superseded))
    validations = docs_validations(results)
    # Built inside the new snapshot's temporary folder, so a crash leaves nothing behind but tmp-*.
    provenance = {"run_id": run_id, **(provenance or {}),
                  "suites_version": _suites_version(suites)}
    publish_snapshot(warehouse, run_id, appends, replaced_tables,
                     build_docs=lambda site: build_data_docs(validations, suites, site, run_id), provenance=provenance,
                     stamps={"documents": {"run_id": run_id, "ingested_at": now}})
    return summary


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
    import hashlib

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
