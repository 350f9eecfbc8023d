"""The analysts' view: SQL over the snapshot, the warehouse README, the HTML report (and its rendering in Chromium)."""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import re
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import PROJECT

from etl import schemas
from etl.analyst import query
from etl.analyst import report as analyst_report
from etl.warehouse import readme as warehouse_readme
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import read_table
from etl_flows import analyst_commands

MALICIOUS = "<script>alert(1)</script>"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)

DOCUMENTS = pd.DataFrame([
    {"doc_id": "d1", "source_path": "a.txt", "lang": "en", "title": "Kazakhstan brings home 37", "source_agency": "Kazinform"},
    {"doc_id": "d2", "source_path": "b.txt", "lang": "ru", "title": "Казахстан вернул 37 граждан", "source_agency": "Kazinform"},
    {"doc_id": "d3", "source_path": "c.txt", "lang": "ru", "title": MALICIOUS, "source_agency": MALICIOUS},
    {"doc_id": "d4", "source_path": "d.txt", "lang": "uz", "title": "Uzbekistan: Mehr-5", "source_agency": None},
    {"doc_id": "d5", "source_path": "e.txt", "lang": "ky", "title": "Kyrgyzstan returns children", "source_agency": "24.kg"},
])

# Kazakhstan 2019: 600 (the 250 women are part of the 600); Uzbekistan 2019: 98; Uzbekistan, no year: 25 + 5;
# no country 2021: 40. The 12 families are not people; f8 restates f4 as a total ("in all, 25").
REPATRIATIONS = pd.DataFrame([
    {"fact_id": "f1", "doc_id": "d1", "country": "KZ", "year_from": 2019, "subject": "persons", "value": 600},
    {"fact_id": "f2", "doc_id": "d1", "country": "KZ", "year_from": 2019, "subject": "women", "value": 250,
     "parent_fact_id": "f1"},
    {"fact_id": "f3", "doc_id": "d4", "country": "UZ", "year_from": 2019, "subject": "women_and_children", "value": 98},
    {"fact_id": "f4", "doc_id": "d4", "country": "UZ", "year_from": None, "subject": "children", "value": 25},
    {"fact_id": "f5", "doc_id": "d2", "country": "UZ", "year_from": None, "subject": "persons", "value": 5},
    {"fact_id": "f6", "doc_id": "d5", "country": None, "year_from": 2021, "subject": "children", "value": 40},
    {"fact_id": "f7", "doc_id": "d5", "country": "KG", "year_from": 2021, "subject": "families", "value": 12},
    {"fact_id": "f8", "doc_id": "d4", "country": "UZ", "year_from": None, "subject": "persons", "value": 25,
     "is_total": True},
])


# Mehr is named in d4 and d5 with UNICEF in both and Mirziyoyev in d4; Zhusan in d1 with UNICEF; d2 names no operation.
ENTITIES = pd.DataFrame([
    {"entity_id": e, "doc_id": d, "entity_type": t, "text": n, "start": 0, "end": len(n), "canonical_name": n,
     "canonical_id": c, "confidence": 1.0, "extractor": "test"}
    for e, d, t, n, c in [
        ("o1", "d4", "OPERATION", "Mehr", "op:mehr"), ("o1", "d5", "OPERATION", "Mehr", "op:mehr"),
        ("o2", "d1", "OPERATION", "Zhusan", "op:zhusan"),
        ("g1", "d4", "ORG", "UNICEF", "org:unicef"), ("g1", "d5", "ORG", "UNICEF", "org:unicef"),
        ("g1", "d1", "ORG", "UNICEF", "org:unicef"), ("g1", "d2", "ORG", "UNICEF", "org:unicef"),
        ("p1", "d4", "PERSON", "Shavkat Mirziyoyev", "person:shavkat-mirziyoyev"),
        ("l1", "d4", "LOC", "Uzbekistan", "UZ")]])

# Kazakhstan 2019: one return of 600 (two documents) and one of 98 reported in 2020 whose sources disagree;
# Uzbekistan, no date: 30; a cumulative total and a plan that the analysts' answers leave out.
EVENTS = pd.DataFrame([
    {"event_id": "e1", "kind": "return", "country": "KZ", "operation": "Zhusan", "stage": "2", "people": 600,
     "date_from": date(2019, 5, 7), "date_to": date(2019, 5, 9), "n_documents": 2, "conflict": False},
    {"event_id": "e2", "kind": "return", "country": "KZ", "operation": "Zhusan", "stage": "10", "people": 98,
     "date_from": date(2019, 11, 1), "date_to": date(2019, 11, 30), "people_low": 95, "people_high": 98,
     "n_documents": 2, "conflict": True, "conflict_note": "people: 98 (1 document: en); 95 (1 document: ru)"},
    {"event_id": "e3", "kind": "return", "country": "UZ", "operation": None, "stage": None, "people": 30,
     "n_documents": 1, "conflict": False},
    {"event_id": "e4", "kind": "total", "country": "KZ", "people": 700, "n_documents": 1, "conflict": False},
    {"event_id": "e5", "kind": "planned", "country": "UZ", "people": 300, "n_documents": 1, "conflict": False},
])

EVENT_SOURCES = pd.DataFrame({"event_id": ["e1", "e1", "e2", "e2", "e3", "e4", "e5"],
                              "doc_id": ["d1", "d2", "d1", "d2", "d4", "d1", "d4"],
                              "fact_id": ["f1", "f9", "f10", "f11", "f4", "f12", "f13"]})


def _gates(run_id: str, checked_at: datetime, failing: str | None = None) -> pd.DataFrame:
    names = ["doc_id_unique", "title_length", f"only_in_{run_id}"]
    return pd.DataFrame([{"run_id": run_id, "stage": "ingest", "suite": "ingest", "expectation": name,
                          "severity": "block", "success": name != failing, "element_count": 5,
                          "unexpected_count": int(name == failing), "observed": MALICIOUS if name == failing else None,
                          "checked_at": checked_at} for name in names])


def _run_row(run_id: str, started: datetime, published: int) -> pd.DataFrame:
    return pd.DataFrame([{"run_id": run_id, "status": "completed", "started_at": started,
                          "finished_at": started + timedelta(seconds=12), "files_seen": published + 1,
                          "published": published, "quarantined": 1, "skipped_unchanged": 0}])


@pytest.fixture
def built(warehouse: Path) -> Path:
    """Two runs: the first publishes two documents, the second the rest, the quarantine and the repatriations."""
    publish_snapshot(warehouse, "r1", {
        "documents": DOCUMENTS.iloc[:2].assign(run_id="r1", ingested_at=T0),
        "runs": _run_row("r1", T0, 2), "dq_results": _gates("r1", T0)})
    later = T0 + timedelta(days=1)
    publish_snapshot(warehouse, "r2", {
        "documents": DOCUMENTS.iloc[2:].assign(run_id="r2", ingested_at=later),
        "runs": _run_row("r2", later, 3), "dq_results": _gates("r2", later, failing="title_length"),
        "quarantine": pd.DataFrame([
            {"source_path": "x.bin", "stage": "ingest", "reason": "binary", "detail": MALICIOUS, "run_id": "r2"},
            {"source_path": "y.txt", "stage": "ingest", "reason": "empty", "detail": "no text", "run_id": "r2"},
            {"source_path": "z.txt", "stage": "ingest", "reason": "empty", "detail": "no text", "run_id": "r2"}]),
        "repatriations": REPATRIATIONS, "entities": ENTITIES, "events": EVENTS,
        "event_sources": EVENT_SOURCES,
        "stories": pd.DataFrame({"story_id": ["s1", "s1", "s4"], "doc_id": ["d1", "d2", "d4"], "lang": ["en", "ru", "uz"]})})
    return warehouse


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="etl")
    analyst_commands.add_cli_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.handler(args)


# --- query ------------------------------------------------------------------------------------------------


def test_one_view_per_table_folder_with_the_snapshot_rows(built: Path) -> None:
    views = query.run_query(built, "select view_name from duckdb_views() where not internal order by 1").rows
    assert [v for (v,) in views] == sorted(p.name for p in (built / ".current").iterdir()
                                          if p.is_dir() and not p.name.startswith("_"))
    result = query.run_query(built, "select lang, count(*) as n from documents group by lang order by lang")
    assert result.columns == ["lang", "n"]
    assert result.rows == [("en", 1), ("ky", 1), ("ru", 2), ("uz", 1)]
    joined = query.run_query(built, "select d.doc_id, r.started_at from documents d join runs r using (run_id) "
                                      "where d.lang = 'uz'").rows
    assert joined == [("d4", T0 + timedelta(days=1))]


def test_views_pin_the_snapshot_they_were_made_from(built: Path) -> None:
    connection = query.connect(built)
    try:
        # A replaced table: the new snapshot holds none of the parts the views were made from.
        publish_snapshot(built, "r3", {}, {"documents": pd.DataFrame([{"doc_id": "d9", "lang": "kk", "run_id": "r3"}])})
        assert connection.execute("select count(*) from documents").fetchone()[0] == 5
    finally:
        connection.close()
    assert query.run_query(built, "select doc_id from documents").rows == [("d9",)]


def test_table_and_path_names_are_quoted(tmp_path: Path, monkeypatch) -> None:
    odd = 'it\'s "odd"; drop'
    monkeypatch.setitem(schemas.TABLES, odd, pa.schema([("doc_id", pa.string())]))
    warehouse = tmp_path / "ware'house \"x\""
    publish_snapshot(warehouse, "r1", {odd: pd.DataFrame({"doc_id": ["a", "b"]})})
    assert query.quote_identifier(odd) == '"it\'s ""odd""; drop"'
    assert query.run_query(warehouse, 'select count(*) from "it\'s ""odd""; drop"').rows == [(2,)]


def test_known_table_without_parts_is_an_empty_view(warehouse: Path) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _run_row("r1", T0, 0)})
    result = query.run_query(warehouse, "select * from quarantine")
    assert result.rows == [] and result.columns == schemas.TABLES["quarantine"].names


@pytest.mark.parametrize("output_format", ["table", "csv", "json"])
def test_query_command_formats(built: Path, output_format: str, capsys) -> None:
    sql = "select doc_id, lang, source_agency from documents order by doc_id"
    assert _cli(["query", sql, "--warehouse", str(built), "--format", output_format]) == 0
    out = capsys.readouterr().out
    expected = read_table(built, "documents").sort_values("doc_id")
    if output_format == "json":
        records = json.loads(out)
        assert [r["doc_id"] for r in records] == list(expected["doc_id"])
        assert records[3]["source_agency"] is None
    elif output_format == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["doc_id", "lang", "source_agency"]
        assert [r[0] for r in rows[1:]] == list(expected["doc_id"])
    else:
        lines = out.splitlines()
        assert lines[0].split() == ["doc_id", "lang", "source_agency"] and lines[-1] == "(5 rows)"
        assert lines[4].split() == ["d3", "ru", MALICIOUS]


def test_query_command_errors(built: Path, tmp_path: Path, capsys) -> None:
    assert _cli(["query", "select * from no_such_table", "--warehouse", str(built)]) == 1
    assert "no_such_table" in capsys.readouterr().err
    assert _cli(["query", "select 1", "--warehouse", str(tmp_path / "none")]) == 2
    assert "run `etl run` first" in capsys.readouterr().err


def test_table_output_neutralizes_terminal_escapes() -> None:
    result = query.QueryResult(["title"], [("evil\x1b]0;owned\x07\nnext line",)])
    out = io.StringIO()
    query.write_result(result, "table", out)
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    assert out.getvalue().splitlines()[2].startswith("evil")


# --- README -------------------------------------------------------------------------------------------------


def test_every_column_of_every_table_is_documented() -> None:
    warehouse_readme.load_table_contract()
    assert warehouse_readme.undocumented_columns() == []
    assert warehouse_readme.stale_column_docs() == []


def test_missing_column_doc_is_flagged(monkeypatch) -> None:
    monkeypatch.setitem(schemas.TABLES, "extra", pa.schema([("doc_id", pa.string()), ("mystery", pa.int32())]))
    monkeypatch.setitem(schemas.COLUMN_DOCS, "extra", {"doc_id": "document"})
    assert warehouse_readme.undocumented_columns() == [("extra", "mystery")]
    assert "| `mystery` | `int32` | **undocumented** |" in warehouse_readme.warehouse_readme()


def test_readme_lists_every_table_column_type_and_join_key(monkeypatch) -> None:
    warehouse_readme.load_table_contract()
    readme = warehouse_readme.warehouse_readme()
    assert f"Schema version **{schemas.SCHEMA_VERSION}**" in readme
    for table, schema in schemas.TABLES.items():
        assert f"\n## {table}\n" in readme
        for field in schema:
            assert f"| `{field.name}` | `{field.type}` |" in readme, (table, field.name)
    assert "| `doc_id` | `documents.doc_id` |" in readme and "| `run_id` | `runs.run_id` |" in readme
    for needle in ("pd.read_parquet(", "pl.read_parquet(", "duckdb", "etl query"):
        assert needle in readme
    monkeypatch.setattr(schemas, "TABLES", dict(reversed(list(schemas.TABLES.items()))))
    assert warehouse_readme.warehouse_readme() == readme  # independent of registration order


def test_written_readme_equals_generated_and_check_mode(tmp_path: Path, capsys) -> None:
    path = warehouse_readme.write_warehouse_readme(tmp_path)
    assert path == tmp_path / "README.md"
    assert path.read_text(encoding="utf-8") == warehouse_readme.warehouse_readme()
    assert _cli(["docs", "--out", str(path), "--check"]) == 0
    path.write_text(path.read_text(encoding="utf-8").replace("| `lang` |", "| `language` |"), encoding="utf-8")
    assert _cli(["docs", "--out", str(path), "--check"]) == 1
    assert _cli(["docs", "--out", str(path)]) == 0
    assert _cli(["docs", "--out", str(path), "--check"]) == 0


def test_committed_warehouse_docs_are_in_sync() -> None:
    warehouse_readme.load_table_contract()
    committed = PROJECT / "docs" / "warehouse.md"
    assert committed.read_text(encoding="utf-8") == warehouse_readme.warehouse_readme(), (
        "docs/warehouse.md is out of date: run `etl docs --out docs/warehouse.md`")


def test_readme_example_questions_answer_on_a_built_warehouse(built: Path) -> None:
    blocks = re.findall(r"```sql\n(.*?)```", warehouse_readme.warehouse_readme(), flags=re.S)
    assert len(blocks) == len(warehouse_readme.EXAMPLE_QUESTIONS) == 7
    by_agency, people, per_operation, disputed, co_mentioned, stories, quarantined = (
        query.run_query(built, sql).rows for sql in blocks)
    assert sorted(by_agency, key=str) == sorted([("en", "Kazinform", 1), ("ru", "Kazinform", 1), ("ru", MALICIOUS, 1),
                                                 ("uz", "(not stated)", 1), ("ky", "24.kg", 1)], key=str)
    assert people == [("KZ", 2019, 698, 2), ("UZ", None, 30, 1)]  # the total and the plan left out
    assert per_operation == [("(not named)", None, "UZ", 1, 30, None, None),
                             ("Zhusan", "2", "KZ", 1, 600, date(2019, 5, 7), date(2019, 5, 9)),
                             ("Zhusan", "10", "KZ", 1, 98, date(2019, 11, 1), date(2019, 11, 30))]
    assert disputed == [("KZ", "Zhusan", "10", date(2019, 11, 1), 98, 95, 98, 2,
                         "people: 98 (1 document: en); 95 (1 document: ru)")]
    assert co_mentioned == [("Mehr", "ORG", "UNICEF", 2), ("Mehr", "PERSON", "Shavkat Mirziyoyev", 1),
                            ("Zhusan", "ORG", "UNICEF", 1)]
    assert stories == [("s1", 2, "en, ru")]
    assert quarantined == [("empty", "ingest", 2, "y.txt", "r2"), ("binary", "ingest", 1, "x.bin", "r2")]


# --- report -------------------------------------------------------------------------------------------------


def _sections(page: str) -> dict[str, str]:
    return dict(re.findall(r'<section id="([a-z_]+)">(.*?)</section>', page, flags=re.S))


def _bars(section: str) -> dict[str, str]:
    """Bar tooltip label -> value text, one per rect.bar."""
    assert section.count("<svg") == 1
    return dict(re.findall(r'<rect class="bar"[^>]*><title>(.*?): ([\d,.]+) \w+</title>', section))


def test_report_is_self_contained(built: Path) -> None:
    page = analyst_report.build_report(built)
    assert not re.search(r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page, flags=re.I)
    assert not re.search(r"url\(|@import|<link|<script|<iframe", page, flags=re.I)
    assert "default-src 'none'" in page
    assert analyst_report.build_report(built) == page  # a pure function of the snapshot


def test_report_charts_have_one_bar_per_group(built: Path) -> None:
    sections = _sections(analyst_report.build_report(built))
    documents = read_table(built, "documents")
    languages = _bars(sections["languages"])
    assert len(languages) == documents["lang"].nunique(dropna=False) == 4
    assert languages["ru"] == "2"
    agencies = _bars(sections["agencies"])
    assert len(agencies) == documents["source_agency"].nunique(dropna=False)
    assert agencies["Kazinform"] == "2" and agencies["(not stated)"] == "1"

    facts = read_table(built, "repatriations")
    totals = facts[facts["parent_fact_id"].isna() & ~facts["is_total"].fillna(False).astype(bool)
                   & (facts["subject"] != "families")]
    groups = totals.groupby(["country", "year_from"], dropna=False)["value"].sum()
    people = _bars(sections["repatriations"])
    assert len(people) == len(groups) == 4
    assert people == {"KZ · 2019": "600", "UZ · 2019": "98", "UZ · year not stated": "30",
                      "country not stated · 2021": "40"}
    widths = [float(w) for w in re.findall(r'<rect class="bar"[^>]*width="([\d.]+)"', sections["repatriations"])]
    assert max(widths) == 600 and min(widths) == pytest.approx(600 * 30 / 600)

    reasons = _bars(sections["quarantine"])
    assert reasons == {"empty": "2", "binary": "1"}
    assert sections["runs"].count("<tr>") == 1 + 2


def test_report_has_one_mark_per_dated_return_labelled_with_its_sources(built: Path) -> None:
    returns = _sections(analyst_report.build_report(built))["returns"]
    marks = re.findall(r'<rect class="bar"[^>]*><title>(.*?)</title>', returns)
    assert marks == ["KZ · Zhusan 2 · 2019-05-07: 600 people; 2 documents (en, ru): Kazinform",
                     "KZ · Zhusan 10 · 2019-11-01: 98 people; 2 documents (en, ru): Kazinform"]
    sizes = [float(w) for w in re.findall(r'<rect class="bar"[^>]*width="([\d.]+)"', returns)]
    assert sizes[0] > sizes[1]  # more people, a larger mark
    assert "UZ · operation not named · date not stated: 30 people; 1 document (uz): Uzbekistan: Mehr-5" in returns
    assert "700" not in returns and "300 people" not in returns  # the total and the plan are no returns


def test_report_shows_gates_of_the_last_run_only(built: Path) -> None:
    gates = _sections(analyst_report.build_report(built))["gates"]
    assert "only_in_r2" in gates and "only_in_r1" not in gates
    assert "3 expectations" in gates and "1 failed" in gates
    assert gates.count(">FAIL<") == 1 and gates.count(">pass<") == 2


def test_report_escapes_text_from_the_data(built: Path) -> None:
    page = analyst_report.build_report(built)
    assert MALICIOUS not in page
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    sections = _sections(page)
    assert escaped in sections["documents"]  # title and agency
    assert escaped in sections["agencies"] and escaped in sections["quarantine"] and escaped in sections["gates"]


def test_report_without_repatriations_says_no_data_yet(warehouse: Path, tmp_path: Path, capsys) -> None:
    publish_snapshot(warehouse, "r1", {"documents": DOCUMENTS.assign(run_id="r1"), "runs": _run_row("r1", T0, 5)})
    out = tmp_path / "out" / "r.html"
    assert _cli(["report", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    sections = _sections(out.read_text(encoding="utf-8"))
    assert "No data yet" in sections["repatriations"] and "<svg" not in sections["repatriations"]
    assert "No data yet" in sections["quarantine"] and "No data yet" in sections["gates"]
    assert len(_bars(sections["languages"])) == 4
    assert _cli(["report", "--warehouse", str(tmp_path / "none")]) == 2


def test_many_agencies_are_capped_with_an_others_bar(warehouse: Path) -> None:
    agencies = pd.DataFrame({"doc_id": [f"d{i}" for i in range(30)], "lang": "en",
                             "source_agency": [f"agency {i % 25}" for i in range(30)]})
    publish_snapshot(warehouse, "r1", {"documents": agencies})
    bars = _bars(_sections(analyst_report.build_report(warehouse))["agencies"])
    assert len(bars) == 20 and bars["6 other agencies"] == "6"
    assert sum(int(v) for v in bars.values()) == 30


# --- rendering in a real browser ----------------------------------------------------------------------------

_BENCH = PROJECT / "bench" / "check_report_chromium.py"


def _bench_module():
    if "check_report_chromium" in sys.modules:
        return sys.modules["check_report_chromium"]
    spec = importlib.util.spec_from_file_location("check_report_chromium", _BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module runs
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(),
                    reason="/usr/bin/chromium not installed (apt-get install -y chromium)")
def test_report_renders_in_headless_chromium(built: Path, tmp_path: Path) -> None:
    bench = _bench_module()
    report_page = analyst_report.write_report(built)
    checks = bench.check_report(report_page, tmp_path / "render")
    assert [c.name for c in checks if not c.passed] == [], [(c.name, c.detail) for c in checks]
    assert (tmp_path / "render" / "report.png").stat().st_size > 5000


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    return min((abs(p - a), 0, a), (abs(p - b), 1, b), (abs(p - c), 2, c))[2]


_PREDICTORS = {0: lambda a, b, c: 0, 1: lambda a, b, c: a, 2: lambda a, b, c: b,
               3: lambda a, b, c: (a + b) // 2, 4: _paeth}


def _png(width: int, pixel_rows: list[bytes], filters: list[int], channels: int = 3) -> bytes:
    """An RGB PNG whose rows are encoded with the given filter types (PNG spec, section 9)."""
    import struct
    import zlib

    encoded, previous = b"", bytes(width * channels)
    for row, kind in zip(pixel_rows, filters):
        out = bytearray([kind])
        for i, value in enumerate(row):
            a = row[i - channels] if i >= channels else 0
            c = previous[i - channels] if i >= channels else 0
            out.append((value - _PREDICTORS[kind](a, previous[i], c)) & 0xFF)
        encoded, previous = encoded + bytes(out), row

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, len(pixel_rows), 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(encoded)) + chunk(b"IEND", b"")


def test_png_decoder_undoes_every_filter_type() -> None:
    import random

    generator = random.Random(7)
    width, filters = 5, [0, 1, 2, 3, 4, 4, 3, 2, 1, 0]
    rows = [bytes(generator.randrange(256) for _ in range(width * 3)) for _ in filters]
    bench = _bench_module()
    assert bench.decode_png(_png(width, rows, filters)) == (width, len(rows), 3, b"".join(rows))
    flat = _png(4, [bytes([200, 200, 200] * 4)] * 3, [0, 2, 4])
    assert bench.screenshot_stats(flat)["variance"] == 0


def test_repatriations_chart_on_a_snapshot_without_is_total(warehouse: Path, monkeypatch) -> None:
    schema = schemas.TABLES["repatriations"]
    monkeypatch.setitem(schemas.TABLES, "repatriations", schema.remove(schema.get_field_index("is_total")))
    publish_snapshot(warehouse, "r1", {"repatriations": REPATRIATIONS.drop(columns="is_total")})
    people = _bars(_sections(analyst_report.build_report(warehouse))["repatriations"])
    assert people["UZ · year not stated"] == "55"  # without the mark, the restated total is counted too
