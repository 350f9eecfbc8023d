"""Running a suite over a stage's output: a gate result, dq rows, and the rows to quarantine."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pandas as pd

from etl.quality.gx import GX_LOCK, gx_batch, load_great_expectations
from etl.quality.suites import SuiteSpec
from etl.quarantine import quarantine_frame, quarantine_row

log = logging.getLogger(__name__)
DQ_COLUMNS = [
    "run_id", "stage", "suite", "expectation", "severity", "success", "element_count", "unexpected_count",
    "observed", "checked_at",
]
# Unexpected rows kept in the stored result (Data Docs); the full list is used for quarantine only.
_STORED_UNEXPECTED = 20


class GateBlocked(RuntimeError):
    """A `block` expectation failed: the stage's output must not be used. Carries the gate's dq rows as dicts."""

    def __init__(self, message: str, dq_rows: list[dict] | None = None) -> None:
        # Both in args, so the rows survive pickling between processes and Prefect's result store.
        super().__init__(message, dq_rows or [])

    def __str__(self) -> str:
        return str(self.args[0])

    @property
    def dq_rows(self) -> list[dict]:
        return list(self.args[1]) if len(self.args) > 1 else []


@dataclass
class GateResult:
    """What a gate lets through, what it quarantines, and one dq_results row per expectation.

    `validation` is GX's validation result; `validation_json` its JSON for Data Docs, made when first asked for
    (most shards' passing results are never kept, and the conversion costs about a tenth of a gate).
    """

    passed: pd.DataFrame
    quarantined: pd.DataFrame
    dq_results: pd.DataFrame
    blocked_by: list[str] = field(default_factory=list)
    validation: object | None = field(default=None, repr=False)
    _validation_json: dict | None = field(default=None, init=False, repr=False)

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)

    @property
    def success(self) -> bool:
        """Whether every expectation passed (True when nothing was validated)."""
        return bool(getattr(self.validation, "success", True))

    @property
    def validation_json(self) -> dict | None:
        if self._validation_json is None and self.validation is not None:
            with GX_LOCK:
                self._validation_json = _stored_json(self.validation)
        return self._validation_json


def run_gate(frame: pd.DataFrame, suite: SuiteSpec,
             source_paths: Mapping[str, str] | None = None) -> GateResult:
    """Validate `frame` against `suite`; split off rows failing `quarantine` expectations; report `block` failures.

    A failed `record` expectation is only reported in the dq rows.

    `source_paths` maps doc_id -> source_path so quarantined rows name their file.
    """
    load_great_expectations()
    from great_expectations.core import ExpectationSuite

    checked_at = datetime.now(timezone.utc)  # replaced at publish when served from cache
    source_paths = source_paths or {}
    frame = frame.reset_index(drop=True)
    with GX_LOCK:
        batch = gx_batch(_validation_view(frame, suite))
        gx_suite = ExpectationSuite(name=suite.name, expectations=[dict(e) for e in suite.expectations])
        result = batch.validate(
            gx_suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [suite.row_id]})
    dq_rows: list[dict] = []
    failing_ids: dict[object, list[str]] = {}
    blocked_by: list[str] = []
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        name, severity = meta["name"], meta["severity"]
        details = item.result or {}
        if item.exception_info and item.exception_info.get("raised_exception"):
            # An expectation that cannot even be evaluated is a broken gate: block.
            blocked_by.append(f"{name}: {item.exception_info.get('exception_message')}")
            dq_rows.append(_dq_row(suite, name, severity, False, len(frame), None, "error", checked_at))
            continue
        dq_rows.append(_dq_row(suite, name, severity, bool(item.success), details.get("element_count", len(frame)),
                               details.get("unexpected_count"), _observed(details), checked_at))
        if item.success:
            continue
        if severity == "block":
            blocked_by.append(f"{name} ({config.type}): {_observed(details)}")
        elif severity == "quarantine":
            for entry in details.get("unexpected_index_list") or []:
                row_key = entry.get(suite.row_id) if isinstance(entry, dict) else entry
                failing_ids.setdefault(row_key, []).append(name)
    quarantined = []
    if failing_ids and not blocked_by:
        id_column = frame[suite.row_id]
        for row_key, names in failing_ids.items():
            matches = frame[id_column == row_key]
            for _, row in matches.iterrows():
                doc_id = row.get("doc_id")
                detail = _detail(suite, names, row)
                quarantined.append(quarantine_row(source_paths.get(doc_id, row.get("source_path")), doc_id, suite.stage,
                                                  names[0], detail, row.get("content_sha256")))
        passed = frame[~id_column.isin(list(failing_ids))].reset_index(drop=True)
    else:
        passed = frame
    for reason in blocked_by:
        log.error("gate %s blocked: %s", suite.name, reason)
    for row in quarantined:
        log.warning("gate %s quarantined %s: %s", suite.name, row["source_path"], row["detail"])
    return GateResult(passed, quarantine_frame(quarantined), dq_frame(dq_rows), blocked_by, result)


# Expectations on the table as a whole that read only its shape (column names, row count), never a value.
_SHAPE_EXPECTATIONS = frozenset({
    "expect_table_columns_to_match_set", "expect_table_columns_to_match_ordered_list",
    "expect_table_column_count_to_equal", "expect_table_column_count_to_be_between",
    "expect_table_row_count_to_equal", "expect_table_row_count_to_be_between",
})


def _columns_read(suite: SuiteSpec) -> frozenset[str] | None:
    """The columns whose values `suite` reads (its row id included); None when an expectation may read any."""
    columns = {suite.row_id}
    for expectation in suite.expectations:
        kwargs = expectation.get("kwargs") or {}
        if expectation.get("type") in _SHAPE_EXPECTATIONS and "row_condition" not in kwargs:
            continue
        if not expectation.get("type", "").startswith("expect_column_") or "row_condition" in kwargs \
                or not isinstance(kwargs.get("column"), str):
            return None
        columns.add(kwargs["column"])
    return frozenset(columns)


def _validation_view(frame: pd.DataFrame, suite: SuiteSpec) -> pd.DataFrame:
    """What GX validates: `frame` with the columns the suite never reads emptied, python objects as strings.

    Every column keeps its name and place (a shape expectation sees the table as it is), but GX fingerprints
    each batch by hashing all its values, twice per validation: long texts it never reads cost most of a gate.
    GX's pandas backend cannot hash python objects such as dates or lists: those become strings.
    """
    read = _columns_read(suite)
    view = frame.copy(deep=False) if read is not None else frame.copy()
    for column in view.columns:
        if read is not None and column not in read:
            view[column] = pd.Series([None] * len(view), index=view.index, dtype=object)
        elif view[column].dtype == object:
            sample = view[column].dropna()
            if len(sample) and not isinstance(sample.iloc[0], str):
                view[column] = view[column].map(lambda value: None if value is None or value is pd.NA else str(value))
    return view


def _detail(suite: SuiteSpec, names: list[str], row: pd.Series) -> str:
    checks = ", ".join(sorted(set(names)))
    if suite.row_id == "doc_id":
        return f"the document failed the {suite.stage} check(s) {checks}"
    return f"{suite.row_id} {row[suite.row_id]} failed the {suite.stage} check(s) {checks}"


def _observed(details: Mapping) -> str:
    if "observed_value" in details:
        return json.dumps(details["observed_value"], default=str, ensure_ascii=False)[:500]
    if details.get("unexpected_count"):
        sample = details.get("partial_unexpected_list") or []
        return (f"{details['unexpected_count']} unexpected of {details.get('element_count')}; e.g. "
                + json.dumps(sample[:3], default=str, ensure_ascii=False))[:500]
    return ""


def _dq_row(suite: SuiteSpec, name: str, severity: str, success: bool, element_count: int | None,
            unexpected_count: int | None, observed: str, checked_at: datetime) -> dict:
    return {
        "run_id": None, "stage": suite.stage, "suite": suite.name, "expectation": name, "severity": severity,
        "success": success, "element_count": element_count, "unexpected_count": unexpected_count,
        "observed": observed, "checked_at": checked_at,
    }


def dq_frame(rows: Iterable[Mapping]) -> pd.DataFrame:
    """dq_results rows as a DataFrame with DQ_COLUMNS (also when empty)."""
    frame = pd.DataFrame(list(rows), columns=DQ_COLUMNS)
    frame["success"] = frame["success"].astype("bool")
    frame["element_count"] = frame["element_count"].astype("Int64")
    frame["unexpected_count"] = frame["unexpected_count"].astype("Int64")
    frame["checked_at"] = pd.to_datetime(frame["checked_at"], utc=True)
    return frame


def _stored_json(result) -> dict:
    """The GX validation result as JSON, with unexpected lists cut short, for Data Docs."""
    data = result.to_json_dict()
    for item in data.get("results", []):
        details = item.get("result") or {}
        for key in ("unexpected_list", "unexpected_index_list", "partial_unexpected_list",
                    "partial_unexpected_index_list", "partial_unexpected_counts"):
            if isinstance(details.get(key), list):
                details[key] = details[key][:_STORED_UNEXPECTED]
        details.pop("unexpected_index_query", None)
    return data
