"""Shared fixtures: paths to the seeds and the gold, one Prefect test server per session, a fresh warehouse per test."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
SHARED = PROJECT.parent / "shared"
SEEDS = PROJECT / "seeds"
GOLD_PATH = SHARED / "acceptance" / "seeds_gold.json"

# Before Prefect is imported anywhere: a throwaway home, no analytics, library logs through Prefect.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="etl-test-prefect-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "etl")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


@pytest.fixture(scope="session")
def gold() -> list[dict]:
    return json.loads(GOLD_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def prefect_server():
    """One Prefect test server (temporary database) for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def seeded_warehouse(tmp_path_factory, prefect_server) -> Path:
    """A warehouse built once per session by `etl run` on the seeds (read-only for tests)."""
    from etl_flows.cli import main

    warehouse = tmp_path_factory.mktemp("seeded") / "warehouse"
    state = tmp_path_factory.mktemp("seeded-state")
    assert main(["run", "--input", str(SEEDS), "--warehouse", str(warehouse), "--state-dir", str(state)]) == 0
    return warehouse


@pytest.fixture(autouse=True)
def _restore_environment(tmp_path_factory):
    """Each test gets its own state folder (task results, run journal) and leaves the environment as it found it."""
    saved = dict(os.environ)
    os.environ["ETL_STATE_DIR"] = str(tmp_path_factory.mktemp("state"))
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse"
