"""Re-running only what failed: content-keyed task results, failure injection, `etl rerun --failed`, the lock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import SEEDS

from etl.run.journal import read_journal
from etl.run.locking import warehouse_lock
from etl.warehouse.tables import read_table
from etl_flows.cli import main

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
    for stage in ("fields", "validate", "entities", "facts"):  # the other shards went on; shard 1 could not
        assert failed["tasks"][stage] == {"executed": [0, 2], "reused": [], "failed": []}, stage
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
    for stage in ("fields", "validate", "entities", "facts"):  # only shard 1 never ran before
        assert tasks[stage] == {"executed": [1], "reused": [0, 2], "failed": []}, stage
    executed = sum(len(t["executed"]) for t in tasks.values())
    total = sum(len(t["executed"]) + len(t["reused"]) for t in tasks.values())
    assert (executed, total) == (5, 18)
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


def test_edit_that_keeps_size_and_mtime_is_still_read_again(tmp_path: Path) -> None:
    source = tmp_path / "input"
    source.mkdir()
    article = source / "a.txt"
    article.write_text("Kazakhstan returned 37 citizens\n\nKazakhstan returned 37 citizens from Syria, "
                       "Kazinform reports.", encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    assert main(["run", "--input", str(source), "--warehouse", str(warehouse)]) == 0
    stat = article.stat()
    article.write_text(article.read_text(encoding="utf-8").replace("37", "38"), encoding="utf-8")
    os.utime(article, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert article.stat().st_size == stat.st_size and article.stat().st_mtime_ns == stat.st_mtime_ns
    assert main(["run", "--input", str(source), "--warehouse", str(warehouse)]) == 0
    documents = read_table(warehouse, "documents")
    assert len(documents) == 1 and "38" in documents.loc[0, "body"]


def test_transient_read_error_is_retried_not_quarantined(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import etl.ingest.documents

    real_read, failures = etl.ingest.documents.read_limited, []

    def flaky_read(*args, **kwargs):
        if not failures:
            failures.append(args[0])
            raise OSError(errno.EIO, "Input/output error")
        return real_read(*args, **kwargs)

    monkeypatch.setattr(etl.ingest.documents, "read_limited", flaky_read)
    warehouse = tmp_path / "warehouse"
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse)]) == 0
    assert len(failures) == 1
    assert len(read_table(warehouse, "documents")) == 5 and read_table(warehouse, "quarantine").empty


def test_facts_cache_key_follows_the_entities() -> None:
    from types import SimpleNamespace

    from etl.quality.suites import default_expectations_dir, load_suites
    from etl.run.shards import StageOutput
    from etl_flows.pipeline import _facts_key

    def output(stage: str, key: str) -> StageOutput:
        return StageOutput(stage, 0, key, None, 1)

    context = SimpleNamespace(task=SimpleNamespace(name="facts"))
    suite = load_suites(default_expectations_dir())["facts"]
    docs = output("validate", "docs-1")
    key = _facts_key(context, {"documents": docs, "entities": output("entities", "ents-1"), "suite": suite})
    assert key == _facts_key(context, {"documents": docs, "entities": output("entities", "ents-1"), "suite": suite})
    assert key != _facts_key(context, {"documents": docs, "entities": output("entities", "ents-2"), "suite": suite})
    assert key != _facts_key(context, {"documents": output("validate", "docs-2"),
                                       "entities": output("entities", "ents-1"), "suite": suite})
