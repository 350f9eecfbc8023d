"""Reading the warehouse: its current snapshot and its tables (the read side; writing is in snapshots.py).

Layout: every table is a folder of Parquet parts. `warehouse/<table>` is a symbolic link to
`.current/<table>`, and `.current` links to one complete snapshot under `.snapshots/`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads

from etl.schemas import TABLES

SNAPSHOTS = ".snapshots"
CURRENT = ".current"
DQ_DOCS = "_dq_docs"
README = "README.md"


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

