"""The same tables whatever runs the tasks: threads, worker processes, or a Dask cluster of worker processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS

from etl.analyst.contents import content_digests
from etl.run.journal import read_journal
from etl.warehouse.tables import read_table
from etl_flows.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from corpus import build_corpus  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Seeds plus generated articles (real benchmark text), in shards of 20."""
    folder = tmp_path_factory.mktemp("scaleout") / "input"
    try:
        build_corpus(60, folder / "generated")
    except FileNotFoundError as error:  # the shared benchmarks are not on this machine
        pytest.skip(str(error))
    shutil.copytree(SEEDS, folder / "seeds")
    return folder


def _run(corpus: Path | str, warehouse: Path, *execution: str) -> None:
    assert main(["run", "--input", str(corpus), "--warehouse", str(warehouse), "--shard-size", "20",
                 *execution]) == 0


@pytest.fixture(scope="module")
def single_process(corpus: Path, tmp_path_factory) -> dict:
    warehouse = tmp_path_factory.mktemp("single") / "warehouse"
    _run(corpus, warehouse, "--task-runner", "thread", "--workers", "1")
    return content_digests(warehouse)


def test_dask_local_cluster_with_two_worker_processes_gives_the_same_tables(corpus: Path, single_process: dict,
                                                                             tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    _run(corpus, warehouse, "--task-runner", "dask", "--workers", "2")
    assert content_digests(warehouse) == single_process
    assert single_process["documents"][0] == 65 and single_process["entities"][0] > 100
    entry = read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]
    assert entry["status"] == "completed" and set(entry["tasks"]["entities"]["executed"]) == {0, 1, 2, 3}


def test_process_pool_gives_the_same_tables(corpus: Path, single_process: dict, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    _run(corpus, warehouse, "--task-runner", "process", "--workers", "2")
    assert content_digests(warehouse) == single_process


def test_etl_run_forks_its_worker_with_the_models_loaded(corpus: Path, single_process: dict, tmp_path: Path) -> None:
    """`etl run` as users start it: the worker process is forked after the models are loaded, not spawned."""
    warehouse = tmp_path / "warehouse"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run([sys.executable, "-m", "etl", "run", "--input", str(corpus), "--warehouse", str(warehouse),
                           "--state-dir", str(tmp_path / "state"), "--shard-size", "20", "--task-runner", "process",
                           "--workers", "2"], env=dict(env, ETL_LOG_LEVEL="DEBUG"), capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert content_digests(warehouse) == single_process
    assert "forked 1 task worker process(es)" in done.stderr
    assert "goes to a worker process" in done.stderr and "starts in the flow process" in done.stderr
    # loaded once, before the fork: a spawned worker would load (and log) it again
    assert done.stderr.count("loaded fastText lid.176 lite model") == 1, done.stderr[-4000:]


@pytest.mark.parametrize("setting, backend", [(None, "system"), ("mimalloc", "mimalloc")])
def test_the_application_gives_arrow_the_system_allocator_unless_told_otherwise(setting, backend) -> None:
    """Every entry point imports etl_flows first: Arrow then allocates with malloc, which returns freed memory
    (its bundled mimalloc kept ~30 MB more per process); a setting in the environment wins."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if setting:
        env["ARROW_DEFAULT_MEMORY_POOL"] = setting
    done = subprocess.run([sys.executable, "-c", "import etl_flows, pyarrow as pa; "
                           "print(pa.default_memory_pool().backend_name)"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == backend


def test_no_fork_while_another_thread_runs() -> None:
    import threading

    from etl_flows import runners

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert runners.fork_workers(1) is False
        assert runners._forked is None
    finally:
        stop.set()
        other.join()


def test_dask_cluster_at_an_address(corpus: Path, single_process: dict, tmp_path: Path) -> None:
    """A scheduler and two workers started from the command line, as an operator would."""
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ}
    processes = [subprocess.Popen(dask + ["--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                                          "--scheduler-file", str(scheduler_file)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        import json
        import time

        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("w1", "w2"):
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--name", name,
                 "--dashboard-address", ":0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        warehouse = tmp_path / "warehouse"
        _run(corpus, warehouse, "--task-runner", "dask", "--dask-address", address)
        assert content_digests(warehouse) == single_process
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def test_input_from_an_fsspec_url_publishes_what_the_same_folder_does(corpus: Path, single_process: dict,
                                                                      tmp_path: Path) -> None:
    """An object store stands in for a shared input location: fsspec's memory filesystem (one process)."""
    import fsspec

    memory = fsspec.filesystem("memory")
    for path in sorted(corpus.rglob("*")):
        if path.is_file():
            memory.pipe(f"/scaleout-input/{path.relative_to(corpus).as_posix()}", path.read_bytes())
    try:
        warehouse = tmp_path / "warehouse"
        _run("memory://scaleout-input", warehouse, "--task-runner", "thread", "--workers", "1")
        digests = content_digests(warehouse)
        assert digests == single_process
        documents_paths = read_table(warehouse, "documents", ["source_path"])["source_path"]
        assert "seeds/000_05cf54e97c6ddfc7.txt" in set(documents_paths)  # relative to the URL, as for a folder
        # a changed object is read again, an unchanged store is "nothing changed"
        assert main(["run", "--input", "memory://scaleout-input", "--warehouse", str(warehouse), "--shard-size",
                     "20"]) == 0
        assert read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]["status"] == "unchanged"
        memory.pipe("/scaleout-input/seeds/new.txt", (SEEDS / "001_f3ea0096d1b18764.txt").read_bytes() + "\nP.S.".encode())
        # Dask's worker processes do not share this process's memory filesystem: to them every object is
        # missing, as in an outage of a real store; that quarantines the files as unreadable and unpublishes
        # nothing (the process runner would not do: the flow's own process runs some of the tasks)
        _run("memory://scaleout-input", warehouse, "--task-runner", "dask", "--workers", "2")
        assert content_digests(warehouse)["documents"] == digests["documents"]
        assert set(read_table(warehouse, "quarantine")["reason"]) == {"unreadable"}
        _run("memory://scaleout-input", warehouse, "--task-runner", "thread")
        assert len(read_table(warehouse, "documents")) == digests["documents"][0] + 1
    finally:
        memory.rm("/scaleout-input", recursive=True)
