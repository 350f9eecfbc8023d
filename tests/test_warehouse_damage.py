"""A damaged warehouse on real files: a dangling `.current`, deleted, truncated and overwritten parts, a cut journal
line, read-only folders, a full disk and schema drift. Each is made for real, then `etl` must notice, say it in
one line, never lose or duplicate rows, and `etl repair` must give back what a fresh warehouse holds."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import SEEDS

from etl import schemas
from etl.config import RunParameters
from etl.run.journal import JOURNAL, last_failed_run, read_journal, record_run
from etl.run.repair import repair_warehouse
from etl.warehouse.manifest import SchemaDrift, read_manifest, snapshot_sequence
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import CURRENT, SNAPSHOTS, complete_snapshots, current_snapshot, read_table
from etl_flows.cli import main

# Another text than the seeds: a new file for a later run.
NEW_ARTICLE = ("Uzbekistan brings home 25 women and children from camps in Syria\n\n"
               "Tashkent. 12 March 2024. Uzbekistan repatriated 25 women and children from the Al-Hol camp in "
               "Syria as part of the humanitarian operation Mehr, the Ministry of Foreign Affairs said.")


def _run(*args: str) -> int:
    return main(["run", *args])


def _copy_seeds(target: Path, names: list[str]) -> Path:
    target.mkdir(parents=True)
    for name in names:
        shutil.copy(SEEDS / name, target / name)
    return target


def _row_counts(warehouse: Path) -> dict[str, int]:
    return {table: len(read_table(warehouse, table)) for table in sorted(schemas.TABLES)
            if table not in ("quarantine", "dq_results", "runs")}


def _part(warehouse: Path, table: str) -> Path:
    return min((current_snapshot(warehouse) / table).glob("*.parquet"))


def _runs_frame(run_id: str) -> pd.DataFrame:
    now = pd.Timestamp.now(tz="UTC")
    return pd.DataFrame([{"run_id": run_id, "flow_run_id": None, "started_at": now, "finished_at": now,
                          "status": "completed", "files_seen": 1, "published": 1, "quarantined": 0,
                          "skipped_unchanged": 0, "parameters": "{}"}])


# --- 1. a broken `.current` ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _warnings_of(logger_name: str) -> Iterator[list[str]]:
    """The messages `logger_name` logs at WARNING or above while the body runs (Prefect may stop propagation)."""
    messages: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = _Collect(logging.WARNING)
    logging.getLogger(logger_name).addHandler(handler)
    try:
        yield messages
    finally:
        logging.getLogger(logger_name).removeHandler(handler)


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_dangling_current_loses_no_rows(tmp_path: Path, capsys) -> None:
    warehouse, names = tmp_path / "warehouse", sorted(p.name for p in SEEDS.iterdir())
    first, second = _copy_seeds(tmp_path / "a", names[:3]), _copy_seeds(tmp_path / "b", names[3:])
    assert _run("--input", str(first), "--warehouse", str(warehouse)) == 0
    assert _run("--input", str(second), "--warehouse", str(warehouse)) == 0
    published = set(read_table(warehouse, "documents")["source_path"])
    assert len(published) == 5
    # The crash drill: `.current` points at a snapshot that is not there.
    os.unlink(warehouse / CURRENT)
    os.symlink(Path(SNAPSHOTS) / "20991231T000000Z-gone", warehouse / CURRENT)

    capsys.readouterr()
    with _warnings_of("etl.warehouse") as warnings:
        assert main(["query", "--warehouse", str(warehouse), "select count(*) as n from runs", "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "2"]
    assert len(warnings) == 1 and "20991231T000000Z-gone, which is missing" in warnings[0]
    assert "newest complete snapshot" in warnings[0]
    assert main(["verify", "--warehouse", str(warehouse)]) == 1
    assert "which is missing" in capsys.readouterr().out
    assert main(["status", "--warehouse", str(warehouse)]) == 1
    assert "damaged: " in capsys.readouterr().out

    # The next runs build on that snapshot: nothing is lost, garbage collection included.
    third = tmp_path / "c"
    third.mkdir()
    (third / "uz.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    assert _run("--input", str(third), "--warehouse", str(warehouse)) == 0
    (third / "uz2.txt").write_text(NEW_ARTICLE.replace("25", "31"), encoding="utf-8")
    assert _run("--input", str(third), "--warehouse", str(warehouse)) == 0
    documents = read_table(warehouse, "documents")
    assert set(documents["source_path"]) == published | {"uz.txt", "uz2.txt"}
    assert len(read_table(warehouse, "runs")) == 4
    assert os.readlink(warehouse / CURRENT) == f"{SNAPSHOTS}/{current_snapshot(warehouse).name}"


def test_garbage_collection_keeps_the_newest_snapshots_by_sequence_not_mtime(warehouse: Path) -> None:
    for number in range(1, 4):
        publish_snapshot(warehouse, f"r{number}", {"runs": _runs_frame(f"r{number}")})
    oldest = warehouse / SNAPSHOTS / "r2"
    os.utime(oldest, (4_000_000_000, 4_000_000_000))  # an old snapshot touched (a backup tool, a copy)
    publish_snapshot(warehouse, "r4", {"runs": _runs_frame("r4")})
    assert [p.name for p in complete_snapshots(warehouse)] == ["r4", "r3"]
    assert [snapshot_sequence(p) for p in complete_snapshots(warehouse)] == [4, 3]


# --- 6 and 7. damaged parts, verify, repair -----------------------------------------------------------------


@pytest.fixture(scope="module")
def fresh_counts(tmp_path_factory, prefect_server) -> dict[str, int]:
    """Row counts of a warehouse built once from the seeds, three shards: what a repair must give back."""
    root = tmp_path_factory.mktemp("fresh")
    assert _run("--input", str(SEEDS), "--warehouse", str(root / "warehouse"), "--state-dir", str(root / "state"),
                "--shard-size", "2", "--workers", "1") == 0
    return _row_counts(root / "warehouse")


def _delete(part: Path) -> None:
    part.unlink()


def _truncate(part: Path) -> None:
    os.truncate(part, part.stat().st_size // 2)


def _overwrite_keeping_size_and_mtime(part: Path) -> None:
    stat = part.stat()
    data = bytearray(part.read_bytes())
    data[len(data) // 3: len(data) // 3 + 64] = bytes(64)  # a zeroed block in the middle, as a bad sector
    part.write_bytes(bytes(data))
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.slow
@pytest.mark.parametrize("table, damage, fast_path_sees_it", [
    ("documents", _delete, True),
    ("entities", _truncate, True),
    ("facts", _overwrite_keeping_size_and_mtime, False),  # only the checksums of `etl verify` see this one
    ("stories", _truncate, True),  # computed over the whole warehouse: the run after the repair computes it again
    ("event_mentions", _truncate, True),  # nested columns (lists of structs) through the repair's rewrite
])
def test_damaged_part_is_found_and_repaired(tmp_path: Path, fresh_counts: dict[str, int], capsys, table: str,
                                            damage, fast_path_sees_it: bool) -> None:
    warehouse = tmp_path / "warehouse"
    flags = ["--input", str(SEEDS), "--warehouse", str(warehouse), "--shard-size", "2", "--workers", "1"]
    assert _run(*flags) == 0
    previous = current_snapshot(warehouse)
    assert _run(*flags, "--force") == 0  # a second snapshot sharing the parts by hard link
    part = _part(warehouse, table)
    shared = previous / table / part.name
    assert shared.stat().st_ino == part.stat().st_ino
    damage(part)
    capsys.readouterr()

    assert main(["verify", "--warehouse", str(warehouse)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"damaged: {table}/{part.name}: ") and "etl repair" in lines[-1]
    # A query that does not need the damaged table still works, and the damaged one is named in one line.
    assert main(["query", "--warehouse", str(warehouse), "select count(*) from runs", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["count_star()", "2"]
    if fast_path_sees_it:
        assert f"table {table} is damaged" in captured.err
        assert main(["report", "--warehouse", str(warehouse)]) == 1
        assert main(["query", "--warehouse", str(warehouse), f"select count(*) from {table}"]) == 1
        assert captured.err.count("\n") == 1 and f"table {table} is damaged" in capsys.readouterr().err
        # A run neither skips the lost rows as unchanged nor appends duplicates: it stops, naming the part.
        new_input = _copy_seeds(tmp_path / "input", [p.name for p in SEEDS.iterdir()])
        (new_input / "uz.txt").write_text(NEW_ARTICLE, encoding="utf-8")
        assert _run("--input", str(new_input), "--warehouse", str(warehouse), "--shard-size", "2") == 1
        out = capsys.readouterr().out
        assert out.count("\n") == 1 and part.name in out and "etl repair" in out
        assert read_journal(Path(os.environ["ETL_STATE_DIR"]))[-1]["status"] == "failed"

    assert main(["repair", *flags]) == 0
    out = capsys.readouterr().out
    assert f"repair: damaged {table}/{part.name}" in out and "completed" in out
    assert _row_counts(warehouse) == fresh_counts
    entities = read_table(warehouse, "entities")
    assert not entities.duplicated(["doc_id", "start", "end", "entity_type"]).any()
    assert not read_table(warehouse, "facts")["fact_id"].duplicated().any()
    assert main(["verify", "--warehouse", str(warehouse)]) == 0
    assert _run(*flags) == 0 and "nothing changed" in capsys.readouterr().out


def test_damaged_history_part_is_counted_as_lost(warehouse: Path) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1")})
    publish_snapshot(warehouse, "r2", {"runs": _runs_frame("r2")})
    _truncate(current_snapshot(warehouse) / "runs" / "part-r1.parquet")
    report = repair_warehouse(warehouse, set(), "r3-repair")
    assert report.lost_rows == {"runs": 1}
    assert list(read_table(warehouse, "runs")["run_id"]) == ["r2"]


# --- 8. a journal line cut by a crash -----------------------------------------------------------------------


def test_cut_journal_line_does_not_swallow_the_next_attempt(tmp_path: Path, caplog) -> None:
    state = tmp_path / "state"
    parameters = RunParameters(input_dir=str(SEEDS), warehouse_dir=str(tmp_path / "warehouse"), shard_size=2,
                               max_bytes=1000, expectations_dir=None, state_dir=str(state))
    record_run(state, parameters, "completed", {"run_id": "r1"}, None)
    record_run(state, parameters, "completed", {"run_id": "r2"}, None)
    journal = state / JOURNAL
    os.truncate(journal, journal.stat().st_size - 40)  # the crash: r2's line is cut, with no newline
    record_run(state, parameters, "failed", {"run_id": "r3"}, "stage failed")
    assert journal.read_bytes().count(b"\n") == 3
    caplog.clear()
    assert [e["run_id"] for e in read_journal(state)] == ["r1", "r3"]
    assert any("line 2 is cut" in r.message for r in caplog.records)
    assert last_failed_run(state)["run_id"] == "r3"

    # A journal written before the fix: the attempt glued to the fragment is still found.
    glued = tmp_path / "old"
    glued.mkdir()
    lines = journal.read_text(encoding="utf-8").splitlines()
    (glued / JOURNAL).write_text(lines[0] + "\n" + lines[1] + lines[2] + "\n", encoding="utf-8")
    assert [e["run_id"] for e in read_journal(glued)] == ["r1", "r3"]


# --- 9. read-only folders and a full disk -------------------------------------------------------------------


@contextlib.contextmanager
def _small_filesystem(folder: Path, size: str, read_only: bool = False) -> Iterator[None]:
    """A real tmpfs of `size` on `folder` (remounted read-only after the body's first step when asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                      capture_output=True, check=False).returncode != 0:
        pytest.skip("needs a real small or read-only filesystem: mounting a tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@contextlib.contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """Make `folder` (and what is in it) read-only for real: chmod for a user, a read-only remount for root.

    Root ignores permission bits, so as root the folder's content is moved onto a tmpfs remounted read-only
    (writes then fail with EROFS, as on a read-only volume).
    """
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        modes = {path: path.stat().st_mode for path in [folder, *folder.rglob("*")] if not path.is_symlink()}
        for path, mode in modes.items():
            path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    saved = folder.with_name(folder.name + ".saved")
    folder.rename(saved)
    with _small_filesystem(folder, "8m"):
        shutil.copytree(saved, folder, symlinks=True, dirs_exist_ok=True)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        yield


def test_read_only_warehouse_is_one_line_and_journaled(tmp_path: Path, capfd) -> None:
    warehouse = tmp_path / "warehouse"
    publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1")})
    state = Path(os.environ["ETL_STATE_DIR"])
    with _read_only(warehouse):
        capfd.readouterr()  # what setting up the warehouse logged
        assert _run("--input", str(SEEDS), "--warehouse", str(warehouse)) == 1
        out, err = capfd.readouterr()
        assert out.count("\n") == 1 and out.startswith(f"error: cannot write to the warehouse {warehouse}")
        assert "make it writable" in out and "Traceback" not in err
        assert read_journal(state)[-1]["status"] == "failed"
        # Reading still works.
        assert main(["query", "--warehouse", str(warehouse), "select run_id from runs", "--format", "csv"]) == 0
        assert capfd.readouterr().out.splitlines() == ["run_id", "r1"]


def test_read_only_state_folder_is_one_line(tmp_path: Path, capfd) -> None:
    state = tmp_path / "state"
    state.mkdir()
    with _read_only(state):
        capfd.readouterr()
        assert _run("--input", str(SEEDS), "--warehouse", str(tmp_path / "warehouse"), "--state-dir", str(state)) == 1
        out, err = capfd.readouterr()
        assert out.count("\n") == 1 and out.startswith(f"error: cannot write to the state folder {state}")
        assert "--state-dir" in out and err == ""


def test_publish_on_a_full_disk_leaves_no_temporary_snapshot(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse"
    with _small_filesystem(warehouse, "2m"):
        publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1")})
        before = current_snapshot(warehouse)
        big = pd.concat([_runs_frame(f"r2-{n}").assign(parameters=os.urandom(2000).hex()) for n in range(1200)])
        with pytest.raises(OSError):
            publish_snapshot(warehouse, "r2", {"runs": big})
        assert [p.name for p in (warehouse / SNAPSHOTS).iterdir()] == [before.name]
        assert current_snapshot(warehouse) == before and list(read_table(warehouse, "runs")["run_id"]) == ["r1"]


# --- 10. schema drift ---------------------------------------------------------------------------------------


@pytest.fixture
def changed_runs_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code after a column's type changed (runs.files_seen int64 -> string) and a new table was added."""
    runs = schemas.TABLES["runs"]
    changed = runs.set(runs.get_field_index("files_seen"), pa.field("files_seen", pa.string()))
    monkeypatch.setitem(schemas.TABLES, "runs", changed)
    monkeypatch.setitem(schemas.TABLES, "new_things", pa.schema([("doc_id", pa.string()), ("thing", pa.string())]))
    monkeypatch.setattr(schemas, "SCHEMA_VERSION", "2")


def test_schema_drift_stops_with_one_line_and_repair_migrates(tmp_path: Path, monkeypatch, capsys, request) -> None:
    warehouse = tmp_path / "warehouse"
    publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1"), "documents": pd.DataFrame()})
    request.getfixturevalue("changed_runs_schema")
    with pytest.raises(SchemaDrift, match=r"runs: files_seen int64 -> string"):
        publish_snapshot(warehouse, "r2", {"runs": _runs_frame("r2")})
    with pytest.raises(SchemaDrift):
        read_table(warehouse, "runs")
    assert _run("--input", str(SEEDS), "--warehouse", str(warehouse)) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "files_seen int64 -> string" in out and "etl repair" in out
    assert main(["verify", "--warehouse", str(warehouse)]) == 1

    report = repair_warehouse(warehouse, set(), "r2-repair")
    assert set(report.migrated) == {"runs"}
    publish_snapshot(warehouse, "r3", {"runs": _runs_frame("r3")})
    runs = read_table(warehouse, "runs")
    assert list(runs["run_id"]) == ["r1", "r3"] and list(runs["files_seen"]) == ["1", "1"]
    manifest = read_manifest(current_snapshot(warehouse))
    assert len({entry["schema"] for name, entry in manifest["parts"].items() if name.startswith("runs/")}) == 1


def test_manifest_lists_every_part_with_size_checksum_and_rows(warehouse: Path) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1")})
    snapshot = current_snapshot(warehouse)
    manifest = json.loads((snapshot / "_manifest.json").read_text(encoding="utf-8"))
    entry = manifest["parts"]["runs/part-r1.parquet"]
    assert entry["size"] == (snapshot / "runs" / "part-r1.parquet").stat().st_size and entry["rows"] == 1
    assert len(entry["sha256"]) == 64 and manifest["sequence"] == 1
    assert manifest["schemas"][entry["schema"]]["schema_version"] == schemas.SCHEMA_VERSION


def test_snapshot_from_before_manifests_gets_one_and_keeps_its_rows(warehouse: Path) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _runs_frame("r1")})
    (current_snapshot(warehouse) / "_manifest.json").unlink()  # as written by the code before manifests
    publish_snapshot(warehouse, "r2", {"runs": _runs_frame("r2")})
    manifest = read_manifest(current_snapshot(warehouse))
    assert sorted(manifest["parts"]) == ["runs/part-r1.parquet", "runs/part-r2.parquet"]
    assert manifest["sequence"] == 1 and list(read_table(warehouse, "runs")["run_id"]) == ["r1", "r2"]
