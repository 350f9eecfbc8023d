"""`etl query`, `etl report` and `etl docs`: the analysts' commands."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import duckdb

from etl.analyst.query import OUTPUT_FORMATS, DamagedTable, damaged_message, run_query, write_result
from etl.analyst.report import write_report
from etl.config import load_settings
from etl.warehouse.readme import (
    README_NAME,
    load_table_contract,
    undocumented_columns,
    warehouse_readme,
    write_warehouse_readme,
)
from etl.warehouse.tables import current_snapshot, damaged_tables

log = logging.getLogger(__name__)


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
    except DamagedTable as error:
        _error(str(error))
        return 1
    for table, damage in result.left_out.items():
        sys.stderr.write(f"warning: {damaged_message(table, damage)}\n")
    write_result(result, args.format, sys.stdout)
    sys.stdout.flush()
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """`etl report`: 0 with the path written, 1 when a table is damaged, 2 without a warehouse."""
    warehouse = _warehouse_dir(args)
    snapshot = current_snapshot(warehouse)
    if snapshot is None:
        _error(f"no warehouse snapshot in {warehouse}; run `etl run` first")
        return 2
    damaged = damaged_tables(snapshot)
    if damaged:  # the report reads every table
        table, damage = next(iter(damaged.items()))
        _error(damaged_message(table, damage))
        return 1
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
