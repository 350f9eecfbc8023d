"""One run under the warehouse lock, journaled: what `etl run`, `etl rerun` and every deployment's run do alike.

One writer per warehouse (etl.run.locking.warehouse_lock; another run holding it is WarehouseBusy) and one line
per attempt in <state_dir>/runs.jsonl (etl.run.journal), completed, failed or interrupted with its reason, so that
`etl rerun --failed` and `etl status` see every run, whoever started it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from etl.config import RunParameters
from etl.run.journal import record_run
from etl.run.locking import WarehouseBusy, warehouse_lock
from etl_flows.pipeline import RunFailed
from etl_flows.signals import interruption


def run_locked_and_journaled(parameters: RunParameters, run: Callable[[], dict], *, flow_run_id: str | None = None,
                             wait_seconds: float = 0.0,
                             inputs: Callable[[dict], dict | None] | None = None) -> dict:
    """Call `run` (the pipeline) holding the warehouse lock and journal the attempt; return its summary.

    A failure is journaled with its reason and re-raised: RunFailed (with the run's summary), WarehouseBusy
    (another run holds the warehouse, after `wait_seconds`) or any other error. `inputs(outcome)` gives what a
    completed attempt records for the next run's nothing-changed check (see etl.run.journal.unchanged_since).
    """
    state_dir = Path(parameters.state_dir)
    attempt = {"flow_run_id": flow_run_id}
    try:
        with warehouse_lock(Path(parameters.warehouse_dir), wait_seconds):
            try:
                outcome = run()
            except BaseException as error:
                stopped_by = interruption(error)
                if stopped_by is not None:  # Ctrl-C, SIGTERM: `etl rerun --failed` must see the attempt too
                    record_run(state_dir, parameters, "interrupted", attempt, f"interrupted by {stopped_by}")
                elif isinstance(error, RunFailed):
                    record_run(state_dir, parameters, "failed", error.summary or attempt, str(error))
                elif isinstance(error, Exception):
                    record_run(state_dir, parameters, "failed", attempt, f"{type(error).__name__}: {error}")
                raise
    except WarehouseBusy as error:
        record_run(state_dir, parameters, "failed", attempt, str(error))
        raise
    record_run(state_dir, parameters, "completed", outcome, None, inputs=inputs(outcome) if inputs else None)
    return outcome
