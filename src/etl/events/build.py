"""Return events: one row per real-world return, merged from the mentions of every document and language.

Two mentions report one return when they agree on kind and home country, their operation, stage, year, month,
days and origin do not contradict, and their figures tie them: a shared figure of 10 or more (a passing
mention, "in May, 156 citizens were brought home", joins that return), two shared figures, or one shared figure
in documents of one story. Documents of one story that name the same operation and stage, or the same day, are
one return even when their figures disagree (then `conflict` is set and `conflict_note` says who says what).
Two different groups of one document are never merged. Cumulative totals (kind 'total') merge only with their
own repeats, never with returns.

Merging is agglomerative over candidate pairs (mentions sharing a country and a figure, a story or a document),
best pair first, ties broken by the mentions' content-hashed keys: the result does not depend on the order of
the input rows, and every member of an event is compatible with every other (complete linkage).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.events.mentions import (
    SUBGROUPS,
    Bodies,
    DocumentEvents,
    Mention,
    date_range,
    document_bodies,
    document_mentions,
    mention_records,
)
from etl.events.passing import PASSING_COLUMNS, PassingInput, passing_by_operation, year_from_passing

log = logging.getLogger(__name__)

EVENT_COLUMNS = ["event_id", "kind", "country", "operation", "stage", "date_from", "date_to", "date_precision",
                 "origin_country", "people", "people_low", "people_high", "women", "children", "men", "orphans",
                 "conflict", "conflict_note", "n_documents", "n_languages", "first_reported"]
EVENT_SOURCE_COLUMNS = ["event_id", "doc_id", "fact_id"]
KINDS = ("return", "planned", "total")
# a figure this large shared by two mentions of one country ties them (small ones recur: 4 children, 5 women)
DISTINCT_FIGURE = 10
# days apart two reports of one return may date it
MAX_DAY_GAP = 3
# a candidate block this large is routine (a figure every report of a country gives) and gives no pairs
MAX_BLOCK = 400

def build_events(repatriations: pd.DataFrame, facts: pd.DataFrame, stories: pd.DataFrame | None = None,
                 documents: pd.DataFrame | Bodies | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events and event_sources tables from the published repatriations (+ facts' evidence and offsets).

    `stories` (doc_id, story_id) helps merging; `documents` (doc_id, body; or a `Bodies` function that reads
    them a batch at a time) narrows each figure's cues to its clause (without it, to its sentence) and gives the
    passing mentions. A pure function of its inputs: the same rows in any order give the same tables and ids.
    """
    return events_from_documents(document_events(repatriations, facts, documents), stories)


def document_events(repatriations: pd.DataFrame, facts: pd.DataFrame,
                    documents: pd.DataFrame | Bodies | None = None) -> dict[str, DocumentEvents]:
    """What each document with repatriations rows tells the events: its mentions and passing mentions (story
    ids not set). Everything in it is the document's own: computed once, with the document, and stored."""
    if repatriations is None or not len(repatriations):
        return {}
    by_document = mention_records(repatriations, facts)
    passing_input = PassingInput.of(_with_evidence(repatriations, facts))
    # each body is read once, as it comes, and let go: only the mentions are kept
    out: dict[str, DocumentEvents] = {}
    for doc_id, body in document_bodies(documents, by_document.keys()):
        out[doc_id] = DocumentEvents(document_mentions(by_document[doc_id], body),
                                     passing_input.document_rows(doc_id, body))
    for doc_id in by_document.keys() - out.keys():
        out[doc_id] = DocumentEvents(document_mentions(by_document[doc_id], None), [])
    return out


def events_from_documents(documents: Mapping[str, DocumentEvents], stories: pd.DataFrame | None = None
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The events and event_sources tables from every document's mentions and passing mentions (by doc_id).

    The cross-document steps: story ids, totals another report states, merging, and the years passing
    mentions give undated returns. The mentions get their story id and, when another report states them as a
    total, kind 'total' in place."""
    story_of: dict[str, object] = {}
    if stories is not None and len(stories):
        story_of = dict(stories[["doc_id", "story_id"]].drop_duplicates("doc_id").itertuples(index=False, name=None))
    mentions: list[Mention] = []
    for doc_id in sorted(documents):
        story_id = story_of.get(doc_id)
        for m in documents[doc_id].mentions:
            m.story_id = story_id if isinstance(story_id, str) else None
        mentions += documents[doc_id].mentions
    _totals_stated_elsewhere(mentions)
    mentions.sort(key=lambda m: m.key)
    clusters = merge_mentions(mentions)
    undated = {(c[0].country, _operation(c)) for c in clusters if c[0].kind == "return" and _undated(c)}
    passing = pd.DataFrame([row for doc_id in sorted(documents) for row in documents[doc_id].passing
                            if (row["country"], row["operation"]) in undated], columns=PASSING_COLUMNS)
    return events_frames(clusters, passing)


def _totals_stated_elsewhere(mentions: list[Mention]) -> None:
    """An undated, unstaged 'return' figure that another report gives as a cumulative total of the same country and
    operation is that total ("607 people came home under Zhusan" beside "Барлығы 607 адам Отанына қайтарылды")."""
    totals = {(m.country, m.people): m.operation for m in mentions if m.kind == "total" and m.country}
    for m in mentions:
        if (m.kind == "return" and (m.country, m.people) in totals and m.month is None and m.stage is None
                and _agree(m.operation, totals[(m.country, m.people)])):
            m.kind, m.year, m.year_hint = "total", None, None


# --- merging ---------------------------------------------------------------------------------------------------

def _agree(a: object, b: object) -> bool:
    return a is None or b is None or a == b


def compatible(a: Mention, b: Mention) -> bool:
    """Nothing the two mentions state contradicts: kind, country, operation, stage, dates, origin."""
    if a.kind != b.kind or a.country != b.country:
        return False
    if a.country is None and not (a.doc_id == b.doc_id or (a.story_id is not None and a.story_id == b.story_id)):
        return False  # without a country only repeats of one document or one story are one return
    if not (_agree(a.operation, b.operation) and _agree(a.stage, b.stage) and _agree(a.year, b.year)
            and _agree(a.month, b.month) and _agree(a.origin, b.origin)):
        return False
    if (a.days and b.days and a.month == b.month
            and (a.days[0] - b.days[1] > MAX_DAY_GAP or b.days[0] - a.days[1] > MAX_DAY_GAP)):
        return False
    # two groups of one document are two returns
    return a.doc_id != b.doc_id or _same_figures(a, b)


def _total_fits(a: Mention, b: Mention) -> bool:
    """Two stated totals agree, qualifiers considered ("more than 230" fits 231; "about 800" fits 760)."""
    if a.total is None or b.total is None:
        return True
    if a.total == b.total:
        return True
    for x, y in ((a, b), (b, a)):
        if x.qualifier == "more_than" and y.qualifier == "exact" and x.total < y.total <= x.total * 1.1 + 1:
            return True
        if x.qualifier == "about" and abs(y.total - x.total) <= 0.1 * x.total:
            return True
        if x.qualifier in ("less_than",) and y.qualifier == "exact" and x.total * 0.9 <= y.total <= x.total:
            return True
    return False


def figures_fit(a: Mention, b: Mention) -> bool:
    """The figures of two mentions can describe one group (totals fit, shared subgroups equal, none over a total)."""
    if not _total_fits(a, b):
        return False
    if any(a.subgroups[k] != b.subgroups[k] for k in SUBGROUPS if k in a.subgroups and k in b.subgroups):
        return False
    for x, y in ((a, b), (b, a)):
        if x.total is not None and y.total is None and y.people is not None and y.people > x.total:
            return False
    return True


def _same_figures(a: Mention, b: Mention) -> bool:
    return figures_fit(a, b) and bool(shared_figures(a, b))


def shared_figures(a: Mention, b: Mention) -> list[int]:
    """The figures both mentions state (totals, subgroups, or one's total as the other's sum of subgroups); two
    stated totals that fit by their qualifiers ("231" and "more than 230") count as one shared figure."""
    fa, fb = a.figures(), b.figures()
    shared = [fa[k] for k in fa if k in fb and fa[k] == fb[k]]
    if "people" in fa and "people" in fb and fa["people"] != fb["people"] and a.total and b.total \
            and _total_fits(a, b):
        shared.append(min(fa["people"], fb["people"]))
    return shared


def link_strength(a: Mention, b: Mention) -> int:
    """How strongly two compatible mentions tie (0: not one return)."""
    same_story = a.story_id is not None and a.story_id == b.story_id
    shared = shared_figures(a, b)
    if figures_fit(a, b) and shared:
        if a.doc_id == b.doc_id or len(shared) >= 2 or max(shared) >= DISTINCT_FIGURE or same_story:
            return 2 * len(shared) + same_story + (a.operation is not None and a.operation == b.operation)
        return 0
    if a.doc_id == b.doc_id or not same_story:
        return 0
    if figures_fit(a, b):
        # one story, figures that fit but none shared ("231 citizens" and "156 children"): the same operation,
        # stage or day ties them
        same_operation = a.operation is not None and a.operation == b.operation
        same_day = a.days is not None and a.days == b.days and a.month == b.month
        return 1 if same_operation or same_day or (a.stage is not None and a.stage == b.stage) else 0
    # one story, figures that disagree: one return only when the texts name its operation and stage, or day
    same_stage = a.operation is not None and a.operation == b.operation and a.stage is not None and a.stage == b.stage
    same_day = a.year is not None and a.year == b.year and a.days is not None and a.days == b.days
    return 1 if same_stage or same_day else 0


def _blocks(mentions: list[Mention]) -> Iterable[list[int]]:
    """Groups of mention indexes that may be one return: one country and kind and a shared figure, story or doc."""
    blocks: dict[tuple, list[int]] = {}
    for index, m in enumerate(mentions):
        keys = {("doc", m.doc_id)}
        keys |= {("figure", m.kind, m.country, value) for value in m.figures().values()}
        if m.story_id is not None:
            keys.add(("story", m.kind, m.country, m.story_id))
        for key in keys:
            blocks.setdefault(key, []).append(index)
    return (members for members in blocks.values() if 1 < len(members) <= MAX_BLOCK)


def _candidate_pairs(blocks: Iterable[list[int]], count: int) -> Iterator[tuple[int, int]]:
    """Every pair (i < j) of members of one block, once, in ascending order: a pair is kept as the one integer
    i * count + j (a set of Python tuples held a hundred bytes a pair, millions of pairs at 100,000 documents)."""
    codes = []
    for members in blocks:
        first, second = np.triu_indices(len(members), 1)
        ascending = np.asarray(members, dtype=np.int64)  # a block lists its mentions in index order
        codes.append(ascending[first] * count + ascending[second])
    if not codes:
        return
    unique = np.unique(np.concatenate(codes))
    del codes
    for start in range(0, len(unique), _PAIRS_PER_BATCH):
        for code in unique[start:start + _PAIRS_PER_BATCH].tolist():
            yield divmod(code, count)


_PAIRS_PER_BATCH = 100_000  # pairs turned into Python integers at once


def merge_mentions(mentions: list[Mention]) -> list[list[Mention]]:
    """Mentions grouped into events (each group sorted by key); see the module docstring for the rules."""
    mentions = sorted(mentions, key=lambda m: m.key)
    scored = []
    for i, j in _candidate_pairs(_blocks(mentions), len(mentions)):
        a, b = mentions[i], mentions[j]
        if compatible(a, b):
            strength = link_strength(a, b)
            if strength:
                scored.append((-strength, a.key, b.key, i, j))
    scored.sort()
    cluster_of = list(range(len(mentions)))
    clusters: dict[int, _Cluster] = {i: _Cluster.of(i, m) for i, m in enumerate(mentions)}
    for _, _, _, i, j in scored:
        ci, cj = cluster_of[i], cluster_of[j]
        if ci == cj:
            continue
        if not clusters[ci].compatible_with(clusters[cj], mentions):
            continue
        keep, gone = min(ci, cj), max(ci, cj)
        for x in clusters[gone].members:
            cluster_of[x] = keep
        clusters[keep].absorb(clusters.pop(gone))
    return [sorted((mentions[i] for i in cluster.members), key=lambda m: m.key) for cluster in clusters.values()]


_AGREEING = ("operation", "stage", "year", "month", "origin")


@dataclass
class _Cluster:
    """A group of mutually compatible mentions, summarised so that `compatible_with` tests every pair of two
    groups without visiting them (a return reprinted by thousands of documents made that pairwise test cost
    minutes at 100,000 documents): every member shares kind and country, and each of _AGREEING has at most one
    stated value in a group, since its members agree pairwise."""

    members: list[int]
    kind: str
    country: str | None
    stated: dict[str, object]  # the one value a member states, per attribute of _AGREEING
    days: dict[object, tuple[int, int]]  # per month (None too): the latest first day and earliest last day stated
    by_doc: dict[str, list[int]]

    @classmethod
    def of(cls, index: int, m: Mention) -> _Cluster:
        stated = {name: getattr(m, name) for name in _AGREEING if getattr(m, name) is not None}
        return cls([index], m.kind, m.country, stated, {m.month: (m.days[0], m.days[1])} if m.days else {},
                   {m.doc_id: [index]})

    def compatible_with(self, other: _Cluster, mentions: list[Mention]) -> bool:
        """Whether every member is `compatible` with every member of `other` (the same answer, by the summaries)."""
        if self.kind != other.kind or self.country != other.country:
            return False
        if self.country is None:  # rare: the rule then depends on each pair's document and story
            return all(compatible(mentions[x], mentions[y]) for x in self.members for y in other.members)
        if any(other.stated.get(name, value) != value for name, value in self.stated.items()):
            return False
        for month, (latest_first, earliest_last) in self.days.items():
            theirs = other.days.get(month)
            if theirs is not None and (latest_first - theirs[1] > MAX_DAY_GAP or theirs[0] - earliest_last > MAX_DAY_GAP):
                return False
        return all(compatible(mentions[x], mentions[y]) for doc_id in self.by_doc.keys() & other.by_doc.keys()
                   for x in self.by_doc[doc_id] for y in other.by_doc[doc_id])

    def absorb(self, other: _Cluster) -> None:
        self.members += other.members
        for name, value in other.stated.items():
            self.stated.setdefault(name, value)
        for month, (first, last) in other.days.items():
            mine = self.days.get(month)
            self.days[month] = (first, last) if mine is None else (max(mine[0], first), min(mine[1], last))
        for doc_id, indexes in other.by_doc.items():
            self.by_doc.setdefault(doc_id, []).extend(indexes)


# --- one row per event -----------------------------------------------------------------------------------------

def event_id(cluster: list[Mention]) -> str:
    """Stable id: a hash of the smallest key (head fact_id) of the event's mentions."""
    return "ev_" + hashlib.sha1(min(m.key for m in cluster).encode()).hexdigest()[:16]


def _vote(stated: list[tuple[Mention, int]]) -> tuple[int | None, Counter]:
    """The figure most distinct texts state, else the earliest reported; and the support of every figure.

    A text counts once per figure however many documents repeat it word for word (a duplicate adds nothing).
    """
    if not stated:
        return None, Counter()
    support: Counter = Counter()
    seen = set()
    for mention, value in stated:
        if (mention.evidence, value) not in seen:
            seen.add((mention.evidence, value))
            support[value] += 1
    first = min(stated, key=lambda mv: (mv[0].published_date is None, mv[0].published_date or 0,
                                       mv[0].qualifier != "exact", mv[0].evidence, mv[1]))[1]
    best = max(support.values())
    winners = [v for v, n in support.items() if n == best]
    return (first if first in winners else min(winners)), support


def _note(label: str, stated: list[tuple[Mention, int]], support: Counter) -> str:
    parts = []
    for value in sorted(support, key=lambda v: (-support[v], v)):
        docs = {m.doc_id for m, v in stated if v == value}
        langs = sorted({m.lang or "?" for m, v in stated if v == value})
        parts.append(f"{value} ({len(docs)} document{'s' if len(docs) != 1 else ''}: {', '.join(langs)})")
    return f"{label}: " + "; ".join(parts)


def _event_row(cluster: list[Mention], year: int | None) -> dict:
    kinds = {m.kind for m in cluster}

    def single(attr: str) -> object:
        return next((getattr(m, attr) for m in cluster if getattr(m, attr) is not None), None)

    totals = [(m, m.total) for m in cluster if m.total is not None]
    people, support = _vote(totals)
    notes = []
    exact_totals = {v for m, v in totals if m.qualifier == "exact"}
    if len(exact_totals) > 1:
        notes.append(_note("people", totals, support))
    if people is None:
        sums = [(m, m.people) for m in cluster if m.people is not None]
        richest = max(len(m.subgroups) for m, _ in sums) if sums else 0
        people, _ = _vote([(m, v) for m, v in sums if len(m.subgroups) == richest])
    row = {"event_id": event_id(cluster), "kind": kinds.pop() if len(kinds) == 1 else "return"}
    for subgroup in SUBGROUPS:
        stated = [(m, m.subgroups[subgroup]) for m in cluster if subgroup in m.subgroups]
        row[subgroup], sub_support = _vote(stated)
        if len(sub_support) > 1:
            notes.append(_note(subgroup, stated, sub_support))
        bound = row["children"] if subgroup == "orphans" and row.get("children") is not None else people
        if row[subgroup] is not None and bound is not None and row[subgroup] > bound:
            # figures that cannot all hold (more children than people): none is published, the note says why
            notes.append(f"{subgroup}: {row[subgroup]} stated, more than the {bound} of the whole")
            row[subgroup] = None
    dated = [m for m in cluster if m.month is not None and (m.year is None or m.year == year)]
    month = dated[0].month if dated else None
    day_spans = [m.days for m in dated if m.days is not None and m.month == month]
    days = (min(d[0] for d in day_spans), max(d[1] for d in day_spans)) if day_spans else None
    date_from, date_to, precision = date_range(year, month, days)
    published = [m.published_date for m in cluster if m.published_date is not None]
    row.update({
        "country": single("country"), "operation": single("operation"), "stage": single("stage"),
        "date_from": date_from, "date_to": date_to, "date_precision": precision, "origin_country": single("origin"),
        "people": people,
        "people_low": min((v for _, v in totals), default=people), "people_high": max((v for _, v in totals),
                                                                                      default=people),
        "conflict": bool(notes), "conflict_note": "; ".join(notes) or None,
        "n_documents": len({m.doc_id for m in cluster}), "n_languages": len({m.lang for m in cluster if m.lang}),
        "first_reported": min(published) if published else None,
    })
    return row


def _operation(cluster: list[Mention]) -> str | None:
    return next((m.operation for m in cluster if m.operation is not None), None)


def _undated(cluster: list[Mention]) -> bool:
    return all(m.year is None and m.year_hint is None for m in cluster)


def _with_evidence(repatriations: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """The repatriations rows with their facts' evidence sentence (for `PassingInput`)."""
    if repatriations is None or "evidence" in repatriations.columns or "evidence" not in facts.columns:
        return repatriations if repatriations is not None else pd.DataFrame()
    return repatriations.merge(facts[["fact_id", "evidence"]].drop_duplicates("fact_id"), on="fact_id", how="inner")


def event_years(clusters: list[list[Mention]], passing: pd.DataFrame | None = None) -> list[int | None]:
    """The year of each event: stated by a text; else, for a month-dated return, the year of a dated return of
    the same document at or after that month ("in August" beside the October return of 2023); else the
    publication year of the earliest report of a just-reported return; else, for a return of a named operation,
    the one year that other documents' passing mentions give it (`etl.events.passing`)."""
    stated = [next((m.year for m in c if m.year is not None), None) for c in clusters]
    month = [next((m.month for m in c if m.month is not None), None) for c in clusters]
    dated_in_doc: dict[str, list[tuple[int, int]]] = {}
    for index, cluster in enumerate(clusters):
        if stated[index] is not None and month[index] is not None:
            for m in cluster:
                dated_in_doc.setdefault(m.doc_id, []).append((stated[index], month[index]))
    years = []
    passing_rows = passing_by_operation(passing) if passing is not None and len(passing) else {}
    for index, cluster in enumerate(clusters):
        year = stated[index]
        if year is None and month[index] is not None:
            siblings = {y for m in cluster for y, later in dated_in_doc.get(m.doc_id, []) if later >= month[index]}
            year = siblings.pop() if len(siblings) == 1 else None
        if year is None:
            hinted = sorted((m.published_date, m.year_hint) for m in cluster if m.year_hint is not None)
            year = hinted[0][1] if hinted else None
        if year is None and passing is not None and cluster[0].kind == "return":
            country, operation = cluster[0].country, _operation(cluster)
            year = year_from_passing(
                country=country, operation=operation, stage=next((m.stage for m in cluster if m.stage), None),
                month=month[index], people={m.people for m in cluster if m.people is not None},
                doc_ids={m.doc_id for m in cluster}, passing=passing_rows.get((country, operation), []))
        years.append(year)
    return years


def events_frames(clusters: list[list[Mention]], passing: pd.DataFrame | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(events, event_sources) frames of merged mentions, sorted by event_id; `passing` as in `event_years`."""
    rows, sources = [], []
    for cluster, year in zip(clusters, event_years(clusters, passing)):
        row = _event_row(cluster, year if cluster[0].kind != "total" else None)
        rows.append(row)
        sources += [{"event_id": row["event_id"], "doc_id": m.doc_id, "fact_id": fact_id}
                    for m in cluster for fact_id in m.fact_ids]
    events = pd.DataFrame(rows, columns=EVENT_COLUMNS).sort_values("event_id").reset_index(drop=True)
    event_sources = (pd.DataFrame(sources, columns=EVENT_SOURCE_COLUMNS).drop_duplicates()
                     .sort_values(["event_id", "doc_id", "fact_id"]).reset_index(drop=True))
    for column in ("people", "people_low", "people_high", *SUBGROUPS, "n_documents", "n_languages"):
        events[column] = events[column].astype("Int64")
    events["conflict"] = events["conflict"].astype("bool")
    log.info("%d events (%s) from %d sources", len(events),
             ", ".join(f"{n} {k}" for k, n in sorted(Counter(events["kind"]).items())), len(event_sources))
    return events, event_sources
