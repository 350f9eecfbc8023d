"""Re-running only what failed: content-keyed task results, failure injection, `etl rerun --failed`, the lock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import SEEDS
from etl.cli import main
from etl.journal import read_journal
from etl.locking import warehouse_lock
from etl.publish import read_table

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_failed_shard_is_the_only_work_recomputed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    warehouse = tmp_path / "warehouse"
    state = Path(os.environ["ETL_STATE_DIR"])
    args = ["run", "--input", str(SEEDS), "--warehouse", str(warehouse), "--shard-size", "2"]

    monkeypatch.setenv("ETL_INJECT_FAILURE", "language:1")
    assert main(args) == 1
    failed = read_journal(state)[-1]
    assert failed["status"] == "failed" and "language shard 1" in failed["error"]
    assert failed["tasks"]["ingest"]["executed"] == [0, 1, 2]
    assert failed["tasks"]["language"] == {"executed": [0, 2], "reused": [], "failed": [1]}
    assert not (warehouse / "documents").exists()  # nothing published

    monkeypatch.delenv("ETL_INJECT_FAILURE")
    capsys.readouterr()
    assert main(["rerun", "--failed"]) == 0
    out = capsys.readouterr().out
    rerun = read_journal(state)[-1]
    assert rerun["status"] == "completed" and rerun["parameters"] == failed["parameters"]
    tasks = rerun["tasks"]
    assert tasks["ingest"] == {"executed": [], "reused": [0, 1, 2], "failed": []}
    assert tasks["language"] == {"executed": [1], "reused": [0, 2], "failed": []}
    for stage in ("fields", "validate", "entities", "facts"):  # never ran before: computed now, once per shard
        assert tasks[stage] == {"executed": [0, 1, 2], "reused": [], "failed": []}, stage
    executed = sum(len(t["executed"]) for t in tasks.values())
    total = sum(len(t["executed"]) + len(t["reused"]) for t in tasks.values())
    assert (executed, total) == (13, 18)
    assert "language: recomputed [1], reused [0, 2]" in out
    assert len(read_table(warehouse, "documents")) == 5
    assert main(["rerun", "--failed"]) == 0
    assert "no failed run" in capsys.readouterr().out


def test_second_run_waits_or_stops_with_the_holder_named(tmp_path: Path, capsys) -> None:
    warehouse = tmp_path / "warehouse"
    with warehouse_lock(warehouse):
        assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse)]) == 3
    message = capsys.readouterr().out
    assert f"pid {os.getpid()}" in message and "--wait" in message
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse)]) == 0
