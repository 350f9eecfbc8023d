"""Same-story grouping: documents that report one story (usually in different languages) share a story_id.

Only language-independent evidence is used (etl.stories.signals), because a Russian and an English report
share no words:
- strong: persons (compared in Latin transliteration, so "Алуа Надиркулова" = "Alua Nadirkulova"),
  numbers (counted values and any other figure >= 11 that is not a year, ordinals included: "57th" = "57-ой"),
  names written in Latin capitals in both texts (GCERF, AQNIET), days of the month named in both texts
  ("22 октября" = "October 22"), operation stages ("Mehr-4"), and counted facts with the same home country
  and value ("TJ:104"; at least MIN_SHARED_FACTS of them are one kind of their own, fewer only add score);
- weak (half weight): countries, operations, years, organisations, places (ministries, capitals and the UN
  recur in unrelated stories). The publishing agency (documents.source_agency) is ignored.
A strong item seen in more than max(3, 2 % of the batch) documents is routine (the foreign minister, "100")
and not counted. Two documents are linked when they are at most LINK_MAX_DAYS apart when both dates are known,
and either near-identical in one language, or share strong items of at least two kinds with strong +
0.5 * weak >= LINK_THRESHOLD; two texts in one language must besides share a stage or a day of the month
(the event itself), since one language shares wording and routine figures. Two reports of different
events by the same ministry share the country, the operation and at most one person, which stays below
both bars. Linked documents form groups (connected components); story_id hashes the smallest doc_id of the
group, so it is stable.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from etl.config import DEFAULT_STORIES_MEMORY
from etl.schemas import to_arrow
from etl.stories.near import BLOCK_MAX_MEMBERS, DATES_CLOSE_SQL, NEAR_DUPLICATE, near_duplicates
from etl.stories.signals import (
    SIGNAL_COLUMNS,
    SKETCH_SIZE,
    DocSignals,
    body_sketch,
    latin_key,
    same_person,
    signals_frame,
    signals_from_row,
    sketch_similarity,
)

__all__ = ["LINK_MAX_DAYS", "LINK_THRESHOLD", "NEAR_DUPLICATE", "SIGNAL_COLUMNS", "SKETCH_SIZE", "STORY_COLUMNS",
           "StoryLink", "assign_stories", "body_sketch", "latin_key", "links_from_signals", "same_person",
           "signals_frame", "sketch_similarity", "stories_from_signals", "story_id", "story_links"]

log = logging.getLogger(__name__)

STORY_COLUMNS = ["story_id", "doc_id", "lang"]
LINK_THRESHOLD = 4.0
LINK_MAX_DAYS = 7
# two shared counted facts (home country and value) are one kind of evidence; one alone is just a shared number
MIN_SHARED_FACTS = 2
STAGE_WEIGHT = 2.0  # an operation's stage ("Mehr-4") names one event: worth two shared figures


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


def _shared_stages(a: set[str], b: set[str]) -> list[str]:
    """Stages both name, counted only for an operation whose stages the two texts name alike (a report of
    "Mehr-5" that recalls "Mehr-4" is not a report of Mehr-4)."""
    def by_operation(stages: set[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for stage in stages:
            out.setdefault(stage.split(":")[0], set()).add(stage)
        return out

    of_a, of_b = by_operation(a), by_operation(b)
    return sorted(stage for op, stages in of_a.items() if of_b.get(op) == stages for stage in stages)


def _compare(a: DocSignals, b: DocSignals, routine: set[tuple[str, object]]) -> StoryLink:
    persons = [p for p in _shared_persons(a.persons, b.persons) if ("person", p) not in routine]
    numbers = sorted(n for n in a.numbers & b.numbers if ("number", n) not in routine)
    names = sorted(n for n in a.names & b.names if ("name", n) not in routine)
    facts = sorted(f for f in a.facts & b.facts if ("fact", f) not in routine)
    days = sorted(d for d in a.event_days & b.event_days if ("day", d) not in routine)
    stages = _shared_stages(a.stages, b.stages)
    weak = (a.countries & b.countries, a.operations & b.operations, a.years & b.years, a.orgs & b.orgs,
            a.places & b.places)
    strong_kinds = sum(1 for group in (persons, numbers, names, days, stages) if group)
    # the figure an operation's stage brought home is the stage's own figure
    strong_kinds += len(facts) >= MIN_SHARED_FACTS or bool(facts and stages)
    score = (len(persons) + len(numbers) + len(names) + len(facts) + len(days) + STAGE_WEIGHT * len(stages)
             + 0.5 * sum(len(w) for w in weak))
    same_lang = a.lang == b.lang
    near_duplicate = same_lang and sketch_similarity(a.sketch, b.sketch) >= NEAR_DUPLICATE
    date_ok = a.date is None or b.date is None or abs((a.date - b.date).days) <= LINK_MAX_DAYS
    # one language shares wording, routine figures and the outlet's habits: besides the bar, two texts in one
    # language must name the event itself (its stage or its day) to be one story
    names_the_event = bool(stages or days)
    linked = date_ok and (near_duplicate or (
        (not same_lang or names_the_event) and strong_kinds >= 2 and score >= LINK_THRESHOLD))
    shared = {"persons": persons, "numbers": numbers, "names": names, "facts": facts, "event_days": days,
              "stages": stages, "countries": sorted(weak[0]), "operations": sorted(weak[1]),
              "years": sorted(weak[2]), "orgs": sorted(weak[3]), "places": sorted(weak[4]),
              "near_duplicate": near_duplicate}
    return StoryLink(a.doc_id, b.doc_id, score, strong_kinds, shared, linked)


_CANDIDATES_SQL = """
WITH keys AS (
    SELECT DISTINCT idx, kind, item FROM (
        SELECT idx, 'number' AS kind, CAST(unnest(numbers) AS VARCHAR) AS item FROM sig
        UNION ALL SELECT idx, 'name', unnest(names) FROM sig
        UNION ALL SELECT idx, 'person_block', unnest(person_blocks) FROM sig
        UNION ALL SELECT idx, 'fact', unnest(facts) FROM sig
        UNION ALL SELECT idx, 'day', unnest(event_days) FROM sig
        UNION ALL SELECT idx, 'stage', unnest(stages) FROM sig)),
usable AS (
    SELECT k.idx, k.kind, k.item FROM keys k
    JOIN (SELECT kind, item, count(*) AS members FROM keys GROUP BY kind, item) m USING (kind, item)
    WHERE m.members <= {block_max} AND NOT (k.kind IN {routine_kinds} AND m.members > {routine_limit})),
strong AS (
    SELECT a.idx AS i, b.idx AS j, bool_or(a.kind IN ('day', 'stage')) AS names_event FROM usable a JOIN usable b
        ON a.kind = b.kind AND a.item = b.item AND a.idx < b.idx
    GROUP BY a.idx, b.idx HAVING count(DISTINCT a.kind) >= 2)
SELECT s.i, s.j FROM strong s JOIN sig a ON a.idx = s.i JOIN sig b ON b.idx = s.j
WHERE {dates_close} AND (a.lang IS DISTINCT FROM b.lang OR s.names_event)
ORDER BY s.i, s.j
"""
# kinds of strong items that are routine (not counted) beyond the routine limit; a stage names one event
_ROUTINE_KINDS = ("number", "name", "person", "fact", "day")

_ROUTINE_SQL = """
SELECT kind, item FROM (
    SELECT 'number' AS kind, CAST(unnest(numbers) AS VARCHAR) AS item, idx FROM sig
    UNION ALL SELECT 'name', unnest(names), idx FROM sig
    UNION ALL SELECT 'person', unnest(persons), idx FROM sig
    UNION ALL SELECT 'fact', unnest(facts), idx FROM sig
    UNION ALL SELECT 'day', unnest(event_days), idx FROM sig)
GROUP BY kind, item HAVING count(DISTINCT idx) > {routine_limit}
"""


def _load_signals(con, signals: pd.DataFrame | list[str]) -> None:
    """Create DuckDB table `sig` (signals + row number idx) from a frame or from Parquet files (read by DuckDB)."""

    if isinstance(signals, pd.DataFrame) or not signals:
        frame = signals if isinstance(signals, pd.DataFrame) else pd.DataFrame(columns=SIGNAL_COLUMNS)
        con.register("sig_in", to_arrow(frame, "story_signals").replace_schema_metadata(None))
        con.execute("CREATE TEMP TABLE sig AS SELECT row_number() OVER () - 1 AS idx, * FROM sig_in")
    else:
        con.execute("CREATE TEMP TABLE sig AS SELECT row_number() OVER () - 1 AS idx, * "
                    "FROM read_parquet(?, union_by_name = true)", [list(signals)])
        # parts written before a signal column existed have none: the column reads as empty lists
        present = {row[0] for row in con.execute("SELECT column_name FROM (DESCRIBE sig)").fetchall()}
        for column in SIGNAL_COLUMNS:
            if column not in present:
                con.execute(f"ALTER TABLE sig ADD COLUMN {column} VARCHAR[] DEFAULT []")


# candidate pairs compared in Python per batch: the pairs and their documents' signals, never all in memory
COMPARED_PAIRS_PER_CHUNK = 20_000


def _scan(signals: pd.DataFrame | list[str], on_near_duplicate: Callable[[int, int, float], None],
          on_compared: Callable[[int, int, StoryLink], None],
          memory_limit: str = DEFAULT_STORIES_MEMORY) -> tuple[list[str], list]:
    """Find story links among `signals`; return every doc_id and lang in input order. Each compared candidate pair
    goes to `on_compared(i, j, link)` (row numbers and evidence), same-language near-duplicates to
    `on_near_duplicate(i, j, similarity)`, in batches, never all in memory: candidate pairs grow faster than the
    documents, and reposts of one text can be millions of pairs.

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
            return [], []
        routine_limit = max(3, int(0.02 * len(doc_ids)))
        routine = {(kind, int(item) if kind == "number" else item)
                   for kind, item in con.execute(_ROUTINE_SQL.format(routine_limit=routine_limit)).fetchall()}
        dates_close = DATES_CLOSE_SQL.format(max_days=LINK_MAX_DAYS)
        con.execute("CREATE TEMP TABLE candidates AS SELECT row_number() OVER (ORDER BY i, j) - 1 AS n, i, j FROM ("
                    + _CANDIDATES_SQL.format(block_max=BLOCK_MAX_MEMBERS, routine_limit=routine_limit,
                                             dates_close=dates_close, routine_kinds=str(_ROUTINE_KINDS)) + ")")
        total = con.execute("SELECT count(*) FROM candidates").fetchone()[0]
        for lo in range(0, total, COMPARED_PAIRS_PER_CHUNK):
            chunk = {"lo": lo, "hi": lo + COMPARED_PAIRS_PER_CHUNK}
            pairs = con.execute("SELECT i, j FROM candidates WHERE n >= $lo AND n < $hi ORDER BY n", chunk).fetchall()
            frame = con.execute(f"SELECT idx, {', '.join(SIGNAL_COLUMNS)} FROM sig WHERE idx IN ("
                                "SELECT i FROM candidates WHERE n >= $lo AND n < $hi UNION "
                                "SELECT j FROM candidates WHERE n >= $lo AND n < $hi)", chunk).df()
            cache: dict[int, DocSignals] = {int(row["idx"]): signals_from_row(row)
                                            for row in frame.to_dict("records")}
            for i, j in pairs:
                on_compared(i, j, _compare(cache[i], cache[j], routine))
        near_duplicates(con, on_near_duplicate, LINK_MAX_DAYS)
    return doc_ids, langs


def links_from_signals(signals: pd.DataFrame | list[str], memory_limit: str = DEFAULT_STORIES_MEMORY,
                       ) -> tuple[list[StoryLink], list[str], list[str | None]]:
    """Every compared pair with its evidence (near-duplicates included), plus every doc_id and lang in input order."""
    near: list[tuple[int, int, float]] = []
    links: list[StoryLink] = []
    doc_ids, langs = _scan(signals, lambda i, j, sim: near.append((i, j, sim)),
                           lambda i, j, link: links.append(link), memory_limit)
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

    def link(i: int, j: int) -> None:
        nonlocal links
        links += 1
        union(i, j)

    doc_ids, langs = _scan(signals, lambda i, j, _similarity: link(i, j),
                           lambda i, j, found: link(i, j) if found.linked else None, memory_limit)
    if not doc_ids:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in STORY_COLUMNS})
    groups: dict[int, list[str]] = {}
    for member in parent:
        groups.setdefault(find(member), []).append(doc_ids[member])
    ids = {doc_id: story_id(members) for members in groups.values() for doc_id in members}
    log.info("%d documents in %d stories (%d links)", len(doc_ids),
             len(doc_ids) - sum(len(m) - 1 for m in groups.values()), links)
    return pd.DataFrame({"story_id": [ids.get(d) or story_id([d]) for d in doc_ids], "doc_id": doc_ids,
                         "lang": langs}).astype("string")
