"""A snapshot's manifest: every Parquet part with its size, mtime, sha256, rows and schema; and checking it.

`<snapshot>/_manifest.json` is written inside the snapshot's temporary folder, so it appears with the snapshot
(one rename) or not at all. Unchanged parts are hard links shared with older snapshots: damage to one is damage
to all of them, so a part's bytes are checked against the manifest, never trusted for having been fine before.

Two levels of checking: `fast` (every read and run) compares each part's size and mtime, and reads the bytes
of a part only when its mtime moved (a copied warehouse); `full` (`etl verify`) hashes every part.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from etl import schemas as _schemas

log = logging.getLogger(__name__)

MANIFEST = "_manifest.json"
MANIFEST_FORMAT = 1
_CHUNK = 1 << 20


class WarehouseDamaged(RuntimeError):
    """Parts of the current snapshot are missing or differ from its manifest (message: one line, what to do)."""

    def __init__(self, damage: list[Damage]) -> None:
        tables = sorted({d.table for d in damage})
        super().__init__(f"warehouse damaged: {'; '.join(str(d) for d in damage[:3])}"
                         f"{f' (and {len(damage) - 3} more)' if len(damage) > 3 else ''}; tables {', '.join(tables)} "
                         f"cannot be trusted: run `etl repair` (see `etl verify`)")
        self.damage = damage


class SchemaDrift(RuntimeError):
    """The warehouse's parts were written under other table schemas than the code's (message: one line)."""

    def __init__(self, drifted: Mapping[str, str]) -> None:
        details = "; ".join(f"{table}: {change}" for table, change in sorted(drifted.items()))
        super().__init__(f"the warehouse's schemas differ from this code's (schema version {_schemas.SCHEMA_VERSION}: {details}); "
                         f"nothing was written: "
                         f"run `etl repair` to rewrite those tables under the new schema, or use the code that wrote them")
        self.drifted = dict(drifted)


@dataclass(frozen=True)
class Damage:
    """One part that is missing or differs from the manifest."""

    table: str
    part: str  # path relative to the snapshot: table/part.parquet
    problem: str  # missing, size 1234 != 5678, checksum differs, unreadable manifest ...

    def __str__(self) -> str:
        return f"{self.part}: {self.problem}"


def schema_columns(schema: pa.Schema) -> list[list[str]]:
    """[name, type] of every column, in order; a list's item field name is left out (Parquet renames it), at
    any depth."""
    return [[f.name, _type_name(f.type)] for f in schema]


def _type_name(arrow_type: pa.DataType) -> str:
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return f"list<{_type_name(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):  # lists inside a struct are renamed too
        return "struct<" + ", ".join(f"{f.name}: {_type_name(f.type)}" for f in arrow_type) + ">"
    return str(arrow_type)


def schema_fingerprint(schema: pa.Schema) -> str:
    """Column names and Arrow types, in order: equal fingerprints read as one table without casts."""
    return hashlib.sha256(json.dumps(schema_columns(schema)).encode()).hexdigest()[:16]


def describe_schema_change(old: list[list[str]], new: pa.Schema) -> str:
    """'column x: int64 -> string' style summary of how `new` differs from the stored columns `old`."""
    before, after = dict(map(tuple, old)), dict(map(tuple, schema_columns(new)))
    changes = [f"{name} {before[name]} -> {after[name]}" for name in after if name in before and before[name] != after[name]]
    changes += [f"+{name}" for name in after if name not in before]
    changes += [f"-{name}" for name in before if name not in after]
    return ", ".join(changes) or "column order"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_part(path: Path) -> dict:
    """A manifest entry read from the part itself: size, mtime, sha256, rows, its columns and schema version."""
    stat = path.stat()
    parquet = pq.ParquetFile(path)
    schema = parquet.schema_arrow
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_sha256(path),
            "rows": parquet.metadata.num_rows, "schema": schema_fingerprint(schema),
            "columns": schema_columns(schema),
            "schema_version": (schema.metadata or {}).get(b"etl.schema_version", b"").decode() or None}


def write_manifest(snapshot: Path, sequence: int, run_id: str, previous: dict | None,
                   recompute: list[str] | None = None) -> dict:
    """Describe every part of `snapshot` and write `_manifest.json` into it; returns the manifest.

    Entries of parts linked from the `previous` snapshot's manifest (already checked against their bytes) are
    reused when the part's size and mtime still match; any other part is read. Each distinct schema is stored
    once, under its fingerprint, with its columns and the etl.schema_version its parts carry. `recompute`
    names tables the next run must compute again over the whole warehouse (after a repair).
    """
    reusable = previous["parts"] if previous else {}
    schemas = dict(previous.get("schemas", {})) if previous else {}
    parts = {}
    for path in sorted(snapshot.glob("*/*.parquet")):
        name = path.relative_to(snapshot).as_posix()
        entry = reusable.get(name)
        stat = path.stat()
        if entry is None or entry["size"] != stat.st_size or entry.get("mtime_ns") != stat.st_mtime_ns:
            entry = describe_part(path)
            schemas[entry["schema"]] = {"columns": entry.pop("columns"), "schema_version": entry.pop("schema_version")}
        parts[name] = entry
    used = {entry["schema"] for entry in parts.values()}
    manifest = {"format": MANIFEST_FORMAT, "sequence": sequence, "run_id": run_id, "parts": parts,
                "schemas": {fingerprint: schemas[fingerprint] for fingerprint in sorted(used)},
                "recompute": sorted(recompute or [])}
    target = snapshot / MANIFEST
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(json.dumps(manifest, sort_keys=True, indent=0), encoding="utf-8")
    os.replace(tmp, target)
    return manifest


def read_manifest(snapshot: Path) -> dict | None:
    """The snapshot's manifest, or None for a snapshot written before manifests (or with an unreadable one)."""
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("parts"), dict) else None


def snapshot_sequence(snapshot: Path) -> int:
    """The snapshot's publication number (0 for one without a manifest): the order of snapshots, not their mtime."""
    manifest = read_manifest(snapshot)
    return int(manifest.get("sequence", 0)) if manifest else 0


def check_parts(snapshot: Path, manifest: dict, full: bool = False, tables: set[str] | None = None) -> list[Damage]:
    """Parts of `snapshot` that are missing, extra or differ from `manifest` (only `tables` when given).

    Fast (default): size and mtime; a part whose mtime moved is hashed. Full: every part is hashed.
    """
    damage = []
    listed = manifest["parts"]
    for name, entry in sorted(listed.items()):
        table = name.split("/", 1)[0]
        if tables is not None and table not in tables:
            continue
        path = snapshot / name
        try:
            stat = path.stat()
        except OSError:
            damage.append(Damage(table, name, "missing"))
            continue
        if stat.st_size != entry["size"]:
            damage.append(Damage(table, name, f"size {stat.st_size} bytes, manifest says {entry['size']}"))
        elif (full or stat.st_mtime_ns != entry.get("mtime_ns")) and file_sha256(path) != entry["sha256"]:
            damage.append(Damage(table, name, "checksum differs from the manifest"))
    for path in sorted(snapshot.glob("*/*.parquet")):
        name = path.relative_to(snapshot).as_posix()
        table = name.split("/", 1)[0]
        if name not in listed and (tables is None or table in tables):
            damage.append(Damage(table, name, "not in the manifest (added after the snapshot was published)"))
    return damage


def verify_snapshot(snapshot: Path, full: bool = False, tables: set[str] | None = None) -> list[Damage]:
    """check_parts against the snapshot's own manifest; [] for a snapshot without one (nothing to check against)."""
    manifest = read_manifest(snapshot)
    if manifest is None:
        return []
    return check_parts(snapshot, manifest, full, tables)


def schema_drift(snapshot: Path, schemas: Mapping[str, pa.Schema], tables: set[str] | None = None) -> dict[str, str]:
    """Tables of `snapshot` holding parts written under another schema than `schemas`: {table: what changed}.

    Read from the manifest, or from the parts' own Parquet footers (schema and etl.schema_version) without one.
    """
    manifest = read_manifest(snapshot)
    drifted: dict[str, str] = {}
    if manifest is not None:
        known = manifest.get("schemas", {})
        entries = [(name, {**known.get(entry.get("schema"), {}), **entry}) for name, entry in manifest["parts"].items()]
    else:
        entries = []
        for path in sorted(snapshot.glob("*/*.parquet")):
            try:
                schema = pq.read_schema(path)
            except (OSError, pa.ArrowException):
                continue
            entries.append((path.relative_to(snapshot).as_posix(), {
                "schema": schema_fingerprint(schema), "columns": schema_columns(schema),
                "schema_version": (schema.metadata or {}).get(b"etl.schema_version", b"").decode() or None}))
    for name, entry in entries:
        table = name.split("/", 1)[0]
        if table in drifted or table not in schemas or (tables is not None and table not in tables):
            continue
        if entry.get("schema") != schema_fingerprint(schemas[table]):
            version = entry.get("schema_version") or "?"
            drifted[table] = f"{describe_schema_change(entry.get('columns') or [], schemas[table])} " \
                             f"(part {name.split('/', 1)[1]}, schema version {version})"
    return drifted
