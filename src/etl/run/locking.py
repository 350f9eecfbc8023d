"""One writer per warehouse: an OS file lock plus a note of who holds it.

The lock is an flock on `warehouse/.lock`; the OS drops it when the holder dies, so a stale lock
from a killed run is taken over without manual cleanup. `.lock.holder` says which pid holds it since when.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".lock"
HOLDER_NAME = ".lock.holder"


class WarehouseBusy(RuntimeError):
    """Another live run holds the warehouse."""


def lock_holder(warehouse: Path) -> dict | None:
    """What the holder note says (pid, host, started_at), or None."""
    try:
        return json.loads((warehouse / HOLDER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@contextmanager
def warehouse_lock(warehouse: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the warehouse for one run; wait up to `wait_seconds`, then raise WarehouseBusy naming the holder."""
    warehouse.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(warehouse / LOCK_NAME), timeout=wait_seconds)
    try:
        lock.acquire()
    except Timeout:
        holder = lock_holder(warehouse) or {}
        raise WarehouseBusy(
            f"warehouse {warehouse} is being written by pid {holder.get('pid', '?')} on {holder.get('host', '?')} "
            f"since {holder.get('started_at', '?')}; wait for it to finish or pass --wait SECONDS") from None
    try:
        note = {"pid": os.getpid(), "host": socket.gethostname(), "started_at": datetime.now(timezone.utc).isoformat()}
        tmp = warehouse / f"{HOLDER_NAME}.{os.getpid()}"
        tmp.write_text(json.dumps(note), encoding="utf-8")
        os.replace(tmp, warehouse / HOLDER_NAME)
        yield
    finally:
        try:
            (warehouse / HOLDER_NAME).unlink()
        except OSError:
            pass
        lock.release()
