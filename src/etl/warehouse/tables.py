"""Reading the warehouse: its current snapshot and its tables (the read side; writing is in snapshots.py).

Layout: every table is a folder of Parquet parts. `warehouse/<table>` is a symbolic link to
`.current/<table>`, and `.current` links to one complete snapshot under `.snapshots/`, which holds a
manifest of its parts (manifest.py). A `.current` that is missing or points at no snapshot loses nothing:
readers take the newest complete snapshot instead (by the manifests' sequence) and say so, and the next run
builds on it. A table whose parts differ from the manifest is not read: WarehouseDamaged names it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Collection, Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as pads

from etl.schemas import TABLES
from etl.warehouse.manifest import (
    SchemaDrift,
    WarehouseDamaged,
    read_manifest,
    schema_drift,
    snapshot_sequence,
    verify_snapshot,
)

log = logging.getLogger(__name__)
_WARNED: set[tuple[str, Path]] = set()

SNAPSHOTS = ".snapshots"
CURRENT = ".current"
DQ_DOCS = "_dq_docs"
README = "README.md"


def current_snapshot(warehouse: Path) -> Path | None:
    """The folder of the snapshot readers see now, or None for an empty warehouse.

    When `.current` is missing or dangling, the newest complete snapshot (see fallback_snapshot), with a warning.
    """
    damage = link_damage(warehouse)
    if damage is None:
        link = warehouse / CURRENT
        return warehouse / os.readlink(link) if link.is_symlink() else None
    fallback = fallback_snapshot(warehouse)
    if fallback is not None and (damage, fallback) not in _WARNED:
        _WARNED.add((damage, fallback))  # once per process, not on every read
        log.warning("%s; reading %s/%s, the newest complete snapshot (the next `etl run` builds on it and "
                    "repairs the link)", damage, SNAPSHOTS, fallback.name)
    return fallback


def link_damage(warehouse: Path) -> str | None:
    """What is wrong with `.current` while snapshots exist (missing, or pointing at no snapshot), else None."""
    link = warehouse / CURRENT
    if link.is_symlink():
        target = os.readlink(link)
        return None if (warehouse / target).is_dir() else f"{link} points at {target}, which is missing"
    if link.exists():
        return f"{link} is not a link to a snapshot"
    return f"{link} is missing" if complete_snapshots(warehouse) else None


def complete_snapshots(warehouse: Path) -> list[Path]:
    """Published snapshot folders, newest first: by their manifest's sequence, then (older ones) by name."""
    folder = warehouse / SNAPSHOTS
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("tmp-")]
    return sorted(found, key=lambda p: (snapshot_sequence(p), p.name), reverse=True)


def fallback_snapshot(warehouse: Path) -> Path | None:
    """The newest snapshot whose manifest lists parts that are all there, of the expected size."""
    for snapshot in complete_snapshots(warehouse):
        if read_manifest(snapshot) is not None and not verify_snapshot(snapshot):
            return snapshot
    return None


def damaged_tables(snapshot: Path) -> dict[str, str]:
    """Tables of `snapshot` with a part missing or differing from the manifest (fast check): {table: the damage}."""
    damaged: dict[str, str] = {}
    for damage in verify_snapshot(snapshot):
        damaged.setdefault(damage.table, str(damage))
    return damaged


def pending_recompute(warehouse: Path) -> list[str]:
    """Tables a repair took damaged parts out of, which the next run computes again over the whole warehouse."""
    snapshot = current_snapshot(warehouse)
    manifest = read_manifest(snapshot) if snapshot is not None else None
    return list(manifest.get("recompute", [])) if manifest else []


def check_tables(snapshot: Path, tables: set[str]) -> None:
    """Raise WarehouseDamaged when a part of these tables is missing or differs from the manifest (fast check)."""
    damage = verify_snapshot(snapshot, tables=tables)
    if damage:
        raise WarehouseDamaged(damage)


def read_table(warehouse: Path, table: str, columns: list[str] | None = None,
               filter_ids: list[str] | None = None) -> pd.DataFrame:
    """Read one table of the current snapshot (only the rows of `filter_ids` doc_ids when given).

    An empty frame with the table's columns when it has no rows. Raises WarehouseDamaged when a part of the
    table is missing or differs from the manifest, SchemaDrift when its parts have another schema than the code's.
    """
    dataset, schema = _table_dataset(warehouse, table)
    if dataset is None:
        if schema is None:
            return pd.DataFrame(columns=columns or [])
        empty = schema.empty_table()
        return empty.select(columns).to_pandas() if columns else empty.to_pandas()
    expression = pads.field("doc_id").isin(filter_ids) if filter_ids is not None else None
    return dataset.to_table(columns=columns, filter=expression).to_pandas()


def scan_table(warehouse: Path, table: str, columns: list[str], filter_ids: Collection[str] | None = None,
               batch_rows: int = 1_000) -> Iterator[pa.RecordBatch]:
    """The rows of `read_table` (same checks and errors) as Arrow record batches of at most `batch_rows` rows, in
    the table's order: a whole table's column (every document's text) is never in memory at once."""
    dataset, _ = _table_dataset(warehouse, table)
    if dataset is None:
        return
    expression = pads.field("doc_id").isin(list(filter_ids)) if filter_ids is not None else None
    for batch in dataset.to_batches(columns=columns, filter=expression, batch_size=batch_rows):
        if batch.num_rows:
            yield batch


def _table_dataset(warehouse: Path, table: str) -> tuple[pads.Dataset | None, pa.Schema | None]:
    """(the table's parts in the current snapshot as a dataset, or None without any; the table's schema),
    checked: WarehouseDamaged or SchemaDrift as `read_table` says."""
    snapshot = current_snapshot(warehouse)
    schema = TABLES.get(table)
    if snapshot is not None:
        check_tables(snapshot, {table})
        if schema is not None and (drift := schema_drift(snapshot, {table: schema})):
            raise SchemaDrift(drift)
    folder = snapshot / table if snapshot else None
    parts = sorted(folder.glob("*.parquet")) if folder and folder.is_dir() else []
    if not parts:
        return None, schema
    return pads.dataset([str(p) for p in parts], format="parquet", schema=schema), schema


def snapshot_tables(warehouse: Path) -> dict[str, list[Path]]:
    """Parquet parts of every table folder of the current snapshot by table name, as real paths; {} without one."""
    snapshot = current_snapshot(warehouse)
    if snapshot is None:
        return {}
    # Real paths pin the snapshot: a publish swapping `.current` mid-query cannot mix two snapshots.
    snapshot = snapshot.resolve()
    tables: dict[str, list[Path]] = {}
    for folder in sorted(snapshot.iterdir()):
        if folder.is_dir() and not folder.name.startswith(("_", ".")):
            tables[folder.name] = sorted(folder.glob("*.parquet"))
    return tables

