"""A self-contained HTML report of the warehouse: runs, languages, agencies, repatriations, returns, gates."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from etl import schemas
from etl.analyst.query import connect
from etl.ingest.decode import FORMAT_CHARS
from etl.quality.results import aggregate_gates, gate_counts
from etl.warehouse.readme import write_text_atomically
from etl.warehouse.tables import current_snapshot, snapshot_tables

log = logging.getLogger(__name__)
REPORT_NAME = "report.html"


# --- HTML report --------------------------------------------------------------------------------------------

_MAX_TABLE_ROWS = 50


def _escape(value: str) -> str:
    """HTML-escaped, with invisible format characters shown as [U+XXXX]: texts are cleaned at ingest, but a file
    name keeps its characters, and a right-to-left override in one would reorder the page around it."""
    return html.escape(FORMAT_CHARS.sub(lambda match: f"[U+{ord(match.group()):04X}]", value))

_AGENCY_BARS = 20
_NOT_STATED = "(not stated)"

_RUNS_SQL = """
select run_id, status, started_at, finished_at, files_seen, published, quarantined, skipped_unchanged
from runs order by started_at desc nulls last, run_id desc
"""
_BY_LANGUAGE_SQL = "select lang, count(*) as n from documents group by lang order by n desc, lang nulls last"
_BY_AGENCY_SQL = ("select source_agency, count(*) as n from documents group by source_agency "
                  "order by n desc, source_agency nulls last")
# Parts of a breakdown (parent_fact_id set) are in their whole, a same_as_fact_id row restates another and an
# is_total row sums other rows: counting any would count people twice. A family is not one person.
_REPATRIATED_SQL = """
select country, year_from, sum(value) as people, count(*) as facts, count(distinct doc_id) as documents
from repatriations
where parent_fact_id is null and value is not null and subject is distinct from 'families' {and_not_total}
group by country, year_from
order by country nulls last, year_from nulls last
"""
# One row per return event (kind 'return'), with the languages and sources (agency, else title) reporting it.
_RETURNS_SQL = """
select e.country, e.operation, e.stage, e.date_from, e.people, e.n_documents,
       string_agg(distinct d.lang, ', ' order by d.lang) as languages,
       string_agg(distinct coalesce(d.source_agency, d.title), '; ') as sources
from events e left join event_sources s on s.event_id = e.event_id left join documents d on d.doc_id = s.doc_id
where e.kind = 'return'
group by e.event_id, e.country, e.operation, e.stage, e.date_from, e.people, e.n_documents
order by e.country nulls last, e.date_from nulls last, e.event_id
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
from dq_results where run_id = ? order by stage, suite, expectation
"""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;
color:#1f2328;background:#fff;line-height:1.4}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.2em;margin:0 0 .5em;border-bottom:1px solid #d0d7de;padding-bottom:4px}
section{margin:28px 0}nav a{margin-right:14px}.meta{color:#57606a}.note{color:#57606a;font-size:.9em}
table{border-collapse:collapse;font-size:.88em;width:100%}th,td{border:1px solid #d0d7de;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.wrap{max-width:420px;overflow-wrap:anywhere}.ok{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.warn{color:#9a6700;font-weight:600}
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
            ("returns", "Returns over time by country", _returns_section),
            ("documents", "Latest documents", _documents_section),
            ("quarantine", "Quarantined by reason", _quarantine_section),
            ("gates", "Latest gate results", _gates_section),
        ]
        bodies = [(anchor, heading, _safe_section(render, connection, with_rows)) for anchor, heading, render in sections]
    finally:
        connection.close()
    esc = _escape
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
    return write_text_atomically(out if out is not None else warehouse / REPORT_NAME, build_report(warehouse))


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
    # older snapshots lack some of these columns
    and_not_total = " ".join(condition for column, condition in (
        ("is_total", "and is_total is not true"), ("same_as_fact_id", "and same_as_fact_id is null"),
        ("planned", "and planned is not true")) if column in columns)
    rows = connection.execute(_REPATRIATED_SQL.format(and_not_total=and_not_total)).fetchall()
    if not rows:
        return '<p class="empty">No data yet (no counted totals in <code>repatriations</code>).</p>'
    bars = [(f"{country if country is not None else 'country not stated'} · "
             f"{year if year is not None else 'year not stated'}", people)
            for country, year, people, _, _ in rows]
    documents = connection.execute("select count(distinct doc_id) from repatriations").fetchone()[0]
    note = (f'<p class="note">Sum of the people counts stated in {documents} documents, grouped by country and the '
            "first year of the period: parts of a breakdown (<code>parent_fact_id</code> set), groups stated again "
            "(<code>same_as_fact_id</code>), figures marked as totals of other rows (<code>is_total</code>) and "
            "announced returns (<code>planned</code>) are left out, and so are counts of families. "
            "An operation reported by several articles is counted once per article.</p>")
    return _bar_chart(bars, caption="repatriated people by country and year", unit="people") + note


def _returns_section(connection: duckdb.DuckDBPyConnection, with_rows: set[str]) -> str:
    if "events" not in with_rows or not {"event_sources", "documents"} <= with_rows:
        return _no_data("events")
    rows = connection.execute(_RETURNS_SQL).fetchall()
    if not rows:
        return '<p class="empty">No data yet (no event of kind <code>return</code> in <code>events</code>).</p>'
    marks = []
    for country, operation, stage, date_from, people, n_documents, languages, sources in rows:
        name = " ".join(str(x) for x in (operation, stage) if x is not None) or "operation not named"
        label = (f"{country or 'country not stated'} · {name} · {date_from or 'date not stated'}: {people or 0:,} "
                 f"people; {n_documents or 0} document{'s' if n_documents != 1 else ''} ({languages or '?'})"
                 + (f": {sources}" if sources else ""))
        marks.append((country or "country not stated", date_from, people or 0, label))
    dated = [m for m in marks if m[1] is not None]
    undated = [m for m in marks if m[1] is None]
    note = (f'<p class="note">One mark per return in <code>events</code> (kind <code>return</code>), however many '
            f"documents report it; its size grows with the people brought home, its tooltip names its sources. "
            f"{len(undated)} return{'s' if len(undated) != 1 else ''} without a date are listed below the chart.</p>")
    table = _html_table(["return"], [(label,) for *_, label in undated], wrap={"return"}) if undated else ""
    return _timeline(dated, caption="returns over time by country") + note + table


def _timeline(marks: list[tuple[str, object, int, str]], caption: str) -> str:
    """Inline SVG: one row per country, one `rect.bar` square per (country, date, people, label) at its date."""
    if not marks:
        return '<p class="empty">No dated returns yet.</p>'
    esc = html.escape
    countries = sorted({m[0] for m in marks})
    ordinals = [m[1].toordinal() for m in marks]
    first, last = min(ordinals), max(ordinals)
    span = max(last - first, 1)
    top = max(m[2] for m in marks) or 1
    width, row = _LABEL_WIDTH + _PLOT_WIDTH + 90, 2 * _ROW_HEIGHT
    height = row * len(countries) + 30
    out = [_svg_open(width, height, caption)]
    for index, country in enumerate(countries):
        out.append(f'<text x="{_LABEL_WIDTH - 8}" y="{index * row + row // 2 + 5}" text-anchor="end">'
                   f"{esc(_truncate(country, 40))}</text>")
    for year in range(min(m[1].year for m in marks), max(m[1].year for m in marks) + 1):
        x = _LABEL_WIDTH + 20 + round(_PLOT_WIDTH * (max(first, date(year, 1, 1).toordinal()) - first) / span, 1)
        out.append(f'<text class="value" x="{x}" y="{height - 8}">{year}</text>')
    for (country, day, people, label), ordinal in zip(marks, ordinals):
        size = round(6 + 18 * (people / top) ** 0.5, 1)
        x = _LABEL_WIDTH + 20 + round(_PLOT_WIDTH * (ordinal - first) / span, 1) - size / 2
        y = countries.index(country) * row + (row - size) / 2
        out.append(f'<rect class="bar" x="{x}" y="{y}" width="{size}" height="{size}" opacity="0.75">'
                   f"<title>{esc(label)}</title></rect>")
    out.append("</svg>")
    return "".join(out)


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
    columns = ["stage", "suite", "expectation", "severity", "success", "element_count", "unexpected_count", "observed"]
    lines = aggregate_gates(dict(zip(columns, row)) for row in rows)  # one line per stage and expectation
    counts = gate_counts(lines)
    summary = (f'<p>Run <code>{html.escape(str(last[0]))}</code>: {len(lines)} expectations, '
               f'<span class="{"fail" if counts["FAIL"] else "ok"}">{counts["FAIL"]} failed</span>'
               + (f', {counts["quarantined"]} with rows quarantined' if counts["quarantined"] else "") + ".</p>")
    headers = ["stage", "expectation", "severity", "result", "rows checked", "unexpected", "shards checked",
               "failing shards", "example"]
    shown = [[_Mark(value) if header == "result" else value for header, value in line.as_row().items()]
             for line in lines]
    return summary + _html_table(headers, shown, numeric={"rows checked", "unexpected", "shards checked"},
                                 wrap={"example"})


@dataclass(frozen=True)
class _Mark:
    result: str  # pass, FAIL or "quarantined N"


def _html_table(headers: list[str], rows: Iterable[Sequence[object]], numeric: Collection[str] = (),
                wrap: Collection[str] = ()) -> str:
    esc = _escape
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in headers), "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>")
        for header, value in zip(headers, row):
            if isinstance(value, _Mark):
                css = {"pass": "ok", "FAIL": "fail"}.get(value.result, "warn")
                out.append(f'<td class="{css}">{esc(value.result)}</td>')
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


def _svg_open(width: float, height: float, caption: str) -> str:
    """The opening tag of a chart: sized, with its caption as the accessible label."""
    size = f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
    return f'<svg class="chart" {size} role="img" aria-label="{html.escape(caption)}">'


def _bar_chart(bars: list[tuple[str, float]], caption: str, unit: str) -> str:
    """A horizontal bar chart as inline SVG: one `rect.bar` per (label, value), labels escaped."""
    if not bars:
        return '<p class="empty">No data yet.</p>'
    esc = _escape
    top = max((value for _, value in bars), default=0) or 1
    width = _LABEL_WIDTH + _PLOT_WIDTH + 90
    height = _ROW_HEIGHT * len(bars) + 8
    out = [_svg_open(width, height, caption)]
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
