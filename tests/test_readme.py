"""The README is tested: its two commands are the ones that work, and every CLI command is documented."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
from conftest import PROJECT

from etl_flows.cli import build_parser

README = (PROJECT / "README.md").read_text(encoding="utf-8")


def _first_commands() -> list[str]:
    """The first two fenced bash blocks of the README: run the pipeline, run the tests."""
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    return [blocks[0].strip(), blocks[1].strip()]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test_command = _first_commands()
    assert "pytest" in test_command
    assert test_command in (PROJECT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.slow
def test_readme_run_command_works(tmp_path: Path) -> None:
    run_command, _ = _first_commands()
    assert "etl run" in run_command
    env = dict(os.environ, ETL_WAREHOUSE_DIR=str(tmp_path / "warehouse"), ETL_STATE_DIR=str(tmp_path / "state"),
               PREFECT_HOME=str(tmp_path / "prefect"))
    done = subprocess.run(["bash", "-c", run_command], cwd=PROJECT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "published 5" in done.stdout
    assert (tmp_path / "warehouse" / "documents").is_dir()
    # One temporary Prefect server, ours (flows/server.py), not a second one Prefect starts; gone after the run.
    assert "Starting temporary server" not in done.stderr, done.stderr[-3000:]
    started = re.findall(r"temporary server on (http://127\.0\.0\.1:\d+)/api", done.stderr)
    assert len(started) == 1, done.stderr[-3000:]
    assert "View at" not in done.stderr  # it serves no UI to link to
    with pytest.raises(OSError):
        urllib.request.urlopen(started[0] + "/api/health", timeout=5)


def test_every_cli_command_is_documented() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    for name in commands:
        assert f"etl {name}" in README, f"`etl {name}` is not documented in README.md"


def _operate_commands() -> list[str]:
    section = (PROJECT / "docs" / "operate.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)\n```", section, flags=re.S):
        commands += [line.strip() for line in block.splitlines() if line.strip()]
    return commands


def test_operate_commands_are_exercised_by_the_server_test() -> None:
    """Every command of docs/operate.md is run by tests/test_server.py (PostgreSQL excepted, as documented)."""
    server_test = (PROJECT / "tests" / "test_server.py").read_text(encoding="utf-8")
    commands = _operate_commands()
    assert len(commands) >= 8
    for command in commands:
        if "postgresql" in command.lower() or command == "prefect server start --host 127.0.0.1":
            continue  # PostgreSQL is optional; the test starts the server on a free port instead of 4200
        program = command.split()[0] if not command.startswith("export") else "PREFECT_API_URL"
        words = [w for w in re.findall(r"[a-z][\w-]+", command) if w not in ("etl", "prefect")][:2]
        assert program in server_test and all(w in server_test for w in words), command


def test_readme_example_questions_are_the_tested_ones() -> None:
    from etl.warehouse.readme import EXAMPLE_QUESTIONS

    readme_sql = re.findall(r"```sql\n(.*?)\n```", README.split("## Analysts", 1)[1].split("\n## ", 1)[0], flags=re.S)
    assert readme_sql == [sql for _, sql, _ in EXAMPLE_QUESTIONS]


def test_readme_links_resolve() -> None:
    """The README's first screen points into docs/: every linked page exists."""
    for target in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (PROJECT / target).is_file(), target
