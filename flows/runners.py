"""Task runners: the process pool in which the flow's own process is one of the workers."""

from __future__ import annotations

import concurrent.futures
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextvars import Context, copy_context
from dataclasses import dataclass
from typing import Any, Self

import cloudpickle
from prefect._internal.uuid7 import uuid7
from prefect.futures import PrefectConcurrentFuture, wait
from prefect.settings.context import get_current_settings
from prefect.task_runners import (
    ProcessPoolTaskRunner,
    TaskRunner,
    ThreadPoolTaskRunner,
    _ChainedFuture,
    _initialize_process_pool_worker,
    _run_task_in_subprocess,
    _UnpicklingFuture,
)
from prefect.utilities.callables import cloudpickle_wrapped_call

from etl_flows.signals import exit_with_parent, interruption, note_signals_under_prefect

log = logging.getLogger("etl.runner")


def _trim_heap() -> None:
    """Hand the heap pages freed by a finished task back to the OS (glibc), so idle workers do not keep them."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def _start_worker(parent_pid: int) -> None:
    """In a worker process: die with the `etl` process, and leave Ctrl-C to it (it stops the workers itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    exit_with_parent(parent_pid)


def _stopped_by_signal(error: BaseException | None) -> bool:
    """Whether a runner exits because the run was interrupted (Ctrl-C, SIGTERM), not because a task failed."""
    return error is not None and interruption(error) is not None


def _kill_worker_processes() -> None:
    """Kill this process's multiprocessing children (the pool's workers) at once: a task they run is abandoned."""
    for worker in multiprocessing.active_children():
        worker.kill()


def _run_in_worker(*args: Any, **kwargs: Any) -> Any:
    """Prefect's subprocess task call, then a heap trim."""
    try:
        return _run_task_in_subprocess(*args, **kwargs)
    finally:
        _trim_heap()


def context_for_worker() -> dict[str, Any]:
    """Prefect's serialize_context() of the current context, with the settings context as its objects.

    serialize_context() dumps every Prefect setting, and the worker validates the dump again into a Settings
    object: about 0.1 s of CPU per task between the two processes, the flow process's share taken from the
    task it runs meanwhile. The Settings and Profile objects themselves pickle in a few milliseconds and pass
    SettingsContext's validation as they are (pydantic does not revalidate instances).
    """
    from prefect.context import SettingsContext, serialize_context

    settings_context = SettingsContext.get()
    token = SettingsContext.__var__.set(None)  # serialize_context() leaves the settings context out
    try:
        context = serialize_context()
    finally:
        SettingsContext.__var__.reset(token)
    if settings_context is not None:
        context["settings_context"] = {"profile": settings_context.profile, "settings": settings_context.settings}
    return context


@dataclass
class _ForkedWorkers:
    executor: ProcessPoolExecutor
    messages: object  # the multiprocessing queue the workers forward their logs and events on
    count: int


_forked: _ForkedWorkers | None = None


def fork_workers(count: int, start: str = "fork") -> bool:
    """Fork `count` task worker processes from this one now, for the next FlowAndProcessPoolTaskRunner to use.

    Call it once libraries and models are loaded: the workers start with them, sharing their memory pages,
    instead of spending seconds of CPU importing and loading their own (as spawned workers do, while the run
    has started). Only safe while this process runs a single thread (a fork copies no other thread, and a
    lock one holds stays held), on Linux: otherwise nothing is forked, False is returned, and the runner
    spawns its workers as usual. `start="spawn"` (ETL_WORKER_START=spawn) turns forking off (should a native
    library misbehave in a forked process).
    """
    global _forked
    discard_forked_workers()
    if (count < 1 or start == "spawn" or not sys.platform.startswith("linux")
            or threading.active_count() != 1):
        return False
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    executor = ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_initialize_process_pool_worker,
                                   initargs=(messages, _start_worker, (os.getpid(),)))
    executor.submit(os.getpid)  # with fork, the first submit starts every worker before the pool's own thread
    _forked = _ForkedWorkers(executor, messages, count)
    log.debug("forked %d task worker process(es)", count)
    return True


def _take_forked_workers(count: int) -> _ForkedWorkers | None:
    global _forked
    workers, _forked = _forked, None
    if workers is not None and workers.count != count:
        _shut_down(workers)
        return None
    return workers


def _shut_down(workers: _ForkedWorkers) -> None:
    workers.executor.shutdown(wait=True, cancel_futures=True)
    workers.messages.close()


def discard_forked_workers() -> None:
    """Stop forked workers no runner took (the run ended before its flow started)."""
    global _forked
    workers, _forked = _forked, None
    if workers is not None:
        _shut_down(workers)


class FlowAndProcessPoolTaskRunner(ProcessPoolTaskRunner):
    """Runs up to `max_workers` tasks at once: one in the flow's own process, the others in worker processes.

    The flow process mostly waits for its tasks; running one of them itself saves a worker process (its
    start-up, about 5 s, and its memory: libraries and models, about 600 MB). A task goes, once its inputs
    are ready, to whichever is free: the flow process first, else a worker. Worker processes get at most
    `max_workers - 1` tasks at a time, so none queues behind another while the flow process idles. The
    workers are the ones `fork_workers` forked before the flow started, if any; else they are spawned.
    """

    def __init__(self, max_workers: int = 2) -> None:
        if max_workers < 2:
            raise ValueError("FlowAndProcessPoolTaskRunner needs max_workers >= 2 (use a thread pool for 1)")
        super().__init__(max_workers=max_workers - 1)
        self._parallel = max_workers
        self._slots: threading.Semaphore | None = None  # set on entering: the runner is pickled with its flow
        self._here_free = True
        self._here_lock: threading.Lock | None = None
        self._here: ThreadPoolExecutor | None = None
        self._retired = False
        # The environment worker processes run their tasks with (submit), and the settings it was made from.
        self._worker_env: dict[str, str] | None = None
        self._worker_env_settings: object | None = None

    @property
    def parallel(self) -> int:
        """Tasks run at once: the flow process's one and the worker processes'."""
        return self._parallel

    @property
    def worker_processes(self) -> int:
        """Worker processes besides the flow's own."""
        return self._max_workers

    def duplicate(self) -> FlowAndProcessPoolTaskRunner:
        # Prefect's flow engine enters a copy (the runner itself is pickled with its flow).
        return type(self)(max_workers=self._parallel)

    def __enter__(self) -> FlowAndProcessPoolTaskRunner:
        forked = _take_forked_workers(self._max_workers)
        if forked is None:
            # ProcessPoolTaskRunner runs `_initializer(*_initargs)` in each worker it spawns
            self._initializer, self._initargs = _start_worker, (os.getpid(),)
            super().__enter__()
        else:  # ProcessPoolTaskRunner.__enter__ with the forked pool in place of a new spawned one
            TaskRunner.__enter__(self)
            self._subprocess_message_queue, self._executor = forked.messages, forked.executor
            self._message_forwarding_thread = threading.Thread(
                target=self._forward_subprocess_messages, name="ProcessPoolTaskRunnerMessageForwarder", daemon=True)
            self._message_forwarding_thread.start()
        self._slots, self._here_lock = threading.Semaphore(self._parallel), threading.Lock()
        # Tasks wait in these threads for their inputs and a free slot, and the flow process runs its task in
        # one: more threads than slots, so a task waiting for a slow input does not hold back a ready one.
        if self._resolver_executor is not None:  # Prefect's, too small
            self._resolver_executor.shutdown()
        self._resolver_executor = ThreadPoolExecutor(max_workers=2 * self._parallel + 2,
                                                     thread_name_prefix="etl-dispatch")
        # One thread for the flow process's share: each thread that allocates gets its own malloc arena.
        self._here = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-flow-worker")
        note_signals_under_prefect()  # the flow engine enters its runner once its SIGTERM handler is in place
        return self

    def retire_workers(self) -> None:
        """Stop the worker processes (their memory goes with them); tasks submitted from now on run in this process.

        For the end of a run, when what is left (stories, publish) is one task at a time.
        """
        if self._executor is not None:
            self._retired = True
            self._executor.shutdown(wait=True)
            self._executor = None
            self._stop_message_forwarding()

    def submit(self, task, parameters: dict[str, Any], wait_for=None, dependencies=None) -> PrefectConcurrentFuture:
        if not self._started or self._resolver_executor is None or (self._executor is None and not self._retired):
            raise RuntimeError("Task runner is not started")
        task_run_id = uuid7()
        # As ProcessPoolTaskRunner.submit (3.9): the context (tags, settings) is taken at every submit, since it
        # can change between submits (copy_context; serialized only for a task that goes to a worker); the
        # environment is rebuilt only when the settings object changes.
        settings = get_current_settings()
        if self._worker_env is None or self._worker_env_settings is not settings:
            self._worker_env = settings.to_environment_variables(exclude_unset=True) | os.environ
            self._worker_env_settings = settings
        dispatched = self._resolver_executor.submit(self._dispatch, task, task_run_id, parameters, wait_for,
                                                    dependencies, copy_context(), self._worker_env)
        return PrefectConcurrentFuture(task_run_id=task_run_id,
                                       wrapped_future=_UnpicklingFuture(_ChainedFuture(dispatched)))

    def _run_here(self, caller: Context, task, task_run_id, parameters: dict, wait_for: list,
                  dependencies) -> bytes:
        """Run the task in this process, in the flow's context (as a thread pool runner would); its pickled state."""
        from prefect.task_engine import run_task_sync

        log.debug("%s starts in the flow process", task.name)
        try:
            state = caller.run(run_task_sync, task=task, task_run_id=task_run_id, parameters=parameters,
                               wait_for=wait_for or None, return_type="state", dependencies=dependencies,
                               context=dict(cancel_event=threading.Event()))
        finally:
            _trim_heap()
            self._free_here()
        return cloudpickle.dumps(state)

    def _free_here(self) -> None:
        with self._here_lock:
            self._here_free = True
        self._slots.release()

    def _take_here(self) -> bool:
        with self._here_lock:
            taken, self._here_free = self._here_free, False
            return taken

    def _dispatch(self, task, task_run_id, parameters: dict, wait_for, dependencies, caller: Context,
                  env: dict[str, str]) -> concurrent.futures.Future[bytes]:
        """Wait for the task's inputs and a free slot; run it here or send it to a worker; a future of its state."""
        from prefect.utilities.engine import resolve_inputs_sync

        wait_for = list(wait_for or [])
        if wait_for:
            wait(wait_for)
        resolved = resolve_inputs_sync(parameters, return_data=True, max_depth=-1)
        assert self._slots is not None
        self._slots.acquire()
        if self._retired or self._take_here():
            try:
                return self._here.submit(self._run_here, caller, task, task_run_id, resolved, wait_for, dependencies)
            except BaseException:
                self._free_here()
                raise
        call = cloudpickle_wrapped_call(
            _run_in_worker, env=env, task=task, task_run_id=task_run_id,
            parameters=resolved, wait_for=[f.state for f in wait_for] or None, return_type="state",
            dependencies=dependencies, context=caller.run(context_for_worker))
        log.debug("%s goes to a worker process", task.name)
        try:
            sent = self._executor.submit(call)
        except BaseException:
            self._slots.release()
            raise
        sent.add_done_callback(lambda _: self._slots.release())
        return sent

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_slots": None, "_here_lock": None, "_here": None, "_worker_env": None,
                "_worker_env_settings": None}

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if _stopped_by_signal(exc_value):
            self._abandon()
            return
        try:
            super().__exit__(exc_type, exc_value, traceback)
        finally:
            if self._here is not None:
                self._here.shutdown(cancel_futures=True, wait=True)
                self._here = None

    def _abandon(self) -> None:
        """The run was interrupted: kill the worker processes and wait for no task (the one running in this
        process goes on in its thread until the process exits, which the `etl` command does at once)."""
        _kill_worker_processes()
        for pool in (self._executor, self._resolver_executor, self._here):
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        self._executor = self._resolver_executor = self._here = None
        TaskRunner.__exit__(self, None, None, None)

    def __eq__(self, value: object) -> bool:
        return isinstance(value, FlowAndProcessPoolTaskRunner) and self._parallel == value._parallel


class InterruptibleThreadPoolTaskRunner(ThreadPoolTaskRunner):
    """Prefect's thread pool runner, which on an interrupt (Ctrl-C, SIGTERM) waits for no running task."""

    def __enter__(self) -> Self:
        super().__enter__()
        note_signals_under_prefect()  # the flow engine enters its runner once its SIGTERM handler is in place
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        if _stopped_by_signal(exc_value) and self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        super().__exit__(exc_type, exc_value, traceback)
