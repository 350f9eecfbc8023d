"""The whole flow on the real seeds, through the `etl` command, against the hand-checked gold."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SEEDS

from etl.quality.suites import default_expectations_dir
from etl.run.journal import read_journal
from etl.warehouse.tables import read_table
from etl_flows.cli import main

pytestmark = pytest.mark.usefixtures("prefect_server")


def _run(warehouse: Path, *extra: str, input_dir: Path = SEEDS) -> int:
    return main(["run", "--input", str(input_dir), "--warehouse", str(warehouse), *extra])


def test_seeds_published_as_in_gold(seeded_warehouse: Path, gold: list[dict]) -> None:
    documents = read_table(seeded_warehouse, "documents").set_index("source_path")
    assert len(documents) == 5
    for expected in gold:
        doc = documents.loc[expected["file"]]
        assert doc["lang"] == expected["lang"], expected["file"]
        assert doc["title"] == expected["title"], expected["file"]
        published = doc["published_date"]
        assert (str(published) if pd.notna(published) else None) == expected["published"], expected["file"]
        assert (doc["source_agency"] if pd.notna(doc["source_agency"]) else None) == expected["source_agency"]
        body_lines = {line.strip() for line in doc["body"].split("\n")}
        for boilerplate in expected["boilerplate"]:
            assert boilerplate not in body_lines, (expected["file"], boilerplate)
        assert doc["body"] and doc["char_count"] > len(doc["body"]) * 0.5


def test_tables_readable_with_duckdb_pandas_polars(seeded_warehouse: Path) -> None:
    import duckdb
    import polars as pl

    pattern = str(seeded_warehouse / "documents" / "**" / "*.parquet")
    assert duckdb.sql(f"select count(*) from '{pattern}'").fetchall()[0][0] == 5
    assert len(pd.read_parquet(seeded_warehouse / "documents")) == 5
    assert pl.read_parquet(pattern).height == 5
    schema = pl.read_parquet(pattern).schema
    assert schema["published_date"] == pl.Date and schema["char_count"] == pl.Int64


def test_run_recorded_with_conservation_and_gate_results(seeded_warehouse: Path) -> None:
    runs = read_table(seeded_warehouse, "runs")
    first = runs.sort_values("started_at").iloc[0]
    assert first["files_seen"] == first["published"] + first["quarantined"] + first["skipped_unchanged"]
    dq = read_table(seeded_warehouse, "dq_results")
    assert set(dq["stage"]) >= {"ingest", "language", "fields", "validate", "publish"}
    assert dq["success"].all()
    assert (seeded_warehouse / "_dq_docs" / "index.html").is_file()


def test_second_run_adds_nothing_and_skips_all(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    assert _run(warehouse) == 0
    before = {t: read_table(warehouse, t) for t in ("documents", "quarantine")}
    assert _run(warehouse, "--force") == 0  # through the flow, although nothing changed
    for table, frame in before.items():
        pd.testing.assert_frame_equal(read_table(warehouse, table), frame)
    last = read_table(warehouse, "runs").sort_values("started_at").iloc[-1]
    assert (last["published"], last["skipped_unchanged"], last["quarantined"]) == (0, 5, 0)


def test_unchanged_input_stops_before_the_flow_and_any_change_runs_it(tmp_path: Path, capsys) -> None:
    source, warehouse = tmp_path / "input", tmp_path / "warehouse"
    shutil.copytree(SEEDS, source)
    assert _run(warehouse, input_dir=source) == 0
    runs = len(read_table(warehouse, "runs"))
    capsys.readouterr()
    assert _run(warehouse, input_dir=source) == 0
    out = capsys.readouterr().out
    assert "nothing changed since run" in out and "skipped as unchanged 5" in out
    assert len(read_table(warehouse, "runs")) == runs  # no flow run, no new snapshot
    assert read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]["status"] == "unchanged"
    # a new file, an edited suite and another warehouse snapshot each make the next run do its work
    (source / "extra.txt").write_text("Заголовок\n\nТекст новой статьи о возвращении граждан.\n", encoding="utf-8")
    assert _run(warehouse, input_dir=source) == 0
    assert "nothing changed" not in capsys.readouterr().out
    assert len(read_table(warehouse, "runs")) == runs + 1
    suites = tmp_path / "suites"
    shutil.copytree(default_expectations_dir(), suites)
    assert _run(warehouse, "--expectations", str(suites), input_dir=source) == 0
    assert _run(warehouse, "--expectations", str(suites), input_dir=source) == 0
    assert "nothing changed" in capsys.readouterr().out
    suite = suites / "documents.json"
    suite.write_text(suite.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _run(warehouse, "--expectations", str(suites), input_dir=source) == 0
    assert "nothing changed" not in capsys.readouterr().out
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse)]) == 0  # another run moves the snapshot
    assert _run(warehouse, "--expectations", str(suites), input_dir=source) == 0
    assert "nothing changed" not in capsys.readouterr().out


def _suites_with(tmp_path: Path, stage_file: str, expectation: dict) -> Path:
    folder = tmp_path / "expectations"
    shutil.copytree(default_expectations_dir(), folder)
    suite = json.loads((folder / stage_file).read_text())
    suite["expectations"].append(expectation)
    (folder / stage_file).write_text(json.dumps(suite))
    return folder


def test_block_failure_keeps_previous_tables_and_exits_non_zero(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "warehouse"
    assert _run(warehouse) == 0
    snapshot = {t: read_table(warehouse, t) for t in ("documents", "quarantine", "dq_results", "runs")}
    suites = _suites_with(tmp_path, "language.json", {
        "type": "expect_column_values_to_be_in_set", "kwargs": {"column": "lang", "value_set": ["en"]},
        "meta": {"name": "english_only", "severity": "block"}})
    new_input = tmp_path / "input"
    shutil.copytree(SEEDS, new_input)
    (new_input / "extra.txt").write_text("Новая статья о репатриации\n\nВ Казахстан вернули 12 детей из Сирии, "
                                         "сообщает пресс-служба МИД.", encoding="utf-8")
    assert _run(warehouse, "--expectations", str(suites), input_dir=new_input) == 1
    assert "english_only" in capsys.readouterr().out
    from etl.run.journal import read_journal

    failed = read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]
    assert failed["status"] == "failed"
    assert [g["expectation"] for g in failed["failed_gates"]] == ["english_only"]
    for table, frame in snapshot.items():
        pd.testing.assert_frame_equal(read_table(warehouse, table), frame)


def test_quarantine_failure_moves_only_failing_rows(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    suites = _suites_with(tmp_path, "fields.json", {
        "type": "expect_column_values_to_not_match_regex",
        "kwargs": {"column": "title", "regex": "^Kazakhstan takes part"},
        "meta": {"name": "title_not_blacklisted", "severity": "quarantine"}})
    assert _run(warehouse, "--expectations", str(suites)) == 0
    documents = read_table(warehouse, "documents")
    quarantine = read_table(warehouse, "quarantine")
    assert len(documents) == 4 and "003_adb1bb14aa2d7c78.txt" not in set(documents["source_path"])
    assert quarantine[["source_path", "reason", "stage"]].values.tolist() == [
        ["003_adb1bb14aa2d7c78.txt", "title_not_blacklisted", "fields"]]
    run = read_table(warehouse, "runs").iloc[0]
    assert (run["published"], run["quarantined"]) == (4, 1)


def test_data_docs_readable_offline(seeded_warehouse: Path) -> None:
    import re

    site = seeded_warehouse / "_dq_docs"
    pages = list(site.rglob("*.html"))
    assert len(pages) > 5
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'<(?:link|script|img)[^>]+(?:href|src)="https?://', html), page.name
    index = (site / "index.html").read_text(encoding="utf-8")
    for stage in ("ingest", "language", "fields", "documents", "entities", "facts"):
        assert f">{stage}<" in index
    assert "<style>" in index


def test_entities_and_facts_point_into_published_bodies(seeded_warehouse: Path) -> None:
    documents = read_table(seeded_warehouse, "documents").set_index("doc_id")
    entities = read_table(seeded_warehouse, "entities")
    facts = read_table(seeded_warehouse, "facts")
    assert len(entities) > 20 and len(facts) >= 10
    for row in entities.itertuples():
        assert documents.loc[row.doc_id, "body"][row.start:row.end] == row.text
    for row in facts.itertuples():
        assert documents.loc[row.doc_id, "body"][row.start:row.end] in row.evidence
    # one id per canonical entity across documents and languages
    kazakhstan = entities[entities["canonical_id"] == "KZ"]
    assert kazakhstan["entity_id"].nunique() == 1 and kazakhstan["doc_id"].nunique() == 5


def test_same_story_in_two_languages_shares_a_story_id(seeded_warehouse: Path, gold: list[dict]) -> None:
    documents = read_table(seeded_warehouse, "documents")
    stories = read_table(seeded_warehouse, "stories").merge(documents[["doc_id", "source_path"]], on="doc_id")
    story_of = dict(zip(stories["source_path"], stories["story_id"]))
    assert len(story_of) == 5
    for expected in gold:
        twin = expected.get("same_story_as")
        if twin:
            assert story_of[expected["file"]] == story_of[twin]
    assert len(set(story_of.values())) == 5 - sum(1 for g in gold if g.get("same_story_as"))


def test_repatriations_join_document_fields(seeded_warehouse: Path) -> None:
    repatriations = read_table(seeded_warehouse, "repatriations")
    assert {"KG"} <= set(repatriations["country"].dropna())
    kyrgyz = repatriations[(repatriations["country"] == "KG") & repatriations["parent_fact_id"].isna()
                           & ~repatriations["is_total"]]
    assert sorted(kyrgyz["value"]) == [10, 81, 460]
    assert set(repatriations["lang"]) <= {"en", "ru"} and repatriations["title"].notna().all()


def test_duplicate_in_one_shard_is_quarantined_not_blocking(tmp_path: Path) -> None:
    source = tmp_path / "input"
    shutil.copytree(SEEDS, source)
    shutil.copy(source / "000_05cf54e97c6ddfc7.txt", source / "copy of 000.txt")
    warehouse = tmp_path / "warehouse"
    assert _run(warehouse, input_dir=source) == 0
    quarantine = read_table(warehouse, "quarantine")
    assert quarantine[["source_path", "reason"]].values.tolist() == [["copy of 000.txt", "duplicate"]]
    assert "000_05cf54e97c6ddfc7.txt" in quarantine.loc[0, "detail"]
    assert len(read_table(warehouse, "documents")) == 5


def test_parquet_parts_carry_schema_code_and_suite_versions(seeded_warehouse: Path) -> None:
    import pyarrow.parquet as pq

    from etl.schemas import SCHEMA_VERSION
    from etl_flows.pipeline import code_version

    part = next((seeded_warehouse / "documents").glob("*.parquet"))
    metadata = pq.read_schema(part).metadata
    assert metadata[b"etl.schema_version"].decode() == SCHEMA_VERSION
    assert metadata[b"etl.code_version"].decode() == code_version()
    assert len(metadata[b"etl.suites_version"]) == 16 and metadata[b"etl.table"] == b"documents"


def test_edited_file_replaces_its_old_document_and_rows(tmp_path: Path) -> None:
    source = tmp_path / "input"
    shutil.copytree(SEEDS, source)
    warehouse = tmp_path / "warehouse"
    assert _run(warehouse, input_dir=source) == 0
    edited = source / "004_943a50de686603a0.txt"
    old_id = read_table(warehouse, "documents").set_index("source_path").loc[edited.name, "doc_id"]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nДополнительно сообщается о 12 семьях.\n",
                      encoding="utf-8")
    assert _run(warehouse, input_dir=source) == 0
    documents = read_table(warehouse, "documents")
    assert len(documents) == 5 and documents["source_path"].is_unique
    assert old_id not in set(documents["doc_id"])
    for table in ("entities", "facts", "repatriations", "stories"):
        frame = read_table(warehouse, table)
        assert old_id not in set(frame["doc_id"]), table
        assert set(frame["doc_id"]) <= set(documents["doc_id"]), table
    kyrgyz = read_table(warehouse, "repatriations").query("country == 'KG' and parent_fact_id.isna() and not is_total")
    assert sorted(kyrgyz["value"]) == [10, 81, 460]  # counted once, not once per version


def test_second_run_adds_no_rows_to_any_data_table(seeded_warehouse: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(seeded_warehouse, warehouse, symlinks=True)
    tables = ("documents", "entities", "facts", "stories", "repatriations", "quarantine")
    before = {t: read_table(warehouse, t) for t in tables}
    assert _run(warehouse) == 0
    for table in tables:
        pd.testing.assert_frame_equal(read_table(warehouse, table), before[table], obj=table)


def test_a_foreign_folder_in_the_warehouse_fails_before_anything_is_swapped(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    (warehouse / "stories").mkdir(parents=True)
    assert _run(warehouse) == 1
    assert not (warehouse / ".current").exists()
