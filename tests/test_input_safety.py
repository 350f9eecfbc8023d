"""What a run reads: never bytes from outside its input folder, even while a folder is swapped for a symlink; never
the pipeline's own warehouse or state folder inside it; and texts without invisible format characters."""

from __future__ import annotations

import contextlib
import ctypes
import io
import os
import threading
from pathlib import Path

import pandas as pd
import pytest
from hostile_corpus import english_article, russian_article, warehouse_tables

from etl.analyst.query import run_query
from etl.analyst.report import build_report
from etl.ingest.documents import ingest_files
from etl.ingest.files import discover_files
from etl_flows.cli import main

OUTSIDE_MARKER = "OUTSIDE-MARKER-4b7d2a"
# The swap loop stops when the run ends, or after this many swaps (a bound on work, not on time).
MAX_SWAPS = 1_000_000


def _run(*args: str) -> tuple[int, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", *args])
    return code, printed.getvalue()


def _text_of_every_table(tables: dict[str, pd.DataFrame]) -> str:
    return "\n".join(frame[column].astype(str).str.cat(sep="\n") for frame in tables.values()
                     for column in frame.columns if frame[column].dtype == object)


def _swappable_input(tmp_path: Path, inside: int, top: int) -> tuple[Path, Path]:
    """in/ with `top` articles and in/news/ with `inside` more; outside/news/ holds the same names with the marker."""
    root, outside = tmp_path / "in", tmp_path / "outside" / "news"
    (root / "news").mkdir(parents=True)
    outside.mkdir(parents=True)
    for n in range(top):
        (root / f"top-{n}.txt").write_text(english_article(n), encoding="utf-8")
    for n in range(inside):
        (root / "news" / f"story-{n}.txt").write_text(russian_article(n), encoding="utf-8")
        (outside / f"story-{n}.txt").write_text(english_article(100 + n) + f"\n{OUTSIDE_MARKER}\n", encoding="utf-8")
    return root, outside


def _swap_to_link(root: Path, outside: Path) -> None:
    os.rename(root / "news", root.parent / "news-real")
    os.symlink(outside, root / "news")


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


def _exchange(one: Path, other: Path) -> None:
    """Swap two names atomically (renameat2 RENAME_EXCHANGE): `one` is never missing, as a real attacker's swap."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(_AT_FDCWD, os.fsencode(one), _AT_FDCWD, os.fsencode(other), _RENAME_EXCHANGE) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number), str(one))


def test_a_folder_swapped_for_a_link_after_the_listing_is_not_read(tmp_path: Path) -> None:
    root, outside = _swappable_input(tmp_path, inside=6, top=2)
    listed = discover_files(root)
    _swap_to_link(root, outside)
    docs, quarantined = ingest_files(listed, max_bytes=1_000_000)
    assert OUTSIDE_MARKER not in " ".join(docs["text"])
    assert sorted(docs["source_path"]) == ["top-0.txt", "top-1.txt"]
    assert sorted(quarantined["source_path"]) == [f"news/story-{n}.txt" for n in range(6)]
    assert set(quarantined["reason"]) == {"unreadable"}  # tried again next run: its content is unknown, not gone
    assert all("symbolic link" in detail for detail in quarantined["detail"])


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_a_folder_swapped_back_and_forth_during_a_run_never_publishes_outside_bytes(tmp_path: Path) -> None:
    root, outside = _swappable_input(tmp_path, inside=40, top=20)
    warehouse, state = tmp_path / "warehouse", tmp_path / "state"
    link = tmp_path / "news-link"
    os.symlink(outside, link)
    run_done, swaps = threading.Event(), []

    def swap_loop() -> None:
        for count in range(1, MAX_SWAPS + 1):
            if run_done.is_set():
                break
            _exchange(root / "news", link)  # news is now the link to outside
            _exchange(root / "news", link)  # and the folder again
            swaps.append(count)

    swapper = threading.Thread(target=swap_loop, name="swap-loop")
    swapper.start()
    try:
        code, printed = _run("--input", str(root), "--warehouse", str(warehouse), "--state-dir", str(state))
    finally:
        run_done.set()
        swapper.join()
    assert code == 0, printed
    assert swaps  # the loop ran while the run listed and read
    tables = warehouse_tables(warehouse)
    assert OUTSIDE_MARKER not in _text_of_every_table(tables)
    published = set(tables["documents"]["source_path"])
    quarantine = tables.get("quarantine", pd.DataFrame(columns=["source_path", "reason", "detail"]))
    reasons = dict(zip(quarantine["source_path"], quarantine["reason"]))
    assert {f"top-{n}.txt" for n in range(20)} <= published
    news_as_link = reasons.get("news") == "symlink"  # listed while it was the link: the folder itself is recorded
    for n in range(40):
        path = f"news/story-{n}.txt"
        assert path in published or reasons.get(path) or news_as_link, f"{path} neither published nor quarantined"
    assert all(reason for reason in reasons.values())


ARTICLES = {"kg.txt": english_article(1), "ru/kk.txt": russian_article(2), "ru/uz.txt": russian_article(3)}


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
@pytest.mark.parametrize("layout", ["flags", "defaults"])
def test_the_pipelines_own_folders_inside_the_input_are_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  layout: str) -> None:
    root = tmp_path / "in"
    for name, text in ARTICLES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    if layout == "flags":
        warehouse = root / "out" / "warehouse"
        args = ["--input", str(root), "--warehouse", str(warehouse), "--state-dir", str(root / "out" / ".state")]
    else:  # `etl run --input .` in the input folder: warehouse/ and .state/ are made there
        monkeypatch.chdir(root)
        monkeypatch.delenv("ETL_STATE_DIR")
        warehouse, args = root / "warehouse", ["--input", "."]

    assert _run(*args)[0] == 0
    code, printed = _run(*args, "--force")  # the second run sees the first one's snapshot, journal and results
    assert code == 0, printed
    tables = warehouse_tables(warehouse)
    assert sorted(tables["documents"]["source_path"]) == sorted(ARTICLES)
    assert "quarantine" not in tables or tables["quarantine"].empty
    assert list(tables["runs"].sort_values("started_at")["files_seen"]) == [3, 3]
    # Nor do the folders' changes count as changes of the input.
    assert "nothing changed" in _run(*args)[1]


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_invisible_characters_neither_hide_a_title_nor_reach_the_report(tmp_path: Path) -> None:
    root, warehouse = tmp_path / "in", tmp_path / "warehouse"
    root.mkdir()
    english = english_article(4).split("\n", 1)
    (root / "zero-width.txt").write_text(
        f"Kyr\u200bgyz\u200bstan: {english[0]}\n{english[1]}", encoding="utf-8")
    russian = russian_article(5).split("\n", 1)
    (root / "joiners.txt").write_text(f"Кыр\u2060гыз\u00adстан: {russian[0]}\n{russian[1]}", encoding="utf-8")
    (root / "override.txt").write_text(english_article(6).replace("camps", "camps \u202ecod.exe\u202c"), encoding="utf-8")
    (root / "name\u202etxt.exe").write_text(english_article(7), encoding="utf-8")
    code, printed = _run("--input", str(root), "--warehouse", str(warehouse), "--state-dir", str(tmp_path / "state"))
    assert code == 0, printed

    found = run_query(warehouse, "select source_path from documents where title ilike '%Kyrgyzstan%' "
                                 "or title ilike '%Кыргызстан%' order by source_path")
    assert [row[0] for row in found.rows] == ["joiners.txt", "zero-width.txt"]
    text = _text_of_every_table({"documents": warehouse_tables(warehouse)["documents"][["title", "body"]]})
    assert not any(ch in text for ch in "\u200b\u2060\u00ad\u202e\u202c")
    report = build_report(warehouse)
    assert "\u202e" not in report
    assert "name[U+202E]txt.exe" in report  # a file name keeps its characters, shown, not obeyed
