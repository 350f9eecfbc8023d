"""How a run cuts its input files into shards (etl.run.summary.shard): every file once, in order, and a last
round that keeps every worker busy."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from etl.run.summary import shard


def test_the_last_round_is_split_among_the_workers() -> None:
    files = [f"f{n:05d}.txt" for n in range(3000)]
    assert [len(b) for b in shard(files, 1000)] == [1000, 1000, 1000]
    assert [len(b) for b in shard(files, 1000, parallel=2)] == [1000, 1000, 500, 500]
    assert [len(b) for b in shard(files[:1500], 1000, parallel=2)] == [750, 750]
    assert [len(b) for b in shard(files[:2900], 700, parallel=3)] == [700, 700, 700, 266, 267, 267]
    assert shard(files[:1], 1000, parallel=2) == [["f00000.txt"]] and shard([], 1000, parallel=2) == []


@given(count=st.integers(0, 400), size=st.integers(1, 60), parallel=st.integers(1, 5), more=st.integers(0, 200))
def test_every_item_once_in_order_and_whole_rounds_kept_when_the_list_grows(count: int, size: int, parallel: int,
                                                                            more: int) -> None:
    items = list(range(count))
    batches = shard(items, size, parallel)
    assert [item for batch in batches for item in batch] == items
    assert all(0 < len(batch) <= size for batch in batches)
    whole_rounds = count // (size * parallel)
    last_round = batches[whole_rounds * parallel:]
    # after the whole rounds, one round of near-equal batches (fewer only when there are fewer items than workers)
    assert len(last_round) == min(parallel, count - whole_rounds * size * parallel)
    assert not last_round or max(map(len, last_round)) - min(map(len, last_round)) <= 1
    if parallel == 1:  # one worker: the plain cut
        assert batches == [items[start:start + size] for start in range(0, count, size)]
    # files added at the end leave the whole rounds' batches (and their tasks' stored results) as they were
    assert shard(list(range(count + more)), size, parallel)[:whole_rounds * parallel] == batches[:whole_rounds * parallel]
