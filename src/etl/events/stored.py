"""The `event_mentions` table: what each document tells the events, stored with the document.

A document's mentions and passing mentions depend on its own rows and text only, so the facts task computes them
once, beside the document's repatriations rows, and the events step of every later run reads these rows instead
of every published text (`etl.events.build.events_from_documents` does the cross-document part). Story ids are
not stored: stories are recomputed over the whole warehouse, so the events step sets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

import pandas as pd
import pyarrow as pa

from etl.events.mentions import DocumentEvents, Mention

EVENT_MENTION_COLUMNS = ["doc_id", "mentions", "passing"]
# the Mention fields stored as they are (the rest: doc_id is the row's, days and subgroups are split, story_id
# is set by the events step)
_PLAIN_FIELDS = ("key", "lang", "published_date", "kind", "country", "operation", "stage", "year", "month",
                 "origin", "total", "qualifier", "evidence", "start", "fact_ids", "year_hint")


def event_mention_rows(documents: Mapping[str, DocumentEvents]) -> pd.DataFrame:
    """One `event_mentions` row per document (EVENT_MENTION_COLUMNS), by doc_id."""
    rows = [{"doc_id": doc_id, "mentions": [_mention_row(m) for m in found.mentions],
             "passing": [{k: v for k, v in row.items() if k != "doc_id"} for row in found.passing]}
            for doc_id, found in sorted(documents.items())]
    return pd.DataFrame(rows, columns=EVENT_MENTION_COLUMNS)


def documents_from_rows(tables: Iterable[pa.Table], skip: Iterable[str] = ()) -> dict[str, DocumentEvents]:
    """The DocumentEvents of `event_mentions` rows (Arrow tables of its columns), by doc_id, but those of `skip`."""
    skip = set(skip)
    out: dict[str, DocumentEvents] = {}
    for table in tables:
        for doc_id, mentions, passing in zip(table.column("doc_id").to_pylist(), table.column("mentions").to_pylist(),
                                             table.column("passing").to_pylist()):
            if doc_id in skip:
                continue
            out[doc_id] = DocumentEvents([_mention(doc_id, m) for m in mentions or []],
                                         [_passing_row(doc_id, row) for row in passing or []])
    return out


def _mention_row(m: Mention) -> dict:
    row = {name: getattr(m, name) for name in _PLAIN_FIELDS}
    row["day_from"], row["day_to"] = m.days if m.days is not None else (None, None)
    # a list of pairs: the subgroups' order is the order the text gave them in
    row["subgroups"] = [{"name": name, "value": value} for name, value in m.subgroups.items()]
    return row


def _mention(doc_id: str, row: dict) -> Mention:
    published = row["published_date"]
    return Mention(
        doc_id=doc_id, story_id=None,
        days=(row["day_from"], row["day_to"]) if row["day_from"] is not None else None,
        subgroups={pair["name"]: pair["value"] for pair in row["subgroups"] or []},
        **{name: row[name] for name in _PLAIN_FIELDS if name not in ("published_date", "fact_ids")},
        published_date=published if published is None or type(published) is date else published.date(),
        fact_ids=list(row["fact_ids"] or []),
    )


def _passing_row(doc_id: str, row: dict) -> dict:
    return {"doc_id": doc_id, "country": row["country"], "operation": row["operation"], "stage": row["stage"],
            "month": row["month"], "year": row["year"], "figures": tuple(row["figures"] or ())}
