"""Peak memory and CPU of a run's serial tail (stories, events, publish) at 30k-100k documents, without a pipeline run.

A 100,000-document pipeline run hogs both cores for an hour; the tail only needs a published warehouse. This
script replicates a small one N times (new doc_ids, fact_ids and story_ids; dates moved COPY_DAYS further per
copy so copies are no stories of each other; sketch hashes remixed per copy so copies are no near-duplicates
of each other) and runs the tail's functions alone over it, the way `etl.run.baseline.run_in_process` calls them
when every document is published already (nothing staged, nothing superseded).

Copies are not real data: they have none of the reposts and shared figures across copies that a real archive
(or bench/run.py's corpus) has, so their candidate pairs, near-duplicate blocks and event groups are smaller.
A memory cap chosen here was too small for a real 100,000-document run (DuckDB 128 MB for stories: enough for
copies, out of memory on the real warehouse); check any such setting with bench/run.py at that size. `event_mentions` is not copied: the first events step
over the copies computes those rows from the texts, as for a warehouse published before that table existed
(run the events step twice and read the second).

    # once: a small warehouse
    .venv/bin/python -m etl run --input /work/corpus1500 --warehouse /tmp/w1500 --state-dir /tmp/w1500-state \
        --workers 1
    # a 45,000-document warehouse (30 copies)
    .venv/bin/python bench/tail_memory.py build /tmp/w1500 /tmp/w45k --copies 30
    # each step in a fresh process (its own peak RSS), or all three in one (the run's tail)
    .venv/bin/python bench/tail_memory.py tail /tmp/w45k --steps stories
    .venv/bin/python bench/tail_memory.py tail /tmp/w45k --steps stories,events,publish

`tail` prints one JSON line per step: CPU and wall seconds, peak RSS of the process so far (ru_maxrss) and the
rows. It publishes a new snapshot into the warehouse (the events and stories tables replaced), so run it on a
copy. Run a checkout's own interpreter to measure that checkout (e.g. /work/main/.venv/bin/python
bench/tail_memory.py tail ...); use one CPU-heavy process at a time.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd

COPY_DAYS = 30  # > LINK_MAX_DAYS and MAX_DAY_GAP: copies are never one story
REPLICATED = ("documents", "entities", "facts", "repatriations", "story_signals", "stories", "events",
              "event_sources")
ID_COLUMNS = ("doc_id", "fact_id", "parent_fact_id", "same_as_fact_id", "entity_id", "story_id", "event_id")


def _copy(frame: pd.DataFrame, table: str, copy: int) -> pd.DataFrame:
    """One copy of a table's rows: every id suffixed, dates moved, sketches remixed (copy 0 is the original)."""
    frame = frame.copy()
    if copy == 0:
        return frame
    for column in ID_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].map(lambda v: f"{v}-c{copy}" if isinstance(v, str) else v)
    shift = timedelta(days=COPY_DAYS * copy)
    for column in ("published_date", "date_from", "date_to", "first_reported"):
        if column in frame.columns:
            frame[column] = frame[column].map(lambda d: d + shift if d is not None and not pd.isna(d) else d)
    if table == "story_signals":
        salt = np.uint64(0x9E3779B97F4A7C15 * copy % (1 << 63))
        frame["sketch"] = frame["sketch"].map(
            lambda s: sorted(int(h) for h in ((np.asarray(s, dtype=np.uint64) * np.uint64(0xBF58476D1CE4E5B9)
                                               + salt) >> np.uint64(1))) if s is not None and len(s) else s)
    return frame


def build(source: Path, target: Path, copies: int) -> None:
    """A fresh warehouse with `copies` copies of `source`'s published tables (one snapshot)."""
    from etl.warehouse.snapshots import publish_snapshot
    from etl.warehouse.tables import read_table

    with tempfile.TemporaryDirectory(prefix="tail-bench-") as scratch:
        appends: dict[str, list[str]] = {}
        for table in REPLICATED:
            original = read_table(source, table)
            for copy in range(copies):
                path = Path(scratch) / f"{table}-{copy:04d}.parquet"
                _copy(original, table, copy).to_parquet(path, index=False)
                appends.setdefault(table, []).append(str(path))
            del original
        publish_snapshot(target, "bench-replicated", appends)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tail(warehouse: Path, steps: list[str], stories_memory: str | None) -> None:
    """Run the tail's `steps` over `warehouse` as a run with nothing new would, printing one JSON line a step."""
    from etl.config import DEFAULT_STORIES_MEMORY
    from etl.quality.suites import default_expectations_dir, load_suites
    from etl.run.events import events_step
    from etl.run.publish import RunPublication, publish_run
    from etl.run.shards import warehouse_signal_parts
    from etl.stories import stories_from_signals
    from etl.warehouse.tables import read_table

    suites = load_suites(default_expectations_dir())
    print(json.dumps({"step": "start", "peak_rss_mb": round(_peak_mb())}), flush=True)
    replaced: dict[str, pd.DataFrame] = {}
    results = []
    with tempfile.TemporaryDirectory(prefix="tail-bench-", dir=warehouse.parent) as scratch:
        staging = Path(scratch)

        def report(step: str, clock: float, cpu: float, rows: int) -> None:
            print(json.dumps({"step": step, "cpu_s": round(time.process_time() - cpu, 2),
                              "wall_s": round(time.perf_counter() - clock, 2), "peak_rss_mb": round(_peak_mb()),
                              "rows": rows}), flush=True)

        if "stories" in steps:
            clock, cpu = time.perf_counter(), time.process_time()
            replaced["stories"] = stories_from_signals(warehouse_signal_parts(warehouse, staging),
                                                       stories_memory or DEFAULT_STORIES_MEMORY)
            report("stories", clock, cpu, len(replaced["stories"]))
        if "events" in steps:
            clock, cpu = time.perf_counter(), time.process_time()
            stories = replaced.get("stories")
            if stories is None:
                stories = read_table(warehouse, "stories", ["story_id", "doc_id", "lang"]).astype("string")
            for output in events_step(warehouse, {}, stories, set(), suites, staging):
                results.append(output)
                replaced[output.stage] = output.read()
            del stories
            report("events", clock, cpu, len(replaced["events"]))
        if "publish" in steps:
            clock, cpu = time.perf_counter(), time.process_time()
            for table in ("stories", "events", "event_sources"):
                if table not in replaced:
                    replaced[table] = read_table(warehouse, table)
            publish_run(RunPublication(
                warehouse=warehouse, run_id=f"bench-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}",
                flow_run_id=None, started_at=datetime.now(timezone.utc), parameters={},
                suites=list(suites.values()), results=results, documents=[], published=0, files_seen=0,
                skipped_unchanged=0, replaced_tables=replaced))
            report("publish", clock, cpu, sum(len(f) for f in replaced.values()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="replicate a published warehouse")
    build_parser.add_argument("source", type=Path)
    build_parser.add_argument("target", type=Path)
    build_parser.add_argument("--copies", type=int, required=True)
    tail_parser = commands.add_parser("tail", help="run the tail's steps over a warehouse")
    tail_parser.add_argument("warehouse", type=Path)
    tail_parser.add_argument("--steps", default="stories,events,publish")
    tail_parser.add_argument("--stories-memory", default=None, help="DuckDB memory_limit for stories")
    args = parser.parse_args(argv)
    if args.command == "build":
        if args.target.exists():
            sys.exit(f"{args.target} exists: the replicated warehouse must be a fresh folder")
        build(args.source, args.target, args.copies)
        print(f"built {args.target}: {args.copies} copies of {args.source}")
    else:
        tail(args.warehouse, args.steps.split(","), args.stories_memory)


if __name__ == "__main__":
    main()
