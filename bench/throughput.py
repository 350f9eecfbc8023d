"""Throughput and memory of `etl run` on a generated corpus (variants of the seeds).

usage: .venv/bin/python bench/throughput.py [--docs 2000] [--shard-size 500] [--workdir DIR]

Writes N documents built from the seeds' paragraphs with numbers and names varied (so every document has
its own doc_id), runs `etl run` once cold (fresh state) and once warm (same input, everything unchanged),
and prints wall time, documents per second and peak memory of each run.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


def build_corpus(target: Path, documents: int, seed: int = 7) -> None:
    """Write `documents` articles mixing the seeds' titles and paragraphs, with varied figures."""
    rng = random.Random(seed)
    seeds = [p.read_text(encoding="utf-8").split("\n\n") for p in sorted((PROJECT / "seeds").glob("*.txt"))]
    target.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        parts = seeds[number % len(seeds)]
        title, paragraphs = parts[0], parts[1:]
        chosen = rng.sample(paragraphs, k=max(1, min(len(paragraphs), rng.randint(2, 5))))
        body = "\n\n".join(chosen).replace("700", str(rng.randint(20, 2000))).replace("460", str(rng.randint(20, 900)))
        (target / f"doc_{number:06d}.txt").write_text(f"{title} ({number})\n\n{body}\n", encoding="utf-8")


def timed_run(corpus: Path, warehouse: Path, state: Path, shard_size: int) -> tuple[float, float, str]:
    """Run `etl run` in a subprocess; return (wall seconds, peak RSS MiB of children so far, last output line)."""
    started = time.monotonic()
    done = subprocess.run([str(PROJECT / ".venv/bin/etl"), "run", "--input", str(corpus), "--warehouse", str(warehouse),
                           "--state-dir", str(state), "--shard-size", str(shard_size)],
                          capture_output=True, text=True, cwd=PROJECT)
    wall = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"etl run failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = [line for line in done.stdout.splitlines() if line.startswith("files seen")]
    return wall, peak_mib, summary[-1] if summary else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--shard-size", type=int, default=500)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="etl-throughput-"))
    corpus, warehouse, state = workdir / "corpus", workdir / "warehouse", workdir / "state"
    build_corpus(corpus, args.docs)
    print(f"corpus: {args.docs} documents in {corpus}")
    for label in ("cold", "warm"):
        wall, peak, summary = timed_run(corpus, warehouse, state, args.shard_size)
        print(f"{label}: {wall:.1f} s wall, {args.docs / wall:.0f} docs/s, peak RSS {peak:.0f} MiB; {summary}")


if __name__ == "__main__":
    main()
