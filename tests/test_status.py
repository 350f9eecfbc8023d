"""`etl status`: a health check over a real warehouse built by `etl run` and its run journal.

(With a Prefect server and its schedules: tests/test_server.py::test_scheduled_runs_fire.)
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import SEEDS

from etl.config import RunParameters
from etl.run.health import format_age, parse_duration, warehouse_health
from etl.run.journal import record_run
from etl_flows.cli import main

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def ran(tmp_path_factory, prefect_server) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("status")
    warehouse, state = root / "warehouse", root / "state"
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse), "--state-dir", str(state)]) == 0
    return warehouse, state


def _status(capsys, *args: str) -> tuple[int, str]:
    os.environ.pop("ETL_STATE_DIR", None)  # conftest sets one per test: here the runs table must lead to it
    code = main(["status", *args])
    return code, capsys.readouterr().out


def test_parse_duration() -> None:
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1.5d") == timedelta(hours=36)
    assert parse_duration("45") == timedelta(seconds=45)
    with pytest.raises(ValueError):
        parse_duration("two hours")
    assert format_age(timedelta(minutes=17)) == "17 min"


def test_fresh_warehouse_is_healthy(ran, capsys) -> None:
    warehouse, state = ran
    code, out = _status(capsys, "--warehouse", str(warehouse), "--max-age", "2h")
    assert code == 0, out
    assert "status: healthy" in out
    assert "last failed run: none since the last completed run" in out
    assert "schedules: none on http://127.0.0.1:" in out  # the session's test server has no deployment
    snapshot = os.readlink(warehouse / ".current")
    assert f"snapshot: {Path(snapshot).name}" in out


def test_old_last_run_is_stale(ran) -> None:
    warehouse, state = ran
    later = datetime.now(timezone.utc) + timedelta(hours=3)
    health = warehouse_health(warehouse, state, timedelta(hours=2), now=later)
    assert not health.healthy
    assert [p for p in health.problems if p.startswith("stale: the last completed run finished 3.0 h ago")]
    assert warehouse_health(warehouse, state, timedelta(hours=4), now=later).healthy


def test_failed_attempt_after_the_last_completed_run_is_failing(ran, capsys, tmp_path: Path, monkeypatch) -> None:
    warehouse, state = ran
    monkeypatch.chdir(state.parent)  # where the run was started: the runs table records its state folder from there
    journal = state / "runs.jsonl"
    kept = journal.read_text(encoding="utf-8")
    try:
        parameters = RunParameters.from_dict(json.loads(kept.splitlines()[-1])["parameters"])
        record_run(state, parameters, "failed", {"flow_run_id": "f-1"}, "language shard 1: disk full")
        code, out = _status(capsys, "--warehouse", str(warehouse))  # the journal found through the runs table
        assert code == 1, out
        assert "status: UNHEALTHY" in out and "failing: the newest run failed: language shard 1: disk full" in out
        assert "last failed run: - (flow run f-1)" in out
        # A failure on another warehouse with the same state folder is not this warehouse's.
        record_run(state, replace(parameters, warehouse_dir=str(tmp_path / "other")), "failed", {}, "elsewhere")
        assert "elsewhere" not in _status(capsys, "--warehouse", str(warehouse))[1]
        # A later completed run clears it.
        journal.write_text(kept, encoding="utf-8")
        assert _status(capsys, "--warehouse", str(warehouse))[0] == 0
    finally:
        journal.write_text(kept, encoding="utf-8")


def test_empty_and_damaged_warehouses_are_unhealthy(tmp_path: Path, capsys) -> None:
    code, out = _status(capsys, "--warehouse", str(tmp_path / "none"))
    assert code == 1 and "no completed run has published to this warehouse" in out
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / ".current").symlink_to(".snapshots/gone")
    code, out = _status(capsys, "--warehouse", str(damaged), "--json")
    report = json.loads(out)
    assert code == 1 and report["healthy"] is False
    assert any(p.startswith("damaged:") and "gone" in p for p in report["problems"])


def test_bad_max_age_is_one_line(capsys) -> None:
    code, out = _status(capsys, "--max-age", "soon")
    assert code == 2 and out.strip().count("\n") == 0 and "not a duration" in out


def test_a_schedule_whose_slot_started_no_run_is_a_problem(ran) -> None:
    """A deployment on the session's Prefect server, registered but never served (no runner, no scheduler):
    judged a few minutes on, its hourly slot started no run; another warehouse's deployment is not listed."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule

    from etl_flows.schedules import schedule_health

    warehouse, _ = ran
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("etl-pipeline")
        hourly = [DeploymentScheduleCreate(schedule=CronSchedule(cron="0 * * * *", timezone="UTC"))]
        client.create_deployment(flow_id, "unserved", schedules=hourly,
                                 parameters={"warehouse_dir": str(warehouse)})
        client.create_deployment(flow_id, "elsewhere", schedules=hourly,
                                 parameters={"warehouse_dir": str(warehouse.parent / "other")})
    now = datetime.now(timezone.utc)
    assert [s.produced for s in schedule_health(warehouse, now)] == [None]  # no slot since it was made
    later = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1, minutes=5)
    [schedule] = schedule_health(warehouse, later)
    assert (schedule.deployment, schedule.active, schedule.produced) == ("etl-pipeline/unserved", True, False)
    assert schedule.last_due_at == later.replace(minute=0)
    health = warehouse_health(warehouse, None, timedelta(days=1), now=later, schedules=[schedule], server="test")
    assert f"etl-pipeline/unserved: no run started for the slot due at {later:%Y-%m-%d %H}:00 UTC (no run created)" \
        in health.problems
