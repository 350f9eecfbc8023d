"""Same-story grouping: documents that report one story (usually in different languages) share a story_id.

Only language-independent evidence is used, because a Russian and an English report share no words:
- strong: persons (compared in Latin transliteration, so "Алуа Надиркулова" = "Alua Nadirkulova"),
  numbers (counted values and any other figure >= 11 that is not a year, ordinals included: "57th" = "57-ой"),
  names written in Latin capitals in both texts (GCERF, AQNIET);
- weak (half weight): countries, operations, years, organisations (ministries and the UN recur in
  unrelated stories). The publishing agency (documents.source_agency) is ignored.
A strong item seen in more than max(3, 2 % of the batch) documents is routine (the foreign minister, "100")
and not counted. Two documents are linked when they are in different languages (or near-identical in one),
at most LINK_MAX_DAYS apart when both dates are known, share strong items of at least two kinds, and
strong + 0.5 * weak >= LINK_THRESHOLD. Two reports of different events by the same ministry share the
country, the operation and at most one person, which stays below both bars. Linked documents form
groups (connected components); story_id hashes the smallest doc_id of the group, so it is stable.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import combinations

import pandas as pd
from rapidfuzz import fuzz

from etl.numbers import mask_non_counts

log = logging.getLogger(__name__)

STORY_COLUMNS = ["story_id", "doc_id", "lang"]
LINK_THRESHOLD = 4.0
LINK_MAX_DAYS = 7
NEAR_DUPLICATE = 0.7  # 5-gram Jaccard of two same-language bodies
# acronyms too generic to tie two stories together
_ACRONYM_STOP = {"UN", "UNO", "US", "USA", "UK", "EU", "MFA", "RK", "KZ", "NGO", "NGOS", "CIS", "TV", "PHOTO", "RF",
                 "OK", "COVID", "HTTP", "HTTPS", "WWW", "PDF", "AM", "PM"}

_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "ә": "a", "ғ": "g", "қ": "k", "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i", "ў": "o",
    "ҳ": "h",
}


def latin_key(name: str) -> str:
    """A spelling-tolerant Latin key of a name: "Ержан Ашикбаев" and "Yerzhan Ashikbayev" -> "erjan ashikbaev"."""
    text = "".join(_CYR_TO_LAT.get(ch, ch) for ch in name.lower())
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z ]+", " ", text)
    for old, new in (("dzh", "j"), ("zh", "j"), ("kh", "h"), ("x", "h"), ("q", "k"), ("w", "v"), ("ts", "c")):
        text = text.replace(old, new)
    text = re.sub(r"\b(?:ye|yo|e)", "e", text)
    text = re.sub(r"(?<=[aeiou])y(?=[aeiou])", "", text)
    text = text.replace("y", "i")
    text = re.sub(r"(.)\1+", r"\1", text)
    return " ".join(text.split())


def same_person(a: str, b: str) -> bool:
    """True when two Latin keys name the same person (full name, or surname when one side has only that)."""
    if not a or not b:
        return False
    if fuzz.token_sort_ratio(a, b) >= 85:
        return True
    ta, tb = a.split(), b.split()
    if min(len(ta), len(tb)) == 1:
        return fuzz.ratio(max(ta, key=len), max(tb, key=len)) >= 88
    return False


@dataclass
class _DocSignals:
    doc_id: str
    lang: str | None
    date: pd.Timestamp | None
    persons: list[str] = field(default_factory=list)
    numbers: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    shingles: set[str] = field(default_factory=set)


_NUMBER_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?![\d])|(?<![\d.,])\d+(?![\d])")
_ACRONYM_RE = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9&]{2,}(?![A-Za-z])")


def _signals(doc: dict, entities: pd.DataFrame, facts: pd.DataFrame) -> _DocSignals:
    text = " ".join(str(doc.get(k) or "") for k in ("title", "body"))
    date = pd.to_datetime(doc.get("published_date"), errors="coerce")
    sig = _DocSignals(str(doc["doc_id"]), doc.get("lang") if isinstance(doc.get("lang"), str) else None,
                      None if pd.isna(date) else date)
    for raw in _NUMBER_RE.findall(mask_non_counts(text)):
        value = int(re.sub(r"\D", "", raw))
        if 1900 <= value <= 2100 and raw.isdigit():
            sig.years.add(value)
        elif value >= 11:
            sig.numbers.add(value)
    for value in facts["value"].tolist() if len(facts) else []:
        if int(value) >= 11:
            sig.numbers.add(int(value))
    # the agency that published the text says nothing about the story
    agency = latin_key(str(doc.get("source_agency"))) if isinstance(doc.get("source_agency"), str) else ""
    sig.names = {a for a in _ACRONYM_RE.findall(text) if a not in _ACRONYM_STOP and latin_key(a) != agency}
    for row in entities.to_dict("records"):
        kind = str(row.get("entity_type") or "").upper()
        name = row.get("canonical_name") if isinstance(row.get("canonical_name"), str) else row.get("text")
        canonical_id = row.get("canonical_id") if isinstance(row.get("canonical_id"), str) else None
        if kind in ("PERSON", "PER") and isinstance(name, str):
            key = latin_key(name)
            if key and key not in sig.persons:
                sig.persons.append(key)
        elif kind in ("LOC", "LOCATION", "GPE", "COUNTRY") and canonical_id and re.fullmatch(r"[A-Z]{2}", canonical_id):
            sig.countries.add(canonical_id)
        elif kind == "OPERATION" and isinstance(name, str):
            sig.operations.add(latin_key(name))
        elif kind in ("ORG", "ORGANIZATION") and (canonical_id or isinstance(name, str)):
            org = canonical_id or latin_key(str(name))
            if not agency or latin_key(str(name)) != agency:
                sig.orgs.add(org)
    body = re.sub(r"\W+", " ", str(doc.get("body") or "").lower())[:5000]
    sig.shingles = {body[i:i + 5] for i in range(max(0, len(body) - 4))}
    return sig


@dataclass(frozen=True)
class StoryLink:
    """Why two documents were (or were not) put in one story."""

    doc_a: str
    doc_b: str
    score: float
    strong_kinds: int
    shared: dict
    linked: bool


def _shared_persons(a: list[str], b: list[str]) -> list[str]:
    used: set[int] = set()
    out = []
    for pa in a:
        for j, pb in enumerate(b):
            if j not in used and same_person(pa, pb):
                used.add(j)
                out.append(pa)
                break
    return out


def _compare(a: _DocSignals, b: _DocSignals, routine: set[tuple[str, object]]) -> StoryLink:
    persons = [p for p in _shared_persons(a.persons, b.persons) if ("person", p) not in routine]
    numbers = sorted(n for n in a.numbers & b.numbers if ("number", n) not in routine)
    names = sorted(n for n in a.names & b.names if ("name", n) not in routine)
    weak = (a.countries & b.countries, a.operations & b.operations, a.years & b.years, a.orgs & b.orgs)
    strong_kinds = sum(1 for group in (persons, numbers, names) if group)
    score = len(persons) + len(numbers) + len(names) + 0.5 * sum(len(w) for w in weak)
    same_lang = a.lang == b.lang
    near_duplicate = False
    if same_lang and a.shingles and b.shingles:
        near_duplicate = len(a.shingles & b.shingles) / len(a.shingles | b.shingles) >= NEAR_DUPLICATE
    date_ok = a.date is None or b.date is None or abs((a.date - b.date).days) <= LINK_MAX_DAYS
    linked = date_ok and (near_duplicate or (
        not same_lang and strong_kinds >= 2 and score >= LINK_THRESHOLD))
    shared = {"persons": persons, "numbers": numbers, "names": names, "countries": sorted(weak[0]),
              "operations": sorted(weak[1]), "years": sorted(weak[2]), "orgs": sorted(weak[3]),
              "near_duplicate": near_duplicate}
    return StoryLink(a.doc_id, b.doc_id, score, strong_kinds, shared, linked)


def _all_signals(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> list[_DocSignals]:
    ents = entities if entities is not None and "doc_id" in entities.columns else pd.DataFrame(columns=["doc_id"])
    fcts = facts if facts is not None and "doc_id" in facts.columns else pd.DataFrame(columns=["doc_id", "value"])
    ent_by_doc = dict(tuple(ents.groupby("doc_id"))) if len(ents) else {}
    fact_by_doc = dict(tuple(fcts.groupby("doc_id"))) if len(fcts) else {}
    empty_e, empty_f = ents.iloc[0:0], fcts.iloc[0:0]
    return [_signals(doc, ent_by_doc.get(doc["doc_id"], empty_e), fact_by_doc.get(doc["doc_id"], empty_f))
            for doc in docs.to_dict("records")]


def _routine(signals: list[_DocSignals]) -> set[tuple[str, object]]:
    """Strong items too common in this batch to tell stories apart."""
    limit = max(3, int(0.02 * len(signals)))
    counts: dict[tuple[str, object], int] = {}
    for sig in signals:
        items = {("number", n) for n in sig.numbers} | {("name", n) for n in sig.names} | {
            ("person", p) for p in sig.persons}
        for item in items:
            counts[item] = counts.get(item, 0) + 1
    return {item for item, count in counts.items() if count > limit}


def story_links(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> list[StoryLink]:
    """Every compared pair of documents with its evidence (pairs sharing no strong item are not compared)."""
    signals = _all_signals(docs, entities, facts)
    routine = _routine(signals)
    # block on strong items so a batch of thousands is not compared pair by pair
    index: dict[tuple[str, object], list[int]] = {}
    for i, sig in enumerate(signals):
        # persons block on the first letters of every long name part, so word order and endings do not matter
        keys = {("number", n) for n in sig.numbers} | {("name", n) for n in sig.names} | {
            ("person_block", part[:4]) for p in sig.persons for part in p.split() if len(part) >= 4}
        for key in keys:
            index.setdefault(key, []).append(i)
        # near-duplicates share one of their lexicographically smallest shingles (a deterministic bottom-k sketch)
        for shingle in heapq.nsmallest(3, sig.shingles):
            index.setdefault(("shingle", sig.lang, shingle), []).append(i)
    pairs: set[tuple[int, int]] = set()
    for key, members in index.items():
        if key in routine or len(members) > 200:
            continue
        pairs.update(combinations(members, 2))
    return [_compare(signals[i], signals[j], routine) for i, j in sorted(pairs)]


def story_id(doc_ids: list[str]) -> str:
    """Stable id of a group of documents: hash of its smallest doc_id."""
    return "story_" + hashlib.sha1(min(doc_ids).encode()).hexdigest()[:16]


def assign_stories(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """One row per document: story_id, doc_id, lang; documents of one story share the story_id."""
    if len(docs) == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in STORY_COLUMNS})
    doc_ids = [str(d) for d in docs["doc_id"]]
    parent = {d: d for d in doc_ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = [link for link in story_links(docs, entities, facts) if link.linked]
    for link in links:
        ra, rb = find(link.doc_a), find(link.doc_b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for d in doc_ids:
        groups.setdefault(find(d), []).append(d)
    ids = {d: story_id(members) for members in groups.values() for d in members}
    log.info("%d documents in %d stories (%d links)", len(doc_ids), len(groups), len(links))
    langs = docs["lang"] if "lang" in docs.columns else pd.Series([None] * len(docs))
    return pd.DataFrame({"story_id": [ids[d] for d in doc_ids], "doc_id": doc_ids,
                         "lang": list(langs)}).astype("string")
