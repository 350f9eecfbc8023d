"""Warehouse snapshots: atomic swap, hard-linked history, idempotent quarantine."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from etl import schemas
from etl.run.publish import new_quarantine_rows
from etl.warehouse import snapshots
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import current_snapshot, read_table


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

    monkeypatch.setattr(snapshots, "_swap_link", crash)
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


def _value_by_value(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    return pa.array(schemas._plain(values, arrow_type), type=arrow_type, from_pandas=True)


@pytest.mark.parametrize("values, arrow_type", [
    (pd.Series(["Жусан", None, "Aikol"], dtype="str"), "string"),
    (pd.Series(["Мээрим", None, float("nan")], dtype=object), "string"),
    (pd.Series([1, "two", None], dtype=object), "string"),  # mixed: each value through str()
    (pd.Series([700, 460], dtype="int64"), "string"),  # numbers into a text column: str() of each
    (pd.Series([True, None], dtype=object), "string"),
    (pd.Series([145.0, float("nan"), 315.0]), "int64"),
    (pd.Series([145, None, 315], dtype="Int64"), "int32"),
    (pd.Series([1.5, 2.0]), "int64"),  # fractional: the cast refuses, value by value truncates (as it always did)
    (pd.Series([1, 2], dtype="int64"), "float64"),
    (pd.Series([0.5, None], dtype=object), "float64"),
    (pd.Series([True, None, False], dtype="boolean"), "bool"),
    (pd.Series([None, None], dtype=object), "string"),
    (pd.Series([], dtype="str"), "string"),
])
def test_columns_convert_as_value_by_value(values: pd.Series, arrow_type: str) -> None:
    """The one-call conversion gives exactly what converting value by value gives (or leaves it to that path)."""
    arrow_type = pa.type_for_alias(arrow_type)
    converted = schemas._column(values, arrow_type)
    assert converted.type == arrow_type
    assert converted.equals(_value_by_value(values, arrow_type))
