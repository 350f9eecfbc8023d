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
    """Mark this task running in `folder`; wait (bounded) until another task runs beside it or every other task
    is done; return its pid and the most tasks it saw running at once. Counts, not clocks: a runner that ran
    one task at a time would leave each task alone, one that ran three would let a task see three."""
    markers = Path(folder)
    running, done = markers / f"running-{number}", markers / f"done-{number}"
    running.touch()
    seen = len(list(markers.glob("running-*")))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now_running = len(list(markers.glob("running-*")))
        seen = max(seen, now_running)
        if now_running >= 2 or len(list(markers.glob("done-*"))) + now_running >= total:
            break
        time.sleep(0.02)
    time.sleep(0.05)
    seen = max(seen, len(list(markers.glob("running-*"))))
    done.touch()
    running.unlink()
    return {"number": number, "pid": os.getpid(), "seen_running": seen}


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
    outcome = spread.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(8, str(tmp_path))
    pids = {run["pid"] for run in outcome["runs"]}
    assert outcome["flow_pid"] in pids
    assert len(pids) == 2  # the flow process and exactly one worker process
    assert max(run["seen_running"] for run in outcome["runs"]) == 2
    # downstream tasks got their own upstream's result, and a failure stayed in its shard
    assert outcome["doubles"] == [0, 2, 4, "failed", 8, 10, 12, 14]


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
    for attribute in ("_started", "_max_workers", "_executor", "_resolver_executor", "_subprocess_message_queue",
                      "_message_forwarding_thread"):
        assert hasattr(runner, attribute), f"ProcessPoolTaskRunner has no {attribute} any more"
    for method in ("_forward_subprocess_messages", "_stop_message_forwarding"):
        assert callable(getattr(runner, method, None)), f"ProcessPoolTaskRunner has no {method}() any more"
