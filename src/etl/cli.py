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
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "false",
        "PREFECT_LOCAL_STORAGE_PATH": str(state_dir / "results"),
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
    if not settings.input_dir.is_dir():
        _say(f"error: input folder {settings.input_dir} does not exist")
        return 2
    prepare_environment(settings.state_dir)
    from flows.pipeline import RunFailed, etl_pipeline

    try:
        summary = etl_pipeline(
            input_dir=str(settings.input_dir), warehouse_dir=str(settings.warehouse_dir),
            shard_size=settings.shard_size, max_bytes=settings.max_bytes,
            expectations_dir=str(settings.expectations_dir) if settings.expectations_dir else None)
    except RunFailed as error:
        _say(f"error: run failed: {error}")
        return 1
    except Exception as error:  # an unexpected failure still ends with one clear line
        _say(f"error: run failed: {type(error).__name__}: {error}")
        return 1
    reasons = ", ".join(f"{k} {v}" for k, v in sorted(summary["quarantined_by_reason"].items())) or "none"
    _say(f"run {summary['run_id']} completed")
    _say(f"files seen {summary['files_seen']}, published {summary['published']}, "
         f"quarantined {summary['quarantined']} ({reasons}), skipped as unchanged {summary['skipped_unchanged']}")
    _say(f"duration {summary['duration_s']:.1f} s; warehouse: {settings.warehouse_dir}")
    return 0


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
    run.set_defaults(handler=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)
