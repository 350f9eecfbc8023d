"""A digest of a snapshot's rows, table by table, for comparing warehouses (runs with other runners, re-runs)."""

from __future__ import annotations

from pathlib import Path

from etl import schemas
from etl.analyst.query import connect, quote_identifier
from etl.warehouse.tables import snapshot_tables

# Columns that name the run that wrote a row: equal content written by two runs differs only there.
RUN_COLUMNS = {"run_id", "ingested_at", "quarantined_at", "checked_at"}
RUN_TABLES = {"runs", "dq_results"}


def content_digests(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Per data table of the current snapshot: (rows, hash of the rows in sorted order), run columns left out.

    Two warehouses built from the same input (by any runner, in any number of runs) have equal digests.
    """
    digests = {}
    with connect(warehouse) as con:
        for table, parts in sorted(snapshot_tables(warehouse).items()):
            if table in RUN_TABLES or not parts:
                continue
            columns = [c for c in schemas.TABLES[table].names if c not in RUN_COLUMNS]
            listed = ", ".join(quote_identifier(c) for c in columns)
            rows, digest = con.execute(
                f"SELECT count(*), coalesce(sum(hash(row_text)), 0)::VARCHAR FROM (SELECT CAST(row({listed}) AS VARCHAR) "
                f"AS row_text FROM {quote_identifier(table)})").fetchone()
            digests[table] = (rows, digest)
    return digests
