"""Entities as a hand annotator (or a perfect extractor) would give them, for story tests."""

from __future__ import annotations

import pandas as pd


def hand_entities(docs: pd.DataFrame, spec: dict[str, list[tuple[str, str, str | None]]]) -> pd.DataFrame:
    """Entity rows for `spec`: doc_id -> [(entity_type, text as written in the body, canonical_id or None)]."""
    rows = []
    for doc in docs.itertuples():
        for kind, text, canonical_id in spec.get(doc.doc_id, []):
            start = doc.body.find(text)
            rows.append({"entity_id": f"{doc.doc_id}:{start}", "doc_id": doc.doc_id, "entity_type": kind,
                         "text": text, "start": start, "end": start + len(text), "canonical_name": text,
                         "canonical_id": canonical_id, "confidence": 1.0, "extractor": "hand"})
    return pd.DataFrame(rows)
