"""How a run stops: Ctrl-C (SIGINT) and SIGTERM become one exception in the main thread, and every child process
the `etl` command starts (the temporary Prefect server, the task worker processes) dies with it, even by kill -9.

Imports nothing but the standard library: the `etl` command installs the handlers before it imports Prefect, and
`python -m etl_flows.signals PARENT_PID MODULE ARGS...` starts the temporary server's process.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class RunInterrupted(BaseException):
    """The run was stopped by a signal (Ctrl-C, SIGTERM). A BaseException, as KeyboardInterrupt: no `except
    Exception` on the way up may swallow it."""

    def __init__(self, signum: int) -> None:
        self.signal = signum
        super().__init__(f"interrupted by {signal.Signals(signum).name}")


# Signals received while stop_on_signals is active: a library may wrap the RunInterrupted raised inside its code
# (pydantic turns it into a serialization error), so what stopped the run is read here, not from the exception.
_received: list[int] = []
# While stop_on_signals is active: what the first signal does besides raising (note it, arm the watchdog).
_on_first_signal: list[Callable[[int], None]] = []


def interruption(error: BaseException) -> str | None:
    """The signal's name when the run `error` ends was stopped from outside, else None: a signal stop_on_signals
    received, or an interrupt (RunInterrupted, Ctrl-C, Prefect's TerminationSignal) in the error's chain of causes
    (pydantic, for one, wraps what a signal handler raised inside its code in an error of its own).

    Under stop_on_signals, an interrupt found in a chain is remembered: Prefect re-raises a flow's error from its
    stored state, without the chain, and Prefect's own SIGTERM handler replaces ours while a flow runs.
    """
    if _received:
        return signal.Signals(_received[0]).name
    link: BaseException | None = error
    for _ in range(_CAUSES_LOOKED_AT):
        if link is None:
            return None
        if not isinstance(link, Exception):
            number = getattr(link, "signal", None)
            if number is None and isinstance(link, KeyboardInterrupt):
                number = signal.SIGINT
            if number is not None:
                if _on_first_signal:
                    _received.append(int(number))
                return signal.Signals(number).name
        link = link.__cause__ or link.__context__
    return None


_CAUSES_LOOKED_AT = 20


@contextlib.contextmanager
def stop_on_signals(hard_stop: Callable[[int], None], grace_seconds: float = 20.0) -> Iterator[list[int]]:
    """While inside, the first SIGINT or SIGTERM raises RunInterrupted in the main thread, so that every `finally`
    (lock, journal, worker processes, server) runs as on an exit; yields the list the signal numbers go to.

    A second SIGINT, or a clean-up still running `grace_seconds` after the first signal, calls
    `hard_stop(exit_code)` (which must not return). A signal Prefect re-sends to itself after handling its own
    SIGTERM is not counted twice. Outside the main thread nothing is installed.
    """
    received = _received
    received.clear()
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    cleaned_up = threading.Event()

    def first_signal(signum: int) -> None:
        received.append(signum)
        watchdog = threading.Thread(target=_stop_if_stuck, args=(cleaned_up, hard_stop, 128 + signum, grace_seconds),
                                    name="etl-stop-watchdog", daemon=True)
        watchdog.start()

    def handle(signum: int, frame) -> None:
        if received:
            if signum == signal.SIGINT and received[-1] == signal.SIGINT:
                hard_stop(128 + signum)
            return
        first_signal(signum)
        raise RunInterrupted(signum)

    previous = {number: signal.signal(number, handle) for number in (signal.SIGINT, signal.SIGTERM)}
    _on_first_signal.append(first_signal)
    try:
        yield received
    finally:
        _on_first_signal.clear()
        cleaned_up.set()
        for number, handler in previous.items():
            signal.signal(number, handler)
        received.clear()


def note_signals_under_prefect() -> None:
    """Call in the main thread once a flow run has started: Prefect then handles SIGTERM itself (raising its
    TerminationSignal, which a library may wrap); wrap its handler so stop_on_signals still learns of the signal."""
    if not _on_first_signal or threading.current_thread() is not threading.main_thread():
        return
    prefect_handler = signal.getsignal(signal.SIGTERM)
    if not callable(prefect_handler) or getattr(prefect_handler, "notes_signals", False):
        return

    def noting(signum: int, frame) -> None:
        if _on_first_signal and not _received:
            _on_first_signal[0](signum)
        prefect_handler(signum, frame)

    noting.notes_signals = True  # type: ignore[attr-defined]
    signal.signal(signal.SIGTERM, noting)


def _stop_if_stuck(cleaned_up: threading.Event, hard_stop: Callable[[int], None], code: int,
                   grace_seconds: float) -> None:
    if not cleaned_up.wait(grace_seconds):
        hard_stop(code)


def exit_with_parent(parent_pid: int, signum: int = signal.SIGKILL) -> None:
    """Make this (child) process receive `signum` when its parent `parent_pid` ends, however it ends.

    On Linux the kernel sends it (PR_SET_PDEATHSIG) when the thread that started this process exits: the server is
    started from the main thread, the forked workers too, and spawned workers from pool threads that outlive
    them. Elsewhere a daemon thread watches the parent's pid.
    """
    requested = False
    if sys.platform.startswith("linux"):
        try:
            requested = ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0
        except (OSError, AttributeError):
            requested = False
    if not requested:
        threading.Thread(target=_watch_parent, args=(parent_pid, signum), name="etl-parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os.kill(os.getpid(), signum)


def _watch_parent(parent_pid: int, signum: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(1.0)
    os.kill(os.getpid(), signum)


def _run_module_with_parent(argv: list[str]) -> None:
    """`PARENT_PID MODULE ARGS...`: `python -m MODULE ARGS...`, ended by SIGTERM when PARENT_PID ends."""
    parent, module, *arguments = argv
    exit_with_parent(int(parent), signal.SIGTERM)
    sys.argv = [module, *arguments]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    _run_module_with_parent(sys.argv[1:])
