"""Suites load strictly; gates split rows by severity."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl.quality.gate import run_gate
from etl.quality.suites import SuiteError, default_expectations_dir, load_suites


def test_project_suites_load_with_every_expectation_kept() -> None:
    suites = load_suites(default_expectations_dir())
    assert {"ingest", "language", "fields", "validate"} <= set(suites)
    for path in default_expectations_dir().glob("*.json"):
        raw = json.loads(path.read_text())
        assert len(suites[raw["meta"]["stage"]].expectations) == len(raw["expectations"])


def _write_suite(folder: Path, expectations: list[dict], name: str = "probe") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.json").write_text(json.dumps(
        {"name": name, "meta": {"stage": name, "row_id": "doc_id"}, "expectations": expectations}))
    return folder


@pytest.mark.parametrize("expectation, message", [
    ({"type": "expect_column_values_to_not_be_nul", "kwargs": {"column": "x"},
      "meta": {"name": "typo", "severity": "block"}}, "GX accepted 0"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"},
      "meta": {"name": "no_severity"}}, "severity"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"},
      "meta": {"name": "bad_severity", "severity": "warn"}}, "severity"),
    ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"},
      "meta": {"severity": "block"}}, "meta.name"),
])
def test_invalid_suites_are_refused(tmp_path: Path, expectation: dict, message: str) -> None:
    folder = _write_suite(tmp_path / "suites", [expectation])
    with pytest.raises(SuiteError, match=message):
        load_suites(folder)


def test_quarantine_expectation_moves_only_failing_rows(tmp_path: Path) -> None:
    folder = _write_suite(tmp_path / "suites", [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "title"},
         "meta": {"name": "no_title", "severity": "quarantine"}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "char_count", "min_value": 1},
         "meta": {"name": "positive_length", "severity": "block"}},
    ])
    suite = load_suites(folder)["probe"]
    frame = pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "source_path": ["a.txt", "b.txt", "c.txt"],
                          "title": ["One", None, "Three"], "char_count": [3, 4, 5]})
    result = run_gate(frame, suite)
    assert not result.blocked
    assert list(result.passed["doc_id"]) == ["d1", "d3"]
    assert result.quarantined[["source_path", "doc_id", "reason"]].values.tolist() == [["b.txt", "d2", "no_title"]]
    assert dict(zip(result.dq_results["expectation"], result.dq_results["success"])) == {
        "no_title": False, "positive_length": True}


def test_block_expectation_reports_and_keeps_rows(tmp_path: Path) -> None:
    folder = _write_suite(tmp_path / "suites", [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "char_count", "min_value": 1},
         "meta": {"name": "positive_length", "severity": "block"}},
    ])
    suite = load_suites(folder)["probe"]
    frame = pd.DataFrame({"doc_id": ["d1", "d2"], "char_count": [3, 0]})
    result = run_gate(frame, suite)
    assert result.blocked and "positive_length" in result.blocked_by[0]
    assert result.quarantined.empty
    assert result.dq_results.loc[0, "unexpected_count"] == 1


def test_gate_on_empty_frame_passes() -> None:
    suite = load_suites(default_expectations_dir())["ingest"]
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in ["doc_id", "source_path"]}).assign(
        char_count=pd.Series([], dtype="int64"))
    result = run_gate(frame, suite)
    assert not result.blocked and result.passed.empty and result.dq_results["success"].all()


def test_entity_offsets_checked_against_the_body() -> None:
    from etl.quality.checks import with_entity_check_columns

    documents = pd.DataFrame({"doc_id": ["d1"], "body": ["Операция «Жусан» в Казахстане"]})
    entities = pd.DataFrame({
        "entity_id": ["e1", "e2", "e3"], "doc_id": ["d1"] * 3, "entity_type": ["OPERATION", "LOC", "LOC"],
        "text": ["Жусан", "Казахстане", "Сирии"], "start": [10, 19, 0], "end": [15, 29, 5],
        "canonical_name": ["Zhusan", "Kazakhstan", "Syria"], "canonical_id": ["op:zhusan", "KZ", "SY"],
        "confidence": [1.0] * 3, "extractor": ["test"] * 3, "in_title": [False] * 3})
    checked = with_entity_check_columns(entities, documents)
    assert list(checked["offset_ok"]) == [True, True, False]
    assert checked["country_code"].isna().tolist() == [True, False, False]
    assert list(checked["country_code"].iloc[1:]) == ["KZ", "SY"]
    suite = load_suites(default_expectations_dir())["entities"]
    result = run_gate(checked, suite)
    assert result.blocked and "entity_offsets_valid" in result.blocked_by[0]


DEFERRED_CHECK = """
import sys
from pathlib import Path
from etl.config import Settings
from etl.run.baseline import run_in_process
work = Path(sys.argv[1])
summary = run_in_process(Settings(input_dir=Path(sys.argv[2]), warehouse_dir=work / "warehouse",
                                  state_dir=work / "state"))
assert summary.published == 5, summary
print("scipy.stats._distn_infrastructure" in sys.modules, "altair.vegalite" in sys.modules, "sqlalchemy" in sys.modules)
from scipy import stats
import altair
import sqlalchemy
print(stats.norm.cdf(0.0), altair.Chart.__name__, type(sys.modules["scipy.stats"]).__name__, bool(sqlalchemy.__version__))
"""


def test_a_whole_run_gates_without_loading_scipy_stats_altair_or_sqlalchemy_until_someone_uses_them(tmp_path: Path) -> None:
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    done = subprocess.run([sys.executable, "-c", DEFERRED_CHECK, str(tmp_path), str(seeds)], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded_during_gate, after_use = done.stdout.strip().splitlines()[-2:]
    assert loaded_during_gate == "False False False"  # SQLAlchemy: hidden from Great Expectations as it loads
    assert after_use == "0.5 Chart module True"  # first use imports the real module, which takes its place
