"""Throughput, overhead, scaling and memory of the pipeline on a generated corpus of real news text.

    python bench/run.py --docs 10000 [--workers 2] [--task-runner process] [--shard-size 1000] [--repeat 3]

Builds N documents (bench/corpus.py), then runs, each in its own process on its own fresh warehouse:
  bare      the stage functions in a plain loop, no Prefect (etl.run.baseline.run_in_process)
  1 worker  `etl run --workers 1`, then again on the unchanged corpus (the re-run)
  W workers `etl run --workers W` (skipped when W is 1)
and prints one JSON line: docs, wall_s and docs_per_s (the W-worker run), bare_wall_s, overhead_ratio
(1 worker / bare), speedup_2w (1 worker / W workers), rerun_ratio (re-run / first run; the re-run stops at
the nothing-changed check), rerun_forced_ratio (re-run with --force: through Prefect, every task's result
reused), same_tables (every run published the same rows, run ids aside), peak_rss_mb and
peak_pss_mb of the whole process tree (Prefect's server and the workers included; RSS counts pages shared
between processes once per process, PSS splits them), per-stage compute seconds of every run, and the
fixed costs: `phases` of the W-worker run and `phases_1w` (and each run's own): seconds from the command to
the flow and to its first shard task, of the shard tasks, of the serial tail (stories, events, publish) and
of the exit, from the timeline the run journals (etl.run.summary.TIMELINE_MARKS); the `etl` process's CPU
seconds before the flow and in the tail; and workers_busy, the share of the shard phase the workers spent
computing. The peaks and `rss_at_peak_mb` are RSS (pages the forked worker shares with the `etl` process
counted in both) and PSS (shared pages split between them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import build_corpus  # noqa: E402

from etl.config import DEFAULT_SHARD_SIZE  # noqa: E402

BARE_SCRIPT = """
import json, sys
from pathlib import Path
import etl_flows  # first: one BLAS thread per process, as `etl run` has it (etl.config.NATIVE_THREAD_LIMITS)
from etl.config import Settings
from etl.run.baseline import run_in_process
summary = run_in_process(Settings(input_dir=Path(sys.argv[1]), warehouse_dir=Path(sys.argv[2]),
                                  state_dir=Path(sys.argv[3]), shard_size=int(sys.argv[4])))
print(json.dumps({"published": summary.published, "stage_seconds": summary.stage_seconds,
                  "timeline": summary.timeline, "timeline_cpu": summary.timeline_cpu}))
"""


# Every run uses one Prefect home (its database), created by a warm-up run: the runs measure a pipeline in
# use, not the first start of a new installation (creating the database adds about 7 s once).
SHARED_ENV: dict[str, str] = {}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
            tree.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return tree


def _role(pid: int) -> str:
    """What a descendant process of the run is, from its command line: server, worker or other."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            command = handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "uvicorn" in command or "prefect.server" in command:
        return "server"
    if "multiprocessing" in command or "distributed" in command or "dask" in command:
        return "worker"
    # not the run's own process (that one is "flow") but its command line: a worker forked from it
    return "worker" if " etl " in f" {command} " else "other"


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree_memory(root: int, cpu: dict[int, tuple[str, float]] | None = None) -> tuple[int, int, dict[str, int]]:
    """(RSS, PSS, RSS by role) in kB summed over `root` and all its descendants; `cpu` gets each one's CPU seconds."""
    tree, stack, rss, pss, roles = _children(), [root], 0, 0, {}
    while stack:
        pid = stack.pop()
        stack.extend(tree.get(pid, []))
        if cpu is not None:
            cpu[pid] = (_role(pid) if pid != root else "flow", _cpu_seconds(pid))
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        own = int(line.split()[1])
                        rss += own
                        role = _role(pid) if pid != root else "flow"
                        roles[role] = roles.get(role, 0) + own
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except OSError:
            continue
    return rss, pss, roles


def measured(command: list[str], env: dict | None = None) -> dict:
    """Run `command`, sampling the memory of its process tree; wall seconds, peaks in MB, stdout, exit code."""
    started, launched_at = time.perf_counter(), time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, **SHARED_ENV, **(env or {})}, cwd=ROOT)
    peaks, at_peak, samples, cpu = [0, 0], {}, [], {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            rss, pss, roles = _tree_memory(process.pid, cpu)
            samples.append((round(time.perf_counter() - started, 2), {k: v // 1024 for k, v in roles.items()}))
            if rss > peaks[0]:
                at_peak.clear()
                at_peak.update(roles)
            peaks[0], peaks[1] = max(peaks[0], rss), max(peaks[1], pss)
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    if os.environ.get("ETL_BENCH_LOGS"):  # a folder: keep each run's log there, for timelines
        folder = Path(os.environ["ETL_BENCH_LOGS"])
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{int(time.time())}-{len(list(folder.iterdir()))}"
        (folder / f"{name}.log").write_text(err, encoding="utf-8")
        (folder / f"{name}.memory.json").write_text(json.dumps(samples), encoding="utf-8")
    done.set()
    sampler.join()
    wall, ended_at = time.perf_counter() - started, time.time()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{out[-2000:]}\n{err[-4000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(peaks[0] / 1024), "peak_pss_mb": round(peaks[1] / 1024),
            "rss_at_peak_mb": {role: round(kb / 1024) for role, kb in sorted(at_peak.items())},
            "cpu_s": {role: round(sum(s for r, s in cpu.values() if r == role), 1) for role in sorted({r for r, _ in cpu.values()})},
            "stdout": out, "launched_at": launched_at, "ended_at": ended_at}


def phases(timeline: dict, launched_at: float, ended_at: float, cpu: dict | None = None) -> dict:
    """Seconds per phase of one run, from its timeline (etl.run.summary.TIMELINE_MARKS) and the command's start
    and end: to_flow_s (command to the flow's start), to_first_task_s (command to the first shard task),
    shards_s (first shard task to the last: ingest, plan and extraction, the part the workers share), the
    serial tail stories_s, events_s, publish_s and their sum tail_s, and exit_s (publish done to the process's
    end). A phase the run did not reach (nothing new: no stories or events) is 0. With `cpu` (the run's CPU
    seconds at the same marks), to_flow_cpu_s and tail_cpu_s: CPU seconds of the `etl` process in those phases,
    the figures to compare on a busy machine."""
    if not timeline:
        return {}
    marks = {"launched": launched_at, **timeline, "ended": ended_at}
    order = ["launched", "flow_started", "first_task_started", "shards_done", "stories_done", "events_done",
             "published", "ended"]
    for previous, mark in itertools.pairwise(order):  # a phase not reached ends where the one before it ended
        marks.setdefault(mark, marks[previous])
    out = {"to_flow_s": marks["flow_started"] - launched_at, "to_first_task_s": marks["first_task_started"] - launched_at,
           "shards_s": marks["shards_done"] - marks["first_task_started"],
           "stories_s": marks["stories_done"] - marks["shards_done"],
           "events_s": marks["events_done"] - marks["stories_done"],
           "publish_s": marks["published"] - marks["events_done"], "exit_s": ended_at - marks["published"]}
    out["tail_s"] = out["stories_s"] + out["events_s"] + out["publish_s"]
    if cpu:  # the `etl` process's own CPU seconds: before the flow (imports, models) and in the serial tail
        cpu = dict(cpu)
        for previous, mark in itertools.pairwise(["flow_started", "shards_done", "stories_done", "events_done",
                                                  "published"]):
            cpu.setdefault(mark, cpu[previous])
        out.update(to_flow_cpu_s=cpu["flow_started"], tail_cpu_s=cpu["published"] - cpu["shards_done"])
    return {name: round(value, 2) for name, value in out.items()}


def _digests(warehouse: Path) -> dict:
    from etl.analyst.contents import content_digests

    return {table: list(value) for table, value in content_digests(warehouse).items()}


def _last_journal_entry(state: Path) -> dict:
    return json.loads((state / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])


def etl_run(corpus: Path, work: Path, name: str, workers: int, task_runner: str, shard_size: int,
            state: Path | None = None, *extra: str) -> dict:
    """`etl run` on `corpus` into work/<name> (state in work/<name>-state unless given)."""
    state = state or work / f"{name}-state"
    result = measured([sys.executable, "-m", "etl", "run", "--input", str(corpus), "--warehouse",
                       str(work / name), "--state-dir", str(state), "--workers", str(workers),
                       "--task-runner", task_runner, "--shard-size", str(shard_size), *extra])
    entry = _last_journal_entry(state)
    if entry["status"] not in ("completed", "unchanged"):
        raise RuntimeError(f"run {name} did not complete: {entry.get('error')}")
    result.update(digests=_digests(work / name),
                  published=entry["counts"]["published"], skipped=entry["counts"]["skipped_unchanged"],
                  flow_s=round(entry["duration_s"] or 0, 2),
                  phases=phases(entry.get("timeline") or {}, result.pop("launched_at"), result.pop("ended_at"),
                                entry.get("timeline_cpu")),
                  stage_seconds={k: round(v, 2) for k, v in entry["stage_seconds"].items()})
    _add_workers_busy(result, workers)
    result.pop("stdout")
    return result


SHARD_STAGES = ("ingest", "language", "fields", "validate", "entities", "facts")


def _add_workers_busy(result: dict, workers: int) -> None:
    """phases.workers_busy: the shard tasks' seconds over `workers` x shards_s, 1.0 when every worker was busy from
    the first shard task to the last (the rest went to waiting: the plan between ingest and the other stages, a
    last task running alone)."""
    span = result["phases"].get("shards_s")
    if span:
        busy = sum(seconds for stage, seconds in result["stage_seconds"].items() if stage in SHARD_STAGES)
        result["phases"]["workers_busy"] = round(busy / (workers * span), 3)


def bare_run(corpus: Path, work: Path, shard_size: int) -> dict:
    result = measured([sys.executable, "-c", BARE_SCRIPT, str(corpus), str(work / "bare"), str(work / "bare-state"),
                       str(shard_size)])
    outcome = json.loads(result.pop("stdout").strip().splitlines()[-1])
    result.update(published=outcome["published"], digests=_digests(work / "bare"),
                  phases=phases(outcome.get("timeline") or {}, result.pop("launched_at"), result.pop("ended_at"),
                                outcome.get("timeline_cpu")),
                  stage_seconds={k: round(v, 2) for k, v in outcome["stage_seconds"].items()})
    _add_workers_busy(result, 1)
    return result


def benchmark(docs: int, workers: int, task_runner: str, shard_size: int, work: Path, skip_bare: bool = False,
              skip_one_worker: bool = False, skip_rerun: bool = False, repeat: int = 1) -> dict:
    corpus = work / "corpus"
    if not corpus.is_dir():  # with --work, a corpus from an earlier call is reused
        build_corpus(docs, corpus)
    SHARED_ENV["PREFECT_HOME"] = str(work / "prefect-home")
    shutil.rmtree(work / "warmup", ignore_errors=True)
    measured([sys.executable, "-m", "etl", "run", "--input", str(ROOT / "seeds"), "--warehouse", str(work / "warmup"),
              "--state-dir", str(work / "warmup-state")])
    first_runs = {"bare": lambda: bare_run(corpus, work, shard_size)} if not skip_bare else {}
    if not skip_one_worker:
        first_runs["1w"] = lambda: etl_run(corpus, work, "w1", 1, task_runner, shard_size)
    if workers > 1 or skip_one_worker:
        first_runs[f"{workers}w"] = lambda: etl_run(corpus, work, f"w{workers}", workers, task_runner, shard_size)
    runs: dict[str, dict] = {}
    # rounds interleave the configurations, so a slow spell of a noisy machine hits each of them alike
    for _ in range(repeat):
        for name, run in first_runs.items():
            folder = "bare" if name == "bare" else f"w{name.removesuffix('w')}"
            for fresh in (work / folder, work / f"{folder}-state"):  # every first run on a new warehouse
                shutil.rmtree(fresh, ignore_errors=True)
            result = run()
            result["walls"] = runs.get(name, {}).get("walls", []) + [result["wall_s"]]
            result["phase_rounds"] = runs.get(name, {}).get("phase_rounds", []) + [result["phases"]]
            for peak in ("peak_rss_mb", "peak_pss_mb"):  # the highest of the rounds
                result[peak] = max(result[peak], runs.get(name, {}).get(peak, 0))
            runs[name] = result
    for result in runs.values():  # the median round stands for the configuration
        result["wall_s"] = round(statistics.median(result["walls"]), 2)
        rounds = result.pop("phase_rounds")
        result["phases"] = {phase: round(statistics.median(r.get(phase, 0.0) for r in rounds), 2)
                            for phase in rounds[-1]}
    if not skip_one_worker:  # the re-runs use the state of the last round's first run
        runs["1w_rerun"] = etl_run(corpus, work, "w1", 1, task_runner, shard_size, work / "w1-state")
        # through the flow although nothing changed: every task's result reused
        runs["1w_rerun_forced"] = etl_run(corpus, work, "w1", 1, task_runner, shard_size, work / "w1-state",
                                          "--force")
    if (workers > 1 or skip_one_worker) and not skip_rerun:
        runs[f"{workers}w_rerun"] = etl_run(corpus, work, f"w{workers}", workers, task_runner, shard_size,
                                            work / f"w{workers}-state")
        runs[f"{workers}w_rerun_forced"] = etl_run(corpus, work, f"w{workers}", workers, task_runner, shard_size,
                                                   work / f"w{workers}-state", "--force")
    main = runs.get(f"{workers}w") or runs["1w"]
    first = runs.get("1w") or main
    rerun = runs.get("1w_rerun") or runs.get(f"{workers}w_rerun")
    forced = runs.get("1w_rerun_forced") or runs.get(f"{workers}w_rerun_forced")
    report = {
        "docs": docs, "task_runner": task_runner, "workers": workers, "shard_size": shard_size,
        "wall_s": main["wall_s"], "docs_per_s": round(docs / main["wall_s"], 1),
        "bare_wall_s": runs["bare"]["wall_s"] if "bare" in runs else None,
        "overhead_ratio": round(runs["1w"]["wall_s"] / runs["bare"]["wall_s"], 3) if "bare" in runs and "1w" in runs else None,
        "speedup_2w": round(runs["1w"]["wall_s"] / runs[f"{workers}w"]["wall_s"], 3)
        if "1w" in runs and f"{workers}w" in runs else None,
        "peak_rss_mb": main["peak_rss_mb"], "peak_pss_mb": main["peak_pss_mb"], "rss_at_peak_mb": main["rss_at_peak_mb"],
        "rerun_ratio": round(rerun["wall_s"] / first["wall_s"], 4) if rerun else None,
        "rerun_forced_ratio": round(forced["wall_s"] / first["wall_s"], 4) if forced else None,
        "same_tables": len({json.dumps(run["digests"]) for run in runs.values() if "digests" in run}) == 1,
        "stage_seconds": main["stage_seconds"], "phases": main["phases"],
        "phases_1w": runs["1w"]["phases"] if "1w" in runs else None, "runs": runs,
    }
    for name, run in runs.items():
        if run["published"] + run.get("skipped", 0) == 0:
            raise RuntimeError(f"run {name} published nothing")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--task-runner", default="process", choices=["thread", "process", "dask"])
    parser.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE)
    parser.add_argument("--work", type=Path, help="keep corpus and warehouses here (default: a temporary folder)")
    parser.add_argument("--skip-bare", action="store_true", help="no bare-loop run (overhead_ratio is then null)")
    parser.add_argument("--skip-one-worker", action="store_true",
                        help="only the W-worker run and its re-runs (speedup and overhead are then null)")
    parser.add_argument("--skip-rerun", action="store_true", help="no re-runs of the W-worker run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of the first runs, interleaved; wall_s and the ratios use each one's median")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="etl-bench-"))
    try:
        report = benchmark(args.docs, args.workers, args.task_runner, args.shard_size, work, args.skip_bare,
                           args.skip_one_worker, args.skip_rerun, args.repeat)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
