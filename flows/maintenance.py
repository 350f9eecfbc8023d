"""Keeping the warehouse sound: `etl verify`, the checks `etl run` makes before it starts, and the repair step.

`etl repair` is `etl run --repair` (registered in cli.py): the run first publishes a repaired snapshot
(etl.run.repair), then runs the pipeline, which publishes the taken-out documents again from the input.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from etl.config import RunParameters, load_settings
from etl.ingest.files import discover_files
from etl.run.journal import record_run
from etl.run.repair import RepairReport, repair_warehouse
from etl.schemas import TABLES
from etl.warehouse.manifest import SchemaDrift, WarehouseDamaged, read_manifest, schema_drift, verify_snapshot
from etl.warehouse.tables import current_snapshot, link_damage

log = logging.getLogger(__name__)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unwritable(folder: Path) -> str | None:
    """Why files cannot be created in `folder` (made if missing), or None when they can: tried, not guessed."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".etl-write-test-"):
            pass
    except OSError as error:
        return error.strerror or str(error)
    return None


def preflight(parameters: RunParameters, repair: bool) -> str | None:
    """The one-line reason `etl run` cannot start (journaled when the state folder is writable), or None.

    The state folder and the warehouse must be writable, and (unless repairing) the current snapshot's parts
    must match its manifest and the code's schemas.
    """
    state_dir, warehouse = Path(parameters.state_dir), Path(parameters.warehouse_dir)
    state_problem = unwritable(state_dir)
    if state_problem:
        # Nothing can be journaled: the journal lives there.
        return (f"cannot write to the state folder {state_dir} ({state_problem}): make it writable, or pass "
                f"--state-dir DIR (env ETL_STATE_DIR) for Prefect's home, task results and the run journal")
    reason = None
    warehouse_problem = unwritable(warehouse)
    if warehouse_problem:
        reason = (f"cannot write to the warehouse {warehouse} ({warehouse_problem}): make it writable (or free "
                  f"space), or pass --warehouse DIR; nothing was changed")
    elif not repair:
        snapshot = current_snapshot(warehouse)
        damage = verify_snapshot(snapshot) if snapshot is not None else []
        drift = schema_drift(snapshot, TABLES) if snapshot is not None and not damage else {}
        if damage:
            reason = str(WarehouseDamaged(damage))
        elif drift:
            reason = str(SchemaDrift(drift))
    if reason is not None:
        try:
            record_run(state_dir, parameters, "failed", {}, reason)
        except OSError:
            log.debug("could not journal the attempt", exc_info=True)
    return reason


def repair_before_run(parameters: RunParameters, run_id: str) -> RepairReport:
    """The repair step of `etl run --repair` (under the warehouse lock): repaired snapshot, lines on stdout."""
    input_paths = {item.source_path for item in discover_files(parameters.input_dir)}
    report = repair_warehouse(Path(parameters.warehouse_dir), input_paths, run_id)
    for line in report.lines():
        _say(line)
    return report


def cmd_verify(args: argparse.Namespace) -> int:
    """`etl verify`: every part's checksum against the manifest; 0 sound, 1 with one line per damaged part."""
    warehouse = load_settings(warehouse_dir=args.warehouse).resolved().warehouse_dir
    link = link_damage(warehouse)
    if link:
        _say(f"damaged: {link}")
    snapshot = current_snapshot(warehouse)
    if snapshot is None:
        _say(f"no warehouse snapshot in {warehouse}" + ("" if link else "; run `etl run` first"))
        return 1 if link else 2
    manifest = read_manifest(snapshot)
    if manifest is None:
        _say(f"snapshot {snapshot.name} has no manifest (written before manifests); the next `etl run` writes one")
        return 1 if link else 0
    damage = verify_snapshot(snapshot, full=not args.quick)
    drift = schema_drift(snapshot, TABLES)
    for item in damage:
        _say(f"damaged: {item}")
    for table, change in sorted(drift.items()):
        _say(f"schema differs: {table}: {change}")
    checked = "sizes" if args.quick else "sha256 checksums"
    if damage or drift or link:
        _say(f"snapshot {snapshot.name}: {len(manifest['parts'])} parts, {len(damage)} damaged, {len(drift)} tables "
             f"under another schema ({checked} checked): run `etl repair` with the run's --input")
        return 1
    _say(f"snapshot {snapshot.name}: {len(manifest['parts'])} parts match the manifest ({checked} checked)")
    return 0


def add_verify_command(commands) -> None:
    verify = commands.add_parser("verify", help="check every part of the warehouse against its manifest (sha256)")
    verify.add_argument("--warehouse", type=Path, default=None, help="warehouse folder (default: warehouse/, env ETL_WAREHOUSE_DIR)")
    verify.add_argument("--quick", action="store_true", help="sizes and mtimes only, as every run checks them")
    verify.set_defaults(handler=cmd_verify)
