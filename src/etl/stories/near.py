"""Same-language near-duplicates (reposts of one text), found in DuckDB within its memory cap at any corpus size.

Documents sharing one of their three smallest 5-gram hashes form a block. A block of at most BLOCK_MAX_MEMBERS
pairs all its members, and the pairs are scored a bounded chunk at a time (the sketches are lists, which
DuckDB cannot spill: scoring every pair at once ran out of 256 MB at 100,000 documents, 3.4 million candidate
pairs). A larger block (a text reposted hundreds of times, or a common 5-gram) is never paired out: its
members are scored against one representative (taken from the largest group of members that share their next
smallest hash: the reposts of one text), those alike are linked to it and leave the block, and the next
representative is taken from the rest, at most MAX_REPRESENTATIVES times and until one has no near-duplicate
in the block; a rest of at most BLOCK_MAX_MEMBERS is then paired out like a small block. The cost is linear in
the block's size.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from etl.stories.signals import SKETCH_SIZE, sketch_similarity

NEAR_DUPLICATE = 0.7  # 5-gram Jaccard of two same-language bodies
BLOCK_MAX_MEMBERS = 200
MAX_REPRESENTATIVES = 16  # texts one large block is split into before its rest is given up
NEAR_PAIRS_PER_CHUNK = 50_000
MEMBERS_PER_BATCH = 10_000  # members of a large block compared with its representative at once

DATES_CLOSE_SQL = ("(a.published_date IS NULL OR b.published_date IS NULL OR abs(date_diff('day', "
                   "CAST(a.published_date AS DATE), CAST(b.published_date AS DATE))) <= {max_days})")

_BLOCKS_SQL = """
CREATE TEMP TABLE sketch_keys AS
    SELECT idx, coalesce(lang, '') AS lang, unnest(list_slice(sketch, 1, 3)) AS h FROM sig;
CREATE TEMP TABLE blocks AS
    SELECT lang, h, count(*) AS members FROM sketch_keys GROUP BY lang, h HAVING count(*) >= 2;
CREATE TEMP TABLE pending AS
    SELECT s.lang, s.h, s.idx, CASE WHEN g.sketch[1] = s.h THEN g.sketch[2] ELSE g.sketch[1] END AS next_h
    FROM sketch_keys s JOIN blocks k USING (lang, h) JOIN sig g ON g.idx = s.idx WHERE k.members > {block_max};
CREATE TEMP TABLE rest (i BIGINT, j BIGINT);
"""

# the candidate pairs of a chunk published close enough, and the sketches of the chunk's documents: the pairs are
# scored in Python (DuckDB's list functions took 0.25 ms a pair, and turning list columns into Python lists
# row by row 0.15 ms; most pairs fail the cheap shared-count bound of `_near_similarity`)
_CLOSE_PAIRS_SQL = """
    SELECT n.i, n.j FROM near n JOIN sig a ON a.idx = n.i JOIN sig b ON b.idx = n.j
    WHERE n.n >= $lo AND n.n < $hi AND {dates_close} ORDER BY n.i, n.j
"""
_CHUNK_SKETCHES_SQL = """
    SELECT idx, sketch FROM sig WHERE len(sketch) > 0 AND idx IN (
        SELECT i FROM near WHERE n >= $lo AND n < $hi UNION SELECT j FROM near WHERE n >= $lo AND n < $hi)
"""

_LEAVE_BLOCK_SQL = ("DELETE FROM pending WHERE lang = $lang AND h = $h "
                    "AND (idx = $rep OR idx IN (SELECT idx FROM alike))")
_MEMBERS_SQL = ("SELECT p.idx, g.sketch, g.published_date FROM pending p JOIN sig g ON g.idx = p.idx "
                "WHERE p.lang = $lang AND p.h = $h AND p.idx <> $rep ORDER BY p.idx")
# the representative: a member of the largest group that shares its smallest hash besides the block's (reposts
# of one text share it; unrelated texts that only share the block's 5-gram do not)
_REPRESENTATIVE_SQL = """
SELECT count(*) AS members,
       (SELECT min(idx) FROM pending WHERE lang = $lang AND h = $h AND next_h = (
            SELECT next_h FROM pending WHERE lang = $lang AND h = $h
            GROUP BY next_h ORDER BY count(*) DESC, min(idx) LIMIT 1)) AS representative,
       (SELECT count(*) FROM pending WHERE lang = $lang AND h = $h GROUP BY next_h ORDER BY count(*) DESC
        LIMIT 1) AS group_size
FROM pending WHERE lang = $lang AND h = $h
"""

_NEAR_CANDIDATES_SQL = """
CREATE TEMP TABLE near AS
WITH small AS (
    SELECT a.idx AS i, b.idx AS j FROM sketch_keys a JOIN blocks k ON a.lang = k.lang AND a.h = k.h
    JOIN sketch_keys b ON a.lang = b.lang AND a.h = b.h AND a.idx < b.idx
    WHERE k.members <= {block_max}),
pairs AS (SELECT i, j FROM small UNION SELECT i, j FROM rest)
SELECT row_number() OVER (ORDER BY i, j) - 1 AS n, i, j FROM pairs
"""


def _pair_chunks(con) -> list[tuple[int, int]]:
    """[lo, hi) ranges of the candidate pairs' row numbers, NEAR_PAIRS_PER_CHUNK pairs each, in (i, j) order."""
    total = con.execute("SELECT count(*) FROM near").fetchone()[0]
    return [(lo, min(lo + NEAR_PAIRS_PER_CHUNK, total)) for lo in range(0, total, NEAR_PAIRS_PER_CHUNK)]


def _dates_close(a: dt.date | None, b: dt.date | None, max_days: int) -> bool:
    return a is None or b is None or abs((a - b).days) <= max_days


def _arrow_batches(relation, rows: int) -> Iterator[pa.RecordBatch]:
    """The rows of a DuckDB relation as Arrow record batches of `rows` rows (DuckDB 2 renamed fetch_arrow_reader)."""
    reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
    return iter(reader(rows))


def _may_be_alike(rep_sketch: np.ndarray, sketches: pa.ListArray) -> list[int]:
    """Row numbers of the `sketches` that may be near-duplicates of `rep_sketch` (sorted, non-empty): the non-empty
    ones holding at least NEAR_DUPLICATE of the hashes the bottom-k of their union could hold (it holds at most the
    shared ones: most members fail this cheap bound). Counted for a whole batch at once (sketches hold distinct
    hashes); only these members become Python lists for `sketch_similarity`."""
    offsets = sketches.offsets.to_numpy()
    hashes = sketches.values.to_numpy(zero_copy_only=False)[offsets[0]:offsets[-1]]  # a null sketch: None below
    offsets = offsets - offsets[0]
    lengths = np.diff(offsets)
    found = rep_sketch[np.minimum(np.searchsorted(rep_sketch, hashes), len(rep_sketch) - 1)] == hashes
    hits = np.concatenate([[0], np.cumsum(found)])
    shared = hits[offsets[1:]] - hits[offsets[:-1]]
    needed = NEAR_DUPLICATE * np.minimum(SKETCH_SIZE, np.maximum(len(rep_sketch), lengths))
    return np.flatnonzero((lengths > 0) & (shared >= needed)).tolist()


def _split_large_blocks(con, on_near_duplicate: Callable[[int, int, float], None], max_days: int) -> None:
    """Link the members of every block over BLOCK_MAX_MEMBERS to representatives; leave the rest's pairs in `rest`.

    A representative is compared with the block's members an Arrow batch at a time: a numpy bound first
    (`_may_be_alike`), then `sketch_similarity` in Python for the members that pass it (DuckDB's list lambdas
    took 0.2 ms a pair)."""
    for lang, h in con.execute("SELECT DISTINCT lang, h FROM pending ORDER BY lang, h").fetchall():
        block = {"lang": lang, "h": h}
        for _ in range(MAX_REPRESENTATIVES):
            members, rep, group_size = con.execute(_REPRESENTATIVE_SQL, block).fetchall()[0]  # fetched to the end
            if members <= BLOCK_MAX_MEMBERS or group_size < 2:  # small enough to pair out, or no reposts left
                break
            rep_sketch, rep_date = con.execute("SELECT sketch, published_date FROM sig WHERE idx = $rep",
                                               {"rep": rep}).fetchall()[0]
            rep_sorted, alike = np.sort(np.asarray(rep_sketch, dtype=np.int64)), []
            for batch in _arrow_batches(con.sql(_MEMBERS_SQL, params=block | {"rep": rep}), MEMBERS_PER_BATCH):
                for k in _may_be_alike(rep_sorted, batch.column("sketch")):
                    idx, sketch = batch.column("idx")[k].as_py(), batch.column("sketch")[k].as_py()
                    similarity = sketch_similarity(rep_sketch, sketch)
                    if similarity >= NEAR_DUPLICATE and _dates_close(rep_date, batch.column("published_date")[k].as_py(),
                                                                    max_days):
                        on_near_duplicate(min(rep, idx), max(rep, idx), similarity)
                        alike.append(idx)
            con.register("alike", pd.DataFrame({"idx": pd.Series(alike, dtype="int64")}))
            con.execute(_LEAVE_BLOCK_SQL, block | {"rep": rep})
            con.unregister("alike")
            if not alike:  # the largest group left shared its hash by chance: no reposts left in the block
                break
        if con.execute("SELECT count(*) FROM pending WHERE lang = $lang AND h = $h", block).fetchone()[0] \
                <= BLOCK_MAX_MEMBERS:
            con.execute("INSERT INTO rest SELECT a.idx, b.idx FROM pending a JOIN pending b ON a.lang = b.lang "
                        "AND a.h = b.h AND a.idx < b.idx WHERE a.lang = $lang AND a.h = $h", block)
        # else: still too large after MAX_REPRESENTATIVES texts, or unrelated texts sharing a common 5-gram


def near_duplicates(con, on_near_duplicate: Callable[[int, int, float], None], max_days: int) -> None:
    """Call `on_near_duplicate(i, j, similarity)` for the same-language near-duplicate pairs of DuckDB table `sig`
    (i < j, row numbers) published at most `max_days` apart when both dates are known, in batches, never all in
    memory: reposts of one text can be millions of pairs."""
    dates_close = DATES_CLOSE_SQL.format(max_days=max_days)
    con.execute(_BLOCKS_SQL.format(block_max=BLOCK_MAX_MEMBERS))
    _split_large_blocks(con, on_near_duplicate, max_days)
    con.execute(_NEAR_CANDIDATES_SQL.format(block_max=BLOCK_MAX_MEMBERS))
    close_pairs = _CLOSE_PAIRS_SQL.format(dates_close=dates_close)
    for lo, hi in _pair_chunks(con):
        chunk = {"lo": lo, "hi": hi}
        pairs = con.execute(close_pairs, chunk).fetchall()  # fetched to the end: the connection is free again
        sketches = _sketches(con.sql(_CHUNK_SKETCHES_SQL, params=chunk).to_arrow_table())
        last_i, hashes_i = None, set()
        for i, j in pairs:
            if i not in sketches or j not in sketches:
                continue  # an empty sketch is no near-duplicate of anything
            if i != last_i:
                last_i, hashes_i = i, set(sketches[i].tolist())
            similarity = _near_similarity(hashes_i, sketches[j].tolist())
            if similarity is not None:
                on_near_duplicate(i, j, similarity)
        del pairs, sketches


def _sketches(table: pa.Table) -> dict[int, np.ndarray]:
    """idx -> sketch of an (idx, sketch) table, as views of one flat array (a few bytes a document besides it)."""
    column = table.column("sketch").combine_chunks()
    hashes = column.flatten().to_numpy()
    offsets = column.offsets.to_numpy() - column.offsets[0].as_py()
    return {idx: hashes[offsets[k]:offsets[k + 1]] for k, idx in enumerate(table.column("idx").to_pylist())}


def _near_similarity(hashes_a: set[int], b: list[int]) -> float | None:
    """`sketch_similarity(a, b)` when it is at least NEAR_DUPLICATE, else None (two non-empty sketches of distinct
    hashes; `hashes_a` is set(a)). The hashes counted are at most all shared hashes, and the union's bottom-k is
    min(SKETCH_SIZE, |a| + |b| - shared) long: most pairs fail that bound before any sorting."""
    shared = len(hashes_a.intersection(b))
    if shared < NEAR_DUPLICATE * min(SKETCH_SIZE, len(hashes_a) + len(b) - shared):
        return None
    union = sorted(hashes_a.union(b))[:SKETCH_SIZE]
    hashes_b = set(b)
    counted = sum(1 for h in union if h in hashes_a and h in hashes_b)
    # the comparison the SQL made (a count against the threshold times the length), not a rounded ratio
    return counted / len(union) if counted >= NEAR_DUPLICATE * len(union) else None
