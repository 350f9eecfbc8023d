"""Arrow schemas of the warehouse tables: the contract analysts read.

Changing a column is a deliberate step: edit the schema, bump SCHEMA_VERSION, regenerate warehouse/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa

SCHEMA_VERSION = "5"

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
    "entities": pa.schema([
        ("entity_id", pa.string()), ("doc_id", pa.string()), ("entity_type", pa.string()), ("text", pa.string()),
        ("start", pa.int64()), ("end", pa.int64()), ("canonical_name", pa.string()), ("canonical_id", pa.string()),
        ("confidence", pa.float64()), ("extractor", pa.string()), ("in_title", pa.bool_()),
    ]),
    "facts": pa.schema([
        ("fact_id", pa.string()), ("doc_id", pa.string()), ("value", pa.int64()), ("subject", pa.string()),
        ("qualifier", pa.string()), ("country", pa.string()), ("operation", pa.string()), ("year_from", pa.int64()),
        ("year_to", pa.int64()), ("parent_fact_id", pa.string()), ("same_as_fact_id", pa.string()),
        ("planned", pa.bool_()), ("in_title", pa.bool_()), ("consistency", pa.string()), ("evidence", pa.string()), ("start", pa.int64()), ("end", pa.int64()), ("extractor", pa.string()),
    ]),
    "stories": pa.schema([("story_id", pa.string()), ("doc_id", pa.string()), ("lang", pa.string())]),
    "repatriations": pa.schema([
        ("fact_id", pa.string()), ("doc_id", pa.string()), ("country", pa.string()), ("operation", pa.string()),
        ("year_from", pa.int64()), ("year_to", pa.int64()), ("subject", pa.string()), ("qualifier", pa.string()),
        ("value", pa.int64()), ("parent_fact_id", pa.string()), ("same_as_fact_id", pa.string()),
        ("planned", pa.bool_()), ("is_total", pa.bool_()), ("title", pa.string()),
        ("source_agency", pa.string()),
        ("published_date", pa.date32()), ("lang", pa.string()),
    ]),
    "story_signals": pa.schema([
        ("doc_id", pa.string()), ("lang", pa.string()), ("published_date", pa.date32()),
        ("persons", pa.list_(pa.string())), ("person_blocks", pa.list_(pa.string())),
        ("numbers", pa.list_(pa.int64())), ("names", pa.list_(pa.string())), ("countries", pa.list_(pa.string())),
        ("orgs", pa.list_(pa.string())), ("operations", pa.list_(pa.string())), ("years", pa.list_(pa.int64())),
        ("sketch", pa.list_(pa.int64())), ("facts", pa.list_(pa.string())), ("event_days", pa.list_(pa.string())),
        ("stages", pa.list_(pa.string())), ("places", pa.list_(pa.string())),
    ]),
    "event_mentions": pa.schema([
        ("doc_id", pa.string()),
        ("mentions", pa.list_(pa.struct([
            ("key", pa.string()), ("lang", pa.string()), ("published_date", pa.date32()), ("kind", pa.string()),
            ("country", pa.string()), ("operation", pa.string()), ("stage", pa.string()), ("year", pa.int64()),
            ("month", pa.int64()), ("day_from", pa.int64()), ("day_to", pa.int64()), ("origin", pa.string()),
            ("total", pa.int64()), ("qualifier", pa.string()),
            ("subgroups", pa.list_(pa.struct([("name", pa.string()), ("value", pa.int64())]))),
            ("evidence", pa.string()), ("start", pa.int64()), ("fact_ids", pa.list_(pa.string())),
            ("year_hint", pa.int64()),
        ]))),
        ("passing", pa.list_(pa.struct([
            ("country", pa.string()), ("operation", pa.string()), ("stage", pa.string()), ("month", pa.int64()),
            ("year", pa.int64()), ("figures", pa.list_(pa.int64())),
        ]))),
    ]),
    # events.py: one row per real-world return, merged across documents and languages
    "events": pa.schema([
        ("event_id", pa.string()), ("kind", pa.string()), ("country", pa.string()), ("operation", pa.string()),
        ("stage", pa.string()), ("date_from", pa.date32()), ("date_to", pa.date32()), ("date_precision", pa.string()),
        ("origin_country", pa.string()), ("people", pa.int64()), ("people_low", pa.int64()),
        ("people_high", pa.int64()), ("women", pa.int64()), ("children", pa.int64()), ("men", pa.int64()),
        ("orphans", pa.int64()), ("conflict", pa.bool_()), ("conflict_note", pa.string()),
        ("n_documents", pa.int64()), ("n_languages", pa.int64()), ("first_reported", pa.date32()),
    ]),
    "event_sources": pa.schema([("event_id", pa.string()), ("doc_id", pa.string()), ("fact_id", pa.string())]),
    "runs": pa.schema([
        ("run_id", pa.string()), ("flow_run_id", pa.string()), ("started_at", _TS), ("finished_at", _TS),
        ("status", pa.string()), ("files_seen", pa.int64()), ("published", pa.int64()), ("quarantined", pa.int64()),
        ("skipped_unchanged", pa.int64()), ("parameters", pa.string()),
    ]),
}

COLUMN_DOCS: dict[str, dict[str, str]] = {
    "documents": {
        "doc_id": "sha256 of the normalized text (NFC, \\n newlines, no control or invisible format characters); the join key of every table",
        "source_path": "path of the input file relative to the input folder, POSIX",
        "content_sha256": "sha256 of the raw input bytes",
        "lang": "ISO 639-1 language of the document",
        "lang_confidence": "confidence of the language guess, 0..1",
        "script": "ISO 15924 script: Latn or Cyrl",
        "title": "the headline",
        "body": "article text without the title and site boilerplate; entity and fact offsets point into it",
        "published_date": "publication date when the text states it, else null",
        "source_agency": "the agency or outlet the text credits with the whole report, as the text writes it "
                         "(\"Кабар\", \"KAZINFORM\", \"Tengrinews.kz\"), else null",
        "char_count": "characters in the normalized text",
        "run_id": "run that published the document (join runs.run_id)",
        "ingested_at": "when the run that published this row wrote it (UTC): the run's time, not the article's "
                       "(that is published_date)",
    },
    "quarantine": {
        "source_path": "input file relative to the input folder (null for rows about derived records)",
        "doc_id": "document id, null when the file could not be decoded",
        "stage": "stage that rejected it: ingest, language, fields, validate, ...",
        "reason": "short code: empty, binary, undecodable, too_large, duplicate, symlink, not_regular, unreadable, "
                  "bad_name, no_title, no_body or another check's name (expectations/*.json meta.name)",
        "detail": "a sentence saying what is wrong",
        "raw_sha256": "sha256 of the raw bytes when they were read",
        "run_id": "run that first quarantined it (later runs that meet the same file and reason add no row)",
        "quarantined_at": "when (UTC)",
    },
    "dq_results": {
        "run_id": "run (join runs.run_id)",
        "stage": "stage whose output was checked",
        "suite": "expectation suite name (expectations/<suite>.json)",
        "expectation": "expectation name (meta.name in the suite)",
        "severity": "block, quarantine or record (recorded only: never blocks or quarantines)",
        "success": "true when the expectation held",
        "element_count": "rows checked",
        "unexpected_count": "rows that failed",
        "observed": "observed value or examples of failing values",
        "checked_at": "when (UTC)",
    },
    "entities": {
        "entity_id": "stable id of the canonical entity (same person, country, org or operation in every document and run)",
        "doc_id": "document (join documents.doc_id)",
        "entity_type": "PERSON, ORG, LOC or OPERATION",
        "text": "the mention as written; documents.body[start:end] == text (documents.title[start:end] when in_title)",
        "start": "character offset of the mention in documents.body (documents.title when in_title)",
        "end": "end offset (exclusive) in documents.body (documents.title when in_title)",
        "canonical_name": "one Latin name for every variant, script and case form",
        "canonical_id": "countries: ISO 3166 alpha-2; others: a stable slug such as person:yerzhan-ashikbayev",
        "confidence": "0..1",
        "extractor": "model or rule that found it (natasha, gazetteer:country, rule:operation, ...)",
        "in_title": "true for an entity only the headline names (start/end then point into documents.title); one "
                    "the body also names has only its body rows",
    },
    "facts": {
        "fact_id": "stable id of the counted fact",
        "doc_id": "document (join documents.doc_id)",
        "value": "the counted figure as an integer",
        "subject": "persons, women, children, women_and_children, men, orphans, countries, families, stages, other",
        "qualifier": "exact, more_than, about, at_least, less_than",
        "country": "ISO alpha-2 of the country the same sentence ties to the figure",
        "operation": "canonical name of the operation named in the same sentence",
        "year_from": "first year of the period the sentence gives",
        "year_to": "last year of the period",
        "parent_fact_id": "for a part of a breakdown (145 women of 460 people, or figures that add up to an earlier "
                          "one): the fact_id of the whole",
        "same_as_fact_id": "for a group stated again in the same document: the fact_id of its first mention",
        "planned": "true for an announced return (\"will be repatriated\", \"намерены вернуть\")",
        "consistency": "ok / mismatch (parts exceed the whole, or a stated total differs from its sum) / n/a",
        "in_title": "true for a figure of the headline (start/end then point into documents.title)",
        "evidence": "the sentence holding the figure",
        "start": "character offset of the figure in documents.body (documents.title when in_title)",
        "end": "end offset in documents.body",
        "extractor": "rule that read it",
    },
    "stories": {
        "story_id": "documents telling one story (in any language) share it",
        "doc_id": "document (join documents.doc_id)",
        "lang": "the document's language",
    },
    "repatriations": {
        "fact_id": "the counted fact (join facts.fact_id)",
        "doc_id": "document (join documents.doc_id)",
        "country": "ISO alpha-2",
        "operation": "canonical operation name",
        "year_from": "first year of the period the sentence gives; else, for a done return, the published date's year",
        "year_to": "last year of the period",
        "subject": "who was moved: persons, women, children, women_and_children, men, orphans, families",
        "qualifier": "exact, more_than, about, at_least, less_than",
        "value": "number of people; sum only rows with parent_fact_id and same_as_fact_id null, is_total and planned "
                 "false",
        "parent_fact_id": "set for a part of a breakdown (its whole is another row)",
        "same_as_fact_id": "set for a group the document states again (its first mention is another row)",
        "planned": "true for an announced return, not a done one",
        "is_total": "true for a figure the text marks as a total of other rows (\"Всего ... 551\")",
        "title": "the document's title",
        "source_agency": "the document's agency",
        "published_date": "the document's date",
        "lang": "the document's language",
    },
    "story_signals": {
        "doc_id": "document (join documents.doc_id)",
        "lang": "the document's language",
        "published_date": "the document's date",
        "persons": "persons named, as Latin keys (\"Ержан Ашикбаев\" -> \"erjan ashikbaev\")",
        "person_blocks": "first four letters of every long part of those names (candidate pairs are found by them)",
        "numbers": "figures >= 11 that are not years, and the counted facts' values",
        "names": "words in Latin capitals (acronyms such as GCERF)",
        "countries": "ISO alpha-2 codes of countries named",
        "orgs": "organisations named (canonical id), the publishing agency left out",
        "operations": "operations named (Latin key)",
        "years": "years named",
        "sketch": "bottom-128 hashes of the body's character 5-grams (estimates how alike two bodies are)",
        "facts": "counted facts as home country and value (\"TJ:104\"), exact figures of at least 2 people",
        "event_days": "days of the month the text names, as MM-DD (\"22 октября\" -> \"10-22\"), the publication day left out",
        "stages": "operation stages named, as operation id and stage (\"Mehr-4\" -> \"mehr:4\")",
        "places": "places other than countries (canonical id, or Latin key)",
    },
    "event_mentions": {
        "doc_id": "document (join documents.doc_id); one row per document with repatriations rows",
        "mentions": "its groups of people returned, planned or counted in total, as the events step reads them: "
                    "kind, country, operation, stage, date, origin, figures, evidence, the fact_ids stating them",
        "passing": "its sentences telling a done return of an operation (country, operation, stage, month, year, "
                   "the sentence's figures): they date returns other reports give without a year",
    },
    "events": {
        "event_id": "stable id of the return (the same sources give the same id); join event_sources.event_id",
        "kind": "return (people brought home), planned (announced, not yet done) or total (a cumulative figure "
                "over several returns: never add it to returns)",
        "country": "ISO alpha-2 of the home country of the people (never the country they came from)",
        "operation": "canonical Latin name of the operation (Zhusan, Rusafa, Mehr, Dobro, Aikol, Meerim) or null",
        "stage": "stage or group number as text ('3' for Жусан-3, 'the fourth group' -> '4') or null",
        "date_from": "first day of the return as precisely as the texts date it (null when no text gives the year)",
        "date_to": "last day of the return (7 and 9 May 2019 -> 2019-05-09)",
        "date_precision": "day, month or year: how precise date_from/date_to are; null without a date",
        "origin_country": "where the people were brought from (SY, IQ, AF) when the texts name one place",
        "people": "the total the sources state (the figure most sources give), else the sum of the stated subgroups",
        "people_low": "the lowest total any source states (with people_high: the range when sources disagree)",
        "people_high": "the highest total any source states",
        "women": "women among them, as stated (null when no source says)",
        "children": "children among them, as stated",
        "men": "men among them, as stated",
        "orphans": "orphans among the children, as stated",
        "conflict": "true when sources state different figures for this return (see conflict_note; never averaged)",
        "conflict_note": "which sources say what when they disagree, e.g. 'people: 595 (2 documents: en, ru); 524 (1: kk)'",
        "n_documents": "documents reporting the return",
        "n_languages": "languages of those documents",
        "first_reported": "earliest publication date among them (null when none states one)",
    },
    "event_sources": {
        "event_id": "the event (join events.event_id)",
        "doc_id": "document reporting it (join documents.doc_id)",
        "fact_id": "a counted fact supporting it (join facts.fact_id and repatriations.fact_id)",
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


def to_arrow(frame: pd.DataFrame, table: str, provenance: Mapping[str, str] | None = None) -> pa.Table:
    """Cast `frame` to the table's schema (columns in schema order; missing nullable columns become null).

    The Parquet metadata carries the schema version and `provenance` (code and suite versions) as etl.* keys.
    """
    schema = TABLES[table]
    data = {}
    for field in schema:
        if field.name in frame.columns:
            data[field.name] = _column(frame[field.name], field.type)
        else:
            data[field.name] = pa.nulls(len(frame), type=field.type)
    arrow = pa.table(data, schema=schema)
    metadata = {b"etl.schema_version": SCHEMA_VERSION.encode(), b"etl.table": table.encode(),
                **{f"etl.{key}".encode(): str(value).encode() for key, value in (provenance or {}).items()}}
    return arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **metadata})


def _column(values: pd.Series, arrow_type: pa.DataType) -> pa.Array:
    """`values` as an Arrow array of `arrow_type`; missing values (None, NaN, NaT, NA) become null."""
    converted = _same_kind_column(values, arrow_type)
    if converted is not None:
        return converted
    return pa.array(_plain(values, arrow_type), type=arrow_type, from_pandas=True)


def _same_kind_column(values: pd.Series, arrow_type: pa.DataType) -> pa.Array | None:
    """One Arrow conversion and cast when the values already are of the type's kind (text for text, numbers
    for numbers, booleans for booleans), as the stages' columns are; None otherwise (the value-by-value path)."""
    if not (pa.types.is_string(arrow_type) or pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type)
            or pa.types.is_boolean(arrow_type)):
        return None
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    source = array.type
    if pa.types.is_string(arrow_type):
        same_kind = pa.types.is_string(source) or pa.types.is_large_string(source) or pa.types.is_string_view(source)
    elif pa.types.is_boolean(arrow_type):
        same_kind = pa.types.is_boolean(source)
    else:
        same_kind = pa.types.is_integer(source) or pa.types.is_floating(source)
    if not same_kind and not pa.types.is_null(source):
        return None
    try:
        return array.cast(arrow_type)
    except (pa.ArrowException, TypeError, ValueError):
        return None


def _plain(values: pd.Series, arrow_type: pa.DataType) -> list | pd.Series:
    if pa.types.is_date32(arrow_type):
        return [None if _missing(v) else (v.date() if hasattr(v, "date") and callable(v.date) else v) for v in values]
    if pa.types.is_timestamp(arrow_type):
        return pd.to_datetime(values, utc=True)
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_boolean(arrow_type):
        return [None if _missing(v) else v for v in values]
    if pa.types.is_string(arrow_type):
        return [None if _missing(v) else str(v) for v in values]
    return values


def _missing(value: object) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
