"""What an operator sees: `etl run` under a real pseudo-terminal draws a bar per stage counting documents, a reused
run says `reused`, the flow logs heartbeat lines through Prefect's logger, one shard numbering everywhere, and a
failure shows as one line (tracebacks in <state_dir>/etl.log, on the terminal only with ETL_LOG_LEVEL=DEBUG)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS

from etl.run.progress import RunProgress

pytestmark = pytest.mark.slow
STAGES = ("ingest", "language", "fields", "validate", "entities", "facts")
STYLE = re.compile(r"\x1b\[[0-9;]*m")  # colours: dropped
MOVES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r")  # cursor moves and redraws: line breaks


def _run_in_terminal(args: list[str], env: dict[str, str], timeout: float = 600) -> tuple[int, str]:
    """Run `python -m etl ARGS` with stdout and stderr on a pseudo-terminal; its exit code and what it showed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "etl", *args], stdin=subprocess.DEVNULL, stdout=follower,
                               stderr=follower, env=env, start_new_session=True)
    os.close(follower)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                raise AssertionError(f"no output for {timeout} s:\n" + b"".join(chunks).decode(errors="replace"))
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
    return code, MOVES.sub("\n", STYLE.sub("", b"".join(chunks).decode("utf-8", errors="replace")))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API_URL", "ETL_"))}
    env.update(COLUMNS="160", TERM="xterm", PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_HOME=str(tmp_path / "prefect"), **extra)
    return env


def test_a_bar_per_stage_counts_documents_and_reused_shards_say_reused(tmp_path: Path) -> None:
    args = ["run", "--input", str(SEEDS), "--warehouse", str(tmp_path / "warehouse"), "--state-dir",
            str(tmp_path / "state"), "--shard-size", "2"]
    code, shown = _run_in_terminal(args, _env(tmp_path, ETL_HEARTBEAT_SECONDS="0"))
    assert code == 0, shown[-3000:]
    for stage in STAGES:  # 5 documents in 3 shards: the bar counts documents, not shards
        assert re.search(rf"^{stage}\s.*\b5/5 documents\b.*docs/s", shown, flags=re.MULTILINE), (stage, shown[-3000:])
    # a shard's documents at a time, as its shards finish (shards of 2, 2 and 1 documents, collected in order)
    assert re.findall(r"language: shard (\d) done \((\d) of 3 shards\), (\d)/5 documents", shown) == [
        ("0", "1", "2"), ("1", "2", "4"), ("2", "3", "5")]
    # the progress lines name shards by the numbers ETL_INJECT_FAILURE and `etl rerun` use (0, 1, 2)
    assert sorted(set(re.findall(r"facts: shard (\d) done", shown))) == ["0", "1", "2"]
    assert "heartbeat" not in shown

    code, shown = _run_in_terminal(args + ["--force"], _env(tmp_path, ETL_HEARTBEAT_SECONDS="0"))
    assert code == 0, shown[-3000:]
    # every ingest shard's result reused: no rate; nothing new for the later stages
    assert re.search(r"^ingest\s.*\b5/5 documents\s+reused\b", shown, flags=re.MULTILINE), shown[-3000:]
    assert sorted(set(re.findall(r"ingest: shard (\d) reused", shown))) == ["0", "1", "2"]
    for stage in STAGES[1:]:
        assert re.search(rf"^{stage}\s.*\b0/0 documents\s+nothing new\b", shown, flags=re.MULTILINE), (stage, shown[-3000:])


def test_heartbeat_lines_and_one_shard_numbering_through_a_failure_and_its_rerun(tmp_path: Path) -> None:
    args = ["--state-dir", str(tmp_path / "state")]
    run = ["run", "--input", str(SEEDS), "--warehouse", str(tmp_path / "warehouse"), "--shard-size", "2", *args]
    code, shown = _run_in_terminal(run, _env(tmp_path, ETL_HEARTBEAT_SECONDS="0.05", ETL_INJECT_FAILURE="language:1"))
    assert code == 1, shown[-3000:]
    beats = re.findall(r"Flow run '[^']+' - heartbeat: (\w+): (\d+)/5 documents, (\d) of 3 shards, ([^,]+), ETA (\S+)",
                       shown)
    assert beats, shown[-3000:]  # at least one, through Prefect's logger (so the UI and a served run's log have it)
    assert {stage for stage, *_ in beats} <= set(STAGES)
    assert all(rate in ("-", "reused") or rate.endswith("docs/s") for *_, rate, _ in beats)
    # shard 1 is shard 1 in ETL_INJECT_FAILURE, the progress lines, the error and `etl rerun`
    assert "language: shard 1 failed" in shown and "error: run failed: stage failed: language shard 1" in shown
    # the failure in one line on the terminal; its tracebacks (task and flow) in the log file
    assert "Traceback" not in shown and "InjectedFailure" in shown
    assert (tmp_path / "state" / "etl.log").read_text(encoding="utf-8").count("Traceback (most recent call last)") >= 2

    code, shown = _run_in_terminal(["rerun", "--failed", *args], _env(tmp_path, ETL_HEARTBEAT_SECONDS="0"))
    assert code == 0, shown[-3000:]
    assert re.findall(r"language: shard (\d) (done|reused)", shown) == [("0", "reused"), ("1", "done"),
                                                                         ("2", "reused")]
    assert "language: recomputed [1], reused [0, 2]" in shown
    # the stage's rate counts the 2 documents computed, not the 3 reused
    assert re.search(r"^language\s.*\b5/5 documents\s+[0-9.]+ docs/s", shown, flags=re.MULTILINE), shown[-3000:]


@pytest.mark.parametrize(("events", "line"), [
    ([("done", 2, False)], "entities: 2/5 documents, 1 of 3 shards, 0.2 docs/s, ETA 0:00:15"),
    ([("done", 2, True)], "entities: 2/5 documents, 1 of 3 shards, reused, ETA ?"),
    ([("done", 2, True), ("done", 2, False)], "entities: 4/5 documents, 2 of 3 shards, 0.2 docs/s, ETA 0:00:05"),
    ([("done", 2, False), ("failed", 2, False), ("done", 1, False)],
     "entities: 3/5 documents, 2 of 3 shards, 0.3 docs/s, ETA 0:00:00"),
])
def test_rate_and_eta_count_computed_documents_only(events: list[tuple[str, int, bool]], line: str) -> None:
    now = [0.0]
    tracker = RunProgress(clock=lambda: now[0])
    tracker.start("entities", 5, 3)
    now[0] = 10.0
    for kind, documents, reused in events:
        tracker.shard_done("entities", documents, reused=reused, failed=kind == "failed")
    assert tracker.line("entities") == line


def test_tracebacks_show_on_the_terminal_with_debug(tmp_path: Path) -> None:
    run = ["run", "--input", str(SEEDS), "--warehouse", str(tmp_path / "warehouse"), "--state-dir",
           str(tmp_path / "state")]
    code, shown = _run_in_terminal(run, _env(tmp_path, ETL_INJECT_FAILURE="ingest:0", ETL_LOG_LEVEL="DEBUG"))
    assert code == 1 and "Traceback (most recent call last)" in shown, shown[-3000:]
