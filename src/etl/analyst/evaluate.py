"""Score a warehouse against a gold file (the format of shared/acceptance/seeds_gold.json).

Documents are matched by the file name of source_path. Single-valued fields (lang, title, published,
source_agency) score accuracy as precision = recall = F1 over the gold documents; set-valued fields
(persons, organizations, countries, operations, counts) score precision, recall and F1 over the items
of every matched document. Names match when equal after normalization, when one contains the other,
when every word agrees after cutting case endings, or when they are similar enough (rapidfuzz ratio).

When the gold has them (the devset format), two more fields: `stories` (pairs of documents that share a
story_id against the pairs `story_of` links, transitively) and `events` (a gold event is the counts sharing
an `event` id; a warehouse event of kind return or planned matches one when it has a source in one of its
files and its people or one of its subgroup figures is one of its counts' values).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd
from rapidfuzz import fuzz

from etl.warehouse.tables import read_table

SINGLE_FIELDS = ("lang", "title", "published", "source_agency")
ENTITY_FIELDS = {"persons": ({"PERSON"}, 80), "organizations": ({"ORG"}, 75), "operations": ({"OPERATION"}, 80)}
SET_FIELDS = ("persons", "organizations", "countries", "operations", "counts", "counts_qualified")
_PUNCT = re.compile(r"[«»\"'’‘“”`()\[\].,:;!?\-–—]")


@dataclass(frozen=True)
class FieldScore:
    """Precision, recall and F1 of one field, with the item counts behind them."""

    field: str
    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int


def normalize_name(text: object) -> str:
    """Lower-case, NFKC, ё -> е, punctuation to spaces, single spaces."""
    text = unicodedata.normalize("NFKC", str(text or "")).lower().replace("ё", "е")
    return " ".join(_PUNCT.sub(" ", text).split())


def names_match(gold: str, predicted: str, threshold: int) -> bool:
    """Whether two surface forms name the same thing (see module docstring)."""
    a, b = normalize_name(gold), normalize_name(predicted)
    if not a or not b:
        return False
    if a == b or (len(a) > 3 and len(b) > 3 and (a in b or b in a)):
        return True
    words_a, words_b = a.split(), b.split()
    if len(words_a) == len(words_b) and all(
            x[:max(4, len(x) - 3)] == y[:max(4, len(x) - 3)] for x, y in zip(words_a, words_b)):
        return True
    return fuzz.ratio(a, b) >= threshold


def _prf(true_pred: int, n_pred: int, true_gold: int, n_gold: int) -> tuple[float, float, float]:
    precision = true_pred / n_pred if n_pred else (1.0 if n_gold == 0 else 0.0)
    recall = true_gold / n_gold if n_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def evaluate_warehouse(warehouse: Path, gold: list[dict]) -> list[FieldScore]:
    """Per-field scores of the warehouse's documents, entities and facts against `gold`."""
    documents = read_table(warehouse, "documents")
    entities = read_table(warehouse, "entities")
    facts = read_table(warehouse, "facts")
    by_name = {PurePosixPath(p).name: row for p, row in zip(documents["source_path"], documents.to_dict("records"))}
    single = {field: [0, 0] for field in SINGLE_FIELDS}
    sets = {field: [0, 0, 0, 0] for field in SET_FIELDS}
    for expected in gold:
        doc = by_name.get(expected["file"])
        for field in SINGLE_FIELDS:
            single[field][1] += 1
            if doc is not None and _single_matches(field, doc, expected):
                single[field][0] += 1
        mine_entities = entities[entities["doc_id"] == doc["doc_id"]] if doc is not None else entities.iloc[0:0]
        mine_facts = facts[facts["doc_id"] == doc["doc_id"]] if doc is not None else facts.iloc[0:0]
        for field, (types, threshold) in ENTITY_FIELDS.items():
            _add(sets[field], _match_items(_entity_items(mine_entities, types), expected.get(field, []), threshold))
        predicted_countries = set(mine_entities.loc[(mine_entities["entity_type"] == "LOC")
                                                    & mine_entities["canonical_id"].fillna("").str.fullmatch(r"[A-Z]{2}"),
                                                    "canonical_id"])
        _add(sets["countries"], _match_sets(predicted_countries, set(expected.get("countries", []))))
        counts = expected.get("counts", [])
        _add(sets["counts"], _match_sets({int(v) for v in mine_facts["value"]}, {int(c["value"]) for c in counts}))
        _add(sets["counts_qualified"], _match_sets(
            {(int(v), str(q)) for v, q in zip(mine_facts["value"], mine_facts["qualifier"])},
            {(int(c["value"]), c["qualifier"]) for c in counts}))
    scores = [FieldScore(f, *(3 * [hits / total if total else 0.0]), total, total) for f, (hits, total) in single.items()]
    for field, (tp_pred, n_pred, tp_gold, n_gold) in sets.items():
        scores.append(FieldScore(field, *_prf(tp_pred, n_pred, tp_gold, n_gold), n_pred, n_gold))
    file_of = {row["doc_id"]: name for name, row in by_name.items()}
    if any("story_of" in expected for expected in gold):
        scores.append(_story_score(read_table(warehouse, "stories"), gold, file_of))
    if any("event" in count for expected in gold for count in expected.get("counts", [])):
        scores.append(_event_score(read_table(warehouse, "events"), read_table(warehouse, "event_sources"), gold,
                                   file_of))
    return scores


def _story_score(stories: pd.DataFrame, gold: list[dict], file_of: dict[str, str]) -> FieldScore:
    """Pairwise precision / recall of documents sharing a story_id, against the `story_of` links."""
    group = {expected["file"]: expected["file"] for expected in gold}

    def root(name: str) -> str:
        while group[name] != name:
            name = group[name]
        return name

    for expected in gold:
        linked = expected.get("story_of") or []
        for other in [linked] if isinstance(linked, str) else linked:
            if other in group:
                group[root(expected["file"])] = root(other)
    gold_pairs = _pairs({name: root(name) for name in group})
    predicted_pairs = _pairs({file_of[d]: s for d, s in zip(stories["doc_id"], stories["story_id"])
                              if d in file_of and file_of[d] in group})
    common = len(gold_pairs & predicted_pairs)
    return FieldScore("stories", *_prf(common, len(predicted_pairs), common, len(gold_pairs)), len(predicted_pairs),
                      len(gold_pairs))


def _pairs(group_of: dict[str, str]) -> set[tuple[str, str]]:
    return {(a, b) for a in group_of for b in group_of if a < b and group_of[a] == group_of[b]}


def _event_score(events: pd.DataFrame, sources: pd.DataFrame, gold: list[dict], file_of: dict[str, str]) -> FieldScore:
    """Warehouse events (return, planned) against the gold events; see the module docstring."""
    gold_events: dict[str, tuple[set[str], set[int]]] = {}
    for expected in gold:
        for count in expected.get("counts", []):
            if count.get("event") is not None:
                files, values = gold_events.setdefault(str(count["event"]), (set(), set()))
                files.add(expected["file"])
                values.add(int(count["value"]))
    files_of = sources.assign(file=sources["doc_id"].map(file_of)).groupby("event_id")["file"].agg(
        lambda names: {n for n in names if isinstance(n, str)}) if len(sources) else pd.Series(dtype=object)
    scored = events[events["kind"].isin(["return", "planned"])]
    matched_gold: set[str] = set()
    matched = 0
    for event in scored.to_dict("records"):
        figures = {int(event[k]) for k in ("people", "women", "children", "men", "orphans")
                   if event.get(k) is not None and not pd.isna(event[k])}
        hits = {name for name, (files, values) in gold_events.items()
                if files & files_of.get(event["event_id"], set()) and figures & values}
        matched += bool(hits)
        matched_gold |= hits
    return FieldScore("events", *_prf(matched, len(scored), len(matched_gold), len(gold_events)), len(scored),
                      len(gold_events))


def _single_matches(field: str, doc: dict, expected: dict) -> bool:
    if field == "lang":
        return doc.get("lang") == expected.get("lang")
    if field == "title":
        return normalize_name(doc.get("title")) == normalize_name(expected.get("title"))
    if field == "published":
        published = doc.get("published_date")
        return (str(published)[:10] if published is not None and not pd.isna(published) else None) == expected.get("published")
    agency, gold_agency = doc.get("source_agency"), expected.get("source_agency")
    agency = None if agency is None or pd.isna(agency) else agency
    if gold_agency is None:
        return agency is None
    return agency is not None and normalize_name(gold_agency) in normalize_name(agency)


def _entity_items(entities: pd.DataFrame, types: set[str]) -> list[list[str]]:
    """One item per canonical entity: its surface forms."""
    items: dict[str, list[str]] = {}
    for row in entities[entities["entity_type"].isin(types)].itertuples(index=False):
        key = normalize_name(row.canonical_name or row.text)
        items.setdefault(key, [row.canonical_name or row.text]).append(row.text)
    return list(items.values())


def _match_items(predicted: list[list[str]], gold: list[str], threshold: int) -> tuple[int, int, int, int]:
    found_gold = sum(1 for g in gold if any(names_match(g, s, threshold) for item in predicted for s in item))
    found_pred = sum(1 for item in predicted if any(names_match(g, s, threshold) for g in gold for s in item))
    return found_pred, len(predicted), found_gold, len(gold)


def _match_sets(predicted: set, gold: set) -> tuple[int, int, int, int]:
    common = len(predicted & gold)
    return common, len(predicted), common, len(gold)


def _add(total: list[int], part: Iterable[int]) -> None:
    for index, value in enumerate(part):
        total[index] += value


def load_gold(path: Path) -> list[dict]:
    """Read a gold file."""
    return json.loads(path.read_text(encoding="utf-8"))


def format_scores(scores: list[FieldScore]) -> list[str]:
    """A fixed-width table, one line per field."""
    lines = [f"{'field':18} {'precision':>9} {'recall':>7} {'f1':>6} {'pred':>5} {'gold':>5}"]
    lines += [f"{s.field:18} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f} {s.predicted:5d} {s.gold:5d}" for s in scores]
    return lines
