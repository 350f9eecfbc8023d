"""What the Prefect server says of the schedules that run the pipeline on one warehouse (for `etl status`).

A deployment of the flow `etl-pipeline` writes to the warehouse its `warehouse_dir` parameter names (relative
paths are resolved in the folder its pull step sets, else here). For each: its schedule, whether it is paused,
its next scheduled run, and whether the slot it last fired for started a run. A slot counts as started once
its run left the Scheduled state (Late is still Scheduled); a slot is judged `GRACE` after it is due.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from cronsim import CronSim
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    DeploymentFilter,
    DeploymentFilterId,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule
from prefect.client.schemas.sorting import FlowRunSort

from etl.run.health import ScheduleHealth

FLOW_NAME = "etl-pipeline"
# Time for the scheduler and the runner to start a due run (runners poll every 10 s by default).
GRACE = timedelta(seconds=90)


def schedule_health(warehouse: Path, now: datetime | None = None) -> list[ScheduleHealth]:
    """Every deployment of the pipeline that writes to `warehouse`, judged at `now`."""
    now = now or datetime.now(timezone.utc)
    warehouse = warehouse.resolve()
    with get_client(sync_client=True) as client:
        deployments = client.read_deployments(flow_filter=FlowFilter(name=FlowFilterName(any_=[FLOW_NAME])))
        return [_judge(client, deployment, now) for deployment in deployments
                if _warehouse_of(deployment) == warehouse]


def _warehouse_of(deployment) -> Path:
    folder = Path((deployment.parameters or {}).get("warehouse_dir") or "warehouse")
    if folder.is_absolute():
        return folder.resolve()
    for step in deployment.pull_steps or []:
        directory = (step.get("prefect.deployments.steps.set_working_directory") or {}).get("directory")
        if directory:
            return (Path(directory) / folder).resolve()
    return folder.resolve()


def _judge(client, deployment, now: datetime) -> ScheduleHealth:
    schedules = list(deployment.schedules or [])
    active = not deployment.paused and any(s.active for s in schedules)
    described = ", ".join(_describe(s.schedule) for s in schedules) or "none"
    only = deployment.id
    next_runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[only])),
        flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                                      expected_start_time=FlowRunFilterExpectedStartTime(after_=now)),
        sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=1)
    due = max((d for d in (_last_due(s.schedule, now - GRACE) for s in schedules if s.active) if d), default=None)
    if due is not None and deployment.created and due < deployment.created:
        due = None  # the schedule has not fired since the deployment was made
    slot_run, produced = None, None
    if due is not None:
        runs = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[only])),
            flow_run_filter=FlowRunFilter(expected_start_time=FlowRunFilterExpectedStartTime(
                after_=due - timedelta(seconds=1), before_=due + timedelta(seconds=1))),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC, limit=5)
        run = next((r for r in runs if r.auto_scheduled), runs[0] if runs else None)
        produced = run is not None and run.state is not None and run.state.type != StateType.SCHEDULED
        slot_run = f"{run.name} {run.state.name if run.state else '?'}" if run else None
    return ScheduleHealth(f"{FLOW_NAME}/{deployment.name}", described, active,
                          next_runs[0].expected_start_time if next_runs else None, due, slot_run,
                          produced if active else None)


def _describe(schedule) -> str:
    if isinstance(schedule, CronSchedule):
        return f'cron "{schedule.cron}" ({schedule.timezone or "UTC"})'
    if isinstance(schedule, IntervalSchedule):
        return f"every {schedule.interval}"
    return type(schedule).__name__


def _last_due(schedule, before: datetime) -> datetime | None:
    """The last time `schedule` fired at or before `before` (UTC), None for kinds not judged here."""
    if isinstance(schedule, CronSchedule):
        zone = ZoneInfo(schedule.timezone or "UTC")
        fired = next(CronSim(schedule.cron, before.astimezone(zone).replace(microsecond=0), reverse=True))
        return fired.astimezone(timezone.utc)
    if isinstance(schedule, IntervalSchedule):
        anchor = schedule.anchor_date if schedule.anchor_date.tzinfo else schedule.anchor_date.replace(tzinfo=timezone.utc)
        if anchor > before:
            return None
        return anchor + ((before - anchor) // schedule.interval) * schedule.interval
    return None
