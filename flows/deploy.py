"""The flow that deployments run: `etl_pipeline` under the warehouse lock, journaled like `etl run`.

`etl serve` serves it (flow.serve), prefect.yaml deploys it to a process work pool, and
`prefect flow-run retry <id> --entrypoint flows/deploy.py:locked_pipeline` re-runs any failed run with it.
A run triggered through a deployment does not go through the `etl` command, so this flow does what
`etl run` does around the pipeline (etl_flows.locked.run_locked_and_journaled): one writer per warehouse
(fail at once if it is held) and one line per attempt in <state_dir>/runs.jsonl, so `etl rerun --failed`
sees served runs too, and a run with nothing to do since the last completed one stops at once (journaled
`unchanged`, no snapshot, no `runs` row), as `etl run` does. It has the same name and parameters as
`etl_pipeline`: in the UI its runs are runs of the flow `etl-pipeline`, and a failed `etl run` can be retried
with it.

Relative paths are resolved against the working directory of the run (for a work pool, the project
folder set by prefect.yaml's pull step), so the lock, the journal and the results are always keyed by
absolute paths.
"""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.context import FlowRunContext

from etl.config import DEFAULT_MAX_BYTES, DEFAULT_SHARD_SIZE, PIPELINE_VERSION, Settings, is_url, run_parameters
from etl.run.journal import check_inputs, inputs_after, record_unchanged
from etl_flows.locked import run_locked_and_journaled
from etl_flows.notify import notify_failure
from etl_flows.pipeline import etl_pipeline


def prefect_api_url() -> str | None:
    """The Prefect server this process talks to (environment or active profile), or None in ephemeral mode."""
    from prefect.settings import get_current_settings

    return get_current_settings().api.url or None


@flow(name="etl-pipeline", version=PIPELINE_VERSION, on_failure=[notify_failure], on_crashed=[notify_failure])
def locked_pipeline(input_dir: str = "seeds", warehouse_dir: str = "warehouse", shard_size: int = DEFAULT_SHARD_SIZE,
                    max_bytes: int = DEFAULT_MAX_BYTES, expectations_dir: str | None = None,
                    state_dir: str = ".state") -> dict:
    """Run the pipeline once under the warehouse lock; a held lock fails the run at once, naming the holder."""
    parameters = run_parameters(Settings(
        input_dir=input_dir if is_url(input_dir) else Path(input_dir), warehouse_dir=Path(warehouse_dir),
        state_dir=Path(state_dir),
        expectations_dir=Path(expectations_dir) if expectations_dir else None,
        shard_size=int(shard_size), max_bytes=int(max_bytes)))
    flow_run_id = str(FlowRunContext.get().flow_run.id)
    check = check_inputs(parameters)
    if check.previous is not None:  # as `etl run`: nothing published, no runs row, one `unchanged` journal line
        get_run_logger().info("nothing changed since run %s: the %d input files, the parameters, the suites and the "
                              "code are the same, and the warehouse is at the snapshot that run published",
                              check.previous.get("run_id"), check.files)
        return record_unchanged(parameters, check.previous, flow_run_id)
    # The pipeline's body, run inside this flow run: one flow run per attempt, tasks and the summary artifact
    # attached to it; etl_pipeline puts task results in <state_dir>/results.
    return run_locked_and_journaled(parameters, lambda: etl_pipeline.fn(**parameters.as_dict()),
                                    flow_run_id=flow_run_id,
                                    inputs=lambda outcome: inputs_after(parameters, check.fingerprint, outcome))
