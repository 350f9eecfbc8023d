"""The run journal: one JSON line per `etl run` attempt in <state>/runs.jsonl, failed runs included.

The warehouse's `runs` table only holds completed runs (a failed run publishes nothing); operators find
failed runs and their parameters here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from etl.config import RunParameters
from etl.ingest.files import discover_files, file_version
from etl.quality.suites import default_expectations_dir
from etl.run.fingerprint import content_key
from etl.warehouse.tables import current_snapshot

JOURNAL = "runs.jsonl"
log = logging.getLogger(__name__)


def record_run(state_dir: Path, parameters: RunParameters, status: str, summary: dict, error: str | None,
               inputs: dict | None = None) -> None:
    """Append one attempt to the journal; `inputs` (fingerprint, snapshot) lets the next run see nothing changed."""
    state_dir.mkdir(parents=True, exist_ok=True)
    entry = {
        "recorded_at": datetime.now(UTC).isoformat(), "status": status, "error": error,
        "run_id": summary.get("run_id"), "flow_run_id": summary.get("flow_run_id"), "parameters": parameters.as_dict(),
        "tasks": summary.get("tasks", {}),
        "counts": {k: summary.get(k) for k in ("files_seen", "published", "quarantined", "skipped_unchanged")},
        "duration_s": summary.get("duration_s"), "stage_seconds": summary.get("stage_seconds", {}),
        "timeline": summary.get("timeline", {}), "timeline_cpu": summary.get("timeline_cpu", {}),
        # A blocked run publishes nothing, so its failing gate results are kept here (and in the run's artifact).
        "failed_gates": [g for g in summary.get("gates", []) if not g.get("success", True)],
        "inputs": inputs or {},
    }
    line = json.dumps(entry, ensure_ascii=False) + "\n"
    with open(state_dir / JOURNAL, "ab+") as handle:
        # A crash may have cut the last line: end it first, or this entry would be glued to the fragment.
        if handle.seek(0, 2) > 0:
            handle.seek(-1, 2)
            if handle.read(1) != b"\n":
                line = "\n" + line
        handle.write(line.encode("utf-8"))


def read_journal(state_dir: Path) -> list[dict]:
    """Every recorded attempt, oldest first; a line cut by a crash (or otherwise unreadable) is skipped with a warning.

    An entry glued to a cut fragment (journals appended before the newline fix) is still found: it starts at
    the last '{"recorded_at"' of the line.
    """
    path = state_dir / JOURNAL
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_bytes().decode("utf-8", errors="replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            start = line.rfind('{"recorded_at"')
            log.warning("%s line %d is cut or unreadable (a crash while writing?); skipped %s", path, number,
                        "its first part" if start > 0 else "it")
            try:
                entry = json.loads(line[start:]) if start > 0 else None
            except ValueError:
                entry = None
        if isinstance(entry, dict) and "status" in entry:
            entries.append(entry)
    return entries


# Attempts `etl rerun --failed` takes up: failed, or stopped by a signal (Ctrl-C, SIGTERM) before completing.
UNFINISHED_STATUSES = ("failed", "interrupted")


def last_failed_run(state_dir: Path) -> dict | None:
    """The newest attempt if it failed or was interrupted and no later attempt with the same parameters completed."""
    entries = read_journal(state_dir)
    for position in range(len(entries) - 1, -1, -1):
        entry = entries[position]
        if entry["status"] in UNFINISHED_STATUSES:
            later = entries[position + 1:]
            if not any(e["status"] == "completed" and e["parameters"] == entry["parameters"] for e in later):
                return entry
            return None
    return None


def input_fingerprint(parameters: RunParameters) -> tuple[str, int]:
    """What a run's outcome depends on, without reading a file: every input file's path, inode, size, mtime and
    ctime, the run parameters, the suites' bytes and the code version (see etl.run.shards.ingest_key); and the
    number of input files."""

    files = discover_files(parameters.input_dir, exclude=parameters.pipeline_folders())
    stats = []
    for item in files:
        try:
            stats.append((item.source_path, file_version(item.absolute_path), item.problem))
        except OSError:
            stats.append((item.source_path, None, item.problem))
    suites_dir = Path(parameters.expectations_dir or default_expectations_dir())
    suites = [(p.name, p.read_bytes()) for p in sorted(suites_dir.glob("*.json"))]
    return content_key("inputs", stats, sorted(parameters.as_dict().items()), suites), len(files)


def unchanged_since(state_dir: Path, parameters: RunParameters, fingerprint: str, snapshot: str | None) -> dict | None:
    """The last completed run with these parameters if its inputs had `fingerprint` and it left `snapshot` current."""
    for entry in reversed(read_journal(state_dir)):
        if entry.get("parameters") != parameters.as_dict() or entry["status"] not in ("completed", "unchanged"):
            continue
        inputs = entry.get("inputs") or {}
        if snapshot is not None and inputs.get("fingerprint") == fingerprint and inputs.get("snapshot") == snapshot:
            return entry
        return None
    return None


@dataclass(frozen=True)
class InputCheck:
    """What a run found before starting: its inputs' fingerprint, how many files, and the completed run it repeats."""

    fingerprint: str
    files: int
    previous: dict | None  # the last completed (or unchanged) attempt when nothing changed since, else None


def check_inputs(parameters: RunParameters, force: bool = False) -> InputCheck:
    """Fingerprint the run's inputs; unless `force`, find the completed run that saw the same, on the snapshot it left."""
    fingerprint, files = input_fingerprint(parameters)
    snapshot = current_snapshot(Path(parameters.warehouse_dir))
    previous = None if force else unchanged_since(Path(parameters.state_dir), parameters, fingerprint,
                                                  snapshot and snapshot.name)
    return InputCheck(fingerprint, files, previous)


def record_unchanged(parameters: RunParameters, previous: dict, flow_run_id: str | None = None) -> dict:
    """Journal an attempt that had nothing to do (status `unchanged`, nothing published); its summary."""
    counts = previous.get("counts") or {}
    seen, quarantined = counts.get("files_seen") or 0, counts.get("quarantined") or 0
    summary = {"run_id": None, "flow_run_id": flow_run_id, "files_seen": seen, "published": 0,
               "quarantined": quarantined, "skipped_unchanged": seen - quarantined, "duration_s": 0.0,
               "status": "unchanged", "unchanged_since": previous.get("run_id")}
    record_run(Path(parameters.state_dir), parameters, "unchanged", summary, None, inputs=previous.get("inputs"))
    return summary


def inputs_after(parameters: RunParameters, fingerprint: str, outcome: dict) -> dict:
    """What a completed run records for the next run's nothing-changed check: its inputs and the snapshot it left."""
    snapshot = current_snapshot(Path(parameters.warehouse_dir))
    # Files that could not be read must be tried again next time, even if nothing else changed.
    unread = bool((outcome.get("quarantined_by_reason") or {}).get("unreadable"))
    return {"fingerprint": None if unread else fingerprint, "snapshot": snapshot.name if snapshot else None}
