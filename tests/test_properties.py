"""Property tests: any bytes or text in, a record or a clear quarantine reason out, never an exception.

Covers ingest (decode, normalize, a folder of generated files) and what test_fields.py and
test_language.py leave out: text as ingest hands it over (any bytes decoded and normalized), lone
surrogates and control characters, and very long lines.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.fields.extract import DocumentFields, extract_fields
from etl.ingest.decode import DecodedText, decode_bytes, doc_id_for, normalize_text
from etl.ingest.documents import ingest_files, split_known_and_duplicates
from etl.ingest.files import discover_files
from etl.language import LanguageGuess, detect_language

DECODE_REASONS = {"empty", "binary", "undecodable"}
INGEST_REASONS = DECODE_REASONS | {"too_large", "symlink", "not_regular", "unreadable", "bad_name"}
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1251", "koi8_r", "cp1252"]
SAMPLE_TEXT = ("Операция «Жусан»: из Сирии вернули 37 граждан.\r\nҚазақстан азаматтары елге оралды.\n"
               "Kazakhstan returned 595 citizens from Syria.\t\x00\u0301\ufeff")

# Every code point, lone surrogates and C0/C1 controls included.
any_char = st.characters(exclude_categories=())
any_text = st.text(any_char, max_size=300)


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace" if encoding.startswith(("cp", "koi")) else "surrogatepass")


# Bytes that reach the decoder's branches: raw noise, real text in our encodings, BOMs and magic numbers
# glued to noise, truncated text, HTML pages.
hostile_bytes = st.one_of(
    st.binary(max_size=600),
    st.builds(_encoded, st.text(max_size=200) | st.just(SAMPLE_TEXT), st.sampled_from(ENCODINGS)),
    st.builds(lambda prefix, rest: prefix + rest,
              st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00", b"\x89PNG\r\n\x1a\n",
                               b"<!doctype html>", b"<html><body><p>", b"<!-- x --><HTML>"]),
              st.binary(max_size=300) | st.builds(_encoded, st.text(max_size=200), st.sampled_from(ENCODINGS))),
    st.builds(lambda text, cut: text.encode("utf-8")[:cut], st.text(max_size=100), st.integers(0, 400)),
    st.builds(lambda parts: "".join(parts).encode("utf-8"),
              st.lists(st.sampled_from(["<p>", "</p>", "<script>", "</script>", "<nav>", "</nav>", "<title>",
                                        "&amp;", "&#xD800;", "<!--", "-->", "<![CDATA[", "<br/>", "<!doctype html>",
                                        "<", ">", "текст", "text", "\n"]) | st.text(max_size=5), max_size=40)),
)


@settings(max_examples=300, deadline=None)
@given(hostile_bytes)
def test_decode_bytes_gives_text_or_a_reason(raw: bytes) -> None:
    decoded = decode_bytes(raw)
    assert isinstance(decoded, DecodedText)
    if decoded.text is None:
        assert decoded.reason in DECODE_REASONS and decoded.detail and decoded.encoding is None
    else:
        assert isinstance(decoded.text, str) and decoded.reason is None and decoded.encoding


@settings(max_examples=300, deadline=None)
@given(any_text | st.builds(lambda a, b: a + "\r\n" + b, any_text, any_text))
def test_normalize_text_is_idempotent_nfc_without_controls(text: str) -> None:
    normalized = normalize_text(text)
    assert normalize_text(normalized) == normalized
    assert unicodedata.is_normalized("NFC", normalized)
    assert "\r" not in normalized and "\ufeff" not in normalized
    assert all(unicodedata.category(ch) not in ("Cc", "Cs") for ch in normalized.replace("\n", "").replace("\t", ""))
    assert all(line == line.rstrip() for line in normalized.split("\n"))
    assert not normalized.startswith("\n") and not normalized.endswith("\n")
    normalized.encode("utf-8")  # storable: no lone surrogate is left
    assert doc_id_for(normalized) == hashlib.sha256(normalized.encode("utf-8")).hexdigest()


file_names = st.text(st.characters(exclude_characters="/\x00", exclude_categories=("Cs",)), min_size=1, max_size=20).filter(
    lambda name: name not in (".", "..") and len(name.encode("utf-8")) < 200)
file_contents = hostile_bytes | st.builds(lambda text, encoding: text.encode(encoding, errors="replace"),
                                          st.sampled_from([SAMPLE_TEXT, "A", " ", ""]), st.sampled_from(ENCODINGS))


LINK_TARGETS = {"inside": "../d0/{first}", "outside": "/etc/hostname", "dangling": "missing.txt", "folder": ".."}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(file_names, file_contents, max_size=8), st.integers(1, 700),
       st.lists(st.sampled_from(sorted(LINK_TARGETS)), max_size=4))
def test_ingest_files_gives_exactly_one_outcome_per_file(files: dict[str, bytes], max_bytes: int,
                                                         links: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "in"
        for number, (name, content) in enumerate(files.items()):
            subfolder = root / f"d{number % 3}"  # names repeat across folders; paths stay distinct
            subfolder.mkdir(parents=True, exist_ok=True)
            (subfolder / name).write_bytes(content)
        (root / "links").mkdir(parents=True)
        first = next(iter(files), "none")
        for number, kind in enumerate(links):
            os.symlink(LINK_TARGETS[kind].format(first=first), root / "links" / f"{number}-{kind}")
        found = discover_files(root)
        docs, quarantined = ingest_files(found, max_bytes)
    assert len(found) == len(files) + len(links)
    link_reasons = dict(zip(quarantined["source_path"], quarantined["reason"]))
    for number, kind in enumerate(links):
        if kind != "inside" or not files:  # a link inside the root is read like its target
            assert link_reasons[f"links/{number}-{kind}"] == "symlink"
    paths = [f.source_path for f in found]
    assert sorted(paths) == sorted(list(docs["source_path"]) + list(quarantined["source_path"]))
    assert set(quarantined["reason"]) <= INGEST_REASONS
    assert all(detail.strip() for detail in quarantined["detail"])
    for doc in docs.itertuples():
        assert doc.text and normalize_text(doc.text) == doc.text
        assert doc.doc_id == doc_id_for(doc.text) and doc.char_count == len(doc.text)
    fresh, duplicates, skipped = split_known_and_duplicates(docs, {})
    assert skipped == 0 and len(fresh) + len(duplicates) == len(docs) and fresh["doc_id"].is_unique
    published = dict(zip(fresh["doc_id"], fresh["source_path"]))
    again, duplicates_again, skipped_again = split_known_and_duplicates(docs, published)
    assert again.empty and skipped_again == len(fresh)
    assert sorted(duplicates_again["source_path"]) == sorted(duplicates["source_path"])


@settings(max_examples=200, deadline=None)
@given(any_text, st.sampled_from([None, "en", "ru", "kk", "ky", "uz", "xx", ""]))
def test_language_and_fields_take_any_text_with_surrogates_and_controls(text: str, lang: str | None) -> None:
    guess = detect_language(text)
    assert isinstance(guess, LanguageGuess) and 0.0 <= guess.confidence <= 1.0
    assert isinstance(extract_fields(text, lang), DocumentFields)


@settings(max_examples=200, deadline=None)
@given(hostile_bytes)
def test_any_bytes_through_decode_language_and_fields(raw: bytes) -> None:
    decoded = decode_bytes(raw)
    if decoded.text is None:
        return
    text = normalize_text(decoded.text)
    guess = detect_language(text)
    fields = extract_fields(text, guess.lang)
    assert fields.title is None or (fields.title.strip() and "\n" not in fields.title)
    # ISO 639-1 or unknown: a language with only a three-letter code (krc, sah, ...) is reported as None.
    assert guess.lang is None or (len(guess.lang) == 2 and guess.lang.isalpha() and guess.lang.islower())
    assert 0.0 <= guess.confidence <= 1.0


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([" ".join(SAMPLE_TEXT.split()), "слово ", "word ", "Ә"]), st.integers(20_000, 200_000))
def test_one_very_long_line(piece: str, length: int) -> None:
    text = normalize_text((piece * (length // len(piece) + 1))[:length])
    assert "\n" not in text
    assert isinstance(detect_language(text), LanguageGuess)
    fields = extract_fields(text, "ru")
    assert fields.title is None or len(fields.title) <= 250
