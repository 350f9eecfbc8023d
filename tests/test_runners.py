"""The process runner: the flow's own process is one of the workers, never more tasks at once than workers."""

from __future__ import annotations

import os
import time

import pytest
from prefect import flow, task
from prefect.context import FlowRunContext
from prefect.exceptions import UpstreamTaskError

from flows.runners import FlowAndProcessPoolTaskRunner

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


@task
def where_and_when(number: int, seconds: float) -> dict:
    started = time.time()
    time.sleep(seconds)
    return {"number": number, "pid": os.getpid(), "started": started, "ended": time.time()}


@task
def doubled(run: dict) -> int:
    if run["number"] == 3:
        raise ValueError("shard 3 is bad")
    return run["number"] * 2


@flow
def spread(count: int, seconds: float, retire_after: bool = False) -> dict:
    # The worker process is spawned here (this test process runs threads, so nothing is forked) and a spawn takes
    # seconds on a busy machine (about 4 s with the load average at 4 on 2 cores, Prefect 3.8.8 and 3.9.1 alike),
    # while the flow process gets through all the short tasks below alone. Two warm-up tasks, one in the flow
    # process and one in the worker, make the measured tasks time the dispatch, not the spawn.
    [future.result() for future in where_and_when.map([-2, -1], 0.5)]
    runs = where_and_when.map(list(range(count)), seconds)
    doubles = doubled.map(runs)
    outcome = {"runs": [f.result() for f in runs], "doubles": [], "flow_pid": os.getpid()}
    for future in doubles:
        try:
            outcome["doubles"].append(future.result())
        except ValueError:
            outcome["doubles"].append("failed")
    if retire_after:
        FlowRunContext.get().task_runner.retire_workers()
        outcome["after_retiring"] = [f.result()["pid"] for f in where_and_when.map([10, 11], 0.1)]
    return outcome


def _most_at_once(runs: list[dict]) -> int:
    edges = sorted([(r["started"], 1) for r in runs] + [(r["ended"], -1) for r in runs])
    running = most = 0
    for _, step in edges:
        running += step
        most = max(most, running)
    return most


def test_tasks_run_in_the_flow_process_and_one_worker_two_at_a_time() -> None:
    outcome = spread.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(8, 0.4)
    pids = {run["pid"] for run in outcome["runs"]}
    assert outcome["flow_pid"] in pids
    assert len(pids) == 2  # the flow process and exactly one worker process
    assert _most_at_once(outcome["runs"]) == 2
    # downstream tasks got their own upstream's result, and a failure stayed in its shard
    assert outcome["doubles"] == [0, 2, 4, "failed", 8, 10, 12, 14]


def test_after_retiring_the_workers_tasks_run_in_the_flow_process() -> None:
    outcome = spread.with_options(task_runner=FlowAndProcessPoolTaskRunner(max_workers=2))(4, 0.2, True)
    assert outcome["after_retiring"] == [outcome["flow_pid"]] * 2


def test_a_task_whose_input_failed_does_not_run() -> None:
    @flow
    def chain() -> str:
        failed = doubled.submit({"number": 3})
        downstream = where_and_when.submit(failed, 0.0)
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
