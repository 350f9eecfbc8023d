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
import logging
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from etl.config import DEFAULT_STORIES_MEMORY
from etl.facts.numbers import mask_non_counts
from etl.schemas import to_arrow

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
    sketch: list[int] = field(default_factory=list)


_NUMBER_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?![\d])|(?<![\d.,])\d+(?![\d])")
_ACRONYM_RE = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9&]{2,}(?![A-Za-z])")
SKETCH_SIZE = 128
BLOCK_MAX_MEMBERS = 200


def body_sketch(body: str) -> list[int]:
    """Bottom-k sketch of a body's character 5-grams: the SKETCH_SIZE smallest 63-bit hashes, ascending.

    Two sketches estimate the 5-gram Jaccard similarity of two bodies without keeping the 5-grams
    (exact when both bodies have fewer than SKETCH_SIZE distinct 5-grams). Deterministic across processes.
    """
    text = re.sub(r"\W+", " ", body.lower())[:5000]
    if len(text) < 5:
        return []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - 4
    hashes = np.zeros(n, dtype=np.uint64)
    for offset in range(5):
        hashes = hashes * np.uint64(1_000_003) + codes[offset:offset + n]
    # splitmix64 finaliser: spreads the polynomial hash over all bits
    hashes ^= hashes >> np.uint64(30)
    hashes *= np.uint64(0xBF58476D1CE4E5B9)
    hashes ^= hashes >> np.uint64(27)
    hashes *= np.uint64(0x94D049BB133111EB)
    hashes ^= hashes >> np.uint64(31)
    return (np.unique(hashes >> np.uint64(1))[:SKETCH_SIZE]).astype(np.int64).tolist()


def sketch_similarity(a: list[int], b: list[int]) -> float:
    """Jaccard similarity estimated from two bottom-k sketches."""
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    union = sorted(sa | sb)[:SKETCH_SIZE]
    return sum(1 for h in union if h in sa and h in sb) / len(union)


def _signals(doc: dict, entities: list[tuple], values: list[int]) -> _DocSignals:
    """`entities`: (entity_type, text, canonical_name, canonical_id) of the document; `values`: its facts' values."""
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
    for value in values:
        if int(value) >= 11:
            sig.numbers.add(int(value))
    # the agency that published the text says nothing about the story
    agency = latin_key(str(doc.get("source_agency"))) if isinstance(doc.get("source_agency"), str) else ""
    sig.names = {a for a in _ACRONYM_RE.findall(text) if a not in _ACRONYM_STOP and latin_key(a) != agency}
    for kind, text, canonical_name, canonical_id in entities:
        kind = str(kind or "").upper()
        name = canonical_name if isinstance(canonical_name, str) else text
        canonical_id = canonical_id if isinstance(canonical_id, str) else None
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
    sig.sketch = body_sketch(str(doc.get("body") or ""))
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
    near_duplicate = same_lang and sketch_similarity(a.sketch, b.sketch) >= NEAR_DUPLICATE
    date_ok = a.date is None or b.date is None or abs((a.date - b.date).days) <= LINK_MAX_DAYS
    linked = date_ok and (near_duplicate or (
        not same_lang and strong_kinds >= 2 and score >= LINK_THRESHOLD))
    shared = {"persons": persons, "numbers": numbers, "names": names, "countries": sorted(weak[0]),
              "operations": sorted(weak[1]), "years": sorted(weak[2]), "orgs": sorted(weak[3]),
              "near_duplicate": near_duplicate}
    return StoryLink(a.doc_id, b.doc_id, score, strong_kinds, shared, linked)


def signals_frame(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """One row of story evidence per document (the story_signals table): what linking needs, without the text."""
    entity_columns = ["doc_id", "entity_type", "text", "canonical_name", "canonical_id"]
    ent_by_doc: dict[str, list[tuple]] = {}
    if entities is not None and len(entities) and "doc_id" in entities.columns:
        frame = entities.reindex(columns=entity_columns).astype(object)
        for doc_id, *row in frame.where(frame.notna(), None).itertuples(index=False, name=None):
            ent_by_doc.setdefault(doc_id, []).append(tuple(row))
    values_by_doc: dict[str, list[int]] = {}
    if facts is not None and len(facts) and "doc_id" in facts.columns:
        for doc_id, value in zip(facts["doc_id"], facts["value"]):
            if not pd.isna(value):
                values_by_doc.setdefault(doc_id, []).append(int(value))
    rows = []
    for doc in docs.to_dict("records"):
        sig = _signals(doc, ent_by_doc.get(doc["doc_id"], []), values_by_doc.get(doc["doc_id"], []))
        rows.append({
            "doc_id": sig.doc_id, "lang": sig.lang, "published_date": sig.date.date() if sig.date is not None else None,
            "persons": sig.persons,
            # persons block on the first letters of every long name part, so word order and endings do not matter
            "person_blocks": sorted({part[:4] for p in sig.persons for part in p.split() if len(part) >= 4}),
            "numbers": sorted(sig.numbers), "names": sorted(sig.names), "countries": sorted(sig.countries),
            "orgs": sorted(sig.orgs), "operations": sorted(sig.operations), "years": sorted(sig.years),
            "sketch": sig.sketch,
        })
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


SIGNAL_COLUMNS = ["doc_id", "lang", "published_date", "persons", "person_blocks", "numbers", "names", "countries",
                  "orgs", "operations", "years", "sketch"]


def _items(value: object) -> list:
    return [] if value is None or (not hasattr(value, "__len__") and pd.isna(value)) else list(value)


def _from_row(row: dict) -> _DocSignals:
    date = pd.to_datetime(row.get("published_date"), errors="coerce")
    lang = row.get("lang")
    return _DocSignals(
        str(row["doc_id"]), lang if isinstance(lang, str) else None, None if pd.isna(date) else date,
        persons=_items(row.get("persons")), numbers={int(n) for n in _items(row.get("numbers"))},
        names=set(_items(row.get("names"))), countries=set(_items(row.get("countries"))),
        orgs=set(_items(row.get("orgs"))), operations=set(_items(row.get("operations"))),
        years={int(y) for y in _items(row.get("years"))}, sketch=[int(h) for h in _items(row.get("sketch"))])


_CANDIDATES_SQL = """
WITH keys AS (
    SELECT DISTINCT idx, kind, item FROM (
        SELECT idx, 'number' AS kind, CAST(unnest(numbers) AS VARCHAR) AS item FROM sig
        UNION ALL SELECT idx, 'name', unnest(names) FROM sig
        UNION ALL SELECT idx, 'person_block', unnest(person_blocks) FROM sig)),
usable AS (
    SELECT k.idx, k.kind, k.item FROM keys k
    JOIN (SELECT kind, item, count(*) AS members FROM keys GROUP BY kind, item) m USING (kind, item)
    WHERE m.members <= {block_max} AND NOT (k.kind IN ('number', 'name') AND m.members > {routine_limit})),
strong AS (
    SELECT a.idx AS i, b.idx AS j FROM usable a JOIN usable b
        ON a.kind = b.kind AND a.item = b.item AND a.idx < b.idx
    GROUP BY a.idx, b.idx HAVING count(DISTINCT a.kind) >= 2)
SELECT s.i, s.j FROM strong s JOIN sig a ON a.idx = s.i JOIN sig b ON b.idx = s.j
WHERE {dates_close} AND a.lang IS DISTINCT FROM b.lang
ORDER BY s.i, s.j
"""

# Same-language near-duplicates are decided in DuckDB (reposts of one text can be thousands of pairs), in two
# steps, so that memory stays bounded whatever the corpus size: the
# candidate pairs (narrow rows, spillable), then their similarity a bounded chunk of pairs at a time (the
# sketches are lists, which DuckDB cannot spill: scoring every pair at once ran out of 256 MB at 100,000
# documents, 3.4 million candidate pairs).
_NEAR_CANDIDATES_SQL = """
CREATE TEMP TABLE near AS
WITH sketch_keys AS (
    SELECT idx, coalesce(lang, '') AS lang, unnest(list_slice(sketch, 1, 3)) AS h FROM sig),
blocks AS (SELECT lang, h FROM sketch_keys GROUP BY lang, h HAVING count(*) BETWEEN 2 AND {block_max})
SELECT DISTINCT a.idx AS i, b.idx AS j FROM sketch_keys a JOIN blocks USING (lang, h)
JOIN sketch_keys b ON a.lang = b.lang AND a.h = b.h AND a.idx < b.idx
"""

_NEAR_DUPLICATES_SQL = """
WITH scored AS (
    SELECT n.i, n.j, list_slice(list_sort(list_distinct(list_concat(a.sketch, b.sketch))), 1, {sketch_size}) AS u,
           list_intersect(a.sketch, b.sketch) AS shared
    FROM (SELECT i, j FROM near WHERE i >= $lo AND i < $hi) n JOIN sig a ON a.idx = n.i JOIN sig b ON b.idx = n.j
    WHERE {dates_close} AND len(a.sketch) > 0 AND len(b.sketch) > 0)
SELECT i, j, len(list_filter(shared, lambda x: x <= u[len(u)])) / len(u) AS similarity FROM scored
WHERE len(list_filter(shared, lambda x: x <= u[len(u)])) >= {threshold} * len(u)
ORDER BY i, j
"""
NEAR_PAIRS_PER_CHUNK = 50_000


def _pair_chunks(con) -> list[tuple[int, int]]:
    """[lo, hi) ranges of i holding about NEAR_PAIRS_PER_CHUNK candidate pairs each, in order."""
    chunks, lo, pairs = [], None, 0
    for i, count in con.execute("SELECT i, count(*) FROM near GROUP BY i ORDER BY i").fetchall():
        if lo is None:
            lo = i
        pairs += count
        if pairs >= NEAR_PAIRS_PER_CHUNK:
            chunks.append((lo, i + 1))
            lo, pairs = None, 0
    if lo is not None:
        chunks.append((lo, i + 1))
    return chunks


_DATES_CLOSE = ("(a.published_date IS NULL OR b.published_date IS NULL OR abs(date_diff('day', "
                "CAST(a.published_date AS DATE), CAST(b.published_date AS DATE))) <= {max_days})")

_ROUTINE_SQL = """
SELECT kind, item FROM (
    SELECT 'number' AS kind, CAST(unnest(numbers) AS VARCHAR) AS item, idx FROM sig
    UNION ALL SELECT 'name', unnest(names), idx FROM sig
    UNION ALL SELECT 'person', unnest(persons), idx FROM sig)
GROUP BY kind, item HAVING count(DISTINCT idx) > {routine_limit}
"""


def _load_signals(con, signals: pd.DataFrame | list[str]) -> None:
    """Create DuckDB table `sig` (signals + row number idx) from a frame or from Parquet files (read by DuckDB)."""

    if isinstance(signals, pd.DataFrame) or not signals:
        frame = signals if isinstance(signals, pd.DataFrame) else pd.DataFrame(columns=SIGNAL_COLUMNS)
        con.register("sig_in", to_arrow(frame, "story_signals").replace_schema_metadata(None))
        con.execute("CREATE TEMP TABLE sig AS SELECT row_number() OVER () - 1 AS idx, * FROM sig_in")
    else:
        con.execute("CREATE TEMP TABLE sig AS SELECT row_number() OVER () - 1 AS idx, * FROM read_parquet(?)",
                    [list(signals)])


def _scan(signals: pd.DataFrame | list[str], on_near_duplicate: Callable[[int, int, float], None],
          memory_limit: str = DEFAULT_STORIES_MEMORY) -> tuple[list[tuple[int, int, StoryLink]], list[str], list]:
    """Find story links among `signals`; return the compared cross-language pairs (row numbers and evidence) and
    every doc_id and lang in input order. Same-language near-duplicates go to `on_near_duplicate(i, j, similarity)`
    in batches, never all in memory: reposts of one text can be millions of pairs.

    Candidate pairs come from DuckDB (shared non-routine strong items of two kinds across languages, or a
    shared sketch hash within one language, dates at most LINK_MAX_DAYS apart), within DuckDB's `memory_limit`
    (spilling to disk beyond it); only cross-language candidates are compared in Python.
    """
    import duckdb

    # spill files go to the system's temporary folder, not to `.tmp` in the current directory (DuckDB's default)
    with tempfile.TemporaryDirectory(prefix="etl-stories-") as spill, \
            duckdb.connect(config={"memory_limit": memory_limit, "threads": 2,
                                   "temp_directory": spill}) as con:
        _load_signals(con, signals)
        doc_ids, langs = [], []
        for doc_id, lang in con.execute("SELECT doc_id, lang FROM sig ORDER BY idx").fetchall():
            doc_ids.append(doc_id)
            langs.append(lang)
        if not doc_ids:
            return [], [], []
        routine_limit = max(3, int(0.02 * len(doc_ids)))
        routine = {(kind, int(item) if kind == "number" else item)
                   for kind, item in con.execute(_ROUTINE_SQL.format(routine_limit=routine_limit)).fetchall()}
        dates_close = _DATES_CLOSE.format(max_days=LINK_MAX_DAYS)
        pairs = con.execute(_CANDIDATES_SQL.format(block_max=BLOCK_MAX_MEMBERS, routine_limit=routine_limit,
                                                   dates_close=dates_close)).fetchall()
        needed = sorted({i for pair in pairs for i in pair})
        cache: dict[int, _DocSignals] = {}
        if needed:
            con.register("needed", pd.DataFrame({"idx": needed}))
            frame = con.execute(f"SELECT idx, {', '.join(SIGNAL_COLUMNS)} FROM sig JOIN needed USING (idx)").df()
            cache = {int(row["idx"]): _from_row(row) for row in frame.to_dict("records")}
        compared = [(i, j, _compare(cache[i], cache[j], routine)) for i, j in pairs]
        con.execute(_NEAR_CANDIDATES_SQL.format(block_max=BLOCK_MAX_MEMBERS))
        scored = _NEAR_DUPLICATES_SQL.format(sketch_size=SKETCH_SIZE, threshold=NEAR_DUPLICATE, dates_close=dates_close)
        for lo, hi in _pair_chunks(con):
            cursor = con.execute(scored, {"lo": lo, "hi": hi})
            while batch := cursor.fetchmany(50_000):
                for i, j, similarity in batch:
                    on_near_duplicate(i, j, similarity)
    return compared, doc_ids, langs


def links_from_signals(signals: pd.DataFrame | list[str], memory_limit: str = DEFAULT_STORIES_MEMORY,
                       ) -> tuple[list[StoryLink], list[str], list[str | None]]:
    """Every compared pair with its evidence (near-duplicates included), plus every doc_id and lang in input order."""
    near: list[tuple[int, int, float]] = []
    compared, doc_ids, langs = _scan(signals, lambda i, j, sim: near.append((i, j, sim)), memory_limit)
    links = [link for _, _, link in compared]
    links += [StoryLink(doc_ids[i], doc_ids[j], 0.0, 0, {"near_duplicate": True, "similarity": round(sim, 3)}, True)
              for i, j, sim in near]
    return links, doc_ids, langs


def story_links(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> list[StoryLink]:
    """Every compared pair of documents with its evidence (pairs that cannot link are not compared)."""
    return links_from_signals(signals_frame(docs, entities, facts))[0]


def story_id(doc_ids: list[str]) -> str:
    """Stable id of a group of documents: hash of its smallest doc_id."""
    return "story_" + hashlib.sha1(min(doc_ids).encode()).hexdigest()[:16]


def assign_stories(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """One row per document: story_id, doc_id, lang; documents of one story share the story_id."""
    return stories_from_signals(signals_frame(docs, entities, facts))


def stories_from_signals(signals: pd.DataFrame | list[str], memory_limit: str = DEFAULT_STORIES_MEMORY) -> pd.DataFrame:
    """The stories table from story signals (a frame or Parquet files): one row per document.

    `memory_limit` caps DuckDB's memory for the candidate pairs (ETL_STORIES_MEMORY; it spills to disk beyond).
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    links = 0

    def near_duplicate(i: int, j: int, _similarity: float) -> None:
        nonlocal links
        links += 1
        union(i, j)

    compared, doc_ids, langs = _scan(signals, near_duplicate, memory_limit)
    if not doc_ids:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in STORY_COLUMNS})
    for i, j, link in compared:
        if link.linked:
            links += 1
            union(i, j)
    groups: dict[int, list[str]] = {}
    for member in parent:
        groups.setdefault(find(member), []).append(doc_ids[member])
    ids = {doc_id: story_id(members) for members in groups.values() for doc_id in members}
    log.info("%d documents in %d stories (%d links)", len(doc_ids),
             len(doc_ids) - sum(len(m) - 1 for m in groups.values()), links)
    return pd.DataFrame({"story_id": [ids.get(d) or story_id([d]) for d in doc_ids], "doc_id": doc_ids,
                         "lang": langs}).astype("string")
