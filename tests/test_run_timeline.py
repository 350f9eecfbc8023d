"""The run's timeline (RunSummary.timeline): where the fixed costs of a run go, journaled for bench/run.py."""

from __future__ import annotations

from etl.run.shards import StageOutput
from etl.run.summary import TIMELINE_MARKS, RunSummary


def test_first_task_is_the_earliest_executed_shard_task_not_a_reused_one() -> None:
    summary = RunSummary(run_id="r")
    summary.mark("flow_started", at=1000.0)
    reused = StageOutput("ingest", 0, "k0", None, 0, started_at=400.0)  # a stored result of an earlier run
    executed = [StageOutput("ingest", 1, "k1", None, 0, started_at=1003.5),
                StageOutput("language", 1, "k2", None, 0, started_at=1002.25)]
    summary.mark_first_task([reused, None, *executed])
    assert summary.timeline["first_task_started"] == 1002.25
    nothing_executed = RunSummary(run_id="r2")
    nothing_executed.mark("flow_started", at=1000.0)
    nothing_executed.mark_first_task([reused])
    assert nothing_executed.timeline["first_task_started"] == 1000.0


def test_marks_keep_the_order_of_the_run_and_this_process_cpu_seconds() -> None:
    summary = RunSummary(run_id="r")
    for phase in TIMELINE_MARKS:
        summary.mark(phase)
    times = [summary.timeline[phase] for phase in TIMELINE_MARKS]
    assert times == sorted(times)
    cpu = [summary.timeline_cpu[phase] for phase in TIMELINE_MARKS]
    assert cpu == sorted(cpu) and cpu[0] > 0
    assert RunSummary(**summary.__dict__).timeline == summary.timeline  # survives the summary's round trip


def test_a_stage_output_knows_when_its_shard_task_started() -> None:
    import time
    from pathlib import Path
    from tempfile import TemporaryDirectory

    from etl.quality.suites import default_expectations_dir, load_suites
    from etl.run.shards import document_stage

    before = time.time()
    with TemporaryDirectory() as staging:
        suites = load_suites(default_expectations_dir())
        output = document_stage("language", StageOutput("ingest", 0, "k", None, 0), suites["language"], Path(staging))
    assert before <= output.started_at <= output.started_at + output.seconds <= time.time()
