"""Crash bench: SIGKILL `etl run` at random moments and check the warehouse is always one complete snapshot.

Run from the project root (takes ~25 s per kill: a killed run, then a recovery run):
    .venv/bin/python bench/kill_runs.py [--kills 20] [--seed 7] [--docs 150] [--batch 10] [--workdir DIR]

Each round adds a batch of new articles to the input, starts `python -m etl run` as a subprocess and
kills it (SIGKILL) either at a moment uniform in [0, T] (T: an uninterrupted run's measured duration)
or, for every `--publish-every`-th kill, as soon as a `.snapshots/tmp-*` folder appears (publish is
writing the next snapshot). After each kill every table of the current snapshot must read with pyarrow
and pandas and equal either the snapshot before the run or one complete new snapshot: exactly one new
runs row (conserved, files_seen = files in the input), every table's old rows unchanged and every new row
carrying that run's id. Then an uninterrupted run must complete (a killed run's lock, temporary folder or
cached results must not stop it). At the end the documents and quarantine tables must equal those of an
uninterrupted run on the same input in a fresh warehouse (all columns but run_id and timestamps), and
the warehouse folder must hold no litter of killed runs (temporary folders nobody removes).
Exit status 0 when every check passed.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT / "tests"))
from hostile_corpus import article  # noqa: E402  (test helper: realistic ru/en/kk article variants)

TIMESTAMP_COLUMNS = {"run_id", "ingested_at", "quarantined_at", "checked_at", "started_at", "finished_at",
                     "flow_run_id", "parameters", "duration_s"}


# --------------------------------------------------------------------------- corpus


def seed_variant(text: str, number: int) -> str:
    """A seed article with one added closing sentence, so its text (and doc_id) is new."""
    cyrillic = sum("а" <= ch.lower() <= "я" for ch in text[:500]) > 100
    closing = (f"Материал дополнен {number} раз по данным пресс-службы." if cyrillic
               else f"The article was updated {number} times with information from the press service.")
    return text.rstrip("\n") + "\n\n" + closing + "\n"


def corpus_file(number: int, seeds: list[str]) -> tuple[str, bytes]:
    """File `number` of an endless corpus: seeds, seed variants, generated articles and some junk."""
    if number < len(seeds):
        return f"seed_{number:03d}.txt", seeds[number].encode("utf-8")
    if number % 25 == 0:
        return f"junk/empty_{number:04d}.txt", b""
    if number % 25 == 1:
        return f"junk/binary_{number:04d}.txt", random.Random(number).randbytes(2048)
    if number % 3 == 0:
        return f"variants/seed_variant_{number:04d}.txt", seed_variant(seeds[number % len(seeds)], number).encode("utf-8")
    return f"generated/{number % 7}/article_{number:04d}.txt", article(number).encode("utf-8")


def add_files(input_dir: Path, start: int, count: int, seeds: list[str]) -> int:
    for number in range(start, start + count):
        name, data = corpus_file(number, seeds)
        path = input_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return start + count


def count_files(input_dir: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(input_dir))


# --------------------------------------------------------------------------- runs


def run_command(input_dir: Path, warehouse: Path, state_dir: Path) -> list[str]:
    return [sys.executable, "-m", "etl", "run", "--input", str(input_dir), "--warehouse", str(warehouse),
            "--state-dir", str(state_dir)]


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # ephemeral server, like a user's run
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT / "src"), str(PROJECT), env.get("PYTHONPATH")) if p)
    return env


def run_uninterrupted(input_dir: Path, warehouse: Path, state_dir: Path, log: Path) -> tuple[int, float]:
    started = time.monotonic()
    with open(log, "ab") as out:
        code = subprocess.call(run_command(input_dir, warehouse, state_dir), stdout=out, stderr=subprocess.STDOUT,
                               env=child_env(), cwd=PROJECT, start_new_session=True)
    return code, time.monotonic() - started


MANAGED_ENTRIES = {".current", ".snapshots", ".lock", ".lock.holder", "_dq_docs"}


def leftovers(warehouse: Path) -> list[str]:
    """Entries of the warehouse folder that are neither managed files nor table links: litter of killed runs."""
    return sorted(p.name for p in warehouse.iterdir() if p.name not in MANAGED_ENTRIES and not p.is_symlink())


def publish_in_progress(warehouse: Path) -> bool:
    snapshots = warehouse / ".snapshots"
    return snapshots.is_dir() and any(p.name.startswith("tmp-") for p in snapshots.iterdir())


@dataclass
class Kill:
    planned_at: float
    targeted: bool
    landed: bool = False  # the process was still running when SIGKILL was sent
    during_publish: bool = False  # a tmp-* snapshot folder existed when the process died
    killed_at: float = 0.0
    outcome: str = ""  # "previous" or "new"
    problems: list[str] = field(default_factory=list)


def run_and_kill(input_dir: Path, warehouse: Path, state_dir: Path, log: Path, kill: Kill, rng: random.Random,
                 publish_delay: float) -> None:
    with open(log, "ab") as out:
        process = subprocess.Popen(run_command(input_dir, warehouse, state_dir), stdout=out, stderr=subprocess.STDOUT,
                                   env=child_env(), cwd=PROJECT, start_new_session=True)
        started = time.monotonic()
        try:
            while process.poll() is None:
                elapsed = time.monotonic() - started
                if kill.targeted:
                    if publish_in_progress(warehouse):
                        # Some deaths land before the snapshot swap, some just after it.
                        time.sleep(rng.uniform(0, publish_delay))
                        break
                    if elapsed > kill.planned_at:  # publish never seen: kill anyway, untargeted
                        break
                    time.sleep(0.002)
                else:
                    if elapsed >= kill.planned_at:
                        break
                    time.sleep(min(0.01, kill.planned_at - elapsed))
            kill.killed_at = time.monotonic() - started
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)  # the run's own process: the one that writes the warehouse
                kill.landed = True
            process.wait()
            kill.during_publish = kill.landed and publish_in_progress(warehouse)
        finally:
            # The ephemeral Prefect server is a child in the run's session; end it too (our own process group).
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


# --------------------------------------------------------------------------- snapshots


def read_snapshot(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every table of the current snapshot, read part by part with pyarrow and whole through the table link with pandas."""
    link = warehouse / ".current"
    if not link.is_symlink():
        return {}
    snapshot = warehouse / os.readlink(link)
    tables: dict[str, pd.DataFrame] = {}
    for folder in sorted(p for p in snapshot.iterdir() if p.is_dir() and not p.name.startswith("_")):
        parts = sorted(folder.glob("*.parquet"))
        for part in parts:
            pq.read_metadata(part)
            pq.read_table(part)
        if not parts:
            tables[folder.name] = pd.DataFrame()
            continue
        frame = pads.dataset([str(p) for p in parts], format="parquet").to_table().to_pandas()
        via_link = pd.read_parquet(warehouse / folder.name) if (warehouse / folder.name).exists() else frame
        if len(via_link) != len(frame):
            raise AssertionError(f"{folder.name}: {len(via_link)} rows through the link, {len(frame)} in the snapshot")
        tables[folder.name] = frame
    return tables


def canonical(frame: pd.DataFrame, drop: set[str] = frozenset()) -> pd.DataFrame:
    """Rows as strings in a fixed order, for equality regardless of part order and dtypes."""
    if frame.empty:
        return pd.DataFrame()
    kept = frame[[c for c in sorted(frame.columns) if c not in drop]].astype(str)
    return kept.sort_values(list(kept.columns)).reset_index(drop=True)


def same(a: pd.DataFrame, b: pd.DataFrame, drop: set[str] = frozenset()) -> bool:
    return canonical(a, drop).equals(canonical(b, drop))


def classify(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame], files_in_input: int) -> tuple[str, list[str]]:
    """'previous' when `after` is `before`; 'new' when it is `before` plus exactly one complete run; else problems."""
    if set(after) >= set(before) and all(same(before[t], after[t]) for t in before) and set(after) == set(before):
        return "previous", []
    problems: list[str] = []
    old_runs, runs = before.get("runs", pd.DataFrame()), after.get("runs", pd.DataFrame())
    new_ids = sorted(set(runs.get("run_id", [])) - set(old_runs.get("run_id", [])))
    if len(new_ids) != 1:
        return "mixed", [f"{len(new_ids)} new runs rows, expected 1"]
    run_id = new_ids[0]
    run = runs[runs["run_id"] == run_id].iloc[0]
    if run["status"] != "completed":
        problems.append(f"new run status {run['status']}")
    if run["files_seen"] != run["published"] + run["quarantined"] + run["skipped_unchanged"]:
        problems.append("new run not conserved")
    if run["files_seen"] != files_in_input:
        problems.append(f"new run saw {run['files_seen']} files, the input has {files_in_input}")
    for table, frame in after.items():
        old = before.get(table, pd.DataFrame())
        if "run_id" not in frame.columns:
            continue
        if not same(frame[frame["run_id"] != run_id], old):
            problems.append(f"{table}: rows of earlier runs changed")
    documents = after.get("documents", pd.DataFrame())
    if "run_id" in documents.columns and (documents["run_id"] == run_id).sum() != run["published"]:
        problems.append("documents: new rows != runs.published")
    if "doc_id" in documents.columns and not documents["doc_id"].is_unique:
        problems.append("documents: doc_id not unique")
    return ("new" if not problems else "mixed"), problems


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help="kills that must land in a running process (default 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--docs", type=int, default=150, help="files in the input before the first kill")
    parser.add_argument("--batch", type=int, default=10, help="files added before every killed run")
    parser.add_argument("--publish-every", type=int, default=4, help="every N-th kill waits for publish (default 4)")
    parser.add_argument("--publish-delay", type=float, default=0.1,
                        help="a publish-targeted kill waits uniform [0, this] s after tmp-* appears (default 0.1)")
    parser.add_argument("--workdir", type=Path, default=None, help="keep everything here (default: a temp folder, removed)")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kill-runs-"))
    workdir.mkdir(parents=True, exist_ok=True)
    input_dir, warehouse, state_dir, log = (workdir / "input", workdir / "warehouse", workdir / "state",
                                           workdir / "runs.log")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((PROJECT / "seeds").glob("*.txt"))]
    bench_started = time.monotonic()
    next_file = add_files(input_dir, 0, args.docs, seeds)

    code, duration = run_uninterrupted(input_dir, warehouse, state_dir, log)
    if code != 0:
        print(f"the first uninterrupted run failed (exit {code}); see {log}")
        return 1
    code, duration = run_uninterrupted(input_dir, warehouse, state_dir, log)  # warm: what later runs cost
    print(f"uninterrupted run: {duration:.1f} s on {count_files(input_dir)} files (kills uniform in [0, {duration:.1f}] s)")

    kills: list[Kill] = []
    checks_passed = checks_failed = 0
    litter: list[str] = []
    attempts = 0
    while sum(k.landed for k in kills) < args.kills and attempts < 3 * args.kills:
        attempts += 1
        next_file = add_files(input_dir, next_file, args.batch, seeds)
        before = read_snapshot(warehouse)
        targeted = (sum(k.landed for k in kills) + 1) % args.publish_every == 0
        kill = Kill(planned_at=duration * 3 if targeted else rng.uniform(0, duration), targeted=targeted)
        run_and_kill(input_dir, warehouse, state_dir, log, kill, rng, args.publish_delay)
        try:
            after = read_snapshot(warehouse)
            kill.outcome, kill.problems = classify(before, after, count_files(input_dir))
        except Exception as error:  # unreadable table: the check failed
            kill.outcome, kill.problems = "unreadable", [f"{type(error).__name__}: {error}"]
        code, _ = run_uninterrupted(input_dir, warehouse, state_dir, log)
        if code != 0:
            kill.problems.append(f"the next uninterrupted run failed (exit {code})")
        elif publish_in_progress(warehouse):
            kill.problems.append("a tmp-* snapshot folder was left after the next run")
        else:
            recovered = read_snapshot(warehouse)
            last = recovered["runs"].sort_values("started_at").iloc[-1]
            if kill.outcome == "new" and last["published"] != 0:
                kill.problems.append("the run after a completed kill published again")
            litter = leftovers(warehouse)
        kills.append(kill)
        checks_passed += not kill.problems
        checks_failed += bool(kill.problems)
        print(f"kill {len(kills):2d}: at {kill.killed_at:5.2f} s {'(publish-targeted)' if kill.targeted else '':18s} "
              f"landed={kill.landed!s:5s} during_publish={kill.during_publish!s:5s} -> {kill.outcome:8s} "
              + ("ok" if not kill.problems else "FAIL: " + "; ".join(kill.problems)), flush=True)

    reference = workdir / "reference-warehouse"
    code, _ = run_uninterrupted(input_dir, reference, workdir / "reference-state", log)
    final_ok = code == 0
    final_problems = [] if final_ok else [f"reference run failed (exit {code})"]
    if final_ok:
        final, expected = read_snapshot(warehouse), read_snapshot(reference)
        if not same(final["documents"], expected["documents"], TIMESTAMP_COLUMNS):
            final_problems.append("documents differ from an uninterrupted run")
        if not same(final["quarantine"], expected["quarantine"], TIMESTAMP_COLUMNS):
            final_problems.append("quarantine differs from an uninterrupted run")
        final_ok = not final_problems

    landed = [k for k in kills if k.landed]
    print()
    print(f"kills attempted {len(kills)}, landed {len(landed)} (process still running), "
          f"during publish {sum(k.during_publish for k in landed)}, publish-targeted {sum(k.targeted for k in landed)}")
    print(f"snapshot after kill: previous {sum(k.outcome == 'previous' for k in kills)}, "
          f"new {sum(k.outcome == 'new' for k in kills)}, mixed/unreadable "
          f"{sum(k.outcome in ('mixed', 'unreadable') for k in kills)}")
    print(f"checks passed {checks_passed}/{len(kills)}; final tables equal an uninterrupted run: {final_ok}"
          + ("" if final_ok else " (" + "; ".join(final_problems) + ")"))
    print(f"leftover temporary entries in the warehouse after the last run: {len(litter)}"
          + (f" ({', '.join(litter[:5])}{', ...' if len(litter) > 5 else ''})" if litter else ""))
    print(f"files in the final input {count_files(input_dir)}; total time {time.monotonic() - bench_started:.0f} s; "
          f"log {log}")
    if args.workdir is None and checks_failed == 0 and final_ok:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if checks_failed == 0 and final_ok and not litter and len(landed) >= args.kills else 1


if __name__ == "__main__":
    raise SystemExit(main())
