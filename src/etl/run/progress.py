"""Progress of a run's stages in documents: done, reused, rate and ETA, for progress bars and heartbeat lines.

Shards are the unit of work but not of progress: a stage's progress is the documents of its finished shards
out of the documents it was given. Documents of a shard whose result was reused (cached) count as done but
not towards the rate: reusing 1,000 documents in 50 ms is no speed. Thread-safe (the flow updates it while a
heartbeat thread reads it).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass
class StageProgress:
    """One stage: documents given, done (reused included), reused, shards, and when it started."""

    stage: str
    total: int
    shards: int
    started: float
    done: int = 0
    reused: int = 0
    shards_done: int = 0
    failed_shards: int = 0

    def rate(self, now: float) -> float | None:
        """Documents per second over the documents computed here (reused ones excluded); None before any."""
        computed = self.done - self.reused
        elapsed = now - self.started
        return computed / elapsed if computed > 0 and elapsed > 0 else None

    def eta_seconds(self, now: float) -> float | None:
        rate = self.rate(now)
        return (self.total - self.done) / rate if rate else None

    @property
    def finished(self) -> bool:
        return self.shards_done + self.failed_shards >= self.shards

    def speed_text(self, now: float) -> str:
        """`12.3 docs/s`, `reused` when every document done so far was reused, `-` before any; `nothing new` for
        a stage given no documents."""
        if self.total == 0:
            return "nothing new"
        if self.done and self.done == self.reused:
            return "reused"
        rate = self.rate(now)
        return f"{rate:.1f} docs/s" if rate else "-"

    def eta_text(self, now: float) -> str:
        if self.finished:
            return "0:00:00"
        eta = self.eta_seconds(now)
        return clock_text(eta) if eta is not None else "?"


def clock_text(seconds: float) -> str:
    """`H:MM:SS`."""
    whole = round(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class RunProgress:
    """The stages of one run, in the order they started."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._stages: dict[str, StageProgress] = {}

    def start(self, stage: str, documents: int, shards: int) -> StageProgress:
        with self._lock:
            progress = self._stages[stage] = StageProgress(stage, documents, shards, self._clock())
            return progress

    def shard_done(self, stage: str, documents: int, reused: bool = False, failed: bool = False) -> StageProgress:
        """Count a finished shard of `documents` documents (reused: its result came from an earlier run)."""
        with self._lock:
            progress = self._stages[stage]
            if failed:
                progress.failed_shards += 1
            else:
                progress.shards_done += 1
                progress.done += documents
                progress.reused += documents if reused else 0
            return progress

    def line(self, stage: str) -> str:
        """`entities: 1000/2000 documents, 2 of 4 shards, 20.0 docs/s, ETA 0:00:50`."""
        with self._lock:
            progress, now = self._stages[stage], self._clock()
            return (f"{stage}: {progress.done}/{progress.total} documents, {progress.shards_done} of {progress.shards} "
                    f"shards, {progress.speed_text(now)}, ETA {progress.eta_text(now)}")

    def running(self) -> list[str]:
        """Stages started and not finished, in the order they started."""
        with self._lock:
            return [stage for stage, progress in self._stages.items() if not progress.finished]

    def snapshot(self, stage: str) -> dict:
        """The stage's figures for a progress bar: done, total, speed and ETA texts."""
        with self._lock:
            progress, now = self._stages[stage], self._clock()
            return {"stage": stage, "done": progress.done, "total": progress.total,
                    "speed": progress.speed_text(now), "eta": progress.eta_text(now)}
