"""The stages' GX suites, loaded from JSON: each expectation named and given a severity.

`block`: the stage's output is unusable; the caller stops the stage and everything after it.
`quarantine`: the rows that fail move to the quarantine table with the expectation's name as reason.
`record`: a failure is recorded in dq_results and nothing else happens (e.g. sources that disagree on an event).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from etl.quality.gx import GX_LOCK, load_great_expectations

log = logging.getLogger(__name__)

SEVERITIES = ("block", "quarantine", "record")


class SuiteError(ValueError):
    """A suite file is invalid: unknown expectation type, missing severity, or a count mismatch."""


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


def default_expectations_dir() -> Path:
    """expectations/ beside src/ in a checkout."""
    return Path(__file__).resolve().parents[3] / "expectations"


def load_suites(directory: Path) -> dict[str, SuiteSpec]:
    """Load every suite in `directory`, keyed by stage; raise SuiteError when GX would silently drop anything."""
    load_great_expectations()
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
        with GX_LOCK:
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
