"""Same-story grouping across languages: seeds with hand-built entities, and generated pairs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hand_entities import hand_entities
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.facts.extract import facts_frame
from etl.stories import (
    STORY_COLUMNS,
    assign_stories,
    latin_key,
    same_person,
    story_id,
    story_links,
)

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
GOLD = json.loads((SHARED / "acceptance" / "seeds_gold.json").read_text(encoding="utf-8"))

# what an entity extractor would find in each seed: (type, text as written, ISO2 for countries)
SEED_ENTITIES = {
    "000": [("PERSON", "Alua Nadirkulova", None), ("PERSON", "Khalid Koser", None), ("LOC", "Kazakhstan", "KZ"),
            ("LOC", "Syria", "SY"), ("LOC", "Iraq", "IQ"), ("OPERATION", "Zhusan", None), ("ORG", "GCERF", None),
            ("ORG", "AQNIET", None), ("ORG", "MFA", None)],
    "001": [("PERSON", "Алуа Надиркулова", None), ("PERSON", "Халид Козер", None), ("LOC", "Казахстана", "KZ"),
            ("LOC", "Сирии", "SY"), ("LOC", "Ираке", "IQ"), ("OPERATION", "Жусан", None), ("ORG", "GCERF", None),
            ("ORG", "AQNIET", None), ("ORG", "МИД РК", None)],
    "002": [("PERSON", "Ержан Ашикбаев", None), ("PERSON", "Фионуалла Ни Аолаин", None),
            ("PERSON", "Ержан Казыханов", None), ("LOC", "Казахстана", "KZ"), ("LOC", "США", "US"),
            ("OPERATION", "Жусан", None), ("ORG", "МИД РК", None), ("ORG", "ООН", None)],
    "003": [("PERSON", "Yerzhan Ashikbayev", None), ("LOC", "Kazakhstan", "KZ"), ("LOC", "Turkey", "TR"),
            ("LOC", "Afghanistan", "AF"), ("LOC", "Iran", "IR"), ("ORG", "UNHCR", None), ("ORG", "MFA", None)],
    "004": [("PERSON", "Бактыбек Бекболотов", None), ("PERSON", "Садыр Жапаров", None),
            ("LOC", "Кыргызстана", "KG"), ("LOC", "Сирии", "SY"), ("LOC", "Ирака", "IQ"), ("LOC", "Турции", "TR"),
            ("OPERATION", "Айкол", None), ("OPERATION", "Мээрим", None), ("ORG", "ЮНИСЕФ", None)],
}


def _stories(rows: list[dict], spec: dict) -> dict[str, str]:
    docs = pd.DataFrame(rows)
    docs = docs.assign(**{c: None for c in ("title", "published_date") if c not in docs.columns})
    entities = hand_entities(docs, spec)
    out = assign_stories(docs, entities, facts_frame(docs, entities))
    return dict(zip(out["doc_id"], out["story_id"]))


def _seed_docs() -> list[dict]:
    rows = []
    for gold in GOLD:
        text = (SEEDS / gold["file"]).read_text(encoding="utf-8")
        title, _, body = text.partition("\n")
        rows.append({"doc_id": gold["file"][:3], "lang": gold["lang"], "title": title, "body": body,
                     "published_date": gold["published"]})
    return rows


def test_seed_stories_follow_gold():
    stories = _stories(_seed_docs(), SEED_ENTITIES)
    for gold in GOLD:
        doc = gold["file"][:3]
        same = {g["file"][:3] for g in GOLD if stories[g["file"][:3]] == stories[doc]} - {doc}
        expected = {g["file"][:3] for g in GOLD
                    if g.get("same_story_as") == gold["file"] or gold.get("same_story_as") == g["file"]}
        assert same == expected, doc
    assert stories["000"] == stories["001"] != stories["002"]


def test_seed_links_explain_the_merge():
    docs = pd.DataFrame(_seed_docs())
    entities = hand_entities(docs, SEED_ENTITIES)
    links = {(l.doc_a, l.doc_b): l for l in story_links(docs, entities, facts_frame(docs, entities))}
    link = links[("000", "001")]
    assert link.linked and {"alua nadirkulova", "halid koser"} <= set(link.shared["persons"])
    assert {130, 700}.issubset(link.shared["numbers"]) and "GCERF" in link.shared["names"]
    # the same deputy minister in two different events is one strong item of one kind: no merge
    assert ("002", "003") not in links or not links[("002", "003")].linked


def test_candidate_pairs_compared_chunk_by_chunk_are_those_compared_at_once(monkeypatch) -> None:
    """The cross-language candidates are compared a bounded batch at a time (their signals loaded per batch):
    the same links, evidence and stories whatever the batch size."""
    from etl import stories

    rows = []
    for k in range(8):  # report k in English and in Russian (figure, two names, day: one story), each sharing a
        for lang in ("en", "ru"):  # figure and a name with the other language's report k + 1 (a weaker candidate)
            chained = k + 1 if lang == "en" else k + 2
            rows.append({"doc_id": f"{lang}{k}", "lang": lang, "published_date": None, "persons": [],
                         "person_blocks": [], "numbers": [1000 + k, 3000 + chained],
                         "names": [f"FUND{k}", f"ORG{k}", f"LINK{chained}"], "countries": ["KZ"], "orgs": [],
                         "operations": [], "years": [], "sketch": [], "facts": [], "event_days": [f"05-{k + 1:02d}"],
                         "stages": [], "places": []})
    signals = pd.DataFrame(rows)
    at_once = stories.links_from_signals(signals)
    grouped = stories.stories_from_signals(signals)
    monkeypatch.setattr(stories, "COMPARED_PAIRS_PER_CHUNK", 2)
    in_pairs = stories.links_from_signals(signals)
    assert sum(link.linked for link in at_once[0]) == 8 and len(at_once[0]) > 8  # several chunks, some unlinked
    assert grouped["story_id"].nunique() == 8  # en k with ru k, the weaker candidates not linked
    assert in_pairs == at_once
    assert stories.stories_from_signals(signals).equals(grouped)


def _pair(lang_a: str, body_a: str, lang_b: str, body_b: str, dates: tuple[str | None, str | None] = (None, None)):
    return [{"doc_id": "a", "lang": lang_a, "body": body_a, "published_date": dates[0]},
            {"doc_id": "b", "lang": lang_b, "body": body_b, "published_date": dates[1]}]


KZ_EN = ("The Ministry of Foreign Affairs of Kazakhstan held a briefing on the Zhusan operation. "
         "Deputy Minister Yerzhan Ashikbayev spoke about regional security in Astana.")
KZ_RU = ("МИД Казахстана провел брифинг об операции «Жусан». Заместитель министра Ержан Ашикбаев "
         "рассказал о сотрудничестве с ЕС в сфере образования.")
KZ_ENTITIES_EN = [("PERSON", "Yerzhan Ashikbayev", None), ("LOC", "Kazakhstan", "KZ"), ("OPERATION", "Zhusan", None)]
KZ_ENTITIES_RU = [("PERSON", "Ержан Ашикбаев", None), ("LOC", "Казахстана", "KZ"), ("OPERATION", "Жусан", None)]
RETURN_EN = ("Alua Nadirkulova said that 595 citizens, including 406 children, were returned from Syria "
             "in the Zhusan operation; GCERF supported 37 rehabilitation centres.")
RETURN_KK = ("Алуа Надиркулова «Жусан» операциясы аясында Сириядан 595 азамат, оның ішінде 406 бала елге "
             "оралғанын айтты. GCERF 37 оңалту орталығын қолдады.")


@pytest.mark.parametrize("rows, spec, same", [
    # two reports by the same ministry, same country, operation and minister, different events
    (_pair("en", KZ_EN, "ru", KZ_RU), {"a": KZ_ENTITIES_EN, "b": KZ_ENTITIES_RU}, False),
    # only the country in common
    (_pair("en", "Kazakhstan hosted a football match with 30 teams.", "ru",
           "Казахстан принял форум по цифровизации, 45 участников."),
     {"a": [("LOC", "Kazakhstan", "KZ")], "b": [("LOC", "Казахстан", "KZ")]}, False),
    # one story in Kazakh and English: person, figures and a Latin acronym agree
    (_pair("en", RETURN_EN, "kk", RETURN_KK),
     {"a": [("PERSON", "Alua Nadirkulova", None), ("OPERATION", "Zhusan", None)],
      "b": [("PERSON", "Алуа Надиркулова", None), ("OPERATION", "Жусан", None)]}, True),
    # the same pair published a month apart is two stories
    (_pair("en", RETURN_EN, "kk", RETURN_KK, ("2024-01-01", "2024-02-15")),
     {"a": [("PERSON", "Alua Nadirkulova", None)], "b": [("PERSON", "Алуа Надиркулова", None)]}, False),
    # same language: only near-identical texts merge
    (_pair("en", RETURN_EN, "en", RETURN_EN.replace("said", "stated")),
     {"a": [("PERSON", "Alua Nadirkulova", None)], "b": [("PERSON", "Alua Nadirkulova", None)]}, True),
    (_pair("en", RETURN_EN, "en", "Alua Nadirkulova met GCERF staff; 595 citizens and 406 children were mentioned "
                                  "in a report on education published this week by the ministry."),
     {"a": [("PERSON", "Alua Nadirkulova", None)], "b": [("PERSON", "Alua Nadirkulova", None)]}, False),
])
def test_generated_pairs(rows, spec, same):
    stories = _stories(rows, spec)
    assert (stories["a"] == stories["b"]) is same


def test_publishing_agency_is_no_evidence():
    rows = [{"doc_id": "a", "lang": "en", "source_agency": "KABAR", "published_date": None,
             "body": "KABAR: the budget has 12 programmes, 45 schools and 78 clinics in Osh."},
            {"doc_id": "b", "lang": "ru", "source_agency": "KABAR", "published_date": None,
             "body": "KABAR: в Бишкеке прошел турнир, 12 команд, 45 судей и 78 волонтеров."}]
    docs = pd.DataFrame(rows)
    links = story_links(docs, pd.DataFrame(), facts_frame(docs, pd.DataFrame()))
    # with the agency ignored only the numbers are shared: one kind of evidence, not a candidate pair
    assert all("KABAR" not in l.shared["names"] and not l.linked for l in links)
    again = docs.assign(source_agency=None)
    assert [l.linked for l in story_links(again, pd.DataFrame(), facts_frame(again, pd.DataFrame()))] == [True]


def test_routine_figures_do_not_link():
    # the same minister and "100" in many documents of a batch tell nothing about the story
    topics_en = ["water policy", "a new embassy", "trade in grain", "student exchange", "border roads", "tourism"]
    topics_ru = ["энергетике", "транспорте", "культуре", "медицине", "экологии", "банковском секторе"]
    rows = [{"doc_id": f"d{i}", "lang": "en" if i % 2 else "ru", "published_date": None,
             "body": (f"Yerzhan Ashikbayev said 100 experts discussed {topics_en[i // 2]} at meeting number {i}."
                      if i % 2 else f"Ержан Ашикбаев сообщил о форуме по {topics_ru[i // 2]}: 100 экспертов, "
                                    f"встреча {i}.")} for i in range(12)]
    spec = {f"d{i}": [("PERSON", "Yerzhan Ashikbayev" if i % 2 else "Ержан Ашикбаев", None)] for i in range(12)}
    assert len(set(_stories(rows, spec).values())) == 12


def test_story_ids_are_stable_and_one_row_per_doc():
    rows = _seed_docs()
    first = _stories(rows, SEED_ENTITIES)
    again = _stories(list(reversed(rows)), SEED_ENTITIES)
    assert first == again
    assert first["000"] == story_id(["001", "000"])
    docs = pd.DataFrame(rows)
    out = assign_stories(docs, hand_entities(docs, SEED_ENTITIES), pd.DataFrame())
    assert list(out.columns) == STORY_COLUMNS and out["doc_id"].is_unique and len(out) == len(rows)
    empty = assign_stories(docs.iloc[0:0], pd.DataFrame(), pd.DataFrame())
    assert list(empty.columns) == STORY_COLUMNS and len(empty) == 0


@pytest.mark.parametrize("a, b, same", [
    ("Алуа Надиркулова", "Alua Nadirkulova", True),
    ("Халид Козер", "Khalid Koser", True),
    ("Ержан Ашикбаев", "Yerzhan Ashikbayev", True),
    ("Ашикбаев", "Yerzhan Ashikbayev", True),
    ("Бактыбек Бекболотов", "Baktybek Bekbolotov", True),
    ("Садыр Жапаров", "Sadyr Japarov", True),
    ("Ержан Казыханов", "Yerzhan Ashikbayev", False),
    ("Садыр Жапаров", "Baktybek Bekbolotov", False),
])
def test_person_names_match_across_scripts(a, b, same):
    assert same_person(latin_key(a), latin_key(b)) is same


def test_near_duplicates_decided_in_duckdb_agree_with_the_sketch_estimate() -> None:
    from etl.stories import (
        NEAR_DUPLICATE,
        body_sketch,
        links_from_signals,
        signals_frame,
        sketch_similarity,
    )

    base = ("The ministry said that a group of citizens returned from the camps in the north-east of Syria on "
            "Tuesday; they will live in a rehabilitation centre for a month before going home to their families. ")
    edits = ["", "Officials gave no further details.", base.upper(), "Tuesday Wednesday Thursday " * 3,
             "A completely different text about wheat prices, the weather, and a football match in Almaty."]
    rows = [{"doc_id": f"d{i}", "lang": "en", "title": None, "published_date": None,
             "body": base * 2 + edit if i < 4 else edit * 3} for i, edit in enumerate(edits)]
    docs = pd.DataFrame(rows)
    links, doc_ids, _ = links_from_signals(signals_frame(docs, pd.DataFrame(), pd.DataFrame()))
    linked = {(l.doc_a, l.doc_b): l.shared["similarity"] for l in links if l.shared.get("near_duplicate")}
    sketches = {r["doc_id"]: body_sketch(r["body"]) for r in rows}
    for i, a in enumerate(doc_ids):
        for b in doc_ids[i + 1:]:
            estimate = sketch_similarity(sketches[a], sketches[b])
            assert ((a, b) in linked) == (estimate >= NEAR_DUPLICATE), (a, b, estimate)
            if (a, b) in linked:
                assert linked[(a, b)] == pytest.approx(estimate, abs=1e-3)
    assert ("d0", "d1") in linked and not any("d4" in pair for pair in linked)


def test_body_sketch_is_exact_for_short_texts_and_estimates_long_ones() -> None:
    from etl.stories import SKETCH_SIZE, body_sketch, sketch_similarity

    def jaccard(a: str, b: str) -> float:
        grams = [{t[i:i + 5] for i in range(len(t) - 4)} for t in (a, b)]
        return len(grams[0] & grams[1]) / len(grams[0] | grams[1])

    short_a, short_b = "returned from Syria", "returned from Iraq"
    assert sketch_similarity(body_sketch(short_a), body_sketch(short_b)) == pytest.approx(
        jaccard(short_a.lower(), short_b.lower()))
    words = [f"w{i}" for i in range(600)]
    long_a = " ".join(words)
    long_b = " ".join(words[:450] + [f"x{i}" for i in range(150)])
    assert len(body_sketch(long_a)) == SKETCH_SIZE
    assert sketch_similarity(body_sketch(long_a), body_sketch(long_b)) == pytest.approx(jaccard(long_a, long_b), abs=0.12)
    assert body_sketch(long_a) == body_sketch(long_a)  # no per-process hash seed



@pytest.mark.parametrize("text", [
    " ".join(f"w{i}" for i in range(600)),  # every 5-gram new
    "abcde fghij " * 300,  # a dozen 5-grams, each hundreds of times
    "qaytarildi " * 120 + " ".join(f"z{i * 7}" for i in range(400)),  # a repeated word among many new grams
])
def test_body_sketch_keeps_the_smallest_distinct_hashes_however_often_grams_repeat(text: str) -> None:
    """The sketch is the SKETCH_SIZE smallest distinct 5-gram hashes: the same as the union of the exact sketches
    of short overlapping pieces that together hold every 5-gram, cut to SKETCH_SIZE."""
    from etl.stories import SKETCH_SIZE, body_sketch

    step = 60  # fewer 5-grams than SKETCH_SIZE per piece: each piece's sketch is all of its hashes
    pieces = {h for start in range(0, len(text), step) for h in body_sketch(text[start:start + step + 4])}
    assert body_sketch(text) == sorted(pieces)[:SKETCH_SIZE]

def test_near_duplicates_scored_chunk_by_chunk_are_those_scored_at_once(monkeypatch) -> None:
    from etl import stories
    from etl.stories import near

    base = ("Officials in Tashkent said on Monday that {n} women and children flown back from camps in Syria will "
            "spend a month in a rehabilitation centre before they go home to their families in the regions. ")
    rows = [{"doc_id": f"d{i:03d}", "lang": "en" if i % 3 else "ru", "title": None, "published_date": None,
             "body": base.format(n=100 + i % 7) * (1 + i % 2) + ("Extra sentence. " * (i % 5))} for i in range(60)]
    signals = stories.signals_frame(pd.DataFrame(rows), pd.DataFrame(), pd.DataFrame())

    def near_pairs() -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        stories._scan(signals, lambda i, j, similarity: found.append((i, j, similarity)), lambda i, j, link: None)
        return found

    at_once = near_pairs()
    monkeypatch.setattr(near, "NEAR_PAIRS_PER_CHUNK", 7)
    chunked = near_pairs()
    assert len(at_once) > 100  # reposts: many pairs, so 7 per chunk means many chunks
    assert chunked == at_once


def _reposts(texts: list[str], copies: int, seed: int) -> pd.DataFrame:
    """`copies` reposts of every text, each with its own header and footer and three words swapped."""
    import random

    rng = random.Random(seed)
    rows = []
    for t, text in enumerate(texts):
        words = text.split()
        for copy in range(copies):
            edited = list(words)
            for _ in range(3):
                edited[rng.randrange(len(edited))] = rng.choice(words)
            rows.append({"doc_id": f"t{t}-{copy:04d}", "lang": "en", "title": None, "published_date": None,
                         "body": f"Reposted by site {copy}. " + " ".join(edited) + f" Read more at site{copy}.example"})
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_reposts_hundreds_of_times_are_one_story_each():
    # five articles reposted 300 times each: every block of near-duplicates is larger than BLOCK_MAX_MEMBERS
    from etl.stories import signals_frame, stories_from_signals
    from etl.stories.near import BLOCK_MAX_MEMBERS

    texts = [(SEEDS / gold["file"]).read_text(encoding="utf-8")[:1500] for gold in GOLD]
    docs = _reposts(texts, 300, seed=3)
    assert 300 > BLOCK_MAX_MEMBERS
    stories = stories_from_signals(signals_frame(docs, pd.DataFrame(), pd.DataFrame()))
    by_text = stories.assign(text=stories["doc_id"].str.split("-").str[0]).groupby("text")["story_id"]
    assert stories["story_id"].nunique() == 5 and (by_text.nunique() == 1).all()


def test_large_blocks_linked_through_representatives_group_like_all_pairs(monkeypatch):
    from etl.stories import near, signals_frame, stories_from_signals

    texts = [(SEEDS / gold["file"]).read_text(encoding="utf-8")[:1200] for gold in GOLD[:3]]
    notes = ["Grain prices rose in the north after a dry summer.", "A football club from Osh won the national cup.",
             "The new metro line in Almaty opens next spring.", "Snow closed the mountain pass for two days."]
    docs = pd.concat([_reposts(texts, 8, seed=5), pd.DataFrame(
        [{"doc_id": f"x{i}", "lang": "en", "title": None, "published_date": None, "body": note}
         for i, note in enumerate(notes)])])
    signals = signals_frame(docs, pd.DataFrame(), pd.DataFrame())
    all_pairs = stories_from_signals(signals)
    monkeypatch.setattr(near, "BLOCK_MAX_MEMBERS", 3)  # every block of reposts is now a large one
    through_representatives = stories_from_signals(signals)
    assert all_pairs["story_id"].nunique() == 3 + 4
    assert through_representatives.equals(all_pairs)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=60), min_size=1, max_size=40, unique=True),
       st.lists(st.one_of(st.none(), st.lists(st.integers(min_value=0, max_value=60), max_size=40, unique=True)),
                min_size=1, max_size=30))
def test_members_a_large_block_tests_in_python_include_every_near_duplicate(rep, members) -> None:
    # _split_large_blocks counts the hashes a member shares with the representative for a whole batch at once;
    # only the members that count keeps get the exact test, so the count must keep every one it would pass
    import numpy as np
    import pyarrow as pa

    from etl.stories.near import NEAR_DUPLICATE, SKETCH_SIZE, _may_be_alike

    # a batch's list column need not start at offset 0: a slice of a longer one
    sketches = pa.array([[1, 2, 3]] + [sorted(m) if m is not None else None for m in members], pa.list_(pa.int64()))
    kept = set(_may_be_alike(np.array(sorted(rep), dtype=np.int64), sketches.slice(1)))
    for number, sketch in enumerate(members):
        needed = NEAR_DUPLICATE * min(SKETCH_SIZE, max(len(rep), len(sketch or [])))
        passes = bool(sketch) and len(set(rep) & set(sketch)) >= needed
        assert (number in kept) == passes
