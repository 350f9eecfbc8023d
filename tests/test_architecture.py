"""The layer line of docs/architecture.md holds: import-linter's contracts (pyproject.toml) pass, and the library
imports its own modules at the top of each module, where a reader sees them."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT

LIBRARY = PROJECT / "src" / "etl"


def test_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--config", str(PROJECT / "pyproject.toml")], cwd=PROJECT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_contracts_see_a_violation(tmp_path: Path) -> None:
    """The contract is not vacuous: the same linter on a copy whose warehouse layer imports the analysts' fails."""
    shutil.copytree(PROJECT / "src" / "etl", tmp_path / "etl", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(PROJECT / "flows", tmp_path / "etl_flows", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    with open(tmp_path / "etl" / "warehouse" / "tables.py", "a", encoding="utf-8") as tables:
        tables.write("\nfrom etl.analyst import query\n")
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--config", "pyproject.toml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0, result.stdout[-3000:]
    assert "etl.warehouse.tables -> etl.analyst.query" in result.stdout


def test_library_modules_import_the_library_at_the_top() -> None:
    late = []
    for path in sorted(LIBRARY.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(function):
                module = node.module if isinstance(node, ast.ImportFrom) else (
                    node.names[0].name if isinstance(node, ast.Import) else None)
                if module and (module == "etl" or module.startswith(("etl.", "etl_flows"))):
                    late.append(f"{path.relative_to(PROJECT)}:{node.lineno} {module}")
    assert late == [], late
