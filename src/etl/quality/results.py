"""Gate results for people: one line per stage and expectation, over every shard a run validated.

A run checks each expectation once per shard (dq_results keeps those rows); a reader wants one line per
expectation: rows checked and unexpected summed, the worst result, and which shards failed. A failed
`quarantine` expectation did its job (the rows went to quarantine, the run went on): it reads "quarantined N",
not FAIL; FAIL is for a `block` expectation (or one that could not be evaluated).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

STAGE_ORDER = ("ingest", "language", "fields", "validate", "entities", "facts", "stories", "events", "event_sources",
               "publish")
PASS, FAIL = "pass", "FAIL"


@dataclass
class GateLine:
    """One expectation of one stage over all its shards."""

    stage: str
    suite: str
    expectation: str
    severity: str
    shards: int = 0  # how many shard results were merged
    rows_checked: int = 0
    unexpected: int = 0
    failing_shards: list[int] = field(default_factory=list)
    failing_unknown: int = 0  # failing results with no shard number (dq_results rows carry none)
    blocked: bool = False  # a block failure, or an expectation that could not be evaluated
    example: str | None = None  # what the first failure observed

    @property
    def failures(self) -> int:
        return len(self.failing_shards) + self.failing_unknown

    @property
    def result(self) -> str:
        """pass, FAIL, or `quarantined N` (N rows) for a quarantine expectation that failed."""
        if not self.failures:
            return PASS
        if self.blocked or self.severity != "quarantine":
            return FAIL
        return f"quarantined {self.unexpected}"

    def as_row(self) -> dict:
        """The line as a table row (artifact, report)."""
        shards = ", ".join(str(s) for s in sorted(self.failing_shards))
        if self.failing_unknown:
            shards = ", ".join(filter(None, [shards, f"{self.failing_unknown} shard(s)"]))
        return {"stage": self.stage, "expectation": self.expectation, "severity": self.severity,
                "result": self.result, "rows checked": self.rows_checked, "unexpected": self.unexpected,
                "shards checked": self.shards, "failing shards": shards or "-", "example": self.example or ""}


def _number(value: object) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def aggregate_gates(rows: Iterable[Mapping]) -> list[GateLine]:
    """Merge dq rows (one per expectation and shard; `shard` optional) into one GateLine per stage and expectation.

    Lines come in stage order, then in the order expectations first appear.
    """
    lines: dict[tuple[str, str, str], GateLine] = {}
    for row in rows:
        key = (str(row.get("stage")), str(row.get("suite")), str(row.get("expectation")))
        line = lines.get(key)
        if line is None:
            line = lines[key] = GateLine(*key, severity=str(row.get("severity")))
        line.shards += 1
        line.rows_checked += _number(row.get("element_count")) or 0
        line.unexpected += _number(row.get("unexpected_count")) or 0
        success = row.get("success")
        if success is not None and not bool(success):
            shard = _number(row.get("shard"))
            if shard is None:
                line.failing_unknown += 1
            elif shard not in line.failing_shards:
                line.failing_shards.append(shard)
            line.blocked |= line.severity != "quarantine" or row.get("observed") == "error"
            if line.example is None and row.get("observed"):
                line.example = str(row.get("observed"))[:200]
    rank = {stage: position for position, stage in enumerate(STAGE_ORDER)}
    return sorted(lines.values(), key=lambda line: rank.get(line.stage, len(rank)))


def gate_counts(lines: Iterable[GateLine]) -> dict[str, int]:
    """How many lines passed, quarantined rows, or failed."""
    counts = {"pass": 0, "quarantined": 0, "FAIL": 0}
    for line in lines:
        counts["quarantined" if line.result.startswith("quarantined") else line.result] += 1
    return counts
