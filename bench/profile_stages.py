"""Where the time goes: the plain-loop pipeline (etl.run.baseline.run_in_process) under pyinstrument, step by step.

    python bench/profile_stages.py --docs 2000 [--work DIR] [--html profile.html]

Builds N documents (bench/corpus.py), runs every stage over them in this process under pyinstrument's
sampling profiler, and prints one JSON line: the run's own stage_seconds, and for each step (the first
library function that `etl.run.shards` or `etl.run.baseline` calls: `language.add_language`, `validate.run_gate`, ...)
its sampled seconds and the packages spending them (the package of the innermost Python frame of each
sample, so time in C code counts to the Python code that called it: `slovnet`, `great_expectations`,
`pandas`, `etl.facts`, `stdlib:re`, ...). An orchestrated run adds Prefect's work on top of this (see
`bench/run.py`, overhead_ratio); the library's time is the same.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import sysconfig
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import etl_flows  # noqa: E402,F401  first: one BLAS thread per process, as `etl run` has it
from corpus import build_corpus  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from etl.config import DEFAULT_SHARD_SIZE, Settings  # noqa: E402
from etl.run.baseline import run_in_process  # noqa: E402

ETL_SOURCE = (ROOT / "src" / "etl").resolve()
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
# frames of these files drive the loop; the step is the first library function they call
DRIVERS = {"shards.py", "baseline.py"}


def package_of(file_path: str | None) -> str:
    """`etl.<module>` for the project's code, the top-level package for installed code, `stdlib:<module>`."""
    if not file_path or file_path.startswith("<"):
        return "builtins"
    path = Path(file_path).resolve()
    if path.is_relative_to(ETL_SOURCE):
        return "etl." + path.relative_to(ETL_SOURCE).with_suffix("").as_posix().replace("/", ".")
    parts = path.parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].removesuffix(".py")
    if path.is_relative_to(STDLIB):
        return "stdlib:" + path.relative_to(STDLIB).parts[0].removesuffix(".py")
    return path.name


def step_of(frame, stack: list) -> str | None:
    """`module.function` of the first project function called from a driver frame, None above the loop."""
    for caller, callee in zip(stack, stack[1:] + [frame]):
        if Path(caller.file_path or "").name in DRIVERS and package_of(caller.file_path).startswith("etl."):
            if package_of(callee.file_path).startswith("etl.") and Path(callee.file_path).name not in DRIVERS:
                return f"{package_of(callee.file_path).removeprefix('etl.')}.{callee.function}"
    return None


def seconds_by_step(root) -> dict[str, dict[str, float]]:
    """Self time of every sampled frame, summed by (step, package).

    A frame's self time is its time less its children's; time in a C function (file `<built-in>`) goes to
    the package of the Python code that called it.
    """
    totals: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    pending = [(root, [], "builtins")]
    while pending:
        frame, stack, caller_package = pending.pop()
        package = caller_package if (frame.file_path or "<").startswith("<") else package_of(frame.file_path)
        own = frame.time - sum(child.time for child in frame.children)
        if own > 0:
            totals[step_of(frame, stack) or "outside the stages"][package] += own
        pending.extend((child, stack + [frame], package) for child in frame.children)
    return totals


def profile(docs: int, work: Path, shard_size: int, html: Path | None = None) -> dict:
    corpus = work / "corpus"
    if not corpus.is_dir():
        build_corpus(docs, corpus)
    for folder in (work / "warehouse", work / "state"):  # every profile starts from an empty warehouse
        shutil.rmtree(folder, ignore_errors=True)
    settings = Settings(input_dir=corpus, warehouse_dir=work / "warehouse", state_dir=work / "state",
                        shard_size=shard_size)
    profiler = Profiler(interval=0.005)
    profiler.start()
    summary = run_in_process(settings)
    session = profiler.stop()
    if html:
        html.write_text(profiler.output_html())
    totals = seconds_by_step(session.root_frame())
    steps = []
    for step, packages in sorted(totals.items(), key=lambda item: -sum(item[1].values())):
        top = sorted(packages.items(), key=lambda item: -item[1])
        steps.append({"step": step, "seconds": round(sum(packages.values()), 2),
                      "packages": {name: round(seconds, 2) for name, seconds in top[:6] if seconds >= 0.05}})
    return {"docs": docs, "shard_size": shard_size, "published": summary.published,
            "wall_s": round(session.duration, 2), "docs_per_s": round(docs / session.duration, 1),
            "stage_seconds": {k: round(v, 2) for k, v in summary.stage_seconds.items()}, "steps": steps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--shard-size", type=int, default=DEFAULT_SHARD_SIZE)
    parser.add_argument("--work", type=Path, help="keep corpus and warehouse here (default: a temporary folder)")
    parser.add_argument("--html", type=Path, help="also write pyinstrument's interactive HTML report here")
    args = parser.parse_args(argv)
    if args.work:
        args.work.mkdir(parents=True, exist_ok=True)
        report = profile(args.docs, args.work, args.shard_size, args.html)
    else:
        with tempfile.TemporaryDirectory(prefix="etl-profile-") as work:
            report = profile(args.docs, Path(work), args.shard_size, args.html)
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
