"""Analysts' view of the warehouse: SQL over the current snapshot, the warehouse README, a self-contained HTML report.

Read-only over the warehouse: the only files written are the README and the report, where the caller says.
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib
import json
import logging
import os
import pkgutil
import sys
import unicodedata
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TextIO

import duckdb

from etl import schemas
from etl.publish import current_snapshot

log = logging.getLogger(__name__)

OUTPUT_FORMATS = ("table", "csv", "json")
README_NAME = "README.md"
REPORT_NAME = "report.html"

# --- query ------------------------------------------------------------------------------------------------


def quote_identifier(name: str) -> str:
    """`name` as a DuckDB identifier (double quotes, inner quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """`text` as a DuckDB string literal (single quotes, inner quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


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


# --- warehouse README ---------------------------------------------------------------------------------------

# What one row is; schemas.TABLE_DOCS (when it exists) takes precedence, tables known to neither get no line.
_TABLE_PURPOSE = {
    "documents": "a published article: text, language, title, date, agency",
    "quarantine": "a rejected input file (or derived row), with the stage and the reason",
    "dq_results": "an expectation checked by a run: the quality gate results",
    "runs": "a completed run, with its conservation counts",
    "entities": "a mention of a named entity in a document body",
    "facts": "a counted fact (a number, what it counts, where, when) found in a document body",
    "repatriations": "a fact counting people returned or repatriated, with its document's title, agency, date, lang",
    "stories": "a document and the story it reports (documents of one story share story_id)",
}

# (key, the column it refers to, meaning); listed when some table has the column.
_JOIN_KEYS = [
    ("doc_id", "documents.doc_id", "one document; joins `documents` to every table that has the column"),
    ("run_id", "runs.run_id", "the run that wrote the row"),
    ("fact_id", "facts.fact_id", "one counted fact"),
    ("parent_fact_id", "facts.fact_id", "the total this fact is a part of; null for totals, "
                                "so sum `value` only over rows where it is null"),
    ("story_id", "stories.story_id", "one story, reported by one or more documents"),
    ("entity_id", "entities.entity_id", "one canonical entity, the same in every document (`entities` has a row "
                                        "per mention)"),
]


# (question, SQL, tables it needs): in the README of every snapshot and tested against a built warehouse.
EXAMPLE_QUESTIONS: list[tuple[str, str, set[str]]] = [
    ("How many documents are there per language and news agency?",
     "select lang, coalesce(source_agency, '(not stated)') as agency, count(*) as documents\n"
     "from documents group by all order by documents desc, lang",
     {"documents"}),
    ("How many people were repatriated per country and year? (The parts of a breakdown have a `parent_fact_id` "
     "and an `is_total` figure sums other rows: leave both out. A family is not one person.)",
     "select country, year_from, sum(value) as people, count(distinct doc_id) as documents\n"
     "from repatriations\n"
     "where parent_fact_id is null and is_total is not true and subject is distinct from 'families'\n"
     "group by all order by country, year_from",
     {"repatriations"}),
    ("Which persons and organizations are mentioned together with each operation, in how many documents?",
     "select op.canonical_name as operation, e.entity_type, e.canonical_name, count(distinct e.doc_id) as documents\n"
     "from entities op join entities e on e.doc_id = op.doc_id and e.entity_type in ('PERSON', 'ORG')\n"
     "where op.entity_type = 'OPERATION'\n"
     "group by all order by operation, documents desc, e.canonical_name",
     {"entities"}),
    ("Which stories were reported in more than one language?",
     "select story_id, count(*) as documents, string_agg(distinct lang, ', ' order by lang) as languages\n"
     "from stories group by story_id having count(distinct lang) > 1",
     {"stories"}),
    ("Which files are in quarantine, and why? (A file is listed once, under the run that first quarantined it.)",
     "select reason, stage, count(*) as files, min(source_path) as example, max(run_id) as latest_run\n"
     "from quarantine where stage in ('ingest', 'language', 'fields', 'validate')\n"
     "group by all order by files desc",
     {"quarantine"}),
]


def undocumented_columns() -> list[tuple[str, str]]:
    """(table, column) of every column of TABLES without a non-empty COLUMN_DOCS entry."""
    missing = []
    for table, schema in sorted(schemas.TABLES.items()):
        docs = schemas.COLUMN_DOCS.get(table, {})
        missing += [(table, field.name) for field in schema if not str(docs.get(field.name, "")).strip()]
    return missing


def stale_column_docs() -> list[tuple[str, str]]:
    """(table, column) of every COLUMN_DOCS entry naming a column its table does not have."""
    stale = []
    for table, docs in sorted(schemas.COLUMN_DOCS.items()):
        names = set(schemas.TABLES[table].names) if table in schemas.TABLES else set()
        stale += [(table, column) for column in sorted(docs) if column not in names]
    return stale


def load_table_contract() -> list[str]:
    """Import every etl module so tables registered by later stages are in TABLES; returns the table names."""
    import etl

    for module in sorted(m.name for m in pkgutil.iter_modules(etl.__path__)):
        if module in ("__main__", "cli"):
            continue
        try:
            importlib.import_module(f"etl.{module}")
        except Exception as error:  # a broken stage module must not hide the tables of the others
            log.warning("could not import etl.%s: %s", module, error)
    return sorted(schemas.TABLES)


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def warehouse_readme() -> str:
    """The warehouse README as Markdown: a pure function of etl.schemas (tables in name order)."""
    tables = sorted(schemas.TABLES)
    purposes = {**_TABLE_PURPOSE, **getattr(schemas, "TABLE_DOCS", {})}
    out = [
        "# Warehouse tables",
        "",
        f"Schema version **{schemas.SCHEMA_VERSION}**. Generated from `etl.schemas` by `etl docs`; "
        "do not edit by hand (change the schema, bump `SCHEMA_VERSION`, regenerate).",
        "",
        "Every table is a folder of Parquet parts, `<warehouse>/<table>/*.parquet`. Each table folder is a link into "
        "the current snapshot (`.current -> .snapshots/<run>`), which every run replaces atomically: read the "
        "folder, never a single part. Every part carries `etl.schema_version` and `etl.table` in its Parquet "
        "key-value metadata. Times are UTC.",
        "",
        "## Reading it",
        "",
        "From the folder that holds the warehouse (here `warehouse/`):",
        "",
        "```bash",
        "etl query \"select lang, count(*) as documents from documents group by lang\"  # one view per table",
        "duckdb -c \"select lang, count(*) from 'warehouse/documents/*.parquet' group by lang\"",
        "```",
        "",
        "```python",
        "import duckdb, pandas as pd, polars as pl",
        "duckdb.sql(\"select * from read_parquet('warehouse/documents/*.parquet', union_by_name = true)\")",
        "pd.read_parquet('warehouse/documents')",
        "pl.read_parquet('warehouse/documents/*.parquet')",
        "```",
        "",
        "`etl query` pins the current snapshot for the whole query and also works with `--format csv` or `json`.",
        "",
        "## Tables",
        "",
        "| table | columns | one row is |",
        "|---|---|---|",
    ]
    out += [f"| [`{t}`](#{t}) | {len(schemas.TABLES[t])} | {_md_cell(purposes.get(t, ''))} |" for t in tables]
    columns_by_table = {t: set(schemas.TABLES[t].names) for t in tables}
    keys = [(key, refers_to, meaning) for key, refers_to, meaning in _JOIN_KEYS
            if any(key in names for names in columns_by_table.values())]
    if keys:
        out += ["", "## Join keys", "", "| key | refers to | found in | meaning |", "|---|---|---|---|"]
        for key, refers_to, meaning in keys:
            holders = ", ".join(f"`{t}`" for t in tables if key in columns_by_table[t])
            out.append(f"| `{key}` | `{refers_to}` | {holders} | {_md_cell(meaning)} |")
    questions = [(question, sql) for question, sql, needs in EXAMPLE_QUESTIONS if needs <= set(tables)]
    if questions:
        out += ["", "## Example questions"]
        for question, sql in questions:
            out += ["", f"{question}", "", "```sql", sql, "```"]
    for table in tables:
        docs = schemas.COLUMN_DOCS.get(table, {})
        out += ["", f"## {table}", ""]
        if purposes.get(table):
            out += [f"One row is {purposes[table]}.", ""]
        out += ["| column | Arrow type | meaning |", "|---|---|---|"]
        for field in schemas.TABLES[table]:
            arrow_type = str(field.type) + ("" if field.nullable else ", not null")
            meaning = docs.get(field.name, "").strip() or "**undocumented**"
            out.append(f"| `{field.name}` | `{arrow_type}` | {_md_cell(meaning)} |")
    return "\n".join(out) + "\n"


def write_warehouse_readme(folder: Path, out: Path | None = None) -> Path:
    """Write warehouse_readme() to `out` (default `<folder>/README.md`) atomically; returns the path written."""
    target = out if out is not None else folder / README_NAME
    return _write_text_atomically(target, warehouse_readme())


def _write_text_atomically(target: Path, text: str) -> Path:
    # A publish-managed link (README.md -> .current/README.md) is refreshed at its target, the link stays.
    if target.is_symlink():
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target


# --- HTML report --------------------------------------------------------------------------------------------

_MAX_TABLE_ROWS = 50
_AGENCY_BARS = 20
_NOT_STATED = "(not stated)"

_RUNS_SQL = """
select run_id, status, started_at, finished_at, files_seen, published, quarantined, skipped_unchanged
from runs order by started_at desc nulls last, run_id desc
"""
_BY_LANGUAGE_SQL = "select lang, count(*) as n from documents group by lang order by n desc, lang nulls last"
_BY_AGENCY_SQL = ("select source_agency, count(*) as n from documents group by source_agency "
                  "order by n desc, source_agency nulls last")
# Parts of a breakdown (parent_fact_id set) are in their whole and an is_total row sums other rows: counting
# either would count people twice. A family is not one person.
_REPATRIATED_SQL = """
select country, year_from, sum(value) as people, count(*) as facts, count(distinct doc_id) as documents
from repatriations
where parent_fact_id is null and value is not null and subject is distinct from 'families' {and_not_total}
group by country, year_from
order by country nulls last, year_from nulls last
"""
_LATEST_DOCUMENTS_SQL = f"""
select published_date, lang, source_agency, title, source_path from documents
order by ingested_at desc nulls last, published_date desc nulls last, doc_id limit {_MAX_TABLE_ROWS}
"""
_QUARANTINE_BY_REASON_SQL = "select reason, count(*) as n from quarantine group by reason order by n desc, reason nulls last"
_QUARANTINE_LATEST_SQL = f"""
select source_path, stage, reason, detail, run_id from quarantine
order by quarantined_at desc nulls last, source_path limit {_MAX_TABLE_ROWS}
"""
_LAST_RUN_SQL = "select run_id from runs order by started_at desc nulls last, run_id desc limit 1"
_LAST_CHECKED_RUN_SQL = ("select run_id from dq_results group by run_id "
                         "order by max(checked_at) desc nulls last, run_id desc limit 1")
_GATES_SQL = """
select stage, suite, expectation, severity, success, element_count, unexpected_count, observed
from dq_results where run_id = ? order by success, stage, suite, expectation
"""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;
color:#1f2328;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:0 0 .5em;border-bottom:1px solid #d0d7de;padding-bottom:4px}
section{margin:28px 0}nav a{margin-right:14px}.meta{color:#57606a}.note{color:#57606a;font-size:.9em}
table{border-collapse:collapse;font-size:.88em;width:100%}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{max-width:420px;overflow-wrap:anywhere}.ok{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.empty{color:#57606a;font-style:italic}svg.chart{display:block;margin:6px 0}svg.chart text{font-size:12px;fill:#1f2328}
svg.chart rect.bar{fill:#4472c4}svg.chart text.value{fill:#57606a}
"""


def build_report(warehouse: Path) -> str:
    """The report of the current snapshot as one self-contained HTML page (no scripts, no external resources)."""
    tables = snapshot_tables(warehouse)
    snapshot = current_snapshot(warehouse)
    with_rows = {t for t, parts in tables.items() if parts}
    connection = connect(warehouse, tables)
    try:
        sections = [
            ("runs", "Run history", _runs_section),
            ("languages", "Documents by language", _languages_section),
            ("agencies", "Documents by source agency", _agencies_section),
            ("repatriations", "Repatriated people by country and year", _repatriations_section),
            ("documents", "Latest documents", _documents_section),
            ("quarantine", "Quarantined by reason", _quarantine_section),
            ("gates", "Latest gate results", _gates_section),
        ]
        bodies = [(anchor, heading, _safe_section(render, connection, with_rows)) for anchor, heading, render in sections]
    finally:
        connection.close()
    esc = html.escape
    nav = "".join(f'<a href="#{anchor}">{esc(heading)}</a>' for anchor, heading, _ in bodies)
    present = ", ".join(f"{t} ({len(tables[t])} part{'s' if len(tables[t]) != 1 else ''})" for t in sorted(tables))
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # Document text is untrusted: even if something slipped through escaping, nothing could load or run.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        "<title>Repatriation news warehouse: report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>Repatriation news warehouse: report</h1>",
        f'<p class="meta">Snapshot <code>{esc(snapshot.name if snapshot else "none")}</code>, schema version '
        f"{esc(schemas.SCHEMA_VERSION)}. Tables: {esc(present) if present else 'none yet'}.</p>",
        f"<nav>{nav}</nav></header>",
    ]
    parts += [f'<section id="{anchor}"><h2>{esc(heading)}</h2>{body}</section>' for anchor, heading, body in bodies]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(warehouse: Path, out: Path | None = None) -> Path:
    """Write build_report(warehouse) to `out` (default `<warehouse>/report.html`); returns the path written."""
    return _write_text_atomically(out if out is not None else warehouse / REPORT_NAME, build_report(warehouse))


def _safe_section(render: Callable[[duckdb.DuckDBPyConnection, set[str]], str],
                  connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    try:
        return render(connection, with_rows)
    except duckdb.Error as error:  # e.g. a table whose columns changed: the rest of the report still renders
        log.warning("report section failed: %s", error)
        return f'<p class="empty">Could not build this section: {html.escape(str(error).splitlines()[0])}</p>'


def _no_data(table: str) -> str:
    return f'<p class="empty">No data yet (table <code>{html.escape(table)}</code> has no rows).</p>'


def _runs_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "runs" not in with_rows:
        return _no_data("runs")
    rows = connection.execute(_RUNS_SQL).fetchall()
    shown = [(run_id, status, _when(started), _when(finished), _duration(started, finished), seen, published,
              quarantined, skipped)
             for run_id, status, started, finished, seen, published, quarantined, skipped in rows[:_MAX_TABLE_ROWS]]
    headers = ["run_id", "status", "started", "finished", "duration", "files seen", "published", "quarantined",
               "skipped unchanged"]
    note = f'<p class="note">Newest first; {len(rows)} run{"s" if len(rows) != 1 else ""} in all.</p>'
    return note + _html_table(headers, shown, numeric={"files seen", "published", "quarantined", "skipped unchanged"})


def _languages_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "documents" not in with_rows:
        return _no_data("documents")
    rows = connection.execute(_BY_LANGUAGE_SQL).fetchall()
    bars = [(lang if lang is not None else _NOT_STATED, n) for lang, n in rows]
    return _bar_chart(bars, caption="documents by language", unit="documents")


def _agencies_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "documents" not in with_rows:
        return _no_data("documents")
    rows = connection.execute(_BY_AGENCY_SQL).fetchall()
    bars = [(agency if agency is not None else _NOT_STATED, n) for agency, n in rows]
    note = ""
    if len(bars) > _AGENCY_BARS:
        rest = bars[_AGENCY_BARS - 1:]
        bars = bars[:_AGENCY_BARS - 1] + [(f"{len(rest)} other agencies", sum(n for _, n in rest))]
        note = f'<p class="note">The {len(rest)} least frequent agencies are summed in the last bar.</p>'
    return _bar_chart(bars, caption="documents by source agency", unit="documents") + note


def _repatriations_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "repatriations" not in with_rows:
        return _no_data("repatriations")
    columns = {column[0] for column in connection.execute("select * from repatriations limit 0").description}
    and_not_total = "and is_total is not true" if "is_total" in columns else ""  # older snapshots lack it
    rows = connection.execute(_REPATRIATED_SQL.format(and_not_total=and_not_total)).fetchall()
    if not rows:
        return '<p class="empty">No data yet (no counted totals in <code>repatriations</code>).</p>'
    bars = [(f"{country if country is not None else 'country not stated'} · "
             f"{year if year is not None else 'year not stated'}", people)
            for country, year, people, _, _ in rows]
    documents = connection.execute("select count(distinct doc_id) from repatriations").fetchone()[0]
    note = (f'<p class="note">Sum of the people counts stated in {documents} documents, grouped by country and the '
            "first year of the period: parts of a breakdown (<code>parent_fact_id</code> set) and figures marked "
            "as totals of other rows (<code>is_total</code>) are left out, and so are counts of families. "
            "An operation reported by several articles is counted once per article.</p>")
    return _bar_chart(bars, caption="repatriated people by country and year", unit="people") + note


def _documents_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "documents" not in with_rows:
        return _no_data("documents")
    rows = connection.execute(_LATEST_DOCUMENTS_SQL).fetchall()
    total = connection.execute("select count(*) from documents").fetchone()[0]
    note = f'<p class="note">Latest {len(rows)} of {total} documents.</p>'
    return note + _html_table(["published", "lang", "source_agency", "title", "source_path"], rows,
                              wrap={"title", "source_path"})


def _quarantine_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "quarantine" not in with_rows:
        return _no_data("quarantine")
    rows = connection.execute(_QUARANTINE_BY_REASON_SQL).fetchall()
    bars = [(reason if reason is not None else _NOT_STATED, n) for reason, n in rows]
    latest = connection.execute(_QUARANTINE_LATEST_SQL).fetchall()
    return (_bar_chart(bars, caption="quarantine rows by reason", unit="rows")
            + f'<p class="note">Latest {len(latest)} quarantine rows:</p>'
            + _html_table(["source_path", "stage", "reason", "detail", "run_id"], latest, wrap={"detail", "source_path"}))


def _gates_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "dq_results" not in with_rows:
        return _no_data("dq_results")
    last = connection.execute(_LAST_RUN_SQL).fetchone() or connection.execute(_LAST_CHECKED_RUN_SQL).fetchone()
    if last is None:
        return _no_data("dq_results")
    rows = connection.execute(_GATES_SQL, [last[0]]).fetchall()
    if not rows:
        return f'<p class="empty">The last run <code>{html.escape(str(last[0]))}</code> recorded no gate results.</p>'
    failed = sum(1 for row in rows if row[4] is False)
    summary = (f'<p>Run <code>{html.escape(str(last[0]))}</code>: {len(rows)} expectations, '
               f'<span class="{"fail" if failed else "ok"}">{failed} failed</span>.</p>')
    shown = [(stage, suite, expectation, severity, _Mark(success), checked, unexpected, observed)
             for stage, suite, expectation, severity, success, checked, unexpected, observed in rows]
    headers = ["stage", "suite", "expectation", "severity", "success", "rows checked", "unexpected", "observed"]
    return summary + _html_table(headers, shown, numeric={"rows checked", "unexpected"}, wrap={"observed"})


@dataclass(frozen=True)
class _Mark:
    success: bool | None


def _html_table(headers: list[str], rows: Iterable[Sequence[object]], numeric: Collection[str] = (),
                wrap: Collection[str] = ()) -> str:
    esc = html.escape
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for header, value in zip(headers, row):
            if isinstance(value, _Mark):
                label = {True: ("ok", "pass"), False: ("fail", "FAIL")}.get(value.success, ("", "unknown"))
                out.append(f'<td class="{label[0]}">{label[1]}</td>')
                continue
            css = "num" if header in numeric else ("wrap" if header in wrap else "")
            text = "" if value is None else (f"{value:,}" if header in numeric and isinstance(value, int) else str(value))
            cell = esc(_truncate(text, 400))
            out.append(f'<td class="{css}">{cell}</td>' if css else f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


def _duration(started: object, finished: object) -> str:
    if isinstance(started, datetime) and isinstance(finished, datetime):
        return f"{(finished - started).total_seconds():.1f} s"
    return ""


_LABEL_WIDTH = 280
_PLOT_WIDTH = 600
_ROW_HEIGHT = 24


def _bar_chart(bars: list[tuple[str, float]], caption: str, unit: str) -> str:
    """A horizontal bar chart as inline SVG: one `rect.bar` per (label, value), labels escaped."""
    if not bars:
        return '<p class="empty">No data yet.</p>'
    esc = html.escape
    top = max((value for _, value in bars), default=0) or 1
    width = _LABEL_WIDTH + _PLOT_WIDTH + 90
    height = _ROW_HEIGHT * len(bars) + 8
    out = [f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="{esc(caption)}">']
    for index, (label, value) in enumerate(bars):
        y = 4 + index * _ROW_HEIGHT
        bar_width = round(_PLOT_WIDTH * value / top, 1) if value > 0 else 0
        amount = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
        out.append(
            f'<g><text x="{_LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end">{esc(_truncate(label, 40))}</text>'
            f'<rect class="bar" x="{_LABEL_WIDTH}" y="{y + 3}" width="{bar_width}" height="{_ROW_HEIGHT - 6}">'
            f"<title>{esc(label)}: {amount} {esc(unit)}</title></rect>"
            f'<text class="value" x="{_LABEL_WIDTH + bar_width + 6}" y="{y + 16}">{amount}</text></g>')
    out.append("</svg>")
    return "".join(out)


# --- command line -------------------------------------------------------------------------------------------


def add_cli_commands(subparsers: argparse._SubParsersAction) -> None:
    """Register `etl query`, `etl report` and `etl docs` on the `etl` command's subparsers."""
    warehouse_help = "warehouse folder (default: warehouse/, env ETL_WAREHOUSE_DIR)"
    query = subparsers.add_parser("query", help="run SQL over the warehouse: one view per table",
                                  description="Run SQL over the current snapshot; every table is a view of its name.")
    query.add_argument("sql", help='the query, e.g. "select lang, count(*) from documents group by lang"; - reads stdin')
    query.add_argument("--warehouse", type=Path, default=None, help=warehouse_help)
    query.add_argument("--format", choices=OUTPUT_FORMATS, default="table", help="output format (default: table)")
    query.set_defaults(handler=cmd_query)

    report = subparsers.add_parser("report", help="write a self-contained HTML report of the warehouse")
    report.add_argument("--warehouse", type=Path, default=None, help=warehouse_help)
    report.add_argument("--out", type=Path, default=None, help="HTML file (default: <warehouse>/report.html)")
    report.set_defaults(handler=cmd_report)

    docs = subparsers.add_parser("docs", help="write the warehouse README (tables, columns, join keys)")
    docs.add_argument("--warehouse", type=Path, default=None, help=warehouse_help)
    docs.add_argument("--out", type=Path, default=None, help="Markdown file (default: <warehouse>/README.md)")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 if the file is not up to date")
    docs.set_defaults(handler=cmd_docs)


def _warehouse_dir(args: argparse.Namespace) -> Path:
    from etl.config import load_settings

    return load_settings(warehouse_dir=args.warehouse).resolved().warehouse_dir


def _error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")
    sys.stderr.flush()


def cmd_query(args: argparse.Namespace) -> int:
    """`etl query`: 0 with the result on stdout, 1 on an SQL error, 2 without a warehouse."""
    warehouse = _warehouse_dir(args)
    if current_snapshot(warehouse) is None:
        _error(f"no warehouse snapshot in {warehouse}; run `etl run` first")
        return 2
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    try:
        result = run_query(warehouse, sql)
    except duckdb.Error as error:
        _error(" ".join(str(error).split()))
        return 1
    write_result(result, args.format, sys.stdout)
    sys.stdout.flush()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """`etl report`: 0 with the path written, 2 without a warehouse."""
    warehouse = _warehouse_dir(args)
    if current_snapshot(warehouse) is None:
        _error(f"no warehouse snapshot in {warehouse}; run `etl run` first")
        return 2
    load_table_contract()
    path = write_report(warehouse, args.out)
    sys.stdout.write(f"report written to {path}\n")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    """`etl docs`: write (or with --check compare) the warehouse README; 1 when --check finds it out of date."""
    load_table_contract()
    target = args.out if args.out is not None else _warehouse_dir(args) / README_NAME
    missing = undocumented_columns()
    for table, column in missing:
        log.warning("column %s.%s has no COLUMN_DOCS entry", table, column)
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != warehouse_readme():
            _error(f"{target} is out of date; run `etl docs --out {target}`")
            return 1
        sys.stdout.write(f"{target} is up to date\n")
        return 0
    path = write_warehouse_readme(target.parent, target)
    sys.stdout.write(f"warehouse README written to {path}"
                     + (f" ({len(missing)} undocumented columns)" if missing else "") + "\n")
    return 0
