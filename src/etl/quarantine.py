"""The quarantine row: what every stage and gate records for input it could not use, and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

QUARANTINE_COLUMNS = [
    "source_path", "doc_id", "stage", "reason", "detail", "raw_sha256", "run_id", "quarantined_at",
]


def quarantine_row(source_path: str | None, doc_id: str | None, stage: str, reason: str, detail: str,
                   raw_sha256: str | None) -> dict:
    """One quarantine record as a dict with QUARANTINE_COLUMNS; run_id and quarantined_at are set at publish."""
    return {
        "source_path": source_path, "doc_id": doc_id, "stage": stage, "reason": reason, "detail": detail,
        "raw_sha256": raw_sha256, "run_id": None, "quarantined_at": None,
    }


def quarantine_frame(rows: Iterable[Mapping]) -> pd.DataFrame:
    """Quarantine rows as a DataFrame with QUARANTINE_COLUMNS (also when empty)."""
    frame = pd.DataFrame(list(rows), columns=QUARANTINE_COLUMNS)
    frame["quarantined_at"] = pd.to_datetime(frame["quarantined_at"], utc=True)
    return frame


def file_level_quarantine(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows that stand for a whole input file (not for a derived row such as one fact)."""
    return quarantine[quarantine["stage"].isin(FILE_STAGES)]


FILE_STAGES = ("ingest", "language", "fields", "validate")
