"""The ETL flow: ingest -> language -> fields -> validate -> entities -> facts -> stories -> events -> publish.

Wiring only: each task calls one `etl` function on one shard and passes its output through the stage's
gate. A `block` failure fails the task; the flow then stops before publish, so the warehouse keeps its
previous snapshot, and the run ends failed with the gate's reason. Task results are persisted under
<state_dir>/results and keyed by content (shard contents, code, suites), never by run id, so a new run
reuses every shard that already finished.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import FlowRunContext, get_run_context
from prefect.exceptions import UpstreamTaskError
from prefect.filesystems import LocalFileSystem
from prefect.task_runners import ThreadPoolTaskRunner

from etl.config import DEFAULT_MAX_BYTES, DEFAULT_SHARD_SIZE, PIPELINE_VERSION, RunParameters, load_settings
from etl.ingest.files import InputFile, discover_files
from etl.quality.gate import GateBlocked
from etl.quality.gx import load_great_expectations
from etl.quality.results import aggregate_gates
from etl.quality.suites import SuiteSpec, default_expectations_dir, load_suites
from etl.run.events import events_step
from etl.run.fingerprint import code_version
from etl.run.progress import RunProgress
from etl.run.publish import ConservationError, PublishedCounts, RunPublication, publish_run
from etl.run.shards import (
    StageOutput,
    document_stage,
    document_stage_key,
    entities_key,
    entities_stage,
    facts_key,
    facts_stage,
    ingest_key,
    ingest_shard,
    load_models,
    plan_new_documents,
    results_folder,
    staged_tables,
    unreadable_marker,
    warehouse_signal_parts,
)
from etl.run.summary import RunSummary, new_run_id, release_memory, shard, warehouse_slug
from etl.stories import stories_from_signals
from etl.warehouse.tables import pending_recompute
from etl_flows.notify import notify_failure
from etl_flows.runners import FlowAndProcessPoolTaskRunner, InterruptibleThreadPoolTaskRunner, fork_workers

# Progress lines, one per finished shard; the CLI turns them into a progress bar on a terminal.
progress = logging.getLogger("etl.progress")
# Worker processes import this module too: the library's INFO lines must reach Prefect's logs from there as well.
logging.getLogger("etl").setLevel(load_settings().log_level.upper())
QUARANTINE_ARTIFACT_ROWS = 1000


def prepared_task_runner(kind: str, workers: int, dask_address: str | None = None, shards: int | None = None,
                         worker_start: str = "fork"):
    """task_runner_for(...), with this process made ready before the flow starts.

    Great Expectations (the flow checks the suites) is imported. Where tasks run in this process (threads, or
    the process runner's share), the stages' models are loaded; the process runner's worker processes are then
    forked from this process, so they start with the libraries and models loaded (runners.fork_workers).
    """
    load_great_expectations()

    runner = task_runner_for(kind, workers, dask_address, shards)
    if isinstance(runner, (ThreadPoolTaskRunner, FlowAndProcessPoolTaskRunner)):
        load_models()
    if isinstance(runner, FlowAndProcessPoolTaskRunner):
        fork_workers(runner.worker_processes, worker_start)
    return runner


def task_runner_for(kind: str, workers: int, dask_address: str | None = None, shards: int | None = None):
    """The Prefect task runner for `kind` (thread, process or dask) with `workers` parallel tasks.

    A process pool never gets more workers than there are shards, and the flow's own process is one of them
    (see FlowAndProcessPoolTaskRunner); with one, all tasks run in the flow's process.
    """
    if kind == "process" and shards is not None:
        workers = max(1, min(workers, shards))
    if kind == "thread" or (kind == "process" and workers == 1):
        return InterruptibleThreadPoolTaskRunner(max_workers=workers)
    if kind == "process":
        return FlowAndProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        # One single-threaded worker process per core: the stages are CPU-bound Python.
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                              "dashboard_address": None})
    raise ValueError(f"unknown task runner {kind!r}")


class RunFailed(RuntimeError):
    """A stage could not complete; the warehouse was left as it was. Carries the run's summary."""

    def __init__(self, message: str, summary: dict | None = None) -> None:
        # Both in args, so the summary survives pickling (Prefect's result store, a failure hook in another process).
        super().__init__(message, summary or {})
        self.summary = summary or {}

    def __str__(self) -> str:
        return str(self.args[0])

    def __repr__(self) -> str:  # Prefect logs the repr: the message, not the whole summary
        return f"{type(self).__name__}({self.args[0]!r})"


class InjectedFailure(RuntimeError):
    """Raised on purpose (ETL_INJECT_FAILURE=stage:shard) to test re-running only what failed."""


@contextmanager
def results_under(folder: Path) -> Iterator[None]:
    """Persist the task results of the current flow run under `folder` (the run's store is fixed at its start)."""
    context = FlowRunContext.get()
    store = context.result_store.model_copy(update={"result_storage": LocalFileSystem(basepath=str(folder))})
    with context.model_copy(update={"result_store": store}):
        yield


# Cache keys: the same content keys the stage functions name their staged files by.
def _ingest_key(context, parameters: dict) -> str:
    key = ingest_key(parameters["files"], parameters["max_bytes"], parameters["suite"])
    if unreadable_marker(Path(parameters["staging"]), key).exists():
        # Its files could not be read last time (an outage, a permission): read them again, never reuse that.
        return f"{key}-retry-{uuid.uuid4().hex}"
    return key


def _document_key(context, parameters: dict) -> str:
    return document_stage_key(context.task.name, parameters["source"], parameters["suite"],
                                     parameters.get("keep"))


def _entities_key(context, parameters: dict) -> str:
    return entities_key(parameters["documents"], parameters["suite"])


def _facts_key(context, parameters: dict) -> str:
    return facts_key(parameters["documents"], parameters["entities"], parameters["suite"])


def _transient(task, task_run, state) -> bool:
    """Retry I/O errors only; a deterministic error would fail the same way again."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


def _maybe_inject_failure(stage: str, shard_number: int) -> None:
    if load_settings().inject_failure == f"{stage}:{shard_number}":
        raise InjectedFailure(f"failure injected into {stage} shard {shard_number} (ETL_INJECT_FAILURE)")


_CACHED = {"persist_result": True, "cache_result_in_memory": False}


@task(name="ingest", task_run_name="ingest-shard-{shard_number}", retries=2, retry_delay_seconds=[1, 4],
      retry_condition_fn=_transient, cache_key_fn=_ingest_key, **_CACHED)
def ingest_task(files: list[InputFile], max_bytes: int, suite: SuiteSpec, staging: str,
                shard_number: int = 0) -> StageOutput:
    _maybe_inject_failure("ingest", shard_number)
    return ingest_shard(files, max_bytes, suite, Path(staging), shard_number)


@task(name="language", task_run_name="language-shard-{shard_number}", cache_key_fn=_document_key, **_CACHED)
def language_task(source: StageOutput, suite: SuiteSpec, staging: str, shard_number: int = 0,
                  keep: list[str] | None = None) -> StageOutput:
    _maybe_inject_failure("language", shard_number)
    return document_stage("language", source, suite, Path(staging), shard_number, keep)


@task(name="fields", task_run_name="fields-shard-{shard_number}", cache_key_fn=_document_key, **_CACHED)
def fields_task(source: StageOutput, suite: SuiteSpec, staging: str, shard_number: int = 0) -> StageOutput:
    _maybe_inject_failure("fields", shard_number)
    return document_stage("fields", source, suite, Path(staging), shard_number)


@task(name="validate", task_run_name="validate-shard-{shard_number}", cache_key_fn=_document_key, **_CACHED)
def validate_task(source: StageOutput, suite: SuiteSpec, staging: str, shard_number: int = 0) -> StageOutput:
    _maybe_inject_failure("validate", shard_number)
    return document_stage("validate", source, suite, Path(staging), shard_number)


@task(name="entities", task_run_name="entities-shard-{shard_number}", cache_key_fn=_entities_key, **_CACHED)
def entities_task(documents: StageOutput, suite: SuiteSpec, staging: str, shard_number: int = 0) -> StageOutput:
    _maybe_inject_failure("entities", shard_number)
    return entities_stage(documents, suite, Path(staging), shard_number)


@task(name="facts", task_run_name="facts-shard-{shard_number}", cache_key_fn=_facts_key, **_CACHED)
def facts_task(documents: StageOutput, entities: StageOutput, suite: SuiteSpec, staging: str,
               shard_number: int = 0) -> StageOutput:
    _maybe_inject_failure("facts", shard_number)
    return facts_stage(documents, entities, suite, Path(staging), shard_number)


@task(name="stories")
def stories_task(warehouse_dir: str, new_signals: list[str], superseded: set[str], staging: str,
                 memory_limit: str) -> pd.DataFrame:
    signals = warehouse_signal_parts(Path(warehouse_dir), Path(staging)) + new_signals
    stories = stories_from_signals(signals, memory_limit)
    return stories[~stories["doc_id"].isin(superseded)].reset_index(drop=True)


@task(name="events")
def events_task(warehouse_dir: str, staged: dict[str, list[str]], stories: pd.DataFrame, superseded: set[str],
                suites: dict[str, SuiteSpec], staging: str) -> list[StageOutput]:
    return events_step(Path(warehouse_dir), staged, stories, superseded, suites, Path(staging))


@task(name="publish")
def publish_task(publication: RunPublication) -> PublishedCounts:
    return publish_run(publication)


class _UpstreamFailed(Exception):
    """A shard's task did not run because a task it depends on failed (counted under that task)."""


def _collect(stage: str, futures, summary: RunSummary, shard_ids: list[int], tracker: RunProgress,
             documents: list[int]) -> list[StageOutput | None]:
    """Wait for every shard of a stage, counting its documents in `tracker` and logging a progress line per shard;
    None for a shard that failed or could not run. Shards are named by their number (as in ETL_INJECT_FAILURE)."""
    outputs: list[StageOutput | None] = []
    tally = summary.tasks.setdefault(stage, {"executed": [], "reused": [], "failed": []})
    for number, future in enumerate(futures):
        outcome, output = _shard_outcome(stage, future, summary, shard_ids[number], tally)
        outputs.append(output)
        tracker.shard_done(stage, documents[number], reused=outcome == "reused", failed=output is None)
        figures = tracker.snapshot(stage)
        progress.info("%s: shard %d %s (%d of %d shards), %d/%d documents, %s, ETA %s", stage, shard_ids[number],
                      outcome, number + 1, len(futures), figures["done"], figures["total"], figures["speed"],
                      figures["eta"], extra=figures)
    return outputs


def _shard_outcome(stage: str, future, summary: RunSummary, shard_id: int,
                   tally: dict[str, list[int]]) -> tuple[str, StageOutput | None]:
    """Wait for one shard's task: (done | reused | failed | not run, its output or None), tallied in the summary."""
    try:
        future.wait()
    except UpstreamTaskError:  # a process pool never starts it; counted under the task that failed
        return "not run (an earlier stage failed)", None
    if future.state.is_completed():
        output = future.result()
        reused = future.state.name == "Cached"
        tally["reused" if reused else "executed"].append(output.shard)
        summary.stage_seconds[stage] = summary.stage_seconds.get(stage, 0.0) + (0.0 if reused else output.seconds)
        return ("reused" if reused else "done"), output
    if future.state.name == "NotReady" or "Upstream" in str(future.state.message or ""):
        return "not run (an earlier stage failed)", None
    error = future.result(raise_on_failure=False)
    if isinstance(error, UpstreamTaskError):  # counted under the task that failed
        return "not run (an earlier stage failed)", None
    summary.failures.append(f"{stage} shard {shard_id}: {error}")
    tally["failed"].append(shard_id)
    if isinstance(error, GateBlocked):
        summary.gates += [dict(row, shard=shard_id) for row in error.dq_rows]
    return "failed", None


def _start_stage(tracker: RunProgress, stage: str, documents: list[int]) -> None:
    """Open the stage's progress (a bar on a terminal) as its tasks are submitted."""
    tracker.start(stage, sum(documents), len(documents))
    figures = tracker.snapshot(stage)
    progress.info("%s: started, %d documents in %d shard(s)", stage, figures["total"], len(documents),
                  extra=dict(figures, event="start"))


@contextmanager
def _heartbeat(tracker: RunProgress, seconds: float) -> Iterator[None]:
    """Every `seconds` (0: never), one line per running stage through Prefect's logger, so a served run's log
    shows progress too: documents done, docs/s, ETA."""
    if seconds <= 0:
        yield
        return
    logger, stop = get_run_logger(), threading.Event()

    def beat() -> None:
        while not stop.wait(seconds):
            for stage in tracker.running():
                logger.info("heartbeat: %s", tracker.line(stage))

    thread = threading.Thread(target=beat, name="etl-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@flow(name="etl-pipeline", version=PIPELINE_VERSION, on_failure=[notify_failure], on_crashed=[notify_failure])
def etl_pipeline(input_dir: str = "seeds", warehouse_dir: str = "warehouse", shard_size: int = DEFAULT_SHARD_SIZE,
                 max_bytes: int = DEFAULT_MAX_BYTES, expectations_dir: str | None = None,
                 state_dir: str = ".state") -> dict:
    """Run every stage over the files under `input_dir` and publish a new snapshot of `warehouse_dir`."""
    clock = time.monotonic()
    started_at = datetime.now(timezone.utc)
    flow_run = get_run_context().flow_run
    summary = RunSummary(run_id=new_run_id(started_at), flow_run_id=str(flow_run.id) if flow_run else None)
    summary.mark("flow_started")
    parameters = RunParameters(input_dir=input_dir, warehouse_dir=warehouse_dir, shard_size=shard_size,
                               max_bytes=max_bytes, expectations_dir=expectations_dir, state_dir=state_dir)
    results: list[StageOutput] = []
    tracker = RunProgress()
    try:
        with results_under(results_folder(Path(state_dir))), _heartbeat(tracker, load_settings().heartbeat_seconds):
            _run_stages(parameters, summary, results, started_at, clock, tracker)
    except (RunFailed, GateBlocked, ConservationError) as error:
        if isinstance(error, ConservationError):
            summary.record_publication(error.counts, completed=False)
        summary.status, summary.reason = "failed", str(error)
        summary.duration_s = time.monotonic() - clock
        frames = [r.dq_results.assign(shard=r.shard) for r in results if r.dq_path]
        summary.gates = (pd.concat(frames, ignore_index=True).to_dict("records") if frames else []) + summary.gates
        _report(summary, warehouse_dir)
        raise RunFailed(str(error), json.loads(summary.to_json())) from error
    _report(summary, warehouse_dir)
    return json.loads(summary.to_json())


def _retire_workers() -> None:
    """Every shard is done: stop local worker processes, so their memory is free for stories and publish."""
    runner = FlowRunContext.get().task_runner
    if isinstance(runner, FlowAndProcessPoolTaskRunner):
        runner.retire_workers()


def _parallel_tasks() -> int:
    """How many near-equal shards the last round is cut into: the process pool's parallel tasks, else 1.

    Thread runners (debugging, and the default runner of a flow run retried by Prefect from its entrypoint)
    and Dask clusters (whose size the flow cannot know) get the plain cut, so that a retry outside `etl run`
    cuts the files as the single-worker run it retries did and reuses its finished shards.
    """
    runner = FlowRunContext.get().task_runner
    return runner.parallel if isinstance(runner, FlowAndProcessPoolTaskRunner) else 1


def _fail_if_any(summary: RunSummary) -> None:
    if summary.failures:
        raise RunFailed("stage failed: " + " | ".join(summary.failures))


def _run_stages(parameters: RunParameters, summary: RunSummary, results: list[StageOutput], started_at: datetime,
                clock: float, tracker: RunProgress) -> None:
    logger = get_run_logger()
    shard_size, warehouse = parameters.shard_size, Path(parameters.warehouse_dir)
    staging = str(results_folder(Path(parameters.state_dir)) / "staged")
    expectations = parameters.expectations_dir
    suites = load_suites(Path(expectations) if expectations else default_expectations_dir())
    file_shards = shard(discover_files(parameters.input_dir, exclude=parameters.pipeline_folders()), shard_size,
                        _parallel_tasks())
    summary.files_seen = sum(len(files) for files in file_shards)
    logger.info("run %s: %d files in %d shard(s)", summary.run_id, summary.files_seen, len(file_shards))

    numbers, files_per_shard = list(range(len(file_shards))), [len(files) for files in file_shards]
    _start_stage(tracker, "ingest", files_per_shard)
    ingested = _collect("ingest", ingest_task.map(file_shards, unmapped(parameters.max_bytes),
                                                   unmapped(suites["ingest"]), unmapped(staging), numbers), summary,
                        numbers, tracker, files_per_shard)
    del file_shards  # the file list: about 35 MB at 100,000 files, not needed past ingest
    _fail_if_any(summary)
    results += ingested
    plan = plan_new_documents(ingested, warehouse, Path(staging))
    keep, superseded, summary.skipped_unchanged = plan.keep, plan.superseded, plan.skipped_unchanged
    results.append(plan.duplicates)
    logger.info("ingest: %d new, %d duplicates, %d unchanged", plan.new, plan.duplicates.quarantined_count,
                summary.skipped_unchanged)
    for output in ingested:
        output.index = None  # the doc ids are no longer needed: keep the outputs small
    del plan
    release_memory()

    # Each shard goes through the document stages and extraction on its own: a task starts as soon as
    # its own input is ready, so a slow shard does not hold the others back.
    sources = [r for r in ingested if r.shard in keep]
    shard_ids = [r.shard for r in sources]
    language = language_task.map(sources, unmapped(suites["language"]), unmapped(staging), shard_ids,
                                 [keep[n] for n in shard_ids])
    fields = fields_task.map(language, unmapped(suites["fields"]), unmapped(staging), shard_ids)
    validated = validate_task.map(fields, unmapped(suites["validate"]), unmapped(staging), shard_ids)
    entities = entities_task.map(validated, unmapped(suites["entities"]), unmapped(staging), shard_ids)
    facts = facts_task.map(validated, entities, unmapped(suites["facts"]), unmapped(staging), shard_ids)
    stages = (("language", language), ("fields", fields), ("validate", validated), ("entities", entities),
              ("facts", facts))
    documents_per_shard = [len(keep[n]) for n in shard_ids]
    for stage, _ in stages:
        _start_stage(tracker, stage, documents_per_shard)
    outputs = {stage: _collect(stage, futures, summary, shard_ids, tracker, documents_per_shard)
               for stage, futures in stages}
    for stage_outputs in outputs.values():
        results += [o for o in stage_outputs if o is not None]
    del language, fields, validated, entities, facts, stages  # the futures: each keeps its pickled result
    _retire_workers()
    summary.mark_first_task(results)
    summary.mark("shards_done")
    _fail_if_any(summary)
    documents = [o.path for o in outputs["validate"] if o.path]
    published = sum(o.rows for o in outputs["validate"])
    staged = staged_tables(outputs["entities"], outputs["facts"])
    logger.info("%d documents passed; entities: %d mentions; facts: %d counted facts", published,
                sum(o.rows for o in outputs["entities"]), sum(o.rows for o in outputs["facts"]))

    # Stories can join a new document to an old one, so they are recomputed over the whole warehouse
    # (from the compact story_signals table, not the texts), and only when there is something new.
    replaced: dict[str, pd.DataFrame] = {}
    if published or superseded or pending_recompute(warehouse):  # the last: after `etl repair`
        clock_stories = time.perf_counter()
        replaced["stories"] = stories_task.submit(parameters.warehouse_dir, staged["story_signals"], superseded,
                                                  staging, load_settings().stories_memory).result()
        summary.stage_seconds["stories"] = time.perf_counter() - clock_stories
        summary.mark("stories_done")
        clock_events = time.perf_counter()
        event_outputs = events_task.submit(parameters.warehouse_dir, staged, replaced["stories"], superseded,
                                           {stage: suites[stage] for stage in ("events", "event_sources")},
                                           staging).result()
        results += event_outputs
        for output in event_outputs:
            replaced[output.stage] = output.read()
            staged["event_mentions"] += [output.tables["event_mentions"]] if "event_mentions" in output.tables else []
        summary.stage_seconds["events"] = time.perf_counter() - clock_events
        summary.mark("events_done")
    summary.duration_s = time.monotonic() - clock
    clock_publish = time.perf_counter()
    counts = publish_task(RunPublication(
        warehouse=warehouse, run_id=summary.run_id, flow_run_id=summary.flow_run_id, started_at=started_at,
        parameters=parameters.as_dict(), suites=list(suites.values()), results=results, documents=documents,
        published=published, files_seen=summary.files_seen, skipped_unchanged=summary.skipped_unchanged,
        extra_tables=staged, replaced_tables=replaced, superseded=frozenset(superseded),
        provenance={"code_version": code_version(), "pipeline_version": PIPELINE_VERSION}))
    summary.record_publication(counts)
    summary.stage_seconds["publish"] = time.perf_counter() - clock_publish
    summary.mark("published")
    summary.duration_s = time.monotonic() - clock


def artifact_keys(warehouse_dir: str) -> dict[str, str]:
    """The run's artifact keys, per warehouse (a short stable slug), so each warehouse has its own latest and history."""
    slug = warehouse_slug(warehouse_dir)
    return {kind: f"etl-{kind}-{slug}" for kind in ("run-summary", "gate-results", "quarantined-files")}


def _report(summary: RunSummary, warehouse_dir: str) -> None:
    logger = get_run_logger()
    for line in summary.lines():
        logger.info(line)
    keys = artifact_keys(warehouse_dir)
    create_markdown_artifact(markdown=summary.markdown(gate_key=keys["gate-results"]), key=keys["run-summary"],
                             description=f"ETL run {summary.run_id} on {warehouse_dir}: {summary.status}")
    # Stable keys: the Artifacts page keeps the history of each across runs. One row per stage and expectation.
    gate_rows = [line.as_row() for line in aggregate_gates(summary.gates)]
    create_table_artifact(table=gate_rows or [{"stage": "-", "expectation": "no gate ran"}], key=keys["gate-results"],
                          description=f"Gate results of run {summary.run_id} on {warehouse_dir}, per stage and expectation")
    create_table_artifact(table=summary.quarantine_rows or [{"source_path": "-", "reason": "nothing quarantined"}],
                          key=keys["quarantined-files"],
                          description=f"Files quarantined by run {summary.run_id} (first {QUARANTINE_ARTIFACT_ROWS})")
