"""The facts stage's records: `Draft` (a number read in its sentence) and `Fact` (a row of the facts table)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Draft:
    """A number that counts something, before ids, attribution and breakdowns; offsets into the body."""

    start: int
    end: int
    value: int
    subject: str
    qualifier: str
    extractor: str
    sentence_index: int  # which sentence of the body (`sentence_spans` order)
    noun_end: int


@dataclass(frozen=True)
class Fact:
    """One counted figure of one document; `body[start:end]` (`title[start:end]` when in_title) is the number."""

    fact_id: str
    doc_id: str
    value: int
    subject: str
    qualifier: str
    country: str | None
    operation: str | None
    year_from: int | None
    year_to: int | None
    parent_fact_id: str | None
    same_as_fact_id: str | None  # a repeated mention of a group: the fact_id of its first mention
    planned: bool  # an announced return, not a done one
    in_title: bool  # start/end point into the document's title, not its body
    consistency: str
    evidence: str
    start: int
    end: int
    extractor: str


def fact_id(doc_id: str, start: int, end: int, value: int) -> str:
    """Stable id of a fact: hash of where it is and what it says."""
    return hashlib.sha1(f"{doc_id}|{start}|{end}|{value}".encode()).hexdigest()[:16]
