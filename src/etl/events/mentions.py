"""One document's return figures as mentions: a group of people with its figures, kind, stage, date and origin.

A mention is a top-level `repatriations` row (a whole) with its breakdown parts, or several top-level subgroup
figures of one sentence ("62 children and 21 women returned": one group of 83). A repeated mention of a group
(`same_as_fact_id`, when the facts carry it) joins its first mention. Its kind:
- no return at all (skipped) when the figure's clause wishes, asks, demands or denies a return;
- `planned` when the clause plans or expects it;
- `total` when it adds up several returns: a stated total that is no breakdown's whole, a span of years
  ("2017 yildan 2020 yilgacha"), or a cumulative cue ("since", "in recent years", "буга чейин");
- `return` otherwise.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from etl.entities.canonical import canonical_operation
from etl.events.lexicon import (
    CUMULATIVE_RE,
    DATE_RE,
    MONTHS,
    MULTI_STAGE_RE,
    NAMED_STAGE_RE,
    NOT_A_RETURN_RE,
    NUMBERED_GROUP_RE,
    ORDINAL_GROUP_RE,
    ORDINALS,
    ORIGIN_RES,
    PLANNED_RE,
    TOTAL_MARKER_RE,
    YEAR_RANGE_RE,
)
from etl.facts.lexicon import CONFLICT_ZONES, has_return_cue
from etl.facts.reading import clause_spans

SUBGROUPS = ("women", "children", "men", "orphans")
# the documents' texts for events: a frame (doc_id, body), or a function giving the (doc_id, body) pairs of the
# doc_ids it is asked for, read a batch at a time, so that a whole warehouse's texts are never in memory at once
Bodies = Callable[[Collection[str]], Iterable[tuple[str, object]]]
# subjects whose figure is the whole group ("104 women and children" is everyone who came)
WHOLE_SUBJECTS = ("persons", "women_and_children")


@dataclass
class Mention:
    """One group of people as one document states it, with every fact that states it."""

    key: str  # the head fact_id: a content hash, so ordering by it does not depend on input order
    doc_id: str
    lang: str | None
    story_id: str | None
    published_date: date | None
    kind: str
    country: str | None
    operation: str | None
    stage: str | None
    year: int | None
    month: int | None
    days: tuple[int, int] | None
    origin: str | None
    total: int | None
    qualifier: str
    subgroups: dict[str, int]
    evidence: str
    start: int
    fact_ids: list[str] = field(default_factory=list)
    year_hint: int | None = None  # the publication year of a just-reported return that states no year

    @property
    def people(self) -> int | None:
        """The stated total, else the sum of the stated subgroups (orphans are children)."""
        if self.total is not None:
            return self.total
        parts = [self.subgroups.get(k) for k in ("women", "children", "men")]
        if not any(p is not None for p in parts):
            return self.subgroups.get("orphans")
        return sum(p for p in parts if p is not None)

    def figures(self) -> dict[str, int]:
        """Every figure the mention states, by what it counts ('people' for the whole group)."""
        out = dict(self.subgroups)
        if self.people is not None:
            out["people"] = self.people
        return out


@dataclass
class DocumentEvents:
    """What one document tells the events: its mentions (story ids not set) and its passing mentions (rows of
    `etl.events.passing.PASSING_COLUMNS` but doc_id, as dicts)."""

    mentions: list[Mention]
    passing: list[dict]


def mention_records(repatriations: pd.DataFrame, facts: pd.DataFrame) -> dict[str, list[dict]]:
    """Each document's repatriations rows joined with their facts' evidence, offsets and repeats: dicts (missing
    values None) in `text_order`, by doc_id; rows without a fact left out."""
    fact_columns = [c for c in ("fact_id", "evidence", "start", "same_as_fact_id") if c in facts.columns]
    rows = repatriations.drop(columns=[c for c in ("same_as_fact_id",) if c in repatriations.columns
                                       and "same_as_fact_id" in fact_columns])
    rows = rows.merge(facts[fact_columns].drop_duplicates("fact_id"), on="fact_id", how="inner")
    rows = rows.astype(object).where(rows.notna(), None)
    # one conversion to dicts for all documents: a DataFrame sorted and converted per document cost more
    # than reading the mentions
    by_document: dict[str, list[dict]] = {}
    for record in rows.to_dict("records"):
        if record["doc_id"] is not None:
            by_document.setdefault(record["doc_id"], []).append(record)
    for records in by_document.values():
        records.sort(key=text_order)
    return by_document


def document_bodies(documents: pd.DataFrame | Bodies | None, doc_ids: Collection[str]
                    ) -> Iterator[tuple[str, object]]:
    """(doc_id, body) of the documents of `doc_ids` in `documents` (a frame or a Bodies function), in its order;
    a doc_id given twice is read twice (the last one counts); nothing when there are no bodies."""
    if documents is None or not doc_ids:
        return
    if callable(documents):
        yield from documents(doc_ids)
    elif "body" in documents.columns:
        yield from ((d, b) for d, b in zip(documents["doc_id"], documents["body"]) if d in doc_ids)


def text_order(row: dict) -> tuple:
    """Sort key of a repatriations row: (start, fact_id), missing values last (as pandas sorts them)."""
    start, fact_id = row.get("start"), row.get("fact_id")
    return (start is None, 0 if start is None else start, fact_id is None, fact_id or "")


def document_mentions(records: list[dict], body: str | None) -> list[Mention]:
    """The mentions of one document's repatriations rows (joined with facts' evidence and offsets; dicts, missing
    values None, in `text_order`), in text order."""
    by_id = {r["fact_id"]: r for r in records}
    repeat_of = {fid: r.get("same_as_fact_id") for fid, r in by_id.items()
                 if isinstance(r.get("same_as_fact_id"), str) and r.get("same_as_fact_id") in by_id}

    def root(fact_id: str) -> str:
        seen = set()
        while fact_id not in seen:
            seen.add(fact_id)
            row = by_id[fact_id]
            parent = row.get("parent_fact_id")
            nxt = repeat_of.get(fact_id) or (parent if isinstance(parent, str) and parent in by_id
                                             and not _subset_of(row, by_id[parent])
                                             and not _inside_a_total(row, by_id[parent]) else None)
            if nxt is None:
                return fact_id
            fact_id = nxt
        return fact_id

    members: dict[str, list[str]] = {}
    for fact_id in by_id:
        members.setdefault(root(fact_id), []).append(fact_id)

    mentions: list[Mention] = []
    current: Mention | None = None
    for head_id in sorted(members, key=lambda f: (by_id[f]["start"], f)):
        head = by_id[head_id]
        same_sentence = current is not None and current.evidence == _normalized(head["evidence"])
        if same_sentence and _joins(current, head, members[head_id], by_id):
            current.fact_ids += members[head_id]
            _add_figures(current, head, members[head_id], by_id)
            continue
        if same_sentence and head["subject"] == "families":
            current.fact_ids += members[head_id]
            continue
        if isinstance(head.get("parent_fact_id"), str) and head["parent_fact_id"] in by_id:
            # a group the text places inside a cumulative total ("300 since 2019 ... the first group, 89 children")
            # is a return of its own, told by the total's sentence; the total's years are not its own
            whole = by_id[head["parent_fact_id"]]
            same_years = (_int(head.get("year_from")), _int(head.get("year_to"))) == (
                _int(whole.get("year_from")), _int(whole.get("year_to")))
            head = {**head, "inside_total": True, **({"year_from": None, "year_to": None} if same_years else {})}
        mention = _new_mention(head, members[head_id], by_id, body)
        if mention is None:
            continue
        mentions.append(mention)
        current = mention
    mentions = [m for m in mentions if m.people is not None]
    # a figure the document also gives as a cumulative total is that total again ("с 2019 по 2024 год ... 382
    # человека", then "382 человека вернули")
    totals = {(m.country, m.people) for m in mentions if m.kind == "total"}
    for m in mentions:
        if m.kind == "return" and (m.country, m.people) in totals:
            m.kind, m.year = "total", None
    return mentions


def _inside_a_total(part: dict, whole: dict) -> bool:
    """A part of a cumulative total (`is_total`) is a group of its own, not a breakdown of one group."""
    return bool(whole.get("is_total")) and not bool(part.get("is_total"))


def _subset_of(part: dict, whole: dict) -> bool:
    """A part counting the same kind of people as its whole is a subset ("800 people: 382 returned"), not a
    breakdown of the group: the whole is then no returned group, the part is."""
    return part["subject"] == whole["subject"] and part["subject"] in WHOLE_SUBJECTS


def _joins(current: Mention, head: dict, member_ids: list[str], by_id: dict) -> bool:
    """A top-level figure of the same sentence joins the group before it: a new subgroup, or the same figure again."""
    subject, value = head["subject"], int(head["value"])
    if subject in WHOLE_SUBJECTS:
        return current.total == value
    if subject not in SUBGROUPS:
        return False
    if subject not in current.subgroups:
        return current.total is None or sum(current.subgroups.values()) + value <= current.total
    # "156 баланың 18-і": a smaller figure of the same subgroup right after it is a part of it
    return value <= current.subgroups[subject] and len(current.subgroups) == 1 and current.total is None


def _add_figures(mention: Mention, head: dict, member_ids: list[str], by_id: dict) -> None:
    subject, value = head["subject"], int(head["value"])
    if subject in SUBGROUPS and subject not in mention.subgroups:
        mention.subgroups[subject] = value
        for fact_id in member_ids:
            part = by_id[fact_id]
            if fact_id != head["fact_id"] and part["subject"] == "orphans" and subject == "children":
                mention.subgroups.setdefault("orphans", int(part["value"]))


def _new_mention(head: dict, member_ids: list[str], by_id: dict, body: str | None) -> Mention | None:
    scope, part = _scopes(head, body)
    # the facts stage marks announced returns (`planned`); without that column, the clause's cues decide
    planned = bool(head["planned"]) if head.get("planned") is not None else bool(PLANNED_RE.search(scope))
    if not (has_return_cue(scope) or planned or head.get("inside_total")) or NOT_A_RETURN_RE.search(scope):
        return None
    subject, value = head["subject"], int(head["value"])
    if subject not in WHOLE_SUBJECTS and subject not in SUBGROUPS:
        return None
    parts = [by_id[f] for f in member_ids if f != head["fact_id"] and by_id[f].get("parent_fact_id") is not None]
    subgroups = _subgroups(head, parts)
    year_from, year_to = _int(head.get("year_from")), _int(head.get("year_to"))
    span = YEAR_RANGE_RE.search(scope)
    cumulative = (bool(CUMULATIVE_RE.search(scope)) or span is not None
                  or (year_from is not None and (year_to is None or year_to != year_from))
                  or ((bool(head.get("is_total")) or bool(TOTAL_MARKER_RE.search(scope))) and not parts))
    month, days, date_year = first_date(scope)
    if month is None:
        month, days, date_year = first_date(part)
    stage = stated_stage(scope, operation_name(head.get("operation"))) or stated_stage(part, None)
    cumulative = (cumulative or bool(MULTI_STAGE_RE.search(scope))
                  # "more than 700 were brought back": a rounded figure with no date and no stage sums returns
                  or (str(head.get("qualifier")) == "more_than" and month is None and stage is None))
    kind = "planned" if planned else "total" if cumulative else "return"
    year = year_from if year_from is not None and year_from == year_to else date_year
    operation = operation_name(head.get("operation"))
    country = head.get("country") if isinstance(head.get("country"), str) else None
    published = head.get("published_date")
    published = None if published is None or pd.isna(published) else pd.Timestamp(published).date()
    return Mention(
        key=str(head["fact_id"]), doc_id=str(head["doc_id"]), lang=_text(head.get("lang")),
        story_id=_text(head.get("story_id")),
        published_date=published,
        kind=kind, country=None if country in CONFLICT_ZONES else country, operation=operation,
        stage=stage if kind != "total" else None, year=year if kind != "total" else None, month=month, days=days,
        origin=_origin(scope) or _origin(part), total=value if subject in WHOLE_SUBJECTS else None,
        qualifier=str(head.get("qualifier") or "exact"), subgroups=subgroups,
        evidence=_normalized(head.get("evidence")),
        start=int(head["start"]), fact_ids=list(member_ids),
        year_hint=(published.year if published is not None and year is None and kind == "return"
                   and (month is None or month <= published.month) else None),
    )


def _subgroups(head: dict, parts: list[dict]) -> dict[str, int]:
    """women / children / men / orphans of a group: its own subject, or the sum of its parts of each subgroup."""
    out: dict[str, int] = {}
    if head["subject"] in SUBGROUPS:
        out[head["subject"]] = int(head["value"])
    sums: dict[str, int] = {}
    seen: dict[tuple[str, int], str] = {}
    for part in parts:
        if part["subject"] in SUBGROUPS and part.get("parent_fact_id") == head["fact_id"]:
            key = (part["subject"], int(part["value"]))
            if key in seen and seen[key] != part.get("evidence"):
                continue  # the same part stated again in another sentence ("156 children ... 156 баланың 18-і")
            seen[key] = part.get("evidence")
            sums[part["subject"]] = sums.get(part["subject"], 0) + int(part["value"])
    nested_orphans = [p for p in parts if p["subject"] == "orphans" and p.get("parent_fact_id") != head["fact_id"]]
    for subject, total in sums.items():
        out.setdefault(subject, total)
    if "orphans" not in out and nested_orphans:
        out["orphans"] = sum(int(p["value"]) for p in nested_orphans)
    return out


def _scopes(head: dict, body: str | None) -> tuple[str, str]:
    """(the text a figure's cues are read in, its sentence part): the clause when that clause has a return verb,
    else the sentence part up to the nearest semicolons."""
    evidence = str(head.get("evidence") or "")
    position = None
    if isinstance(body, str) and evidence:
        sentence_start = body.rfind(evidence, 0, int(head["start"]) + 1)
        if sentence_start < 0:
            sentence_start = body.find(evidence)
        if sentence_start >= 0:
            position = int(head["start"]) - sentence_start
    if position is None or not 0 <= position <= len(evidence):
        return evidence, evidence
    start = evidence.rfind(";", 0, position) + 1
    end = evidence.find(";", position)
    part = evidence[start:end if end >= 0 else len(evidence)]
    clause = next(((s, e) for s, e in clause_spans(evidence, 0) if s <= position <= e), None)
    if clause is not None and has_return_cue(evidence[clause[0]:clause[1]]):
        return evidence[clause[0]:clause[1]], part
    return part, part


def first_date(text: str) -> tuple[int | None, tuple[int, int] | None, int | None]:
    """(month, (first day, last day) or None, year or None) of the first date in `text`."""
    for match in DATE_RE.finditer(text):
        month_word = match.group("month") or match.group("month2") or match.group("month3")
        month = MONTHS.get(month_word.lower())
        if month is None:
            continue
        raw_days = match.group("days") or match.group("days2")
        if raw_days is None and month_word.lower() == "may":  # the English modal verb
            continue
        year_text = match.group("year") or match.group("year2") or match.group("year3")
        days = None
        if raw_days:
            numbers = [int(d) for d in re.findall(r"\d{1,2}", raw_days)]
            if all(1 <= d <= 31 for d in numbers):
                days = (min(numbers), max(numbers))
        return month, days, int(year_text) if year_text else None
    return None, None, None


def stated_stage(text: str, operation: str | None) -> str | None:
    """The stage or group number the figure's clause gives: "Жусан-3", "the fourth group", "3-этап"."""
    for match in NAMED_STAGE_RE.finditer(text):
        name, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        if canonical_operation(name) is not None and (operation is None or canonical_operation(name) == operation):
            return str(int(number))
    match = ORDINAL_GROUP_RE.search(text)
    if match:
        word = match.group(1).lower()
        number = ORDINALS.get(word) or next((n for w, n in ORDINALS.items() if word.startswith(w.split("_")[0])), None)
        if number:
            return str(number)
    match = NUMBERED_GROUP_RE.search(text)
    if match:
        return str(int(match.group(1) or match.group(2)))
    return None


def _origin(text: str) -> str | None:
    """SY, IQ or AF when the clause names exactly one of them (mixed or none: null)."""
    found = {code for code, pattern in ORIGIN_RES.items() if pattern.search(text)}
    return found.pop() if len(found) == 1 else None


def operation_name(value: object) -> str | None:
    """The canonical Latin name of an operation as written ("Жусан-3" -> "Zhusan"); None for none."""
    if not isinstance(value, str) or not value.strip():
        return None
    base = re.sub(r"[\s\-–_]*\d+$", "", value.strip())
    return canonical_operation(base) or base


def _normalized(evidence: object) -> str:
    return re.sub(r"\s+", " ", str(evidence or "")).strip().lower()


def _int(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def date_range(year: int | None, month: int | None, days: tuple[int, int] | None
               ) -> tuple[date | None, date | None, str | None]:
    """(date_from, date_to, precision) of a year, month and days; all null without a year."""
    if year is None:
        return None, None, None
    if month is None:
        return date(year, 1, 1), date(year, 12, 31), "year"
    last = calendar.monthrange(year, month)[1]
    if days is None or days[1] > last:
        return date(year, month, 1), date(year, month, last), "month"
    return date(year, month, days[0]), date(year, month, days[1]), "day"
