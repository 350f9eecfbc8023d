"""Ingest stage: input files to documents (id, path, text), or to quarantine rows with a reason.

Duplicates (same text as another file) are quarantined naming the original; documents already in the
warehouse are skipped as unchanged; an edited file supersedes its old document.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import pandas as pd

from etl.ingest.decode import decode_bytes, doc_id_for, normalize_text, sha256_hex
from etl.ingest.files import TRANSIENT_ERRNOS, InputFile, read_limited
from etl.quarantine import quarantine_frame, quarantine_row

log = logging.getLogger(__name__)

DOCUMENT_INPUT_COLUMNS = ["doc_id", "source_path", "content_sha256", "text", "char_count", "encoding"]


def ingest_files(files: Iterable[InputFile], max_bytes: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and decode `files`; return (documents with DOCUMENT_INPUT_COLUMNS, quarantine rows)."""
    documents: list[dict] = []
    quarantined: list[dict] = []
    for item in files:
        if item.problem:
            quarantined.append(quarantine_row(item.source_path, None, "ingest", item.problem, item.problem_detail or "", None))
            continue
        if item.size > max_bytes:
            quarantined.append(quarantine_row(
                item.source_path, None, "ingest", "too_large",
                f"the file has {item.size} bytes, above the limit of {max_bytes} (--max-bytes)", None))
            continue
        try:
            raw = read_limited(item.absolute_path, max_bytes, item.input_root)
        except OSError as error:
            if error.errno in TRANSIENT_ERRNOS:
                raise  # the caller retries; a file is quarantined only for a lasting reason
            quarantined.append(quarantine_row(item.source_path, None, "ingest", "unreadable",
                                              f"the file could not be read: {error.strerror or error}", None))
            continue
        if raw is None:
            quarantined.append(quarantine_row(item.source_path, None, "ingest", "too_large",
                                              f"the file grew above the limit of {max_bytes} bytes while being read", None))
            continue
        raw_sha = sha256_hex(raw)
        decoded = decode_bytes(raw)
        text = normalize_text(decoded.text) if decoded.text is not None else None
        if decoded.reason or not text or not text.strip():
            reason = decoded.reason or "empty"
            detail = decoded.detail or "no text is left after removing control characters and whitespace"
            quarantined.append(quarantine_row(item.source_path, None, "ingest", reason, detail, raw_sha))
            continue
        documents.append({
            "doc_id": doc_id_for(text),
            "source_path": item.source_path,
            "content_sha256": raw_sha,
            "text": text,
            "char_count": len(text),
            "encoding": decoded.encoding,
        })
    for row in quarantined:
        log.warning("quarantined %s: %s (%s)", row["source_path"], row["reason"], row["detail"])
    docs = pd.DataFrame(documents, columns=DOCUMENT_INPUT_COLUMNS)
    docs["char_count"] = docs["char_count"].astype("int64")
    return docs, quarantine_frame(quarantined)


def split_known_and_duplicates(
    docs: pd.DataFrame, published: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop documents already published (same doc_id and path: skipped) and duplicates (same doc_id, other path).

    `published` maps doc_id -> source_path of documents already in the warehouse. Within `docs`, the
    original of a group of identical documents is the one with the smallest source_path, so the choice
    does not depend on the order files were read in. Returns (new documents, duplicate quarantine rows,
    number skipped as unchanged).
    """
    ordered = docs.sort_values("source_path", kind="stable")
    keep: list[int] = []
    duplicates: list[dict] = []
    skipped = 0
    first_path: dict[str, str] = {}
    for index, row in ordered.iterrows():
        doc_id, path = row["doc_id"], row["source_path"]
        original = published.get(doc_id) or first_path.get(doc_id)
        if original is None:
            first_path[doc_id] = path
            keep.append(index)
        elif original == path:
            skipped += 1
        else:
            duplicates.append(quarantine_row(
                path, doc_id, "ingest", "duplicate",
                f"same text as {original}; only that copy is kept", row["content_sha256"]))
    return docs.loc[sorted(keep)].reset_index(drop=True), quarantine_frame(duplicates), skipped


# A file quarantined for one of these reasons may hold the same text as before: its document stays published.
UNKNOWN_CONTENT_REASONS = frozenset({"unreadable"})


def documents_now(quarantined: Iterable[pd.DataFrame], index: pd.DataFrame) -> dict[str, str | None]:
    """source_path -> doc_id of every file this run read (None when the file now holds nothing publishable).

    `quarantined` are the ingest stage's quarantine rows, `index` its documents (doc_id, source_path). Files
    that could not be read at all are left out: an outage of the input store must not unpublish anything.
    """
    current: dict[str, str | None] = {}
    for frame in quarantined:
        for path, reason in zip(frame["source_path"], frame["reason"]):
            if reason not in UNKNOWN_CONTENT_REASONS:
                current[path] = None
    current.update(zip(index["source_path"], index["doc_id"]))
    return current


def superseded_documents(published: pd.DataFrame, current: Mapping[str, str | None]) -> set[str]:
    """doc_ids of published documents whose file now holds other text (or nothing usable).

    `published` has doc_id and source_path of the warehouse's documents; `current` maps each source_path
    seen by this run to its doc_id now (None when the file is quarantined at ingest). A file that is no
    longer in the input supersedes nothing: input folders may be delivered in parts.
    """
    return {doc_id for doc_id, path in zip(published["doc_id"], published["source_path"])
            if path in current and current[path] != doc_id}
