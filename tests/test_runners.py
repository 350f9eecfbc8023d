"""The process runner: the flow's own process is one of the workers, never more tasks at once than workers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.exceptions import UpstreamTaskError

from etl_flows.runners import FlowAndProcessPoolTaskRunner

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


@task
def where_and_when(number: int, folder: str, total: int) -> dict:
    """Mark this task running in `folder` while it runs; return its pid and how many tasks were marked running
    when it started and when it ended (itself included). No waiting on other tasks: the counts are read, not
    awaited, so a loaded machine changes which tasks overlap, never whether the assertions hold."""
    markers = Path(folder)
    running = markers / f"running-{number}"
    running.touch()
    at_start = len(list(markers.glob("running-*")))
    (markers / f"ran-{number}-{os.getpid()}").touch()
    at_end = len(list(markers.glob("running-*")))
    running.unlink()
    return {"number": number, "pid": os.getpid(), "seen_running": max(at_start, at_end)}


@task
def doubled(run: dict) -> int:
    if run["number"] == 3:
        raise ValueError("shard 3 is bad")
    return run["number"] * 2


@flow
def spread(count: int, folder: str, retire_after: bool = False) -> dict:
    runs = where_and_when.map(list(range(count)), folder, count)
    doubles = doubled.map(runs)
    outcome = {"runs": [f.result() for f in runs], "doubles": [], "flow_pid": os.getpid()}
    for future in doubles:
        try:
            outcome["doubles"].append(future.result())
        except ValueError:
            outcome["doubles"].append("failed")
    if retire_after:
        FlowRunContext.get().task_runner.retire_workers()
        outcome["after_retiring"] = [f.result()["pid"] for f in where_and_when.map([10, 11], folder, 1)]
    return outcome


def test_tasks_run_in_the_flow_process_and_one_worker_two_at_a_time(tmp_path: Path) -> None:
    """What the runner guarantees with max_workers=2, by counts and order: every task runs once, results come back
    in the order of the inputs, the flow process runs tasks itself, there is at most one
    worker process besides it, and never more than two tasks run at once."""
    outcome = spread.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(8, str(tmp_path))
    assert [run["number"] for run in outcome["runs"]] == list(range(8))
    assert len(list(tmp_path.glob("ran-*"))) == 8  # each task ran once: a retry or a double dispatch adds a marker
    pids = {run["pid"] for run in outcome["runs"]}
    assert outcome["flow_pid"] in pids  # the first task to get a slot runs here: the flow process is free at the start
    assert len(pids - {outcome["flow_pid"]}) <= 1  # at most one worker process
    assert max(run["seen_running"] for run in outcome["runs"]) <= 2
    # downstream tasks got their own upstream's result, and a failure stayed in its shard
    assert outcome["doubles"] == [0, 2, 4, "failed", 8, 10, 12, 14]


@task
def wait_for_the_others(number: int, folder: str, flow_pid: int, total: int) -> dict:
    """The first task to run in the flow process waits until every other task is done, so they can only have run
    in the worker meanwhile. The wait is on markers; its bound only turns a runner that serializes into a failure
    instead of a hang."""
    markers = Path(folder)
    holder = False
    if os.getpid() == flow_pid:
        try:
            (markers / "holder").touch(exist_ok=False)
            holder = True
        except FileExistsError:
            pass
    if holder:
        for _ in range(6000):  # at most 10 minutes
            if len(list(markers.glob("done-*"))) >= total - 1:
                break
            time.sleep(0.1)
    others_done = len(list(markers.glob("done-*")))
    (markers / f"done-{number}").touch()
    return {"number": number, "pid": os.getpid(), "holder": holder, "others_done": others_done}


@flow
def one_holds_the_flow_process(count: int, folder: str) -> list[dict]:
    return [f.result() for f in wait_for_the_others.map(list(range(count)), folder, os.getpid(), count)]


def test_while_the_flow_process_is_busy_ready_tasks_go_to_the_worker(tmp_path: Path) -> None:
    runner = FlowAndProcessPoolTaskRunner(max_workers=2)
    runs = one_holds_the_flow_process.with_options(task_runner=runner)(5, str(tmp_path))
    holders = [run for run in runs if run["holder"]]
    assert len(holders) == 1
    assert holders[0]["others_done"] == 4  # the other four ran, in the worker, while it held the flow process
    workers = {run["pid"] for run in runs if not run["holder"]}
    assert len(workers) == 1 and holders[0]["pid"] not in workers


def test_after_retiring_the_workers_tasks_run_in_the_flow_process(tmp_path: Path) -> None:
    outcome = spread.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(4, str(tmp_path), True)
    assert outcome["after_retiring"] == [outcome["flow_pid"]] * 2


def test_a_task_whose_input_failed_does_not_run() -> None:
    @flow
    def chain() -> str:
        failed = doubled.submit({"number": 3})
        downstream = where_and_when.submit(failed, "unused", 1)
        try:
            downstream.result()
        except UpstreamTaskError:
            return "not run"
        return "ran"

    assert chain.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))() == "not run"


def test_one_worker_is_not_a_pool() -> None:
    with pytest.raises(ValueError):
        FlowAndProcessPoolTaskRunner(max_workers=1)


def test_private_prefect_names() -> None:
    """What FlowAndProcessPoolTaskRunner takes from Prefect beyond its public API, checked by name and signature.

    Prefect has no public way to fork a process pool's workers (ProcessPoolTaskRunner.__enter__ always uses
    'spawn') nor to run one of its tasks in the flow's own process, so flows/runners.py re-implements the
    runner's start-up and submit with Prefect's private helpers and attributes. A release that renames or
    reshapes one of them breaks every `etl run --task-runner process` (3.9 dropped `_cached_context`, which
    submit read: AttributeError on the first task). This test fails first, naming what moved; then update
    flows/runners.py against the new prefect/task_runners.py (and check for a public replacement).
    """
    import inspect

    from prefect._internal.uuid7 import uuid7
    from prefect.task_runners import (
        ProcessPoolTaskRunner,
        _ChainedFuture,
        _initialize_process_pool_worker,
        _run_task_in_subprocess,
        _UnpicklingFuture,
    )

    def parameters(function) -> list[str]:
        return list(inspect.signature(function).parameters)

    assert parameters(_initialize_process_pool_worker) == ["message_queue", "initializer", "initargs"]
    assert parameters(_run_task_in_subprocess) == ["args", "env", "kwargs"]
    assert parameters(_ChainedFuture) == ["resolution_future"]
    assert parameters(_UnpicklingFuture) == ["wrapped_future"]
    assert uuid7().version == 7
    runner = ProcessPoolTaskRunner(max_workers=1)
    from prefect.context import SettingsContext

    assert SettingsContext.__var__.get(None) is SettingsContext.get()  # runners.context_for_worker sets it
    for attribute in ("_started", "_max_workers", "_executor", "_resolver_executor", "_subprocess_message_queue",
                      "_message_forwarding_thread"):
        assert hasattr(runner, attribute), f"ProcessPoolTaskRunner has no {attribute} any more"
    for method in ("_forward_subprocess_messages", "_stop_message_forwarding"):
        assert callable(getattr(runner, method, None)), f"ProcessPoolTaskRunner has no {method}() any more"


@task
def context_seen(number: int, folder: str, flow_pid: int, total: int) -> dict:
    """wait_for_the_others, plus what the task sees of its flow's context: tags, settings and flow run."""
    from prefect.context import TagsContext, TaskRunContext
    from prefect.settings import get_current_settings

    ran = wait_for_the_others.fn(number, folder, flow_pid, total)
    return {**ran, "tags": sorted(TagsContext.get().current_tags),
            "retry_delay": get_current_settings().tasks.default_retry_delay_seconds,
            "flow_run_id": str(TaskRunContext.get().task_run.flow_run_id)}


@flow
def context_in_tasks(count: int, folder: str) -> dict:
    from prefect import tags
    from prefect.settings import PREFECT_TASKS_DEFAULT_RETRY_DELAY_SECONDS, temporary_settings

    with tags("shard-batch"), temporary_settings({PREFECT_TASKS_DEFAULT_RETRY_DELAY_SECONDS: 7}):
        runs = [f.result() for f in context_seen.map(list(range(count)), folder, os.getpid(), count)]
    return {"runs": runs, "flow_run_id": str(FlowRunContext.get().flow_run.id)}


def test_tasks_in_the_worker_see_the_flows_tags_settings_and_run(tmp_path: Path) -> None:
    """The worker gets the context of the submit (runners.context_for_worker): its tags, its settings and the
    flow run it belongs to."""
    outcome = context_in_tasks.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(4, str(tmp_path))
    in_worker = [run for run in outcome["runs"] if not run["holder"]]
    assert len(in_worker) == 3 and all(run["pid"] != outcome["runs"][0]["pid"] or run["holder"] for run in in_worker)
    for run in outcome["runs"]:
        assert "shard-batch" in run["tags"]
        assert run["retry_delay"] == 7
        assert run["flow_run_id"] == outcome["flow_run_id"]
