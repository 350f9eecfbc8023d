"""Ingest: decoding, normalization, discovery (symlinks), duplicates and skips."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from etl.ingest.decode import decode_bytes, doc_id_for, normalize_text
from etl.ingest.documents import ingest_files, split_known_and_duplicates
from etl.ingest.files import discover_files

RUSSIAN = "Операция «Жусан»: казахстанский опыт реабилитации граждан из зон боевых конфликтов."
RUSSIAN_PLAIN = "Более 700 женщин и детей вернулись из Сирии и Ирака, сообщает пресс-служба МИД."
KAZAKH = "Қазақстан азаматтарын Сириядан елге қайтару операциясы «Жұсан» деп аталды."


@pytest.mark.parametrize("raw, expected_text, expected_encoding", [
    (RUSSIAN.encode("utf-8"), RUSSIAN, "utf-8"),
    (b"\xef\xbb\xbf" + RUSSIAN.encode("utf-8"), RUSSIAN, "utf-8"),
    (RUSSIAN.encode("utf-16"), RUSSIAN, "utf-16"),
    (RUSSIAN.encode("utf-16-le"), RUSSIAN, "utf-16-le"),
    (RUSSIAN.encode("utf-16-be"), RUSSIAN, "utf-16-be"),
    (RUSSIAN.encode("cp1251"), RUSSIAN, "cp1251"),
    (RUSSIAN_PLAIN.encode("koi8-r"), RUSSIAN_PLAIN, "koi8_r"),
    (RUSSIAN_PLAIN.encode("cp1251"), RUSSIAN_PLAIN, "cp1251"),
    (KAZAKH.encode("utf-8"), KAZAKH, "utf-8"),
    ("Kazakhstan returned 595 citizens.".encode("ascii"), "Kazakhstan returned 595 citizens.", "utf-8"),
])
def test_decode_known_encodings(raw: bytes, expected_text: str, expected_encoding: str) -> None:
    decoded = decode_bytes(raw)
    assert decoded.reason is None
    assert normalize_text(decoded.text) == expected_text
    assert decoded.encoding.replace("-", "_").startswith(expected_encoding.replace("-", "_")[:6])


@pytest.mark.parametrize("raw, reason", [
    (b"", "empty"),
    (b"   \n\t\r\n  ", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "binary"),
    (bytes(range(256)) * 40, "binary"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "binary"),
])
def test_decode_rejects_with_reason(raw: bytes, reason: str) -> None:
    decoded = decode_bytes(raw)
    assert decoded.text is None
    assert decoded.reason == reason
    assert decoded.detail


def test_utf8_truncated_inside_a_character_keeps_the_complete_text() -> None:
    raw = KAZAKH.encode("utf-8")
    cut = raw[:-1] if raw[-1] >= 0x80 else (KAZAKH + "ә").encode("utf-8")[:-1]
    decoded = decode_bytes(cut)
    assert decoded.reason is None
    assert decoded.text.startswith("Қазақстан")


def test_normalize_text_nfc_newlines_controls() -> None:
    decomposed = "Жусан\r\nЙ\u0306".replace("Й\u0306", "И\u0306")  # И + combining breve -> Й in NFC
    text = normalize_text("\ufeff" + decomposed + "\x00 \r\n\r\nend\x07  ")
    assert text == "Жусан\nЙ\n\nend"
    assert normalize_text("a\rb") == "a\nb"


def test_doc_id_is_sha256_of_normalized_text() -> None:
    one = normalize_text("Title\r\nBody")
    two = normalize_text("Title\nBody  ")
    assert doc_id_for(one) == doc_id_for(two)
    assert len(doc_id_for(one)) == 64


def test_discover_flags_symlinks_and_never_leaves_root(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "nested" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text("Article A", encoding="utf-8")
    (root / "nested" / "deeper" / "b.txt").write_text("Article B", encoding="utf-8")
    (root / "x.txt").mkdir()  # a folder named like a file
    (root / "x.txt" / "c.txt").write_text("Article C", encoding="utf-8")
    outside = tmp_path / "secret.txt"
    outside.write_text("outside the root", encoding="utf-8")
    os.symlink(outside, root / "leak.txt")
    os.symlink(root / "a.txt", root / "alias.txt")
    os.symlink(root, root / "nested" / "loop")
    found = {f.source_path: f for f in discover_files(root)}
    assert set(found) == {"a.txt", "alias.txt", "leak.txt", "nested/deeper/b.txt", "nested/loop", "x.txt/c.txt"}
    assert found["leak.txt"].problem == "symlink"
    assert found["nested/loop"].problem == "symlink"
    assert found["alias.txt"].problem is None  # inside the root: read like the file it points to
    docs, quarantined = ingest_files(found.values(), max_bytes=1000)
    assert "outside the root" not in " ".join(docs["text"])
    assert set(quarantined["source_path"]) == {"leak.txt", "nested/loop"}
    assert set(docs["source_path"]) == {"a.txt", "alias.txt", "nested/deeper/b.txt", "x.txt/c.txt"}


def test_oversized_file_is_quarantined_without_reading(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "big.txt").write_bytes(b"a" * 5000)
    (root / "small.txt").write_text("Small article", encoding="utf-8")
    docs, quarantined = ingest_files(discover_files(root), max_bytes=1000)
    assert list(docs["source_path"]) == ["small.txt"]
    assert quarantined.loc[0, "reason"] == "too_large"
    assert "1000" in quarantined.loc[0, "detail"]


def test_duplicates_and_unchanged_documents(tmp_path: Path) -> None:
    root = tmp_path / "in"
    root.mkdir()
    (root / "b.txt").write_text("Same story", encoding="utf-8")
    (root / "a.txt").write_text("Same story\r\n", encoding="utf-8")  # same text once normalized
    (root / "c.txt").write_text("Other story", encoding="utf-8")
    docs, _ = ingest_files(discover_files(root), max_bytes=1000)
    fresh, duplicates, skipped = split_known_and_duplicates(docs, {})
    assert sorted(fresh["source_path"]) == ["a.txt", "c.txt"]
    assert duplicates.loc[0, "source_path"] == "b.txt" and "a.txt" in duplicates.loc[0, "detail"]
    assert skipped == 0
    published = dict(zip(fresh["doc_id"], fresh["source_path"]))
    again, duplicates_again, skipped_again = split_known_and_duplicates(docs, published)
    assert again.empty and skipped_again == 2 and list(duplicates_again["source_path"]) == ["b.txt"]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Kyr\u200bgyz\u200bstan repatriates 50 children", "Kyrgyzstan repatriates 50 children"),  # zero-width spaces
    ("Қазақ\u2060стан\u00adға", "Қазақстанға"),  # word joiner, soft hyphen (kk)
    ("O\u2018zbekiston\u200d fuqarolari", "O\u2018zbekiston fuqarolari"),  # ZWJ in Latin script (uz)
    ("Тоҷи\u200cкистон", "Тоҷикистон"),  # ZWNJ in Cyrillic (tg) splits the word only
    ("press \u202egnp.exe\u202c release", "press gnp.exe release"),  # right-to-left override and its pop
    ("\u2067ISOLATE\u2069 \u202bEMBED\u202c \u200fRLM\u200e", "ISOLATE EMBED RLM"),
    ("title\ufeff", "title"),
])
def test_normalize_text_drops_invisible_format_characters(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("text", [
    "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian: ZWNJ between letters of one word
    "\u0915\u094d\u200d\u0937",  # Devanagari: ZWJ shapes a conjunct
])
def test_normalize_text_keeps_joiners_where_a_script_needs_them(text: str) -> None:
    assert normalize_text(text) == unicodedata.normalize("NFC", text)


def test_invisible_characters_do_not_change_the_document_id() -> None:
    plain = normalize_text("Кыргызстан вернул 40 детей\n\nТекст статьи.")
    assert doc_id_for(normalize_text("Кыр\u200bгыз\u200bстан вернул 40 детей\u202c\n\nТекст\u00ad статьи.")) == doc_id_for(plain)
