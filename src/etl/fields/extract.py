"""Field extraction: headline, cleaned body, publication date and publishing agency of a news text.

Every extractor is a small fallback chain over the text's lines and returns None rather than guess:
`title` (headline), `dates` (dateline), `body` (article text without `boilerplate`), `agency` (publisher).
Phrase lists (navigation, end-of-article markers, photo-credit words, months, agency gazetteer and
attribution cues) live in ``etl/data/boilerplate.json``, read by `phrases`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from etl.fields.agency import extract_source_agency
from etl.fields.body import extract_body
from etl.fields.dates import is_byline, leading_dateline, locate_dateline
from etl.fields.phrases import strip_line
from etl.fields.title import clean_title, locate_title

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentFields:
    """Fields extracted from one article text."""

    title: str | None
    body: str
    published_date: dt.date | None
    source_agency: str | None


def extract_published_date(lines: Sequence[str], lang: str | None = None) -> dt.date | None:
    """Publication date from a standalone dateline near the top, or a labelled one at the end; None if not stated.

    Order: a dateline among the first non-empty lines up to DATELINE_LINES past the headline (regex, then
    dateparser on short lines with a literal year), then a line starting with a publish label ("Опубликовано:")
    among the last TAIL_LINES, then the numeric date of a dateline opening one of the first paragraphs
    ("Бишкек, 26.12.24. /Кабар/. ...").
    Dates inside sentences ("met on September 19, 2016 in New York") are event dates and never count.
    """
    title_index = locate_title(lines)
    found = locate_dateline(lines, lang, title_index=title_index)
    return found[1] if found is not None else leading_dateline(lines, lang, title_index)


def extract_fields(text: str, lang: str | None) -> DocumentFields:
    """Title, boilerplate-free body, published date and source agency of one article text."""
    lines = text.split("\n")
    title_index = locate_title(lines)
    title = None if title_index is None else clean_title(strip_line(lines[title_index]))
    dateline = locate_dateline(lines, lang, title_index=title_index)
    skip = {title_index} if title_index is not None else set()
    if dateline is not None and not is_byline(lines[dateline[0]]):  # a byline's author stays for the entities
        skip.add(dateline[0])
    if title is not None:
        first_word = title.split(" ", 1)[0]  # a line that is the title once its spaces are collapsed holds this
        skip.update(index for index, raw in enumerate(lines) if first_word in raw and " ".join(raw.split()) == title)
    body = extract_body(lines, start=0 if title_index is None else title_index + 1, skip=skip)
    return DocumentFields(
        title=title,
        body=body,
        published_date=dateline[1] if dateline is not None else leading_dateline(lines, lang, title_index),
        source_agency=extract_source_agency(text),
    )


def add_fields(docs: pd.DataFrame, text_column: str = "text", lang_column: str = "lang") -> pd.DataFrame:
    """Return a copy with columns title, body, published_date (python date or None, object dtype), source_agency."""
    langs: Iterable[Any] = docs[lang_column] if lang_column in docs.columns else [None] * len(docs)
    extracted = [
        extract_fields(text if isinstance(text, str) else "", lang if isinstance(lang, str) and lang else None)
        for text, lang in zip(docs[text_column], langs, strict=True)
    ]
    out = docs.copy()
    for column in ("title", "body", "published_date", "source_agency"):
        out[column] = pd.Series([getattr(fields, column) for fields in extracted], index=docs.index, dtype=object)
    logger.debug(
        "fields: %d docs, %d titles, %d dates, %d agencies",
        len(extracted),
        sum(fields.title is not None for fields in extracted),
        sum(fields.published_date is not None for fields in extracted),
        sum(fields.source_agency is not None for fields in extracted),
    )
    return out
