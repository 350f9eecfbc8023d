"""The benchmark keeps working: bench/run.py end to end on a tiny generated corpus (the big sizes run by hand)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = {"ingest", "language", "fields", "validate", "entities", "facts", "stories", "publish"}

pytestmark = pytest.mark.slow


def test_benchmark_reports_every_figure_on_200_documents(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import build_corpus

    try:  # the corpus is built from the shared benchmarks: skip where they are not
        build_corpus(1, tmp_path / "probe")
    except FileNotFoundError as error:
        pytest.skip(str(error))
    work = tmp_path / "bench"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--docs", "200", "--workers", "2",
                           "--task-runner", "process", "--shard-size", "50", "--work", str(work)],
                          capture_output=True, text=True, timeout=1200, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    runs = report["runs"]
    assert set(runs) == {"bare", "1w", "1w_rerun", "1w_rerun_forced", "2w", "2w_rerun", "2w_rerun_forced"}
    for name in ("bare", "1w", "2w"):  # every first run published the whole corpus, and the same rows
        assert runs[name]["published"] + runs[name].get("skipped", 0) == 200, name
        assert STAGES <= set(runs[name]["stage_seconds"]), name
        assert runs[name]["digests"]["documents"][0] == 200
    assert report["same_tables"] is True
    for name in ("1w_rerun", "2w_rerun", "1w_rerun_forced"):  # re-runs on the unchanged corpus publish nothing
        assert (runs[name]["published"], runs[name]["skipped"]) == (0, 200), name
    assert runs["1w_rerun_forced"]["stage_seconds"].get("entities", 0) == 0  # every shard's result reused
    assert report["docs_per_s"] == pytest.approx(200 / report["wall_s"], rel=0.01)
    assert report["overhead_ratio"] == pytest.approx(runs["1w"]["wall_s"] / runs["bare"]["wall_s"], rel=0.01)
    assert report["speedup_2w"] == pytest.approx(runs["1w"]["wall_s"] / runs["2w"]["wall_s"], rel=0.01)
    assert 0 < report["rerun_ratio"] < report["rerun_forced_ratio"] < 1
    assert 100 < report["peak_pss_mb"] <= report["peak_rss_mb"]


def test_profile_puts_each_steps_time_in_the_packages_that_spend_it(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus import build_corpus

    try:
        build_corpus(1, tmp_path / "probe")
    except FileNotFoundError as error:
        pytest.skip(str(error))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_stages.py"), "--docs", "60",
                           "--shard-size", "30", "--work", str(tmp_path / "profile"),
                           "--html", str(tmp_path / "profile.html")],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["published"] == 60
    steps = {step["step"]: step for step in report["steps"]}
    assert {"language.add_language", "fields.extract.add_fields", "entities.extract.entities_frame"} <= set(steps)
    # NER is natasha's work, and sampled time never exceeds the run's wall time
    assert any(package in steps["entities.extract.entities_frame"]["packages"] for package in ("natasha", "slovnet", "navec"))
    assert sum(step["seconds"] for step in report["steps"]) <= report["wall_s"] * 1.05
    assert (tmp_path / "profile.html").read_text().lstrip().lower().startswith("<!doctype html")
