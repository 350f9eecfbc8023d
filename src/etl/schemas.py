"""Arrow schemas of the warehouse tables: the contract analysts read.

Changing a column is a deliberate step: edit the schema, bump SCHEMA_VERSION, regenerate warehouse/README.md.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"

_TS = pa.timestamp("us", tz="UTC")

TABLES: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("doc_id", pa.string()), ("source_path", pa.string()), ("content_sha256", pa.string()),
        ("lang", pa.string()), ("lang_confidence", pa.float64()), ("script", pa.string()),
        ("title", pa.string()), ("body", pa.string()), ("published_date", pa.date32()),
        ("source_agency", pa.string()), ("char_count", pa.int64()), ("run_id", pa.string()), ("ingested_at", _TS),
    ]),
    "quarantine": pa.schema([
        ("source_path", pa.string()), ("doc_id", pa.string()), ("stage", pa.string()), ("reason", pa.string()),
        ("detail", pa.string()), ("raw_sha256", pa.string()), ("run_id", pa.string()), ("quarantined_at", _TS),
    ]),
    "dq_results": pa.schema([
        ("run_id", pa.string()), ("stage", pa.string()), ("suite", pa.string()), ("expectation", pa.string()),
        ("severity", pa.string()), ("success", pa.bool_()), ("element_count", pa.int64()),
        ("unexpected_count", pa.int64()), ("observed", pa.string()), ("checked_at", _TS),
    ]),
    "runs": pa.schema([
        ("run_id", pa.string()), ("flow_run_id", pa.string()), ("started_at", _TS), ("finished_at", _TS),
        ("status", pa.string()), ("files_seen", pa.int64()), ("published", pa.int64()), ("quarantined", pa.int64()),
        ("skipped_unchanged", pa.int64()), ("parameters", pa.string()),
    ]),
}

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "sha256 of the normalized text (NFC, \\n newlines); the join key of every table",
        "source_path": "path of the input file relative to the input folder, POSIX",
        "content_sha256": "sha256 of the raw input bytes",
        "lang": "ISO 639-1 language of the document",
        "lang_confidence": "confidence of the language guess, 0..1",
        "script": "ISO 15924 script: Latn or Cyrl",
        "title": "the headline",
        "body": "article text without the title and site boilerplate; entity and fact offsets point into it",
        "published_date": "publication date when the text states it, else null",
        "source_agency": "news agency named by the text, else null",
        "char_count": "characters in the normalized text",
        "run_id": "run that published the document (join runs.run_id)",
        "ingested_at": "when the document was published (UTC)",
    },
    "quarantine": {
        "source_path": "input file relative to the input folder (null for rows about derived records)",
        "doc_id": "document id, null when the file could not be decoded",
        "stage": "stage that rejected it: ingest, language, fields, validate, ...",
        "reason": "short code: empty, binary, undecodable, too_large, duplicate, symlink, no_title or a check name",
        "detail": "a sentence saying what is wrong",
        "raw_sha256": "sha256 of the raw bytes when they were read",
        "run_id": "run that quarantined it",
        "quarantined_at": "when (UTC)",
    },
    "dq_results": {
        "run_id": "run (join runs.run_id)",
        "stage": "stage whose output was checked",
        "suite": "expectation suite name (expectations/<suite>.json)",
        "expectation": "expectation name (meta.name in the suite)",
        "severity": "block or quarantine",
        "success": "true when the expectation held",
        "element_count": "rows checked",
        "unexpected_count": "rows that failed",
        "observed": "observed value or examples of failing values",
        "checked_at": "when (UTC)",
    },
    "runs": {
        "run_id": "run id",
        "flow_run_id": "Prefect flow run id",
        "started_at": "start (UTC)",
        "finished_at": "end (UTC)",
        "status": "completed",
        "files_seen": "files found under the input folder",
        "published": "documents published by this run",
        "quarantined": "input files quarantined by this run",
        "skipped_unchanged": "files whose document was already published",
        "parameters": "run parameters as JSON",
    },
}


def register_table(name: str, schema: pa.Schema, docs: dict[str, str]) -> None:
    """Add a table defined by a later stage (entities, facts, ...) to the warehouse contract."""
    TABLES[name] = schema
    COLUMN_DOCS[name] = docs
