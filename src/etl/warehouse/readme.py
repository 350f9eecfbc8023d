"""The warehouse's README: every table, column, type and meaning, and the join keys."""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
import uuid
from pathlib import Path

import etl
from etl import schemas

log = logging.getLogger(__name__)
README_NAME = "README.md"


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
    "events": "a real-world return (or a planned return, or a cumulative total), merged across documents and "
              "languages, with its figures, dates and how sure they are",
    "event_sources": "a fact (in one document) that reports an event",
    "event_mentions": "a published document's return figures as the events step reads them (mentions and passing "
                      "mentions), so events are recomputed without reading the texts",
    "story_signals": "a published document's compact clues for story matching (names, figures, places, a body "
                     "sketch), so stories are recomputed without reading the texts",
}

# (key, the column it refers to, meaning); listed when some table has the column.
_JOIN_KEYS = [
    ("doc_id", "documents.doc_id", "one document; joins `documents` to every table that has the column"),
    ("run_id", "runs.run_id", "the run that wrote the row"),
    ("fact_id", "facts.fact_id", "one counted fact"),
    ("parent_fact_id", "facts.fact_id", "the total this fact is a part of; null for totals, "
                                "so sum `value` only over rows where it is null"),
    ("story_id", "stories.story_id", "one story, reported by one or more documents"),
    ("event_id", "events.event_id", "one return; `event_sources` lists the documents and facts reporting it"),
    ("entity_id", "entities.entity_id", "one canonical entity, the same in every document (`entities` has a row "
                                        "per mention)"),
]


# (question, SQL, tables it needs): in the README of every snapshot and tested against a built warehouse.
EXAMPLE_QUESTIONS: list[tuple[str, str, set[str]]] = [
    ("How many documents are there per language and news agency?",
     "select lang, coalesce(source_agency, '(not stated)') as agency, count(*) as documents\n"
     "from documents group by all order by documents desc, lang",
     {"documents"}),
    ("How many people were repatriated per country and year? (One row of `events` is one return, however many "
     "documents report it; kind 'total' rows are cumulative figures and 'planned' ones have not happened yet: "
     "leave both out.)",
     "select country, year(date_from) as year, sum(people) as people, count(*) as returns\n"
     "from events where kind = 'return'\n"
     "group by all order by country, year",
     {"events"}),
    ("How many people came home in each operation and stage?",
     "select coalesce(operation, '(not named)') as operation, stage, country, count(*) as returns,\n"
     "       sum(people) as people, min(date_from) as first_date, max(date_to) as last_date\n"
     "from events where kind = 'return'\n"
     "group by operation, stage, country order by operation, try_cast(stage as integer) nulls last, country",
     {"events"}),
    ("Which returns do sources disagree on, and who says what?",
     "select country, operation, stage, date_from, people, people_low, people_high, n_documents, conflict_note\n"
     "from events where conflict\n"
     "order by country, date_from",
     {"events"}),
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

    for module in sorted(m.name for m in pkgutil.walk_packages(etl.__path__, "etl.")):
        if module == "etl.__main__":
            continue
        try:
            importlib.import_module(module)
        except Exception as error:  # a broken stage module must not hide the tables of the others
            log.warning("could not import %s: %s", module, error)
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
        "Each snapshot also holds `_manifest.json`: every part's size, mtime, sha256, row count and schema "
        "(column names and types, and the `etl.schema_version` read back from the part). Readers and runs check the "
        "sizes and mtimes on every read, `etl verify` the checksums; a damaged table is named and left out, and "
        "`etl repair` rebuilds it from the input. A run whose table schemas differ from the parts' stops with one "
        "line: old and new parts are never mixed; `etl repair` migrates the snapshot (rewrites those tables, each "
        "column cast to its new type).",
        "",
        "## Reading it",
        "",
        "From the folder that holds the warehouse (here `warehouse/`):",
        "",
        "```bash",
        "etl query \"select lang, count(*) as documents from documents group by lang\"  # one view per table",
        ("python -c \"import duckdb; duckdb.sql(\\\"select lang, count(*) from 'warehouse/documents/*.parquet' "
         "group by lang\\\").show()\"  # pip install -e '.[analyst]' for duckdb and polars"),
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
    return write_text_atomically(target, warehouse_readme())


def write_text_atomically(target: Path, text: str) -> Path:
    # A publish-managed link (README.md -> .current/README.md) is refreshed at its target, the link stays.
    if target.is_symlink():
        target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, target)
    return target
