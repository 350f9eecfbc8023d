"""The pipeline as a plain loop in one process, without Prefect: the baseline the benchmark compares against.

It calls the same stage functions as the flow, shard after shard, and publishes the same tables; it has no
caching, retries, task states or artifacts. Not a replacement for `etl run`.
"""

from __future__ import annotations

import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from etl.config import PIPELINE_VERSION, Settings, run_parameters
from etl.ingest.files import discover_files
from etl.quality.suites import default_expectations_dir, load_suites
from etl.run.events import events_step
from etl.run.fingerprint import code_version
from etl.run.publish import RunPublication, publish_run
from etl.run.shards import (
    StageOutput,
    document_stage,
    entities_stage,
    facts_stage,
    ingest_shard,
    load_models,
    plan_new_documents,
    staged_tables,
    warehouse_signal_parts,
)
from etl.run.summary import RunSummary, new_run_id, shard
from etl.stories import stories_from_signals


def run_in_process(settings: Settings) -> RunSummary:
    """Run every stage over `settings.input_dir` in this process and publish; the summary has stage_seconds."""
    clock = time.monotonic()
    started_at = datetime.now(timezone.utc)
    load_models()  # as `etl run` does before its flow starts
    settings = settings.resolved()
    summary = RunSummary(run_id=new_run_id(started_at))
    summary.mark("flow_started")
    suites = load_suites(settings.expectations_dir or default_expectations_dir())
    files = discover_files(settings.input_dir, exclude=(settings.warehouse_dir, settings.state_dir))
    summary.files_seen = len(files)
    seconds = summary.stage_seconds

    def timed(stage: str, output: StageOutput) -> StageOutput:
        seconds[stage] = seconds.get(stage, 0.0) + output.seconds
        return output

    with tempfile.TemporaryDirectory(prefix="etl-local-", dir=settings.state_dir.parent) as scratch:
        staging = Path(scratch)
        ingested = [timed("ingest", ingest_shard(batch, settings.max_bytes, suites["ingest"], staging, n))
                    for n, batch in enumerate(shard(files, settings.shard_size))]
        plan = plan_new_documents(ingested, settings.warehouse_dir, staging)
        keep, superseded, summary.skipped_unchanged = plan.keep, plan.superseded, plan.skipped_unchanged
        results = [*ingested, plan.duplicates]
        validated, entities, facts = [], [], []
        for source in ingested:
            if source.shard not in keep:
                continue
            output = timed("language", document_stage("language", source, suites["language"], staging,
                                                             source.shard, keep[source.shard]))
            results.append(output)
            for stage in ("fields", "validate"):
                output = timed(stage, document_stage(stage, output, suites[stage], staging, source.shard))
                results.append(output)
            found = timed("entities", entities_stage(output, suites["entities"], staging, source.shard))
            counted = timed("facts", facts_stage(output, found, suites["facts"], staging, source.shard))
            results += [found, counted]
            validated.append(output)
            entities.append(found)
            facts.append(counted)
        summary.mark_first_task(results)
        summary.mark("shards_done")
        staged = staged_tables(entities, facts)
        published = sum(o.rows for o in validated)
        replaced = {}
        if published or superseded:
            clock_stories = time.perf_counter()
            stories = stories_from_signals(warehouse_signal_parts(settings.warehouse_dir, staging)
                                           + staged["story_signals"], settings.stories_memory)
            replaced["stories"] = stories[~stories["doc_id"].isin(superseded)].reset_index(drop=True)
            seconds["stories"] = time.perf_counter() - clock_stories
            summary.mark("stories_done")
            clock_events = time.perf_counter()
            for output in events_step(settings.warehouse_dir, staged, replaced["stories"], superseded, suites, staging):
                results.append(output)
                replaced[output.stage] = output.read()
                staged["event_mentions"] += ([output.tables["event_mentions"]] if "event_mentions" in output.tables
                                             else [])
            seconds["events"] = time.perf_counter() - clock_events
            summary.mark("events_done")
        clock_publish = time.perf_counter()
        parameters = run_parameters(settings)
        summary.record_publication(publish_run(RunPublication(
            warehouse=settings.warehouse_dir, run_id=summary.run_id, flow_run_id=None, started_at=started_at,
            # the runs row the plain loop has always written: no state or suites folder (it has neither)
            parameters={key: value for key, value in parameters.as_dict().items()
                        if key in ("input_dir", "warehouse_dir", "shard_size", "max_bytes")},
            suites=list(suites.values()), results=results, documents=[o.path for o in validated if o.path],
            published=published, files_seen=summary.files_seen, skipped_unchanged=summary.skipped_unchanged,
            extra_tables=staged, replaced_tables=replaced, superseded=frozenset(superseded),
            provenance={"code_version": code_version(), "pipeline_version": PIPELINE_VERSION})))
        seconds["publish"] = time.perf_counter() - clock_publish
        summary.mark("published")
    summary.duration_s = time.monotonic() - clock
    return summary
