"""Settings for one pipeline run: defaults, then environment (ETL_*), then explicit overrides (CLI flags)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

# Documents per shard, the unit of a task. 1000 rather than 500: half the tasks, so half Prefect's per-task
# work, which competes with the tasks for the cores (bench/run.py, 2 workers at 10,000 documents: 1.72x
# over 1 worker against 1.53x); peak memory was the same.
DEFAULT_SHARD_SIZE = 1000
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

# Bump when a change to the code or the suites must invalidate cached task results.
PIPELINE_VERSION = "1"


@dataclass(frozen=True)
class Settings:
    """Where to read, where to write, and how to cut the work."""

    input_dir: Path | str = Path("seeds")  # a folder, or an fsspec URL (s3://bucket/news) kept as a string
    warehouse_dir: Path = Path("warehouse")
    state_dir: Path = Path(".state")
    expectations_dir: Path | None = None
    shard_size: int = DEFAULT_SHARD_SIZE
    max_bytes: int = DEFAULT_MAX_BYTES
    task_runner: str = "process"
    workers: int | None = None  # default: the machine's cores
    dask_address: str | None = None

    def resolved(self) -> Settings:
        """Return a copy with absolute paths."""
        return replace(
            self,
            input_dir=self.input_dir if isinstance(self.input_dir, str) else self.input_dir.resolve(),
            warehouse_dir=self.warehouse_dir.resolve(),
            state_dir=self.state_dir.resolve(),
            expectations_dir=self.expectations_dir.resolve() if self.expectations_dir else None,
        )


def flow_parameters(settings: Settings) -> dict:
    """The pipeline flow's parameters for `settings`, folders made absolute (runs may start in another folder)."""
    settings = settings.resolved()
    return {
        "input_dir": str(settings.input_dir), "warehouse_dir": str(settings.warehouse_dir),
        "shard_size": settings.shard_size, "max_bytes": settings.max_bytes,
        "expectations_dir": str(settings.expectations_dir) if settings.expectations_dir else None,
        "state_dir": str(settings.state_dir),
    }


_ENV_NAMES = {
    "input_dir": "ETL_INPUT_DIR",
    "warehouse_dir": "ETL_WAREHOUSE_DIR",
    "state_dir": "ETL_STATE_DIR",
    "expectations_dir": "ETL_EXPECTATIONS_DIR",
    "shard_size": "ETL_SHARD_SIZE",
    "max_bytes": "ETL_MAX_BYTES",
    "task_runner": "ETL_TASK_RUNNER",
    "workers": "ETL_WORKERS",
    "dask_address": "ETL_DASK_ADDRESS",
}
TASK_RUNNERS = ("thread", "process", "dask")


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Build Settings from defaults, then `environ` (ETL_* names), then non-None `overrides`."""
    environ = os.environ if environ is None else environ
    types = {f.name: f.type for f in fields(Settings)}
    values: dict[str, object] = {}
    for name, env_name in _ENV_NAMES.items():
        if env_name in environ and environ[env_name] != "":
            values[name] = _coerce(name, environ[env_name])
    for name, value in overrides.items():
        if name not in types:
            raise TypeError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _coerce(name, value)
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.shard_size < 1:
        raise ValueError("shard size must be at least 1")
    if settings.max_bytes < 1:
        raise ValueError("max bytes must be at least 1")
    if settings.task_runner not in TASK_RUNNERS:
        raise ValueError(f"task runner must be one of {', '.join(TASK_RUNNERS)}, not {settings.task_runner!r}")
    if settings.workers is not None and settings.workers < 1:
        raise ValueError("workers must be at least 1")
    return settings


def is_url(location: str | Path) -> bool:
    """True for an fsspec URL other than a local file (s3://bucket/news, memory://inbox, ...)."""
    text = str(location)
    return "://" in text and not text.startswith("file://")


def local_path(location: str | Path) -> Path:
    """A local folder given as a path or a file:// URL."""
    text = str(location)
    return Path(text[len("file://"):]) if text.startswith("file://") else Path(text)


def _coerce(name: str, value: object) -> object:
    if name in ("shard_size", "max_bytes", "workers"):
        return int(value)  # type: ignore[arg-type]
    if name == "input_dir" and "://" in str(value):
        return str(value) if is_url(str(value)) else local_path(str(value))
    if name.endswith("_dir"):
        return Path(str(value))
    return value
