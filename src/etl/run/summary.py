"""Run bookkeeping: run ids, shards, the run summary and its conservation check. No I/O."""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from etl.quality.results import aggregate_gates, gate_counts
from etl.run.publish import PublishedCounts


def new_run_id(now: datetime | None = None) -> str:
    """A sortable, unique run id such as 20261122T003000Z-1a2b3c."""
    now = now or datetime.now(timezone.utc)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def shard(items: Sequence, size: int, parallel: int = 1) -> list[list]:
    """Cut `items` into consecutive batches of at most `size`, for `parallel` workers.

    Whole rounds (`parallel` batches of `size`) come first; what is left after them is cut into `parallel`
    near-equal batches, so that the last round keeps every worker busy: 3,000 items by 1,000 for 2 workers
    are 1,000, 1,000, 500, 500 (three batches of 1,000 would leave one worker idle for a third of the run).
    With one worker this is the plain cut. The batches of the whole rounds do not depend on the length of
    the list, so a longer list (new files at the end) keeps them, and their tasks' stored results.
    """
    parallel = max(1, parallel)
    whole = len(items) - len(items) % (size * parallel)
    batches = [list(items[start:start + size]) for start in range(0, whole, size)]
    rest = len(items) - whole
    parts = min(parallel, rest)
    batches += [list(items[whole + rest * n // parts:whole + rest * (n + 1) // parts]) for n in range(parts)]
    return batches


# The run's timeline: when it reached each of these, in epoch seconds (RunSummary.timeline). Everything before
# first_task_started, and from shards_done on, runs in one process whatever the number of workers.
TIMELINE_MARKS = ("flow_started", "first_task_started", "shards_done", "stories_done", "events_done", "published")


@dataclass
class RunSummary:
    """What a run did, file by file accounted for."""

    run_id: str
    flow_run_id: str | None = None
    files_seen: int = 0
    published: int = 0
    quarantined: int = 0
    skipped_unchanged: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    gates: list[dict] = field(default_factory=list)
    quarantine_rows: list[dict] = field(default_factory=list)  # file-level quarantine of this run (capped)
    tasks: dict[str, dict[str, list[int]]] = field(default_factory=dict)  # stage -> executed/reused/failed shards
    stage_seconds: dict[str, float] = field(default_factory=dict)  # compute time per stage, summed over shards
    failures: list[str] = field(default_factory=list)  # "stage shard N: error" of the tasks that failed
    duration_s: float = 0.0
    # when the run's phases ended, in epoch seconds (see TIMELINE_MARKS): where the fixed costs go
    timeline: dict[str, float] = field(default_factory=dict)
    # this process's CPU seconds at the same marks (first_task_started aside: it may have run in another process)
    timeline_cpu: dict[str, float] = field(default_factory=dict)
    status: str = "running"
    reason: str | None = None

    def record_publication(self, counts: PublishedCounts, completed: bool = True) -> None:
        """Take the counts publish_run returned (or a ConservationError carried); completed unless told not."""
        self.published, self.quarantined = counts.published, counts.quarantined
        self.quarantined_by_reason, self.quarantine_rows = counts.quarantined_by_reason, counts.quarantine_rows
        if completed:
            self.gates, self.status = counts.gates, "completed"

    def mark(self, phase: str, at: float | None = None) -> None:
        """Note that the run reached `phase` (one of TIMELINE_MARKS) now, or at `at` (epoch seconds)."""
        self.timeline[phase] = round(time.time() if at is None else at, 3)
        if at is None:
            self.timeline_cpu[phase] = round(time.process_time(), 3)

    def mark_first_task(self, outputs: Sequence) -> None:
        """first_task_started: the earliest start of a shard task this run executed (not reused from earlier runs);
        the flow's start when it executed none."""
        since = self.timeline.get("flow_started", 0.0)
        starts = [o.started_at for o in outputs if o is not None and o.started_at >= since]
        self.mark("first_task_started", min(starts) if starts else since)

    @property
    def conserved(self) -> bool:
        """Every file seen is published, quarantined or skipped as unchanged: nothing is lost."""
        return self.files_seen == self.published + self.quarantined + self.skipped_unchanged

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=str)

    def lines(self) -> list[str]:
        """The human summary printed at the end of a run."""
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.quarantined_by_reason.items())) or "none"
        out = [
            f"run {self.run_id}: {self.status}" + (f" ({self.reason})" if self.reason else ""),
            f"files seen {self.files_seen}, published {self.published}, quarantined {self.quarantined} "
            f"({reasons}), skipped as unchanged {self.skipped_unchanged}",
            f"tasks: {self.count_tasks('executed')} executed, {self.count_tasks('reused')} reused from earlier runs, "
            f"{self.count_tasks('failed')} failed",
            f"duration {self.duration_s:.1f} s",
        ]
        return out

    def count_tasks(self, kind: str) -> int:
        return sum(len(t.get(kind, [])) for t in self.tasks.values())

    def shard_lines(self) -> list[str]:
        """Per stage: which shards were recomputed, reused or failed."""
        return [f"{stage}: recomputed {t['executed'] or 'none'}, reused {t['reused'] or 'none'}"
                + (f", failed {t['failed']}" if t["failed"] else "") for stage, t in self.tasks.items()]

    def markdown(self, gate_key: str | None = None) -> str:
        """The summary as a Markdown artifact; the gate results are counted here and listed in `gate_key`."""
        reasons = "\n".join(f"- {k}: {v}" for k, v in sorted(self.quarantined_by_reason.items())) or "- none"
        counts = gate_counts(aggregate_gates(self.gates))
        gates = (f"{sum(counts.values())} expectations: {counts['pass']} pass, {counts['quarantined']} with rows "
                 f"quarantined, {counts['FAIL']} FAIL" + (f" (per stage and expectation: artifact `{gate_key}`)" if gate_key
                                                    else ""))
        return (
            f"# ETL run {self.run_id}: {self.status}\n\n"
            + (f"**Reason:** {self.reason}\n\n" if self.reason else "")
            + f"| files seen | published | quarantined | skipped unchanged | duration (s) |\n|---|---|---|---|---|\n"
            f"| {self.files_seen} | {self.published} | {self.quarantined} | {self.skipped_unchanged} | {self.duration_s:.1f} |\n\n"
            f"## Quarantined by reason\n{reasons}\n\n"
            f"## Gates\n{gates}\n"
        )


def warehouse_slug(warehouse: str | Path) -> str:
    """A short stable name for a warehouse folder, fit for Prefect artifact keys: `<folder name>-<6 hex of its path>`."""
    path = str(Path(warehouse).resolve())
    name = re.sub(r"[^a-z0-9]+", "-", Path(path).name.lower()).strip("-")[:24] or "warehouse"
    return f"{name}-{hashlib.sha1(path.encode('utf-8')).hexdigest()[:6]}"


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the OS (glibc), so a long run's footprint stays flat.

    Python frees objects into malloc's arenas, which keep the pages; without the trim, memory used once
    (the ingest index of every file, a stage's frames) stays counted in the process's RSS until it exits.
    """
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass
