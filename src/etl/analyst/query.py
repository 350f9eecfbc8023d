"""SQL over the current snapshot (DuckDB, one view per table), and its result as a table, CSV or JSON.

Read-only over the warehouse.
"""

from __future__ import annotations

import csv
import json
import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import duckdb

from etl import schemas
from etl.warehouse.tables import snapshot_tables

log = logging.getLogger(__name__)

OUTPUT_FORMATS = ("table", "csv", "json")

# --- query ------------------------------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """`name` as a DuckDB identifier (double quotes, inner quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """`text` as a DuckDB string literal (single quotes, inner quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def view_sql(table: str, parts: Sequence[Path]) -> str:
    """CREATE VIEW `table` over exactly these Parquet parts; parts written under an older schema union by name."""
    if not parts:
        raise ValueError(f"table {table!r} has no parts")
    files = ", ".join(quote_literal(str(part)) for part in parts)
    return (f"CREATE OR REPLACE VIEW {quote_identifier(table)} AS SELECT * FROM "
            f"read_parquet([{files}], union_by_name = true, hive_partitioning = false)")


def connect(warehouse: Path, tables: dict[str, list[Path]] | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with one view per table (name = table name); known tables without parts are empty views."""
    tables = snapshot_tables(warehouse) if tables is None else tables
    connection = duckdb.connect(":memory:")
    connection.execute("SET TimeZone = 'UTC'")
    for table, parts in tables.items():
        if parts:
            connection.execute(view_sql(table, parts))
        elif table in schemas.TABLES:
            connection.register(table, schemas.TABLES[table].empty_table())
        else:
            log.warning("table folder %s has no parts and no registered schema; no view", table)
    for table, schema in schemas.TABLES.items():
        if table not in tables:
            connection.register(table, schema.empty_table())
    return connection


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple]


def run_query(warehouse: Path, sql: str) -> QueryResult:
    """Run the analyst's own `sql` over the views of the current snapshot; raises duckdb.Error on bad SQL."""
    connection = connect(warehouse)
    try:
        cursor = connection.execute(sql)
        if cursor.description is None:
            return QueryResult([], [])
        return QueryResult([column[0] for column in cursor.description], cursor.fetchall())
    finally:
        connection.close()


def write_result(result: QueryResult, output_format: str, stream: TextIO) -> None:
    """Write `result` to `stream` as an aligned text table, CSV (header row) or a JSON array of objects."""
    if output_format == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_csv_cell(value) for value in row] for row in result.rows])
    elif output_format == "json":
        records = [json.dumps(dict(zip(result.columns, row)), ensure_ascii=False, default=_json_value)
                   for row in result.rows]
        stream.write("[\n" + ",\n".join(records) + "\n]\n" if records else "[]\n")
    elif output_format == "table":
        stream.write(_text_table(result))
    else:
        raise ValueError(f"unknown output format {output_format!r}; one of {', '.join(OUTPUT_FORMATS)}")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _json_value(value: object) -> object:
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


_CELL_WIDTH = 60


def _text_table(result: QueryResult) -> str:
    if not result.columns:
        return "(no result)\n"
    cells = [[_display(value) for value in row] for row in result.rows]
    numeric = [bool(values) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in values)
               for values in ([row[i] for row in result.rows if row[i] is not None]
                              for i in range(len(result.columns)))]
    headers = [_display(name) for name in result.columns]
    widths = [max([len(headers[i])] + [len(row[i]) for row in cells]) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if numeric[i] else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))).rstrip()

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in cells]
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _display(value: object) -> str:
    """One line of printable text: document text may hold terminal escape sequences, which must not reach a tty."""
    if value is None:
        return "null"
    if isinstance(value, (date, datetime, time)):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = str(value)
    text = "".join(" " if ch in "\n\r\t" else ("\ufffd" if unicodedata.category(ch) in ("Cc", "Cf") else ch)
                   for ch in text)
    return text if len(text) <= _CELL_WIDTH else text[:_CELL_WIDTH - 1] + "…"
