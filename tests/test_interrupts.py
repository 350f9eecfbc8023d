"""A run stopped from outside, with real signals to a real `etl run` (its temporary Prefect server, a forked worker):
kill -9 leaves no process behind; one Ctrl-C or SIGTERM stops it with one line, frees the lock, journals the attempt
as interrupted (so `etl rerun --failed` sees it) and ends its flow run Cancelled.

Waits are on log lines and process states, each bounded only so that a broken build fails instead of hanging.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_corpus import english_article, kazakh_article, russian_article

from etl.run.journal import last_failed_run, read_journal
from etl.run.locking import HOLDER_NAME, warehouse_lock

pytestmark = pytest.mark.slow

ETL = [str(Path(sys.executable).parent / "etl")]
# The flow's first log line about shards: the server answers, the worker is forked, tasks are being sent.
MID_RUN_MARKER = "shard"
BOUND_SECONDS = 300  # upper bound of every wait: only a broken build reaches it


@dataclass
class Run:
    process: subprocess.Popen
    stdout: Path
    stderr: Path
    warehouse: Path
    state: Path

    def text(self, which: str) -> str:
        return getattr(self, which).read_text(encoding="utf-8", errors="replace")


def _corpus(root: Path, count: int) -> None:
    writers = (english_article, russian_article, kazakh_article)
    root.mkdir(parents=True)
    for n in range(count):
        (root / f"article-{n:03d}.txt").write_text(writers[n % 3](n), encoding="utf-8")


def _start_run(tmp_path: Path) -> Run:
    """`etl run` on 90 articles in 9 shards, two tasks at a time (this process and one forked worker), with its own
    temporary Prefect server; returns once the run is under way."""
    _corpus(tmp_path / "in", 90)
    warehouse, state = tmp_path / "warehouse", tmp_path / "state"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ETL_"))}
    env.update(PYTHONUNBUFFERED="1", PREFECT_SERVER_ANALYTICS_ENABLED="false")
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(stdout, "w") as out, open(stderr, "w") as err:
        process = subprocess.Popen(
            ETL + ["run", "--input", str(tmp_path / "in"), "--warehouse", str(warehouse), "--state-dir", str(state),
                   "--shard-size", "10", "--task-runner", "process", "--workers", "2"],
            env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
    run = Run(process, stdout, stderr, warehouse, state)
    deadline = time.monotonic() + BOUND_SECONDS
    while MID_RUN_MARKER not in run.text("stderr"):
        assert process.poll() is None, f"etl run ended early:\n{run.text('stdout')}\n{run.text('stderr')[-3000:]}"
        assert time.monotonic() < deadline, "etl run did not get under way:\n" + run.text("stderr")[-3000:]
        time.sleep(0.2)
    return run


def _descendants(pid: int) -> set[int]:
    """Every live process below `pid`, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _gone(pids: set[int]) -> set[int]:
    """Poll until none of `pids` is alive (bounded); those still alive at the bound."""
    deadline = time.monotonic() + 60
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return _alive(pids)


@pytest.fixture
def started(tmp_path: Path):
    run = _start_run(tmp_path)
    yield run
    if run.process.poll() is None:
        os.killpg(run.process.pid, signal.SIGKILL)
        run.process.wait()


def test_kill_9_leaves_neither_the_server_nor_the_workers(started: Run) -> None:
    children = _descendants(started.process.pid)
    commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children}
    assert any("uvicorn" in command for command in commands.values()), commands  # the temporary server
    assert any(" run " in command for command in commands.values()), commands  # the forked worker
    os.kill(started.process.pid, signal.SIGKILL)
    started.process.wait()
    assert _gone(children) == set(), {pid: commands[pid] for pid in _alive(children)}


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_one_signal_stops_the_run_frees_the_lock_and_journals_it(started: Run, sent: signal.Signals) -> None:
    children = _descendants(started.process.pid)
    if sent == signal.SIGINT:
        os.killpg(started.process.pid, sent)  # Ctrl-C at a terminal: the whole foreground group gets it
    else:
        os.kill(started.process.pid, sent)  # kill, systemd, a scheduler: the process alone
    try:
        code = started.process.wait(timeout=BOUND_SECONDS / 5)
    except subprocess.TimeoutExpired:
        pytest.fail(f"etl run still running after one {sent.name}:\n" + started.text("stderr")[-3000:])
    output = started.text("stdout").strip().splitlines()
    assert code == 128 + sent, started.text("stdout") + started.text("stderr")[-3000:]
    assert output[-1].startswith(f"interrupted by {sent.name}: "), output
    assert not (started.warehouse / HOLDER_NAME).exists()
    with warehouse_lock(started.warehouse, wait_seconds=0):  # free at once
        pass
    last = read_journal(started.state)[-1]
    assert (last["status"], last["error"]) == ("interrupted", f"interrupted by {sent.name}")
    assert last_failed_run(started.state) == last  # what `etl rerun --failed` takes up
    assert _gone(children) == set()
    # The flow run's final state, from the temporary server's database (the server is gone with the run).
    with sqlite3.connect(started.state / "prefect" / "prefect.db") as database:
        states = database.execute("select state_type from flow_run").fetchall()
    assert states == [("CANCELLED",)]
