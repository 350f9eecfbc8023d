"""Quality gates: Great Expectations suites loaded from JSON, each expectation with a severity.

`block`: the stage's output is unusable; the caller stops the stage and everything after it.
`quarantine`: the rows that fail move to the quarantine table with the expectation's name as reason.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import json
import logging
import os
import re
import sys
import threading
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape as html_escape
from pathlib import Path

import pandas as pd

from etl.ingest import quarantine_frame, quarantine_row

log = logging.getLogger(__name__)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


class DeferredModule(types.ModuleType):
    """Holds a module's place in sys.modules; the first read of an attribute imports the real module."""

    _lock = threading.RLock()

    def __getattr__(self, attribute: str):
        return getattr(self._real_module(), attribute)

    def _real_module(self) -> types.ModuleType:
        with self._lock:
            real = self.__dict__.get("_real")
            if real is None:
                if sys.modules.get(self.__name__) is self:
                    del sys.modules[self.__name__]
                real = self.__dict__["_real"] = importlib.import_module(self.__name__)
            return real


def defer_imports(*names: str) -> None:
    """Let `import name` succeed without loading `name` until it is used; installed modules only, once."""
    for name in names:
        if name in sys.modules or importlib.util.find_spec(name) is None:
            continue
        module = DeferredModule(name)
        # a spec that is not initializing: the import system hands the placeholder out as it is
        module.__spec__ = importlib.machinery.ModuleSpec(name, None)
        module.__package__ = name.rpartition(".")[0]
        sys.modules[name] = module


# Great Expectations imports scipy.stats and altair at start-up for expectations no suite here uses (distribution
# tests, KL-divergence charts): 80 MB in every process that gates, 160 MB across the flow and a worker.
defer_imports("scipy.stats", "altair")

SEVERITIES = ("block", "quarantine")
DQ_COLUMNS = [
    "run_id", "stage", "suite", "expectation", "severity", "success", "element_count", "unexpected_count",
    "observed", "checked_at",
]
# Unexpected rows kept in the stored result (Data Docs); the full list is used for quarantine only.
_STORED_UNEXPECTED = 20


class SuiteError(ValueError):
    """A suite file is invalid: unknown expectation type, missing severity, or a count mismatch."""


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


@dataclass(frozen=True)
class SuiteSpec:
    """A suite as loaded from expectations/<name>.json."""

    name: str
    stage: str
    row_id: str
    expectations: tuple[dict, ...]

    @property
    def fingerprint(self) -> str:
        """Changes whenever the suite's content changes (part of task cache keys)."""
        return json.dumps({"name": self.name, "expectations": list(self.expectations)}, sort_keys=True)


@dataclass
class GateResult:
    """What a gate lets through, what it quarantines, and one dq_results row per expectation."""

    passed: pd.DataFrame
    quarantined: pd.DataFrame
    dq_results: pd.DataFrame
    blocked_by: list[str] = field(default_factory=list)
    validation_json: dict | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.blocked_by)


def default_expectations_dir() -> Path:
    """expectations/ beside src/ in a checkout."""
    return Path(__file__).resolve().parents[2] / "expectations"


def load_suites(directory: Path) -> dict[str, SuiteSpec]:
    """Load every suite in `directory`, keyed by stage; raise SuiteError when GX would silently drop anything."""
    from great_expectations.core import ExpectationSuite

    suites: dict[str, SuiteSpec] = {}
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise SuiteError(f"no suite files in {directory}")
    for path in paths:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise SuiteError(f"{path.name}: not valid JSON: {error}") from error
        expectations = [_resolve_value_sets(e) for e in raw.get("expectations") or []]
        meta = raw.get("meta") or {}
        stage, row_id = meta.get("stage"), meta.get("row_id", "doc_id")
        if not stage:
            raise SuiteError(f"{path.name}: meta.stage is missing")
        for number, expectation in enumerate(expectations):
            severity = (expectation.get("meta") or {}).get("severity")
            if severity not in SEVERITIES:
                raise SuiteError(f"{path.name}: expectation {number} ({expectation.get('type')}) has severity {severity!r}; "
                                 f"use one of {SEVERITIES}")
            if not (expectation.get("meta") or {}).get("name"):
                raise SuiteError(f"{path.name}: expectation {number} ({expectation.get('type')}) has no meta.name")
        with _GX_LOCK:
            try:
                built = ExpectationSuite(name=raw.get("name", path.stem), expectations=[dict(e) for e in expectations])
            except Exception as error:  # GX raises its own error types for a bad configuration
                raise SuiteError(f"{path.name}: {error}") from error
        # GX logs and drops an expectation it cannot build (e.g. a misspelled type); count to catch it.
        if len(built.expectations) != len(expectations):
            raise SuiteError(f"{path.name}: {len(expectations)} expectations in the file, "
                             f"GX accepted {len(built.expectations)}; check the expectation types")
        if stage in suites:
            raise SuiteError(f"{path.name}: a second suite for stage {stage!r}")
        suites[stage] = SuiteSpec(raw.get("name", path.stem), stage, row_id, tuple(expectations))
        log.info("loaded suite %s for stage %s: %d expectations", path.name, stage, len(expectations))
    return suites


def _resolve_value_sets(expectation: dict) -> dict:
    """Fill `kwargs.value_set` from reference data named in `meta.value_set_from` (so the JSON holds no copy of ISO 3166)."""
    source = (expectation.get("meta") or {}).get("value_set_from")
    if not source:
        return expectation
    if source != "iso3166_alpha2":
        raise SuiteError(f"unknown meta.value_set_from {source!r}")
    import pycountry

    codes = sorted({country.alpha_2 for country in pycountry.countries} | {"XK"})  # Kosovo: user-assigned, widely used
    return {**expectation, "kwargs": {**expectation["kwargs"], "value_set": codes}}


_GX_LOCK = threading.RLock()
_GX_STATE: dict[str, object] = {}


def _new_context():
    """A fresh in-memory GX context, made the active project (gx.get_context would return a shared one)."""
    from great_expectations.data_context import EphemeralDataContext
    from great_expectations.data_context.data_context.context_factory import project_manager
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    context = EphemeralDataContext(project_config=DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults()))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    project_manager.set_project(context)
    return context


def _gx_batch(frame: pd.DataFrame):
    """A GX batch over `frame` in a process-wide ephemeral context (GX is not thread-safe: hold _GX_LOCK)."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    if "definition" not in _GX_STATE:
        context = _new_context()
        _GX_STATE["context"] = context
        source = context.data_sources.add_pandas("etl")
        _GX_STATE["definition"] = source.add_dataframe_asset("stage_output").add_batch_definition_whole_dataframe("all")
    project_manager.set_project(_GX_STATE["context"])  # a Data Docs build may have switched it
    return _GX_STATE["definition"].get_batch(batch_parameters={"dataframe": frame})  # type: ignore[attr-defined]


def run_gate(frame: pd.DataFrame, suite: SuiteSpec,
             source_paths: Mapping[str, str] | None = None) -> GateResult:
    """Validate `frame` against `suite`; split off rows failing `quarantine` expectations; report `block` failures.

    `source_paths` maps doc_id -> source_path so quarantined rows name their file.
    """
    from great_expectations.core import ExpectationSuite

    checked_at = datetime.now(timezone.utc)  # replaced at publish when served from cache
    source_paths = source_paths or {}
    frame = frame.reset_index(drop=True)
    with _GX_LOCK:
        # GX's pandas backend cannot hash python objects such as dates or lists: validate a view without them.
        batch = _gx_batch(_validation_view(frame))
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
        else:
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
    return GateResult(passed, quarantine_frame(quarantined), dq_frame(dq_rows), blocked_by, _stored_json(result))


def _validation_view(frame: pd.DataFrame) -> pd.DataFrame:
    view = frame.copy()
    for column in view.columns:
        if view[column].dtype == object:
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


def build_data_docs(validations: Iterable[tuple[str, dict]], suites: Iterable[SuiteSpec], out_dir: Path, run_id: str) -> None:
    """Render GX Data Docs for `validations` ((batch name, stored result JSON) pairs) into `out_dir`."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    with _GX_LOCK:
        context = _new_context()
        context.add_data_docs_site("local_site", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(out_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
        for suite in suites:
            context.suites.add(ExpectationSuite(name=suite.name, expectations=[dict(e) for e in suite.expectations]))
        for batch_name, stored in validations:
            loaded = expectationSuiteValidationResultSchema.load(stored)
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(loaded.suite_name),
                                             RunIdentifier(run_name=run_id), batch_name)
            context.validation_results_store.set(key, loaded)
        context.build_data_docs()
    make_docs_offline(out_dir, [(name, bool(stored.get("success"))) for name, stored in validations], run_id)


_OFFLINE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0;width:100%} td,th{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top}
th{background:#f2f2f2;text-align:left} .text-success{color:#1a7f37} .text-danger{color:#c62828}
.card{border:1px solid #ddd;border-radius:4px;margin:.75rem 0;padding:.5rem} .nav,.navbar{display:flex;gap:1rem;flex-wrap:wrap}
.fas,.fa{font-style:normal} .fa-check-circle:before{content:"\\2714"} .fa-times:before,.fa-times-circle:before{content:"\\2716"}
.collapse:not(.show){display:block} .d-none{display:none} code,pre{background:#f6f6f6;padding:0 .2rem}
"""
_EXTERNAL_TAG = re.compile(
    r'<link[^>]+href="https?://[^"]*"[^>]*>|<script[^>]+src="https?://[^"]*"[^>]*>\s*</script>'
    r'|<img[^>]+src="https?://[^"]*"[^>]*>', re.I)


def make_docs_offline(site: Path, validations: list[tuple[str, bool]], run_id: str) -> None:
    """Drop the CDN stylesheets and scripts GX links to, inline a small stylesheet, and write a static index.

    GX's own index renders its table with jQuery from a CDN, so offline it is empty; it is kept as gx_index.html.
    """
    if not site.is_dir():
        return
    for page in site.rglob("*.html"):
        html = _EXTERNAL_TAG.sub("", page.read_text(encoding="utf-8"))
        html = html.replace("</head>", f"<style>{_OFFLINE_CSS}</style></head>", 1)
        page.write_text(html, encoding="utf-8")
    if (site / "index.html").exists():
        os.replace(site / "index.html", site / "gx_index.html")
    rows = []
    for page in sorted(site.glob("validations/**/*.html")):
        batch = page.stem
        success = dict(validations).get(batch)
        status = "pass" if success else ("FAIL" if success is False else "?")
        rows.append(f'<tr><td class="{"text-success" if success else "text-danger"}">{status}</td>'
                    f'<td>{html_escape(page.parent.parent.parent.name)}</td>'
                    f'<td><a href="{html_escape(page.relative_to(site).as_posix())}">{html_escape(batch)}</a></td></tr>')
    suites = "".join(f'<li><a href="{html_escape(p.relative_to(site).as_posix())}">{html_escape(p.stem)}</a></li>'
                     for p in sorted(site.glob("expectations/**/*.html")))
    (site / "index.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Data quality, run {html_escape(run_id)}</title>"
        f"<style>{_OFFLINE_CSS}</style></head><body><h1>Data quality of run {html_escape(run_id)}</h1>"
        f"<h2>Validations</h2><table><tr><th>status</th><th>suite</th><th>batch (stage-shard)</th></tr>{''.join(rows)}</table>"
        f"<h2>Expectation suites</h2><ul>{suites}</ul><p><a href='gx_index.html'>GX index (needs network)</a></p>"
        "</body></html>", encoding="utf-8")


# Columns added only for the gates to check; dropped before publish.
CHECK_COLUMNS = ("row_key", "offset_ok", "country_code")


def with_entity_check_columns(entities: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Entities plus row_key (the quarantine row id), offset_ok and country_code (the ISO check's input)."""
    looks_like_country = (entities["entity_type"] == "LOC") & entities["canonical_id"].str.fullmatch(
        r"[A-Z]{2}").fillna(False).astype(bool)
    entities = entities.assign(
        row_key=entities["doc_id"] + ":" + entities["start"].astype(str) + ":" + entities["end"].astype(str)
        + ":" + entities["entity_type"],
        country_code=entities["canonical_id"].where(looks_like_country, None))
    return mark_offsets(entities, documents, "text")


def with_fact_check_columns(facts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Facts plus offset_ok (the figure's offsets lie inside its evidence sentence in the body)."""
    return mark_offsets(facts, documents, None)


def mark_offsets(rows: pd.DataFrame, documents: pd.DataFrame, expected_column: str | None) -> pd.DataFrame:
    """Add `offset_ok`: body[start:end] is non-empty and equals rows[expected_column] (or lies in `evidence` when None).

    The check a suite gates on with severity block; offsets that do not point into the body make every
    downstream join wrong.
    """
    bodies = dict(zip(documents["doc_id"], documents["body"]))
    marks = []
    for row in rows.itertuples(index=False):
        body = bodies.get(row.doc_id)
        start, end = int(row.start), int(row.end)
        piece = body[start:end] if isinstance(body, str) and 0 <= start < end <= len(body) else None
        if piece is None:
            marks.append(False)
        elif expected_column is None:
            marks.append(piece in (row.evidence or ""))
        else:
            marks.append(piece == getattr(row, expected_column))
    return rows.assign(offset_ok=pd.Series(marks, index=rows.index, dtype="bool"))


def consistency_dq_rows(checks: Iterable[Mapping]) -> pd.DataFrame:
    """dq_results rows for breakdown/total consistency checks: recorded (severity `record`), never gating or fixing."""
    now = datetime.now(timezone.utc)
    rows = [{
        "run_id": None, "stage": "facts", "suite": "consistency", "expectation": f"{check['kind']}_consistency",
        "severity": "record", "success": bool(check["success"]), "element_count": 1,
        "unexpected_count": 0 if check["success"] else 1,
        "observed": f"doc {str(check.get('doc_id'))[:12]} fact {check.get('fact_id')}: expected {check.get('expected')}, "
                    f"observed {check.get('observed')}",
        "checked_at": now,
    } for check in checks]
    return dq_frame(rows)
