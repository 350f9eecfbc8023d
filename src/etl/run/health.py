"""Is the warehouse healthy? Its last completed and last failed run, its snapshot, and what its schedules did.

`etl status` reads this: the warehouse's `runs` table (completed runs), the run journal of the state folder
(failed attempts and their reasons) and, from the application, what the Prefect server says of each schedule
that writes to this warehouse (`ScheduleHealth`). Nothing here talks to Prefect.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from etl.run.journal import UNFINISHED_STATUSES, read_journal
from etl.warehouse.tables import current_snapshot, damaged_tables, link_damage, read_table

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '2h', '1d' (a bare number is seconds) as a timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 30m, 2h or 1d)")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def format_age(age: timedelta) -> str:
    """A short human age: '42 s', '17 min', '3.5 h', '2.1 d'."""
    seconds = age.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@dataclass(frozen=True)
class ScheduleHealth:
    """One deployment that runs the pipeline on this warehouse, as its Prefect server reports it."""

    deployment: str  # etl-pipeline/NAME
    schedule: str  # 'cron "0 * * * *" (UTC)', or 'none'
    active: bool  # neither the deployment nor its schedule is paused
    next_run_at: datetime | None  # expected start of the next scheduled run
    last_due_at: datetime | None  # when the schedule last fired (None: not since the deployment was made)
    last_due_run: str | None  # 'NAME STATE' of the run for that slot, None when there is none
    produced: bool | None  # did that slot start a run (None: no slot to judge yet)


@dataclass(frozen=True)
class WarehouseHealth:
    """What `etl status` prints; `problems` empty means healthy."""

    warehouse: str
    state_dir: str | None
    snapshot: str | None
    snapshot_at: datetime | None
    last_completed: dict | None  # run_id, flow_run_id, finished_at
    last_failed: dict | None  # run_id, flow_run_id, recorded_at, error: only when newer than the last completed
    schedules: list[ScheduleHealth] = field(default_factory=list)
    server: str | None = None  # the Prefect API asked about schedules, None when none is configured
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems


def _as_utc(value) -> datetime | None:
    if value is None or value != value:  # None or NaT
        return None
    stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)


def last_completed_run(warehouse: Path) -> dict | None:
    """The newest row of the warehouse's `runs` table, with its parameters decoded; None before the first run."""
    runs = read_table(warehouse, "runs")
    if runs.empty:
        return None
    row = runs.sort_values("finished_at").iloc[-1]
    try:
        parameters = json.loads(row["parameters"]) if row["parameters"] else {}
    except ValueError:
        parameters = {}
    return {"run_id": row["run_id"], "flow_run_id": row["flow_run_id"], "finished_at": _as_utc(row["finished_at"]),
            "parameters": parameters}


def last_failed_attempt(state_dir: Path, warehouse: Path, since: datetime | None) -> dict | None:
    """The newest failed attempt on `warehouse` journaled in `state_dir` after `since` (any, when None)."""
    for entry in reversed(read_journal(state_dir)):
        if Path(entry.get("parameters", {}).get("warehouse_dir", "")) != warehouse:
            continue
        recorded = datetime.fromisoformat(entry["recorded_at"])
        if since is not None and recorded <= since:
            return None
        if entry["status"] in UNFINISHED_STATUSES:
            return {"run_id": entry.get("run_id"), "flow_run_id": entry.get("flow_run_id"),
                    "recorded_at": recorded, "error": entry.get("error")}
    return None


def warehouse_health(warehouse: Path, state_dir: Path | None, max_age: timedelta, now: datetime | None = None,
                     schedules: list[ScheduleHealth] | None = None, server: str | None = None) -> WarehouseHealth:
    """Judge the warehouse: failing when its newest attempt failed, stale when its last completed run is older
    than `max_age`, and a schedule that did not start a run for its last slot or is paused is a problem too.

    `state_dir` is where the run journal is; None takes it from the last completed run's parameters (relative
    to the working directory, as `etl run` and the deployments record it).
    """
    now = now or datetime.now(timezone.utc)
    warehouse = warehouse.resolve()
    problems: list[str] = []
    snapshot = current_snapshot(warehouse)
    damage = link_damage(warehouse)
    if damage:
        problems.append(f"damaged: {damage}" + (f"; reading {snapshot.name}, the newest complete snapshot (the next "
                                                 f"`etl run` repairs the link)" if snapshot else ""))
    if snapshot is not None and (parts := damaged_tables(snapshot)):
        problems.append(f"damaged: {'; '.join(parts.values())}: run `etl verify`, then `etl repair`")
    snapshot_at = datetime.fromtimestamp(snapshot.stat().st_mtime, timezone.utc) if snapshot else None
    completed = last_completed_run(warehouse) if snapshot else None
    if state_dir is None and completed and completed["parameters"].get("state_dir"):
        # The runs table keeps folders relative to the run's working directory (portable_parameters).
        state_dir = Path(completed["parameters"]["state_dir"]).resolve()
    failed = last_failed_attempt(state_dir, warehouse, completed and completed["finished_at"]) if state_dir else None
    if completed is None:
        problems.append("no completed run has published to this warehouse")
    elif now - completed["finished_at"] > max_age:
        problems.append(f"stale: the last completed run finished {format_age(now - completed['finished_at'])} ago, "
                        f"more than --max-age {format_age(max_age)}")
    if failed is not None:
        problems.append(f"failing: the newest run failed: {failed['error']}")
    for schedule in schedules or []:
        if not schedule.active:
            problems.append(f"{schedule.deployment}: schedule paused, no run will start")
        elif schedule.produced is False:
            problems.append(f"{schedule.deployment}: no run started for the slot due at "
                            f"{schedule.last_due_at:%Y-%m-%d %H:%M} UTC ({schedule.last_due_run or 'no run created'})")
    return WarehouseHealth(str(warehouse), str(state_dir) if state_dir else None, snapshot.name if snapshot else None,
                           snapshot_at, completed, failed, list(schedules or []), server, problems)


def health_lines(health: WarehouseHealth, now: datetime | None = None) -> list[str]:
    """The human report of `etl status`."""
    now = now or datetime.now(timezone.utc)

    def when(stamp: datetime | None) -> str:
        if stamp is None:
            return "never"
        delta = now - stamp
        relative = f"{format_age(delta)} ago" if delta >= timedelta(0) else f"in {format_age(-delta)}"
        return f"{stamp:%Y-%m-%d %H:%M:%S} UTC ({relative})"

    completed, failed = health.last_completed, health.last_failed
    lines = [f"warehouse: {health.warehouse}",
             f"snapshot: {health.snapshot or 'none'}" + (f", made {when(health.snapshot_at)}" if health.snapshot else ""),
             "last completed run: " + (f"{completed['run_id']} (flow run {completed['flow_run_id']}), finished "
                                       f"{when(completed['finished_at'])}" if completed else "none"),
             "last failed run: " + (f"{failed['run_id'] or '-'} (flow run {failed['flow_run_id'] or '-'}), "
                                    f"{when(failed['recorded_at'])}: {failed['error']}" if failed
                                    else "none since the last completed run")]
    if health.server is None:
        lines.append("schedules: not checked (PREFECT_API_URL is not set: no Prefect server to ask)")
    elif not health.schedules:
        lines.append(f"schedules: none on {health.server} writes to this warehouse")
    for schedule in health.schedules:
        slot = ("no slot due yet" if schedule.produced is None else
                f"last slot {when(schedule.last_due_at)}: {schedule.last_due_run or 'no run created'}")
        lines.append(f"schedule {schedule.deployment}: {schedule.schedule}, "
                     f"{'active' if schedule.active else 'PAUSED'}, next run {when(schedule.next_run_at)}; {slot}")
    lines.append("status: healthy" if health.healthy else "status: UNHEALTHY")
    lines += [f"  - {problem}" for problem in health.problems]
    return lines
