"""Quality gates on hand-annotated realistic corpora (pages with site furniture, in the languages of the hidden set).

tests/data/realistic/ holds 14 news pages written like copies from regional sites (crumbs, datelines,
photo credits, share buttons, bilingual menus, one story in two languages); realistic_gold.json is their
hand-checked annotation in the seeds_gold format.

tests/data/fresh/ holds 12 more pages (2 each in en, ru, kk, ky, uz Latin; 1 uz Cyrillic, 1 tg), written after the
extractors had been tuned, in layouts the other sets lack: bylines with dates, one-bar meta lines, quoted and
year-last copyright notices, slash datelines with agency-kind words, Turkic "X-ке сілтеме жасап Y хабарлады"
credits, headlines of two sentences or with a colon, dash or quotes, numbers as words and parenthesised breakdowns.
fresh_gold.json follows the devset's ANNOTATION.md (per-count event fields included).

Floors are what the extractors reach, rounded down to 0.05: raise them when quality improves, never lower one
silently.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.analyst.evaluate import evaluate_warehouse, load_gold
from etl_flows.cli import main

DATA = Path(__file__).with_name("data")
CORPORA = {
    "realistic": {
        "lang": 1.0, "title": 1.0, "published": 1.0, "source_agency": 1.0, "persons": 1.0, "organizations": 1.0,
        "countries": 0.95, "operations": 1.0, "counts": 1.0, "counts_qualified": 1.0,
    },
    # measured 2026-12-07 on main 6c28f74 + the field fixes of branch fresh; persons 0.966, organizations 0.973 after
    # branch freshents (the misses: names in lines the fields stage strips from the body, 'Photo: AFP', 'Автор: X');
    # counts 1.0, counts_qualified 1.0 after branch freshfacts (were 0.962 and 0.932)
    "fresh": {
        "lang": 1.0, "title": 1.0, "published": 1.0, "source_agency": 1.0, "persons": 0.95, "organizations": 0.95,
        "countries": 1.0, "operations": 1.0, "counts": 1.0, "counts_qualified": 1.0,
    },
}

pytestmark = pytest.mark.usefixtures("prefect_server")


def _gold(corpus: str) -> list[dict]:
    return load_gold(DATA / f"{corpus}_gold.json")


@pytest.fixture(scope="module", params=sorted(CORPORA))
def scored_corpus(request, tmp_path_factory) -> tuple[str, dict]:
    """One pipeline run per corpus, shared by the module: (corpus name, scores by field)."""
    corpus = request.param
    warehouse = tmp_path_factory.mktemp(corpus) / "warehouse"
    state = tmp_path_factory.mktemp(f"{corpus}-state")
    assert main(["run", "--input", str(DATA / corpus), "--warehouse", str(warehouse), "--state-dir", str(state)]) == 0
    return corpus, {s.field: s for s in evaluate_warehouse(warehouse, _gold(corpus))}


@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_gold_names_every_corpus_file(corpus: str) -> None:
    assert sorted(g["file"] for g in _gold(corpus)) == sorted(p.name for p in (DATA / corpus).glob("*.txt"))


def test_gold_evidence_is_a_unique_substring_and_the_title_is_line_one() -> None:
    for gold in _gold("fresh"):
        text = (DATA / "fresh" / gold["file"]).read_text(encoding="utf-8")
        assert gold["title"] == text.split("\n", 1)[0], gold["file"]
        for count in gold["counts"]:
            assert text.count(count["evidence"]) == 1, (gold["file"], count["evidence"])


def test_corpus_meets_floors(scored_corpus: tuple[str, dict]) -> None:
    corpus, scores = scored_corpus
    short = {field: round(scores[field].f1, 3) for field, floor in CORPORA[corpus].items() if scores[field].f1 < floor}
    assert not short, (corpus, short)
