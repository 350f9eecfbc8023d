"""Writing the warehouse: the only writer. A new snapshot is built beside the current one and swapped in.

A run builds a new snapshot in a temporary folder (hard links to the unchanged parts, new parts for new
rows, and the manifest of them all), then swaps `.current` by rename, which is atomic: readers see the previous
snapshot or the new one, never a mix, whatever moment the process dies at. A publish that fails removes its
folder. The previous snapshot is checked first: a damaged part (the links would carry it on) or a part written
under another schema (the tables would mix) stops the publish before anything is written.
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
import pyarrow.parquet as pq

from etl.schemas import TABLES, to_arrow
from etl.warehouse.manifest import (
    MANIFEST,
    SchemaDrift,
    WarehouseDamaged,
    read_manifest,
    schema_drift,
    verify_snapshot,
    write_manifest,
)
from etl.warehouse.readme import write_warehouse_readme
from etl.warehouse.tables import CURRENT, DQ_DOCS, README, SNAPSHOTS, complete_snapshots, current_snapshot

log = logging.getLogger(__name__)
_KEEP_SNAPSHOTS = 2


def publish_snapshot(warehouse: Path, run_id: str, appends: Mapping[str, pd.DataFrame | list[str]],
                     replacements: Mapping[str, pd.DataFrame] | None = None,
                     build_docs: Callable[[Path], None] | None = None,
                     provenance: Mapping[str, str] | None = None,
                     stamps: Mapping[str, Mapping[str, object]] | None = None,
                     recompute: list[str] | None = None) -> Path:
    """Make a new snapshot = current + `appends` (new parts) with `replacements` (whole tables), and swap it in.

    An append is a frame (one new part) or a list of staged Parquet files (one new part each, read one at a
    time, so memory stays at one shard); `stamps` adds constant columns to a table's staged parts. Returns
    the new snapshot folder. Raises before the swap leaves the previous snapshot current. `recompute` (a
    repair) names whole-warehouse tables the next run must compute again (tables.pending_recompute).
    """
    replacements = replacements or {}
    warehouse.mkdir(parents=True, exist_ok=True)
    _check_links_can_be_made(warehouse, [*TABLES, *appends, *replacements, DQ_DOCS])
    snapshots = warehouse / SNAPSHOTS
    snapshots.mkdir(exist_ok=True)
    previous = current_snapshot(warehouse)
    carried = set(TABLES) - set(replacements)  # tables whose parts are linked into the new snapshot
    if previous is not None:
        check_previous(previous, carried)
    building = snapshots / f"tmp-{run_id}-{uuid.uuid4().hex[:8]}"
    building.mkdir()
    final = None
    try:
        _build(building, previous, run_id, appends, replacements, build_docs, provenance, stamps)
        write_manifest(building, _next_sequence(warehouse), run_id,
                       read_manifest(previous) if previous is not None else None, recompute)
        _fsync_tree(building)
        final = snapshots / run_id
        if final.exists():
            final = snapshots / f"{run_id}-{uuid.uuid4().hex[:8]}"
        os.rename(building, final)
        _swap_link(warehouse / CURRENT, Path(SNAPSHOTS) / final.name)
    except BaseException:
        # A full disk or a crash in Data Docs must not leave a half-built snapshot behind until the next run.
        _remove_unpublished(warehouse, building, final)
        raise
    # The snapshot is published; what follows only tidies up and must not turn the run into a failure.
    try:
        _ensure_table_links(warehouse, [p.name for p in final.iterdir() if p.name != MANIFEST])
        _collect_garbage(warehouse, keep=final)
    except OSError as error:
        log.warning("snapshot %s published, but tidying the warehouse failed: %s", final.name, error)
    log.info("published snapshot %s", final.name)
    return final


def check_previous(previous: Path, tables: set[str]) -> None:
    """Refuse to build on `previous` when parts of `tables` are damaged or were written under other schemas."""
    damage = verify_snapshot(previous, tables=tables)
    if damage:
        raise WarehouseDamaged(damage)
    drift = schema_drift(previous, TABLES, tables)
    if drift:
        raise SchemaDrift(drift)


def _build(building: Path, previous: Path | None, run_id: str, appends: Mapping[str, pd.DataFrame | list[str]],
           replacements: Mapping[str, pd.DataFrame], build_docs: Callable[[Path], None] | None,
           provenance: Mapping[str, str] | None, stamps: Mapping[str, Mapping[str, object]] | None) -> None:
    """Fill `building`: the previous snapshot's parts linked, new parts written, Data Docs and the README."""
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

    # The tables' reference travels with the snapshot: warehouse/README.md links to it like a table.
    write_warehouse_readme(building, building / README)
    if not (building / DQ_DOCS).is_dir() and previous is not None and (previous / DQ_DOCS).is_dir():
        shutil.copytree(previous / DQ_DOCS, building / DQ_DOCS, copy_function=os.link)


def _next_sequence(warehouse: Path) -> int:
    snapshots = complete_snapshots(warehouse)
    manifest = read_manifest(snapshots[0]) if snapshots else None
    return int(manifest.get("sequence", 0)) + 1 if manifest else 1


def _remove_unpublished(warehouse: Path, building: Path, final: Path | None) -> None:
    """Remove the folder of a publish that failed, unless `.current` already points at it."""
    link = warehouse / CURRENT
    for folder in (building, final):
        if folder is None or not folder.exists():
            continue
        if link.is_symlink() and (warehouse / os.readlink(link)).resolve() == folder.resolve():
            continue
        shutil.rmtree(folder, ignore_errors=True)


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
    """Remove unfinished snapshot folders and all complete snapshots but `keep` and the newest others.

    Newest by the manifests' sequence, never by mtime (a touched old snapshot must not outlive a newer one).
    """
    snapshots = warehouse / SNAPSHOTS
    for entry in snapshots.iterdir():
        if entry.name.startswith("tmp-"):
            shutil.rmtree(entry, ignore_errors=True)
    others = [p for p in complete_snapshots(warehouse) if p != keep]
    for old in others[_KEEP_SNAPSHOTS - 1:]:
        shutil.rmtree(old, ignore_errors=True)
