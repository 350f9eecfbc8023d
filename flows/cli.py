"""The `etl` command: run the pipeline, and tools for operators and analysts.

Configuration: defaults, then ETL_* environment variables, then flags. Prefect runs embedded
(ephemeral) unless PREFECT_API_URL points at a server.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from etl.config import DEFAULT_SHARD_SIZE, RunParameters, Settings, load_settings, run_parameters
from etl.ingest.files import input_exists
from etl.run.journal import (
    JOURNAL,
    InputCheck,
    check_inputs,
    inputs_after,
    last_failed_run,
    record_run,
    record_unchanged,
)
from etl.run.locking import HOLDER_NAME, WarehouseBusy, lock_holder
from etl.run.summary import RunSummary, new_run_id
from etl_flows.analyst_commands import add_cli_commands
from etl_flows.maintenance import add_verify_command, preflight, repair_before_run
from etl_flows.signals import interruption, stop_on_signals

log = logging.getLogger(__name__)


def prepare_environment(state_dir: Path) -> None:
    """Point Prefect at a project-local home and keep it (and GX) offline and quiet; call before importing prefect."""
    state_dir = state_dir.resolve()
    defaults = {
        "PREFECT_HOME": str(state_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",  # Prefect's client-side telemetry (3.9 sends events from interactive terminals)
        "PREFECT_LOGGING_EXTRA_LOGGERS": "etl",
        "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "60",
        "GX_ANALYTICS_ENABLED": "false",
        "TQDM_DISABLE": "1",
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    logging.getLogger("etl").setLevel(load_settings().log_level.upper())
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)


def _say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _export_notify(args: argparse.Namespace) -> str | None:
    """`--notify URL` as ETL_NOTIFY_URL for this process and the runs it starts (the flows' failure hook reads it)."""
    url = load_settings(notify_url=getattr(args, "notify", None)).notify_url
    if url:
        os.environ["ETL_NOTIFY_URL"] = url
    return url


def cmd_run(args: argparse.Namespace) -> int:
    _export_notify(args)
    return run_pipeline(_run_parameters(args), args.wait, execution=_execution(args), force=args.force,
                        repair=args.repair)


def _execution(args: argparse.Namespace) -> dict:
    """How the tasks run (not a flow parameter: the same run may execute on threads, processes or Dask)."""
    settings = load_settings(task_runner=getattr(args, "task_runner", None), workers=getattr(args, "workers", None),
                             dask_address=getattr(args, "dask_address", None))
    return {"kind": settings.task_runner, "workers": settings.workers or os.cpu_count() or 1,
            "dask_address": settings.dask_address, "worker_start": settings.worker_start}


def run_pipeline(parameters: RunParameters, wait_seconds: float = 0.0, show_shards: bool = False,
                 execution: dict | None = None, force: bool = False, repair: bool = False) -> int:
    """Run the flow once under the warehouse lock, journal the outcome, print the summary; return the exit code.

    Unless `force`, a run whose inputs, parameters, suites and code are those of the last completed run, on
    the snapshot that run left, stops at once (nothing to do) without starting Prefect. A damaged warehouse,
    one written under other schemas, or a folder that cannot be written stops it with one line (exit 1);
    `repair` first publishes a repaired snapshot (etl.run.repair), then runs.
    """
    if not input_exists(parameters.input_dir):
        _say(f"error: input folder {parameters.input_dir} does not exist")
        return 2
    problem = preflight(parameters, repair)
    if problem is not None:
        _say(f"error: {problem}")
        return 1
    state_dir = Path(parameters.state_dir)
    check = check_inputs(parameters, force or repair)
    if check.previous is not None:
        return _nothing_changed(parameters, check.previous)
    # Prefect is imported only now: PREFECT_HOME must be set first, and the temporary server is launched
    # before the import (it boots while Prefect, the flow and its libraries load).
    prepare_environment(state_dir)
    from etl_flows.server import start_server_unless_configured

    server = start_server_unless_configured()
    warehouse = Path(parameters.warehouse_dir)
    reached_lock: list[bool] = []
    with stop_on_signals(_hard_stop(warehouse, server)):
        try:
            return _run_flow(parameters, wait_seconds, show_shards, execution, server, check, reached_lock, repair)
        except BaseException as error:
            stopped_by = interruption(error)
            if stopped_by is None:
                raise
            log.debug("run interrupted by %s", stopped_by, exc_info=True)
            for child in multiprocessing.active_children():  # worker processes, should a runner have left one
                child.kill()
            if server is not None:
                server.stop()
            if not reached_lock:  # from the lock on, run_locked_and_journaled journals the attempt
                record_run(state_dir, parameters, "interrupted", {}, f"interrupted by {stopped_by}")
            _say(f"interrupted by {stopped_by}: the run stopped and published nothing more; the warehouse keeps its "
                 f"last complete snapshot; `etl rerun --failed` runs it again")
            return 128 + signal.Signals[stopped_by].value


def _hard_stop(warehouse: Path, server) -> Callable[[int], None]:
    """What a second Ctrl-C, or a clean-up stuck after the first, does: kill the children and leave at once."""

    def stop(code: int) -> None:
        for child in multiprocessing.active_children():
            child.kill()
        if server is not None:
            server.stop()
        if (lock_holder(warehouse) or {}).get("pid") == os.getpid():
            with contextlib.suppress(OSError):
                (warehouse / HOLDER_NAME).unlink()
        _say("interrupted again: stopped at once")
        os._exit(code)

    return stop


def _run_flow(parameters: RunParameters, wait_seconds: float, show_shards: bool, execution: dict | None, server,
              check: InputCheck, reached_lock: list[bool], repair: bool = False) -> int:
    """The flow run of run_pipeline, once the temporary server (if any) is starting (`repair`: repair first)."""
    from etl_flows.console import tracebacks_to_log_file
    from etl_flows.locked import run_locked_and_journaled
    from etl_flows.notify import notify_failure
    from etl_flows.pipeline import RunFailed, etl_pipeline, prepared_task_runner
    from etl_flows.runners import discard_forked_workers

    log_file = tracebacks_to_log_file(Path(parameters.state_dir), load_settings().log_level)

    execution = execution or {"kind": "process", "workers": os.cpu_count() or 1, "dask_address": None}

    ended_flow_runs: list = []

    def note_flow_run(flow, flow_run, state) -> None:
        ended_flow_runs.append(flow_run.id)

    def run() -> dict:
        if repair:
            repair_before_run(parameters, new_run_id() + "-repair")
        with _progress_bar():
            try:
                # with_options replaces the flow's hooks: the failure notice is kept
                return etl_pipeline.with_options(task_runner=runner, on_crashed=[notify_failure, note_flow_run],
                                                 on_failure=[notify_failure, note_flow_run])(**parameters.as_dict())
            except BaseException as error:
                stopped_by = interruption(error)
                if stopped_by is not None:  # Prefect calls an interrupted flow run Crashed (or Failed); it was cancelled
                    _mark_cancelled(ended_flow_runs, f"Interrupted by {stopped_by}.")
                raise

    try:
        # before the server answers: no Prefect thread may run yet where worker processes are forked
        runner = prepared_task_runner(**execution, shards=-(-check.files // parameters.shard_size))
        if server is not None:
            server.wait()
        reached_lock.append(True)
        outcome = run_locked_and_journaled(parameters, run, wait_seconds=wait_seconds,
                                           inputs=lambda outcome: inputs_after(parameters, check.fingerprint, outcome))
    except WarehouseBusy as error:
        _say(f"error: {error}")
        return 3
    except RunFailed as error:
        if interruption(error):
            raise
        _print_summary(RunSummary(**error.summary) if error.summary else None, show_shards)
        _say(f"error: run failed: {error}")
        return 1
    except Exception as error:  # an unexpected failure still ends with one clear line
        if interruption(error):  # a signal's exception, wrapped by the code it was raised in
            raise
        log.exception("run failed")  # the traceback: in the log file, on the terminal with DEBUG
        _say(f"error: run failed: {type(error).__name__}: {error} (traceback in {log_file})")
        return 1
    finally:
        discard_forked_workers()
    _print_summary(RunSummary(**outcome), show_shards)
    _say(f"warehouse: {parameters.warehouse_dir}")
    return 0


def _mark_cancelled(flow_run_ids: list, message: str) -> None:
    """Set these flow runs' state to Cancelled (best effort: the line the user reads does not depend on it)."""
    from prefect.client.orchestration import get_client
    from prefect.states import Cancelled

    try:
        with get_client(sync_client=True) as client:
            for flow_run_id in flow_run_ids:
                client.set_flow_run_state(flow_run_id, Cancelled(message=message), force=True)
    except Exception:  # the server may be gone too
        log.debug("could not mark the interrupted flow run cancelled", exc_info=True)


def _nothing_changed(parameters: RunParameters, previous: dict) -> int:
    """Journal and print a run that had nothing to do: every file is as the last completed run saw it."""
    summary = record_unchanged(parameters, previous)
    seen, quarantined = summary["files_seen"], summary["quarantined"]
    _say(f"nothing changed since run {previous.get('run_id')}: the {seen} input files, the parameters, the suites "
         f"and the code are the same, and the warehouse is at the snapshot that run published "
         f"(use --force to run anyway)")
    _say(f"files seen {seen}, published 0, quarantined {quarantined} (as before), "
         f"skipped as unchanged {seen - quarantined}")
    _say(f"warehouse: {parameters.warehouse_dir}")
    return 0


@contextlib.contextmanager
def _progress_bar():
    """On a terminal, one rich progress bar per stage, from the moment its tasks are submitted, fed by the flow's
    `etl.progress` lines: documents done of the stage's documents, docs/s (or `reused`) and ETA."""
    if not sys.stdout.isatty():
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    class _Feed(logging.Handler):
        def __init__(self, bars: Progress) -> None:
            super().__init__()
            self.bars, self.tasks = bars, {}

        def emit(self, record: logging.LogRecord) -> None:
            stage = getattr(record, "stage", None)
            if stage is None:
                return
            figures = {"completed": record.done, "total": record.total, "speed": record.speed, "eta": record.eta}
            if stage not in self.tasks:
                self.tasks[stage] = self.bars.add_task(stage, **figures)
            self.bars.update(self.tasks[stage], **figures)

    columns = (TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(), TextColumn("documents"),
               TextColumn("{task.fields[speed]}"), TextColumn("ETA {task.fields[eta]}"), TimeElapsedColumn())
    with Progress(*columns, transient=False) as bars:
        feed = _Feed(bars)
        logger = logging.getLogger("etl.progress")
        logger.addHandler(feed)
        try:
            yield
        finally:
            logger.removeHandler(feed)


def _print_summary(summary, show_shards: bool) -> None:
    if summary is None:
        return
    for line in summary.lines():
        _say(line)
    if show_shards:
        for line in summary.shard_lines():
            _say("  " + line)


def cmd_rerun(args: argparse.Namespace) -> int:
    _export_notify(args)
    state_dir = load_settings(state_dir=args.state_dir).resolved().state_dir
    failed = last_failed_run(state_dir)
    if failed is None:
        _say("no failed run to re-run")
        return 0
    _say(f"re-running failed run {failed.get('run_id') or '?'} (flow run {failed.get('flow_run_id') or '?'}) "
         f"with its parameters: {failed['parameters']}")
    return run_pipeline(RunParameters.from_dict(failed["parameters"]), args.wait, show_shards=True,
                        execution=_execution(args))


def cmd_evaluate(args: argparse.Namespace) -> int:
    from etl.analyst.evaluate import evaluate_warehouse, format_scores, load_gold

    warehouse = load_settings(warehouse_dir=args.warehouse).warehouse_dir
    scores = evaluate_warehouse(warehouse, load_gold(args.gold))
    if args.json:
        import json
        from dataclasses import asdict

        _say(json.dumps([asdict(s) for s in scores], ensure_ascii=False))
    else:
        for line in format_scores(scores):
            _say(line)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Health check: exit 0 healthy, 1 stale or failing (see etl.health.warehouse_health)."""
    from etl.run.health import health_lines, parse_duration, warehouse_health

    try:
        max_age = parse_duration(args.max_age or load_settings().status_max_age)
    except ValueError as error:
        _say(f"error: --max-age: {error}")
        return 2
    settings = load_settings(warehouse_dir=args.warehouse, state_dir=args.state_dir).resolved()
    # The configured state folder when it has a journal, else the one the last completed run recorded.
    state_dir = settings.state_dir if args.state_dir or (settings.state_dir / JOURNAL).exists() else None
    prepare_environment(state_dir or settings.state_dir)
    schedules, server, problems = [], _prefect_api_url(), []
    if server is not None:
        from etl_flows.schedules import schedule_health  # imports Prefect: after prepare_environment

        try:
            schedules = schedule_health(settings.warehouse_dir)
        except Exception as error:  # an unreachable server is a finding, not a crash
            log.debug("reading schedules failed", exc_info=True)
            problems.append(f"Prefect server {server} could not be asked about schedules: {type(error).__name__}: {error}")
    health = warehouse_health(settings.warehouse_dir, state_dir, max_age, schedules=schedules, server=server)
    health.problems.extend(problems)
    if args.json:
        import json
        from dataclasses import asdict

        _say(json.dumps(dict(asdict(health), healthy=health.healthy), ensure_ascii=False, default=str))
    else:
        for line in health_lines(health):
            _say(line)
    notify_url = load_settings(notify_url=args.notify).notify_url
    if notify_url and not health.healthy:
        from etl.run.notify import post_notice, unhealthy_notice

        post_notice(notify_url, unhealthy_notice(str(settings.warehouse_dir), health.problems))
    return 0 if health.healthy else 1


# --- Operating it: `etl serve` (a served deployment with a cron schedule) and `etl deploy` (prefect.yaml). ---

DEFAULT_POOL = "etl-process"


def _run_parameters(args: argparse.Namespace) -> RunParameters:
    """The run's parameters from flags, ETL_* variables and defaults, with absolute paths (runs may start elsewhere)."""
    return run_parameters(load_settings(input_dir=args.input, warehouse_dir=args.warehouse,
                                         shard_size=args.shard_size, max_bytes=args.max_bytes,
                                         state_dir=args.state_dir, expectations_dir=args.expectations))


def _prefect_api_url() -> str | None:
    """The Prefect server this process talks to, or None in ephemeral mode."""
    from etl_flows.deploy import prefect_api_url  # imports Prefect: only after prepare_environment set PREFECT_HOME

    return prefect_api_url()


def _no_server_message() -> str:
    return (f"PREFECT_API_URL is not set, so Prefect runs an ephemeral server inside this process: the schedule and "
            f"its runs live only while it runs, and no UI, worker or `prefect deployment run` can reach them. "
            f"Start a server (`prefect server start --host 127.0.0.1`) and `export "
            f"PREFECT_API_URL=http://127.0.0.1:4200/api`. (`etl` uses PREFECT_HOME={os.environ.get('PREFECT_HOME')}, "
            f"so a `prefect config set` made in another profile home is not seen here; export the variable.)")


def _other_schedules(warehouse: str, name: str) -> list[str]:
    """Active schedules of deployments other than etl-pipeline/NAME that write to `warehouse`: one line each."""
    from etl_flows.schedules import FLOW_NAME, schedule_health  # imports Prefect: after prepare_environment

    return [f"{s.deployment} ({s.schedule})" for s in schedule_health(Path(warehouse))
            if s.active and s.deployment != f"{FLOW_NAME}/{name}"]


def _two_schedules_message(warehouse: str, others: list[str]) -> str:
    names = [other.split(" ", 1)[0] for other in others]
    return (f"{', '.join(others)} already runs the pipeline on {warehouse} on a schedule; two schedules on one "
            f"warehouse fight for its lock each time both fire. Remove one first: "
            + "; ".join(f"`prefect deployment delete {name}`" for name in names)
            + " (and stop the `etl serve` that serves it), or use another --warehouse")


def cmd_serve(args: argparse.Namespace) -> int:
    _export_notify(args)  # the served runs (child processes) inherit it
    parameters = _run_parameters(args)
    if not input_exists(parameters.input_dir):
        _say(f"error: input folder {parameters.input_dir} does not exist")
        return 2
    prepare_environment(Path(parameters.state_dir))
    api_url = _prefect_api_url()
    if api_url is None:
        sys.stderr.write("warning: " + _no_server_message() + "\n")
        sys.stderr.flush()
    elif others := _other_schedules(parameters.warehouse_dir, args.name):
        sys.stderr.write("warning: " + _two_schedules_message(parameters.warehouse_dir, others) + "\n")
        sys.stderr.flush()
    from etl_flows.deploy import locked_pipeline  # imports Prefect: after prepare_environment

    _say(f"serving etl-pipeline/{args.name} on {api_url or 'an ephemeral server'}, cron {args.cron!r} (UTC), "
         f"parameters {parameters.as_dict()}")
    # limit=1: this process runs one flow run at a time, a run due while another runs waits for it.
    locked_pipeline.serve(name=args.name, cron=args.cron, parameters=parameters.as_dict(), limit=1,
                          description="The ETL pipeline under the warehouse lock, served by `etl serve`.")
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    import json
    import subprocess

    import etl_flows

    parameters = _run_parameters(args)
    notify_url = _export_notify(args)
    project = Path(etl_flows.__file__).resolve().parent.parent
    prefect_file = project / "prefect.yaml"
    if not prefect_file.is_file():
        _say(f"error: {prefect_file} not found; `etl deploy` runs from a checkout of the project")
        return 2
    prepare_environment(Path(parameters.state_dir))
    if _prefect_api_url() is None:
        _say("error: " + _no_server_message())
        return 2
    if others := _other_schedules(parameters.warehouse_dir, args.name):
        _say("error: " + _two_schedules_message(parameters.warehouse_dir, others))
        return 2
    prefect = [sys.executable, "-m", "prefect"]
    pool = subprocess.run(prefect + ["work-pool", "create", args.pool, "--type", "process"],
                          capture_output=True, text=True)
    if pool.returncode != 0 and "already exists" not in pool.stdout + pool.stderr:
        _say(f"error: could not create work pool {args.pool}: {(pool.stdout + pool.stderr).strip()}")
        return 1
    # Run from the project folder: the entrypoint is relative to it, and prefect.yaml's default pull step
    # makes it the working directory of every flow run the worker starts.
    # The worker starts each flow run with the deployment's env job variable: the failure hook finds the URL there.
    notify = ["--job-variable", json.dumps({"env": {"ETL_NOTIFY_URL": notify_url}})] if notify_url else []
    deploy = subprocess.run(prefect + ["--no-prompt", "deploy", "--prefect-file", str(prefect_file),
                                       "--name", args.name, "--pool", args.pool, "--params", json.dumps(parameters.as_dict())]
                            + notify, cwd=project)
    if deploy.returncode != 0:
        _say("error: prefect deploy failed")
        return 1
    _say(f"deployed etl-pipeline/{args.name} to work pool {args.pool} with parameters {parameters.as_dict()}; "
         f"start a worker with: prefect worker start --pool {args.pool}")
    return 0


def _add_execution_flags(command: argparse.ArgumentParser) -> None:
    command.add_argument("--task-runner", choices=["thread", "process", "dask"], default=None,
                         help="where shard tasks run: threads of this process, worker processes, or Dask "
                              "(default process: one task per core, one of them in this process; env ETL_TASK_RUNNER)")
    command.add_argument("--workers", type=int, default=None,
                         help="parallel tasks: threads, processes or local Dask workers (default: CPU count, env ETL_WORKERS)")
    command.add_argument("--dask-address", default=None,
                         help="scheduler of an existing Dask cluster, e.g. tcp://host:8786 (with --task-runner dask; "
                              "without it a local cluster is started; env ETL_DASK_ADDRESS)")


def _add_run_flags(command: argparse.ArgumentParser) -> None:
    """The flags of `etl run`, shared by the commands that start or schedule runs."""
    command.add_argument("--input", default=None,
                         help="input folder, or an fsspec URL such as s3://bucket/news (default: seeds/, env ETL_INPUT_DIR)")
    command.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: warehouse/, env ETL_WAREHOUSE_DIR)")
    command.add_argument("--shard-size", type=int, default=None, help=f"documents per task (default {DEFAULT_SHARD_SIZE}, env ETL_SHARD_SIZE)")
    command.add_argument("--max-bytes", type=int, default=None, help="larger files are quarantined as too_large (default 20 MiB, env ETL_MAX_BYTES)")
    command.add_argument("--state-dir", type=Path, default=None, help="Prefect home, task results and run journal (default .state/, env ETL_STATE_DIR)")
    command.add_argument("--expectations", type=Path, default=None, help="folder of GX suites (default: the project's expectations/)")
    _add_notify_flag(command)


def _add_notify_flag(command: argparse.ArgumentParser) -> None:
    command.add_argument("--notify", default=None, metavar="URL",
                         help="webhook that gets a JSON post (run name, failed stage and shard, reason) when a run "
                              "fails or crashes; nothing when it completes (env ETL_NOTIFY_URL)")


def _add_operate_commands(commands) -> None:
    serve = commands.add_parser("serve", help="serve the pipeline as a deployment with a cron schedule (needs a Prefect server)")
    _add_run_flags(serve)
    serve.add_argument("--cron", required=True, help='cron schedule in UTC, e.g. "0 * * * *" (hourly)')
    serve.add_argument("--name", default="scheduled", help="deployment name: etl-pipeline/NAME (default: scheduled)")
    serve.set_defaults(handler=cmd_serve)
    deploy = commands.add_parser("deploy", help="create the prefect.yaml deployment on a work pool (needs a Prefect server)")
    _add_run_flags(deploy)
    deploy.add_argument("--name", default="hourly", help="deployment name: etl-pipeline/NAME (default: hourly, as in prefect.yaml)")
    deploy.add_argument("--pool", default=DEFAULT_POOL, help=f"process work pool, created if missing (default: {DEFAULT_POOL})")
    deploy.set_defaults(handler=cmd_deploy)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="etl", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the pipeline on a folder of articles")
    _add_run_flags(run)
    run.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another run holding the warehouse (default: stop at once)")
    run.add_argument("--force", action="store_true",
                     help="run the flow even when nothing changed since the last completed run")
    run.add_argument("--repair", action="store_true",
                     help="first take damaged parts (and the rows of their documents) out of the warehouse, "
                          "then run: the input publishes them again (also `etl repair`)")
    _add_execution_flags(run)
    run.set_defaults(handler=cmd_run)
    repair = commands.add_parser("repair", help="the same as `etl run --repair`: rebuild damaged tables from the input")
    _add_run_flags(repair)
    repair.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the warehouse lock")
    _add_execution_flags(repair)
    repair.set_defaults(handler=cmd_run, repair=True, force=False)
    add_verify_command(commands)
    rerun = commands.add_parser("rerun", help="re-run the last failed run with its parameters, reusing finished work")
    rerun.add_argument("--failed", action="store_true", required=True, help="re-run the last failed run")
    rerun.add_argument("--state-dir", type=Path, default=None, help="state folder of the failed run (default .state/)")
    rerun.add_argument("--wait", type=float, default=0.0, help="seconds to wait for the warehouse lock")
    _add_notify_flag(rerun)
    _add_execution_flags(rerun)
    rerun.set_defaults(handler=cmd_rerun)
    evaluate = commands.add_parser("evaluate", help="precision, recall and F1 per field against a gold file")
    evaluate.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: warehouse/)")
    evaluate.add_argument("--gold", type=Path, required=True, help="gold file in the format of seeds_gold.json")
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of a table")
    evaluate.set_defaults(handler=cmd_evaluate)
    status = commands.add_parser("status", help="health check: last runs, schedules, snapshot; exit 1 if stale or failing")
    status.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: warehouse/, env ETL_WAREHOUSE_DIR)")
    status.add_argument("--state-dir", type=Path, default=None,
                        help="state folder with the run journal (default: env ETL_STATE_DIR, else the one the last "
                             "completed run recorded, relative to this folder)")
    status.add_argument("--max-age", default=None,
                        help=f"stale when the last completed run is older than this, e.g. 2h, 90m, 1d "
                             f"(default {Settings.status_max_age}, env ETL_STATUS_MAX_AGE)")
    status.add_argument("--json", action="store_true", help="print JSON instead of lines")
    status.add_argument("--notify", default=None, metavar="URL",
                        help="webhook that gets a JSON post with the problems when the warehouse is stale or failing "
                             "(env ETL_NOTIFY_URL)")
    status.set_defaults(handler=cmd_status)
    _add_operate_commands(commands)  # serve, deploy
    add_cli_commands(commands)  # query, report, docs
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


def command() -> int:
    """The `etl` command (and `python -m etl`): main(), then exit without a last walk over the heap.

    The process ends next; freezing the heap spares the interpreter's final garbage collection, which after
    a pipeline run walks every object of the libraries and models (about 1.5 s of the run's wall time).
    """
    code = main()
    if code > 128:  # interrupted: a task may still run in a thread of this process; it must not hold the exit
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    gc.freeze()
    return code
