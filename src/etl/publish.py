"""Publish stage: the only writer of the warehouse.

Layout: every table is a folder of Parquet parts. `warehouse/<table>` is a symbolic link to
`.current/<table>`, and `.current` links to one complete snapshot under `.snapshots/`. A run builds a
new snapshot in a temporary folder (hard links to the unchanged parts, new parts for new rows), then
swaps `.current` by rename, which is atomic: readers see the previous snapshot or the new one, never a mix,
whatever moment the process dies at.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from etl.schemas import SCHEMA_VERSION, TABLES

log = logging.getLogger(__name__)

SNAPSHOTS = ".snapshots"
CURRENT = ".current"
DQ_DOCS = "_dq_docs"
README = "README.md"
_KEEP_SNAPSHOTS = 2


def current_snapshot(warehouse: Path) -> Path | None:
    """The folder of the snapshot readers see now, or None for an empty warehouse."""
    link = warehouse / CURRENT
    if not link.is_symlink():
        return None
    target = warehouse / os.readlink(link)
    return target if target.is_dir() else None


def read_table(warehouse: Path, table: str, columns: list[str] | None = None,
               filter_ids: list[str] | None = None) -> pd.DataFrame:
    """Read one table of the current snapshot (only the rows of `filter_ids` doc_ids when given).

    An empty frame with the table's columns when it has no rows.
    """
    snapshot = current_snapshot(warehouse)
    schema = TABLES.get(table)
    folder = snapshot / table if snapshot else None
    parts = sorted(folder.glob("*.parquet")) if folder and folder.is_dir() else []
    if not parts:
        if schema is None:
            return pd.DataFrame(columns=columns or [])
        empty = schema.empty_table()
        return empty.select(columns).to_pandas() if columns else empty.to_pandas()
    dataset = pads.dataset([str(p) for p in parts], format="parquet", schema=schema)
    expression = pads.field("doc_id").isin(filter_ids) if filter_ids is not None else None
    return dataset.to_table(columns=columns, filter=expression).to_pandas()


def to_arrow(frame: pd.DataFrame, table: str, provenance: Mapping[str, str] | None = None) -> pa.Table:
    """Cast `frame` to the table's schema (columns in schema order; missing nullable columns become null).

    The Parquet metadata carries the schema version and `provenance` (code and suite versions) as etl.* keys.
    """
    schema = TABLES[table]
    data = {}
    for field in schema:
        if field.name in frame.columns:
            data[field.name] = _column(frame[field.name], field.type)
        else:
            data[field.name] = pa.nulls(len(frame), type=field.type)
    arrow = pa.table(data, schema=schema)
    metadata = {b"etl.schema_version": SCHEMA_VERSION.encode(), b"etl.table": table.encode(),
                **{f"etl.{key}".encode(): str(value).encode() for key, value in (provenance or {}).items()}}
    return arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **metadata})


def _column(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """`values` as an Arrow array of `arrow_type`; missing values (None, NaN, NaT, NA) become null."""
    converted = _same_kind_column(values, arrow_type)
    if converted is not None:
        return converted
    return pa.array(_plain(values, arrow_type), type=arrow_type, from_pandas=True)


def _same_kind_column(values: pd.Series, arrow_type: pa.DataType) -> pa.Array | None:
    """One Arrow conversion and cast when the values already are of the type's kind (text for text, numbers
    for numbers, booleans for booleans), as the stages' columns are; None otherwise (the value-by-value path)."""
    if not (pa.types.is_string(arrow_type) or pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)
            or pa.types.is_boolean(arrow_type)):
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    source = array.type
    if pa.types.is_string(arrow_type):
        same_kind = pa.types.is_string(source) or pa.types.is_large_string(source) or pa.types.is_string_view(source)
    elif pa.types.is_boolean(arrow_type):
        same_kind = pa.types.is_boolean(source)
    else:
        same_kind = pa.types.is_integer(source) or pa.types.is_floating(source)
    if not same_kind and not pa.types.is_null(source):
        return None
    try:
        return array.cast(arrow_type)
    except (pa.ArrowException, TypeError, ValueError):
        return None


def _plain(values: pd.Series, arrow_type: pa.DataType) -> list | pd.Series:
    if pa.types.is_date32(arrow_type):
        return [None if _missing(v) else (v.date() if hasattr(v, "date") and callable(v.date) else v) for v in values]
    if pa.types.is_timestamp(arrow_type):
        return pd.to_datetime(values, utc=True)
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_boolean(arrow_type):
        return [None if _missing(v) else v for v in values]
    if pa.types.is_string(arrow_type):
        return [None if _missing(v) else str(v) for v in values]
    return values


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def publish_snapshot(warehouse: Path, run_id: str, appends: Mapping[str, pd.DataFrame | list[str]],
                     replacements: Mapping[str, pd.DataFrame] | None = None,
                     build_docs: Callable[[Path], None] | None = None,
                     provenance: Mapping[str, str] | None = None,
                     stamps: Mapping[str, Mapping[str, object]] | None = None) -> Path:
    """Make a new snapshot = current + `appends` (new parts) with `replacements` (whole tables), and swap it in.

    An append is a frame (one new part) or a list of staged Parquet files (one new part each, read one at a
    time, so memory stays at one shard); `stamps` adds constant columns to a table's staged parts. Returns
    the new snapshot folder. Raises before the swap leaves the previous snapshot current.
    """
    replacements = replacements or {}
    warehouse.mkdir(parents=True, exist_ok=True)
    _check_links_can_be_made(warehouse, [*TABLES, *appends, *replacements, DQ_DOCS])
    snapshots = warehouse / SNAPSHOTS
    snapshots.mkdir(exist_ok=True)
    previous = current_snapshot(warehouse)
    building = snapshots / f"tmp-{run_id}-{uuid.uuid4().hex[:8]}"
    building.mkdir()
    for table in sorted(set(TABLES) | set(appends) | set(replacements)):
        folder = building / table
        folder.mkdir()
        if table not in replacements and previous is not None and (previous / table).is_dir():
            for part in sorted((previous / table).glob("*.parquet")):
                os.link(part, folder / part.name)
        frame = replacements.get(table, appends.get(table))
        if isinstance(frame, pd.DataFrame):
            if len(frame) or table in replacements:
                _write_part(to_arrow(frame, table, provenance), folder / f"part-{run_id}.parquet")
        elif frame:
            for number, staged in enumerate(frame):
                part = pq.read_table(staged).to_pandas().assign(**(stamps or {}).get(table, {}))
                _write_part(to_arrow(part, table, provenance), folder / f"part-{run_id}-{number:05d}.parquet")
        compact_parts(folder, run_id)
    if build_docs is not None:
        try:
            build_docs(building / DQ_DOCS)
        except Exception as error:  # Data Docs are a convenience; never lose a run over them
            log.warning("could not build Data Docs: %s", error)
    from etl.analyst import write_warehouse_readme

    # The tables' reference travels with the snapshot: warehouse/README.md links to it like a table.
    write_warehouse_readme(building, building / README)
    if not (building / DQ_DOCS).is_dir() and previous is not None and (previous / DQ_DOCS).is_dir():
        shutil.copytree(previous / DQ_DOCS, building / DQ_DOCS, copy_function=os.link)
    _fsync_tree(building)
    final = snapshots / run_id
    if final.exists():
        final = snapshots / f"{run_id}-{uuid.uuid4().hex[:8]}"
    os.rename(building, final)
    _swap_link(warehouse / CURRENT, Path(SNAPSHOTS) / final.name)
    # The snapshot is published; what follows only tidies up and must not turn the run into a failure.
    try:
        _ensure_table_links(warehouse, [p.name for p in final.iterdir()])
        _collect_garbage(warehouse, keep=final)
    except OSError as error:
        log.warning("snapshot %s published, but tidying the warehouse failed: %s", final.name, error)
    log.info("published snapshot %s", final.name)
    return final


MAX_PARTS = 64
SMALL_PART_BYTES = 32 * 1024 * 1024


def compact_parts(folder: Path, run_id: str) -> None:
    """Merge a table's small parts into one when there are more than MAX_PARTS (streamed, batch by batch).

    Daily runs each add a few parts; without this, readers would open thousands of small files.
    """
    parts = sorted(folder.glob("*.parquet"))
    small = [p for p in parts if p.stat().st_size < SMALL_PART_BYTES]
    if len(parts) <= MAX_PARTS or len(small) < 2:
        return
    schema = pq.read_schema(small[0])
    target = folder / f"compact-{run_id}-{uuid.uuid4().hex[:8]}.parquet"
    tmp = target.with_name(target.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
        for part in small:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=10_000):
                writer.write_batch(batch)
    os.replace(tmp, target)
    for part in small:
        part.unlink()  # a hard link: the previous snapshot keeps its own copy
    log.info("compacted %d parts of %s into %s", len(small), folder.name, target.name)


def _check_links_can_be_made(warehouse: Path, names: list[str]) -> None:
    """Refuse early (before anything is built) when a table name is taken by something that is not our link."""
    readme = warehouse / README
    if readme.is_file() and not readme.is_symlink():
        readme.unlink()  # a README written by `etl docs` before the warehouse had one: generated, replaceable
    for name in names:
        path = warehouse / name
        if (path.exists() or path.is_symlink()) and not path.is_symlink():
            raise FileExistsError(f"{path} exists and is not managed by the pipeline; move it away")


def _write_part(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def _fsync_tree(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with open(os.path.join(dirpath, name), "rb") as handle:
                os.fsync(handle.fileno())
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(f"{link.name}.tmp-{uuid.uuid4().hex[:8]}")
    os.symlink(target, tmp)
    os.replace(tmp, link)
    _fsync_dir(link.parent)


def _ensure_table_links(warehouse: Path, names: list[str]) -> None:
    for name in names:
        link = warehouse / name
        target = Path(CURRENT) / name
        if link.is_symlink() and Path(os.readlink(link)) == target:
            continue
        if link.exists() and not link.is_symlink():
            raise FileExistsError(f"{link} exists and is not managed by the pipeline; move it away")
        _swap_link(link, target)


def _collect_garbage(warehouse: Path, keep: Path) -> None:
    """Remove unfinished snapshot folders and all but the newest complete snapshots."""
    snapshots = warehouse / SNAPSHOTS
    complete = []
    for entry in snapshots.iterdir():
        if entry == keep:
            continue
        if entry.name.startswith("tmp-"):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            complete.append(entry)
    complete.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in complete[_KEEP_SNAPSHOTS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


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

    from etl.runs import file_level_quarantine
    from etl.validate import build_data_docs

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
