"""SQL over the current snapshot (DuckDB, one view per table), and its result as a table, CSV or JSON.

Read-only over the warehouse.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import duckdb

from etl import schemas
from etl.warehouse.tables import current_snapshot, damaged_tables, snapshot_tables

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


class DamagedTable(RuntimeError):
    """The query names a table left out because its parts are damaged (message: one line, what to do)."""


def damaged_message(table: str, damage: str) -> str:
    return f"table {table} is damaged ({damage}): left out; run `etl verify`, then `etl repair`"


def connect(warehouse: Path, tables: dict[str, list[Path]] | None = None,
            left_out: dict[str, str] | None = None) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with one view per table (name = table name); known tables without parts are empty views.

    A table whose parts are missing or differ from the snapshot's manifest gets no view (a query naming it
    fails); it is added to `left_out` ({table: damage}) when given, else logged.
    """
    if tables is None:
        tables = snapshot_tables(warehouse)
        snapshot = current_snapshot(warehouse)
        damaged = damaged_tables(snapshot.resolve()) if snapshot is not None else {}
        for table, damage in damaged.items():
            if left_out is None:
                log.warning(damaged_message(table, damage))
            tables.pop(table, None)
        if left_out is not None:
            left_out.update(damaged)
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
        if table not in tables and table not in (left_out or {}):
            connection.register(table, schema.empty_table())
    return connection


@dataclass(frozen=True)
class QueryResult:
    """Column names and rows of one query."""

    columns: list[str]
    rows: list[tuple]
    left_out: dict[str, str] = field(default_factory=dict)  # damaged tables that had no view: {table: damage}


def run_query(warehouse: Path, sql: str) -> QueryResult:
    """Run the analyst's own `sql` over the views of the current snapshot; raises duckdb.Error on bad SQL,
    DamagedTable when it names a table whose parts are damaged (the other tables can still be queried: the
    result's `left_out` names the damaged ones)."""
    left_out: dict[str, str] = {}
    connection = connect(warehouse, left_out=left_out)
    try:
        try:
            cursor = connection.execute(sql)
        except duckdb.CatalogException as error:
            named = [t for t in left_out if re.search(rf"\b{re.escape(t)}\b", str(error))]
            if named:
                raise DamagedTable(damaged_message(named[0], left_out[named[0]])) from error
            raise
        if cursor.description is None:
            return QueryResult([], [], left_out)
        return QueryResult([column[0] for column in cursor.description], cursor.fetchall(), left_out)
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
