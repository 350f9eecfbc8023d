"""Warehouse snapshots: atomic swap, hard-linked history, idempotent quarantine."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

import etl.publish as publish
from etl.publish import current_snapshot, new_quarantine_rows, publish_snapshot, read_table


def _runs(run_id: str) -> pd.DataFrame:
    return pd.DataFrame([{"run_id": run_id, "flow_run_id": None, "started_at": pd.Timestamp.now(tz="UTC"),
                          "finished_at": pd.Timestamp.now(tz="UTC"), "status": "completed", "files_seen": 1,
                          "published": 1, "quarantined": 0, "skipped_unchanged": 0, "parameters": "{}"}])


def test_snapshots_accumulate_and_links_point_at_current(warehouse: Path) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _runs("r1")})
    first = current_snapshot(warehouse)
    publish_snapshot(warehouse, "r2", {"runs": _runs("r2")})
    second = current_snapshot(warehouse)
    assert first != second
    assert sorted(read_table(warehouse, "runs")["run_id"]) == ["r1", "r2"]
    assert sorted(pd.read_parquet(warehouse / "runs")["run_id"]) == ["r1", "r2"]
    assert os.readlink(warehouse / "runs") == ".current/runs"
    # the first run's part is shared by hard link, not copied
    part = second / "runs" / "part-r1.parquet"
    assert first.exists() and part.stat().st_nlink >= 2


def test_crash_before_swap_leaves_previous_snapshot(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    publish_snapshot(warehouse, "r1", {"runs": _runs("r1")})
    before = read_table(warehouse, "runs")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(publish, "_swap_link", crash)
    with pytest.raises(OSError):
        publish_snapshot(warehouse, "r2", {"runs": _runs("r2")})
    monkeypatch.undo()
    pd.testing.assert_frame_equal(read_table(warehouse, "runs"), before)
    # the next run cleans the leftovers and completes
    publish_snapshot(warehouse, "r3", {"runs": _runs("r3")})
    assert sorted(read_table(warehouse, "runs")["run_id"]) == ["r1", "r3"]
    leftovers = [p.name for p in (warehouse / ".snapshots").iterdir() if p.name.startswith("tmp-")]
    assert leftovers == []


def test_quarantine_rows_are_not_repeated() -> None:
    row = {"source_path": "empty.txt", "doc_id": None, "stage": "ingest", "reason": "empty",
           "detail": "the file is empty", "raw_sha256": None}
    other = dict(row, source_path="other.txt")
    existing = pd.DataFrame([row])
    fresh = new_quarantine_rows(pd.DataFrame([row, other, other]), existing)
    assert list(fresh["source_path"]) == ["other.txt"]


def test_schema_version_in_parquet_metadata(warehouse: Path) -> None:
    import pyarrow.parquet as pq

    snapshot = publish_snapshot(warehouse, "r1", {"runs": _runs("r1")})
    metadata = pq.read_schema(snapshot / "runs" / "part-r1.parquet").metadata
    assert metadata[b"etl.schema_version"]
