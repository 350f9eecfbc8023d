"""The ETL flow: ingest -> language -> fields -> validate -> publish, mapped over shards of documents.

Wiring only: every task calls one function of `etl` and passes its output through the stage's gate.
A `block` failure fails the task; the flow then stops before publish, so the warehouse keeps its
previous snapshot, and the run ends failed with the gate's reason.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context

from etl.config import PIPELINE_VERSION
from etl.fields import add_fields
from etl.ingest import InputFile, discover_files, ingest_files, quarantine_frame, split_known_and_duplicates
from etl.language import add_language
from etl.publish import ConservationError, publish_run, read_table
from etl.runs import RunSummary, new_run_id, shard
from etl.validate import GateBlocked, GateResult, SuiteSpec, default_expectations_dir, load_suites, run_gate


class RunFailed(RuntimeError):
    """A stage could not complete; the warehouse was left as it was."""


def _gated(frame: pd.DataFrame, suite: SuiteSpec, quarantine: pd.DataFrame | None = None) -> GateResult:
    result = run_gate(frame, suite)
    if quarantine is not None and len(quarantine):
        result.quarantined = pd.concat([quarantine, result.quarantined], ignore_index=True)
    if result.blocked:
        raise GateBlocked(f"gate {suite.name} blocked: " + "; ".join(result.blocked_by))
    return result


@task(name="ingest", retries=2, retry_delay_seconds=[1, 4])
def ingest_task(files: list[InputFile], max_bytes: int, suite: SuiteSpec) -> GateResult:
    docs, quarantined = ingest_files(files, max_bytes)
    return _gated(docs, suite, quarantined)


@task(name="language")
def language_task(docs: pd.DataFrame, suite: SuiteSpec) -> GateResult:
    return _gated(add_language(docs), suite)


@task(name="fields")
def fields_task(docs: pd.DataFrame, suite: SuiteSpec) -> GateResult:
    return _gated(add_fields(docs), suite)


@task(name="validate")
def validate_task(docs: pd.DataFrame, suite: SuiteSpec) -> GateResult:
    return _gated(docs, suite)


@task(name="publish")
def publish_task(warehouse_dir: str, run_id: str, results: list[GateResult], documents: pd.DataFrame,
                 summary: RunSummary, parameters: dict, suites: list[SuiteSpec], started_at: datetime,
                 flow_run_id: str | None) -> RunSummary:
    return publish_run(Path(warehouse_dir), run_id, results, documents, summary, parameters, suites,
                       started_at, flow_run_id)


def _collect(stage: str, futures) -> list[GateResult]:
    """Wait for every shard of a stage; raise RunFailed naming the failed shards after all have finished."""
    results, failures = [], []
    for number, future in enumerate(futures):
        future.wait()
        if future.state.is_completed():
            results.append(future.result())
        else:
            error = future.result(raise_on_failure=False)
            failures.append(f"shard {number}: {error}")
    if failures:
        raise RunFailed(f"stage {stage} failed: " + " | ".join(failures))
    return results


def _frames(results: list[GateResult], shard_size: int) -> list[pd.DataFrame]:
    passed = [r.passed for r in results if len(r.passed)]
    if not passed:
        return []
    merged = pd.concat(passed, ignore_index=True)
    return [merged.iloc[i:i + shard_size].reset_index(drop=True) for i in range(0, len(merged), shard_size)]


@flow(name="etl-pipeline", version=PIPELINE_VERSION)
def etl_pipeline(input_dir: str = "seeds", warehouse_dir: str = "warehouse", shard_size: int = 500,
                 max_bytes: int = 20 * 1024 * 1024, expectations_dir: str | None = None) -> dict:
    """Run every stage over the files under `input_dir` and publish a new snapshot of `warehouse_dir`."""
    logger = get_run_logger()
    clock = time.monotonic()
    started_at = datetime.now(timezone.utc)
    run_id = new_run_id(started_at)
    parameters = {"input_dir": input_dir, "warehouse_dir": warehouse_dir, "shard_size": shard_size,
                  "max_bytes": max_bytes, "expectations_dir": expectations_dir}
    flow_run = get_run_context().flow_run
    summary = RunSummary(run_id=run_id)
    results: list[GateResult] = []
    try:
        suites = load_suites(Path(expectations_dir) if expectations_dir else default_expectations_dir())
        files = discover_files(Path(input_dir))
        summary.files_seen = len(files)
        logger.info("run %s: %d files under %s in %d shard(s)", run_id, len(files), input_dir,
                    -(-len(files) // shard_size))

        ingested = _collect("ingest", ingest_task.map(shard(files, shard_size), unmapped(max_bytes),
                                                       unmapped(suites["ingest"])))
        results += ingested
        known = read_table(Path(warehouse_dir), "documents", ["doc_id", "source_path"])
        all_docs = pd.concat([r.passed for r in ingested], ignore_index=True) if ingested else pd.DataFrame()
        new_docs, duplicates, skipped = split_known_and_duplicates(all_docs, dict(zip(known.doc_id, known.source_path)))
        summary.skipped_unchanged = skipped
        results.append(GateResult(new_docs.iloc[0:0], duplicates, pd.DataFrame()))
        logger.info("ingest: %d new documents, %d duplicates, %d unchanged", len(new_docs), len(duplicates), skipped)

        stage_input = _frames([GateResult(new_docs, quarantine_frame([]), pd.DataFrame())], shard_size)
        for stage, stage_task, suite_key in (("language", language_task, "language"),
                                             ("fields", fields_task, "fields"),
                                             ("validate", validate_task, "validate")):
            stage_results = _collect(stage, stage_task.map(stage_input, unmapped(suites[suite_key])))
            results += stage_results
            stage_input = _frames(stage_results, shard_size)
            logger.info("%s: %d documents passed", stage, sum(len(f) for f in stage_input))

        documents = pd.concat(stage_input, ignore_index=True) if stage_input else pd.DataFrame()
        summary.duration_s = time.monotonic() - clock
        summary = publish_task(warehouse_dir, run_id, results, documents, summary, parameters,
                               list(suites.values()), started_at, str(flow_run.id) if flow_run else None)
    except (RunFailed, GateBlocked, ConservationError) as error:
        summary.status, summary.reason = "failed", str(error)
        summary.duration_s = time.monotonic() - clock
        summary.gates = _gate_rows(results)
        _report(summary)
        raise RunFailed(str(error)) from error
    _report(summary)
    return json.loads(summary.to_json())


def _gate_rows(results: list[GateResult]) -> list[dict]:
    frames = [r.dq_results for r in results if len(r.dq_results)]
    return pd.concat(frames, ignore_index=True).to_dict("records") if frames else []


def _report(summary: RunSummary) -> None:
    logger = get_run_logger()
    for line in summary.lines():
        logger.info(line)
    create_markdown_artifact(markdown=summary.markdown(), key="etl-run-summary",
                             description=f"ETL run {summary.run_id}: {summary.status}")
