"""Same-language near-duplicates (reposts of one text), found in DuckDB within its memory cap at any corpus size.

Documents sharing one of their three smallest 5-gram hashes form a block. A block of at most BLOCK_MAX_MEMBERS
pairs all its members, and the pairs are scored a bounded chunk at a time (the sketches are lists, which
DuckDB cannot spill: scoring every pair at once ran out of 256 MB at 100,000 documents, 3.4 million candidate
pairs). A larger block (a text reposted hundreds of times, or a common 5-gram) is never paired out: its
members are scored against one representative (the first member), those alike are linked to it and leave
the block, and the next representative is taken from the rest, at most MAX_REPRESENTATIVES times; a rest of
at most BLOCK_MAX_MEMBERS is then paired out like a small block. The cost is linear in the block's size.
"""

from __future__ import annotations

from collections.abc import Callable

from etl.stories.signals import SKETCH_SIZE

NEAR_DUPLICATE = 0.7  # 5-gram Jaccard of two same-language bodies
BLOCK_MAX_MEMBERS = 200
MAX_REPRESENTATIVES = 16  # texts one large block is split into before its rest is given up
NEAR_PAIRS_PER_CHUNK = 50_000

_BLOCKS_SQL = """
CREATE TEMP TABLE sketch_keys AS
    SELECT idx, coalesce(lang, '') AS lang, unnest(list_slice(sketch, 1, 3)) AS h FROM sig;
CREATE TEMP TABLE blocks AS
    SELECT lang, h, count(*) AS members FROM sketch_keys GROUP BY lang, h HAVING count(*) >= 2;
CREATE TEMP TABLE pending AS
    SELECT s.lang, s.h, s.idx FROM sketch_keys s JOIN blocks k USING (lang, h) WHERE k.members > {block_max};
CREATE TEMP TABLE rest (i BIGINT, j BIGINT);
"""

# the similarity of a pair from the two sketches (the estimate sketch_similarity makes in Python)
_SIMILAR = """
    SELECT i, j, len(list_filter(shared, lambda x: x <= u[len(u)])) / len(u) AS similarity FROM (
        SELECT n.i, n.j, list_intersect(a.sketch, b.sketch) AS shared,
               list_slice(list_sort(list_distinct(list_concat(a.sketch, b.sketch))), 1, {sketch_size}) AS u
        FROM ({pairs}) n JOIN sig a ON a.idx = n.i JOIN sig b ON b.idx = n.j
        WHERE {dates_close} AND len(a.sketch) > 0 AND len(b.sketch) > 0)
    WHERE len(list_filter(shared, lambda x: x <= u[len(u)])) >= {threshold} * len(u)
"""

_ALIKE_SQL = "CREATE OR REPLACE TEMP TABLE alike AS {similar}"
_LEAVE_BLOCK_SQL = "DELETE FROM pending WHERE lang = $lang AND h = $h AND (idx = $rep OR idx IN (SELECT j FROM alike))"

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


def _split_large_blocks(con, on_near_duplicate: Callable[[int, int, float], None], dates_close: str) -> None:
    """Link the members of every block over BLOCK_MAX_MEMBERS to representatives; leave the rest's pairs in `rest`."""
    to_representative = _ALIKE_SQL.format(similar=_SIMILAR.format(
        sketch_size=SKETCH_SIZE, threshold=NEAR_DUPLICATE, dates_close=dates_close,
        pairs="SELECT $rep AS i, idx AS j FROM pending WHERE lang = $lang AND h = $h AND idx > $rep"))
    for lang, h in con.execute("SELECT DISTINCT lang, h FROM pending ORDER BY lang, h").fetchall():
        block = {"lang": lang, "h": h}
        for _ in range(MAX_REPRESENTATIVES):
            members, rep = con.execute("SELECT count(*), min(idx) FROM pending WHERE lang = $lang AND h = $h",
                                       block).fetchone()
            if members <= BLOCK_MAX_MEMBERS:
                break
            con.execute(to_representative, block | {"rep": rep})
            con.execute(_LEAVE_BLOCK_SQL, block | {"rep": rep})
            for i, j, similarity in con.execute("SELECT i, j, similarity FROM alike ORDER BY j").fetchall():
                on_near_duplicate(i, j, similarity)
        else:
            continue  # still too large after MAX_REPRESENTATIVES texts: the rest is given up
        con.execute("INSERT INTO rest SELECT a.idx, b.idx FROM pending a JOIN pending b ON a.lang = b.lang "
                    "AND a.h = b.h AND a.idx < b.idx WHERE a.lang = $lang AND a.h = $h", block)


def near_duplicates(con, on_near_duplicate: Callable[[int, int, float], None], dates_close: str) -> None:
    """Call `on_near_duplicate(i, j, similarity)` for the same-language near-duplicate pairs of DuckDB table `sig`
    (i < j, row numbers), in batches, never all in memory: reposts of one text can be millions of pairs."""
    con.execute(_BLOCKS_SQL.format(block_max=BLOCK_MAX_MEMBERS))
    _split_large_blocks(con, on_near_duplicate, dates_close)
    con.execute(_NEAR_CANDIDATES_SQL.format(block_max=BLOCK_MAX_MEMBERS))
    scored = _SIMILAR.format(sketch_size=SKETCH_SIZE, threshold=NEAR_DUPLICATE, dates_close=dates_close,
                             pairs="SELECT i, j FROM near WHERE n >= $lo AND n < $hi") + " ORDER BY i, j"
    for lo, hi in _pair_chunks(con):
        cursor = con.execute(scored, {"lo": lo, "hi": hi})
        while batch := cursor.fetchmany(50_000):
            for i, j, similarity in batch:
                on_near_duplicate(i, j, similarity)
