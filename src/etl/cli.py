"""The `etl` command: run the pipeline, and tools for operators and analysts.

Configuration: defaults, then ETL_* environment variables, then flags. Prefect runs embedded
(ephemeral) unless PREFECT_API_URL points at a server.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from etl.config import load_settings

log = logging.getLogger(__name__)


def prepare_environment(state_dir: Path) -> None:
    """Point Prefect at a project-local home and keep it (and GX) offline and quiet; call before importing prefect."""
    state_dir = state_dir.resolve()
    defaults = {
        "PREFECT_HOME": str(state_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_EXTRA_LOGGERS": "etl",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
        "GX_ANALYTICS_ENABLED": "false",
        "TQDM_DISABLE": "1",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings(input_dir=args.input, warehouse_dir=args.warehouse, shard_size=args.shard_size,
                             max_bytes=args.max_bytes, state_dir=args.state_dir,
                             expectations_dir=args.expectations).resolved()
    parameters = {
        "input_dir": str(settings.input_dir), "warehouse_dir": str(settings.warehouse_dir),
        "shard_size": settings.shard_size, "max_bytes": settings.max_bytes,
        "expectations_dir": str(settings.expectations_dir) if settings.expectations_dir else None,
        "state_dir": str(settings.state_dir),
    }
    return run_pipeline(parameters, settings.state_dir, args.wait)


def run_pipeline(parameters: dict, state_dir: Path, wait_seconds: float = 0.0, show_shards: bool = False) -> int:
    """Run the flow once under the warehouse lock, journal the outcome, print the summary; return the exit code."""
    from etl.journal import record_run
    from etl.locking import WarehouseBusy, warehouse_lock
    from etl.runs import RunSummary

    if not Path(parameters["input_dir"]).is_dir():
        _say(f"error: input folder {parameters['input_dir']} does not exist")
        return 2
    prepare_environment(state_dir)
    from flows.pipeline import RunFailed, etl_pipeline

    try:
        with warehouse_lock(Path(parameters["warehouse_dir"]), wait_seconds):
            try:
                outcome = etl_pipeline(**parameters)
            except RunFailed as error:
                record_run(state_dir, parameters, "failed", error.summary, str(error))
                _print_summary(RunSummary(**error.summary) if error.summary else None, show_shards)
                _say(f"error: run failed: {error}")
                return 1
            except Exception as error:  # an unexpected failure still ends with one clear line
                record_run(state_dir, parameters, "failed", {}, f"{type(error).__name__}: {error}")
                _say(f"error: run failed: {type(error).__name__}: {error}")
                return 1
    except WarehouseBusy as error:
        _say(f"error: {error}")
        return 3
    record_run(state_dir, parameters, "completed", outcome, None)
    _print_summary(RunSummary(**outcome), show_shards)
    _say(f"warehouse: {parameters['warehouse_dir']}")
    return 0


def _print_summary(summary, show_shards: bool) -> None:
    if summary is None:
        return
    for line in summary.lines():
        _say(line)
    if show_shards:
        for line in summary.shard_lines():
            _say("  " + line)


def cmd_rerun(args: argparse.Namespace) -> int:
    from etl.journal import last_failed_run

    state_dir = load_settings(state_dir=args.state_dir).resolved().state_dir
    failed = last_failed_run(state_dir)
    if failed is None:
        _say("no failed run to re-run")
        return 0
    _say(f"re-running failed run {failed.get('run_id') or '?'} (flow run {failed.get('flow_run_id') or '?'}) "
         f"with its parameters: {failed['parameters']}")
    return run_pipeline(failed["parameters"], state_dir, args.wait, show_shards=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the pipeline on a folder of articles")
    run.add_argument("--input", type=Path, default=None, help="input folder (default: seeds/, env ETL_INPUT_DIR)")
    run.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: warehouse/, env ETL_WAREHOUSE_DIR)")
    run.add_argument("--shard-size", type=int, default=None, help="documents per task (default 500, env ETL_SHARD_SIZE)")
    run.add_argument("--max-bytes", type=int, default=None, help="larger files are quarantined as too_large (default 20 MiB, env ETL_MAX_BYTES)")
    run.add_argument("--state-dir", type=Path, default=None, help="Prefect home and task results (default .state/, env ETL_STATE_DIR)")
    run.add_argument("--expectations", type=Path, default=None, help="folder of GX suites (default: the project's expectations/)")
    run.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another run holding the warehouse (default: stop at once)")
    run.set_defaults(handler=cmd_run)
    rerun = commands.add_parser("rerun", help="re-run the last failed run with its parameters, reusing finished work")
    rerun.add_argument("--failed", action="store_true", required=True, help="re-run the last failed run")
    rerun.add_argument("--state-dir", type=Path, default=None, help="state folder of the failed run (default .state/)")
    rerun.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the warehouse lock")
    rerun.set_defaults(handler=cmd_rerun)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
