"""Settings for one pipeline run: defaults, then environment (ETL_*), then explicit overrides (CLI flags)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

# Documents per shard, the unit of a task. 1000 rather than 500: half the tasks, so half Prefect's per-task
# work, which competes with the tasks for the cores (bench/run.py, 2 workers at 10,000 documents: 1.72x
# over 1 worker against 1.53x); peak memory was the same.
DEFAULT_SHARD_SIZE = 1000
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# DuckDB's memory cap for the stories step. 128MB ran out of memory in a real 100,000-document run
# (2026-12-07: "failed to allocate 32.0 MiB (108.0/122.0 MiB used)"), which a replicated warehouse did not show.
DEFAULT_STORIES_MEMORY = "256MB"
# The shards are the parallelism: BLAS threads inside each worker only contend with them (natasha's NER ran
# 3.5x slower with OpenBLAS's default threads than with one). Set by the application before numpy loads.
NATIVE_THREAD_LIMITS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# Arrow's allocations go to the C library's malloc rather than pyarrow's bundled mimalloc, which keeps freed
# segments: a 1,500-document plain loop peaked at 501-506 MB instead of 529-536 (3 rounds each, same CPU), about
# 30 MB less in each process of a run. Read by pyarrow when it first loads, so set by the application as well.
NATIVE_MEMORY_POOL = {"ARROW_DEFAULT_MEMORY_POOL": "system"}

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
    worker_start: str = "fork"  # how local worker processes start: forked from `etl` (libraries loaded) or spawned
    log_level: str = "INFO"  # the library's log level
    stories_memory: str = DEFAULT_STORIES_MEMORY  # DuckDB's memory cap for stories (spills to disk beyond it)
    status_max_age: str = "25h"  # `etl status`: stale beyond this age (a daily schedule plus an hour's grace)
    inject_failure: str | None = None  # drills and tests: "stage:shard" makes that shard's task fail
    notify_url: str | None = None  # a webhook that gets a JSON post when a run fails or crashes (or is stale)
    heartbeat_seconds: float = 30.0  # a progress line through Prefect's logger this often while stages run

    def resolved(self) -> Settings:
        """Return a copy with absolute paths."""
        return replace(
            self,
            input_dir=self.input_dir if isinstance(self.input_dir, str) else self.input_dir.resolve(),
            warehouse_dir=self.warehouse_dir.resolve(),
            state_dir=self.state_dir.resolve(),
            expectations_dir=self.expectations_dir.resolve() if self.expectations_dir else None,
        )


@dataclass(frozen=True)
class RunParameters:
    """One run's parameters, as the pipeline flow takes them: what it reads and writes, how it cuts the work.

    Plain values (folders as absolute path strings) so that a deployment, the run journal and `etl rerun`
    carry them as they are: `as_dict()` is the flow's keyword arguments.
    """

    input_dir: str
    warehouse_dir: str
    shard_size: int = DEFAULT_SHARD_SIZE
    max_bytes: int = DEFAULT_MAX_BYTES
    expectations_dir: str | None = None
    state_dir: str = ".state"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def pipeline_folders(self) -> tuple[str, str]:
        """The folders the pipeline writes (warehouse, state): never read as input, even inside the input folder."""
        return self.warehouse_dir, self.state_dir

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> RunParameters:
        """The parameters a journal line or a deployment recorded (unknown keys are an error)."""
        return cls(**values)  # type: ignore[arg-type]


def run_parameters(settings: Settings) -> RunParameters:
    """The run parameters of `settings`, folders made absolute (runs may start in another folder)."""
    settings = settings.resolved()
    return RunParameters(
        input_dir=str(settings.input_dir), warehouse_dir=str(settings.warehouse_dir),
        shard_size=settings.shard_size, max_bytes=settings.max_bytes,
        expectations_dir=str(settings.expectations_dir) if settings.expectations_dir else None,
        state_dir=str(settings.state_dir))


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
    "worker_start": "ETL_WORKER_START",
    "log_level": "ETL_LOG_LEVEL",
    "stories_memory": "ETL_STORIES_MEMORY",
    "status_max_age": "ETL_STATUS_MAX_AGE",
    "inject_failure": "ETL_INJECT_FAILURE",
    "notify_url": "ETL_NOTIFY_URL",
    "heartbeat_seconds": "ETL_HEARTBEAT_SECONDS",
}
TASK_RUNNERS = ("thread", "process", "dask")
WORKER_STARTS = ("fork", "spawn")


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
    if settings.worker_start not in WORKER_STARTS:
        raise ValueError(f"ETL_WORKER_START must be fork or spawn, not {settings.worker_start!r}")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ValueError(f"ETL_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {settings.log_level!r}")
    if settings.notify_url is not None and not settings.notify_url.startswith(("http://", "https://")):
        raise ValueError(f"ETL_NOTIFY_URL / --notify must be an http(s) URL, not {settings.notify_url!r}")
    if settings.heartbeat_seconds < 0:
        raise ValueError("ETL_HEARTBEAT_SECONDS must be 0 or more")
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
    if name == "heartbeat_seconds":
        return float(value)  # type: ignore[arg-type]
    if name == "input_dir" and "://" in str(value):
        return str(value) if is_url(str(value)) else local_path(str(value))
    if name.endswith("_dir"):
        return Path(str(value))
    return value
