"""Hostile input: one run of the `etl` command over the generated corpus of tests/hostile_corpus.py, then a re-run.

Every entry under the input folder must end up published or quarantined with the expected reason, nothing
from outside the folder and no machine path may reach a table, and data that looks like code stays data.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from hostile_corpus import (
    MAX_BYTES,
    OUTSIDE_SECRET,
    PUBLISHED,
    SCRIPT_TAG,
    SQL_INJECTION,
    TEMPLATE_INJECTIONS,
    build_hostile_corpus,
    english_article,
    russian_article,
    warehouse_tables,
)

from etl.ingest.decode import decode_bytes, html_to_text, normalize_text
from etl.ingest.documents import ingest_files
from etl.ingest.files import discover_files
from etl.quarantine import FILE_STAGES
from etl_flows.cli import main


def _run(input_dir: Path, warehouse: Path, state_dir: Path, *extra: str) -> tuple[int, str]:
    """Exit status and printed output of one `etl run` over the corpus."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", "--input", str(input_dir), "--warehouse", str(warehouse), "--state-dir", str(state_dir),
                     "--max-bytes", str(MAX_BYTES), *extra])
    return code, printed.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, prefect_server) -> dict:
    base = tmp_path_factory.mktemp("hostile")
    input_dir, warehouse, state_dir = base / "input", base / "warehouse", base / "state"
    expected = build_hostile_corpus(input_dir)
    first_exit, printed = _run(input_dir, warehouse, state_dir)
    assert first_exit == 0, f"first run over the hostile corpus failed: {printed}"
    first = warehouse_tables(warehouse)
    # --force: the second run goes through the flow although the "nothing changed" check would stop it
    second_exit, printed = _run(input_dir, warehouse, state_dir, "--force")
    assert second_exit == 0, f"second run over the hostile corpus failed: {printed}"
    return {"base": base, "input": input_dir, "warehouse": warehouse, "expected": expected,
            "first": first, "second": warehouse_tables(warehouse)}


def _entries_on_disk(root: Path) -> set[str]:
    """Regular files, other non-folders and every symlink under `root`, as POSIX paths relative to it."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            relative = os.fsencode(os.path.relpath(os.path.join(dirpath, name), root)).decode("utf-8", "backslashreplace")
            found.add(relative)
    return found


def test_generator_table_lists_every_entry_on_disk(hostile: dict) -> None:
    assert set(hostile["expected"]) == _entries_on_disk(hostile["input"])


def test_every_entry_published_or_quarantined_as_expected(hostile: dict) -> None:
    documents, quarantine = hostile["first"]["documents"], hostile["first"]["quarantine"]
    file_rows = quarantine[quarantine["stage"].isin(FILE_STAGES)]
    assert file_rows["reason"].notna().all() and (file_rows["detail"].str.strip().str.len() > 0).all()
    published = set(documents["source_path"])
    reasons = file_rows.groupby("source_path")["reason"].apply(set).to_dict()
    outcomes = {}
    for path in hostile["expected"]:
        assert not (path in published and path in reasons), f"{path!r} both published and quarantined"
        outcomes[path] = PUBLISHED if path in published else ",".join(sorted(reasons.get(path, {"MISSING"})))
    assert outcomes == hostile["expected"]
    assert published | set(reasons) == set(hostile["expected"])


def test_runs_table_conserves_every_file(hostile: dict) -> None:
    runs = hostile["second"]["runs"].sort_values("started_at").reset_index(drop=True)
    assert len(runs) == 2
    for run in runs.itertuples():
        assert run.files_seen == len(hostile["expected"])
        assert run.files_seen == run.published + run.quarantined + run.skipped_unchanged
    first, second = runs.iloc[0], runs.iloc[1]
    expected_published = sum(outcome == PUBLISHED for outcome in hostile["expected"].values())
    assert (first["published"], first["skipped_unchanged"]) == (expected_published, 0)
    assert first["quarantined"] == len(hostile["expected"]) - expected_published
    assert (second["published"], second["skipped_unchanged"], second["quarantined"]) == (
        0, first["published"], first["quarantined"])


def test_second_run_adds_no_rows(hostile: dict) -> None:
    for table in ("documents", "quarantine"):
        pd.testing.assert_frame_equal(hostile["second"][table], hostile["first"][table])


def _string_cells(tables: dict[str, pd.DataFrame]):
    for name, frame in tables.items():
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                for value in frame[column].dropna():
                    yield name, column, str(value)


def test_nothing_from_outside_the_root_reaches_any_table(hostile: dict) -> None:
    for table, column, value in _string_cells(hostile["second"]):
        assert OUTSIDE_SECRET not in value and "root:x:0:0" not in value, (table, column)


def test_no_absolute_machine_path_in_any_table(hostile: dict) -> None:
    machine_paths = (str(hostile["base"]), str(hostile["base"].resolve()), "/etc/", str(Path.home()) + "/")
    leaks = [(table, column, value[:120]) for table, column, value in _string_cells(hostile["second"])
             if any(path in value for path in machine_paths)]
    assert leaks == []


def test_injection_and_markup_are_stored_verbatim(hostile: dict) -> None:
    documents = hostile["first"]["documents"].set_index("source_path")
    body = documents.loc["web/injection.txt", "body"]
    for injection in (SQL_INJECTION, *TEMPLATE_INJECTIONS):
        assert injection in body
    assert SCRIPT_TAG in documents.loc["web/script_tags.txt", "body"]
    assert f"web/{SQL_INJECTION}.txt" in documents.index
    assert "web/line\nbreak.txt" in documents.index


def test_html_page_is_reduced_to_its_article_text(hostile: dict) -> None:
    page = hostile["first"]["documents"].set_index("source_path").loc["web/page.html"]
    assert "children and" in page["title"] and page["title"].endswith("from camps in northeast Syria")
    for markup in ("<p>", "<h1>", "tracking", "color: red", "Home", "All rights reserved"):
        assert markup not in page["body"]
    assert "the press service of the Ministry of Foreign Affairs said" in page["body"]


def test_published_text_is_normalized(hostile: dict) -> None:
    documents = hostile["first"]["documents"]
    for column in ("title", "body"):
        for value in documents[column].dropna():
            assert "\r" not in value and "\x00" not in value and "\ufeff" not in value


def test_duplicates_name_their_published_original(hostile: dict) -> None:
    documents = hostile["first"]["documents"].set_index("doc_id")
    duplicates = hostile["first"]["quarantine"].query("reason == 'duplicate'")
    assert len(duplicates) == list(hostile["expected"].values()).count("duplicate")
    for row in duplicates.itertuples():
        original = documents.loc[row.doc_id, "source_path"]
        assert original != row.source_path and original in row.detail


def test_too_large_is_named_with_the_limit(hostile: dict) -> None:
    quarantine = hostile["first"]["quarantine"].set_index("source_path")
    assert quarantine.loc["junk/huge.txt", "reason"] == "too_large"
    assert str(MAX_BYTES) in quarantine.loc["junk/huge.txt", "detail"]


# --------------------------------------------------------------------------- library level, no run


def test_fifo_is_never_opened_and_non_utf8_name_is_flagged(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    os.mkfifo(root / "pipe.txt")
    (root / os.fsdecode(b"caf\xe9.txt")).write_text(english_article(1), encoding="utf-8")
    os.mkdir(root / os.fsdecode(b"dir\xff"))
    (root / os.fsdecode(b"dir\xff") / "inside.txt").write_text(english_article(2), encoding="utf-8")
    found = {f.source_path: f for f in discover_files(root)}
    assert {path: f.problem for path, f in found.items()} == {
        "pipe.txt": "not_regular", "caf\\xe9.txt": "bad_name", "dir\\xff": "bad_name"}
    docs, quarantined = ingest_files(found.values(), max_bytes=MAX_BYTES)  # would hang if the pipe were opened
    assert docs.empty and sorted(quarantined["reason"]) == ["bad_name", "bad_name", "not_regular"]


def test_folder_that_cannot_be_listed_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "in"
    (root / "locked").mkdir(parents=True)
    (root / "locked" / "a.txt").write_text(english_article(5), encoding="utf-8")
    (root / "open.txt").write_text(english_article(6), encoding="utf-8")
    real_scandir = os.scandir

    locked = {"locked"}

    def failing_scandir(path):  # root cannot take away its own read permission: fail the listing instead
        # the walk lists folders by descriptor: name the folder it stands for
        folder = Path(os.readlink(f"/proc/self/fd/{path}")) if isinstance(path, int) else Path(path)
        if folder.name in locked:
            raise PermissionError(13, "Permission denied", str(folder))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", failing_scandir)
    found = {f.source_path: (f.problem, f.problem_detail) for f in discover_files(root)}
    assert found == {"open.txt": (None, None),
                     "locked": ("unreadable", "the folder could not be listed: Permission denied")}
    locked.add("in")  # the input folder itself: the run cannot account for anything, so it fails
    with pytest.raises(PermissionError):
        discover_files(root)


@pytest.mark.parametrize("raw", [
    english_article(3).encode("utf-16-le"),
    english_article(3).encode("utf-16-be"),
    english_article(3).encode("utf-16-le")[:-1],  # odd length: the last byte is lost
])
def test_utf16_without_bom_in_latin_script(raw: bytes) -> None:
    decoded = decode_bytes(raw)
    assert decoded.reason is None and decoded.encoding.startswith("utf-16")
    assert normalize_text(decoded.text).startswith(english_article(3).split("\n")[0])


@pytest.mark.parametrize("raw, reason", [
    (bytes(range(32)) * 10, "binary"),
    (b"\x00" * 4096, "binary"),
    (("A" * 50).encode() + b"\x00" * 200, "binary"),
    (b"\xef\xbb\xbf" + "Возвращение".encode("cp1251"), "undecodable"),
])
def test_control_bytes_are_binary_not_text(raw: bytes, reason: str) -> None:
    decoded = decode_bytes(raw)
    assert (decoded.text, decoded.reason) == (None, reason) and decoded.detail


def test_utf8_with_a_stray_byte_keeps_its_text_but_cp1251_is_not_mistaken_for_it() -> None:
    text = russian_article(5)
    raw = text.encode("utf-8")
    damaged = decode_bytes(raw[:301] + b"\xff" + raw[301:])
    assert damaged.encoding == "utf-8" and "\ufffd" in damaged.text
    repaired = damaged.text.replace("\ufffd", "")  # the stray byte may have split a character, losing it
    assert repaired == text or any(repaired == text[:i] + text[i + 1:] for i in range(len(text)))
    legacy = decode_bytes(text.encode("cp1251"))
    assert (legacy.encoding, legacy.text) == ("cp1251", text)


def test_a_few_nul_bytes_inside_text_are_dropped() -> None:
    text = english_article(4)
    decoded = decode_bytes(text.replace("\n\n", "\n\x00\n").encode("utf-8"))
    assert normalize_text(decoded.text) == normalize_text(text.replace("\n\n", "\n\n"))


@pytest.mark.parametrize("html, expected", [
    ("<!doctype html><title>Head | Site</title><p>One &amp; two</p><p>Three</p>", "Head | Site\n\nOne & two\n\nThree"),
    ("<html><head><title>T</title><body><nav>Menu</nav><script>x=1</script><div>Text<br>more</div>",
     "T\n\nText\n\nmore"),
    ("  <!-- saved page --><HTML><BODY><footer>(c) site</footer><p>Only this</p></BODY></HTML>", "Only this"),
    ("<!DOCTYPE html><p>unclosed <b>tags <i>here", "unclosed tags here"),
    ("<html><title>Page</title><svg><title>icon</title></svg><title>second</title><h1>Head</h1>", "Page\n\nHead"),
])
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected
    assert decode_bytes(html.encode("utf-8")).text == expected


def test_markup_inside_plain_text_is_not_treated_as_a_page() -> None:
    text = f"Headline about returnees\n\nThe page showed {SCRIPT_TAG} inside an ordinary paragraph."
    assert decode_bytes(text.encode("utf-8")).text == text
