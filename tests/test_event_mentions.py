"""The event_mentions table: what each document tells the events, computed with the document and stored.

The events step reads these rows instead of the published texts; the events built from them must be the events
built from the texts, and a warehouse published before the table existed gets its rows once, from its texts.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from etl.analyst.contents import content_digests
from etl.config import Settings
from etl.entities.extract import entities_frame
from etl.events.build import build_events, document_events, events_from_documents
from etl.events.stored import EVENT_MENTION_COLUMNS, documents_from_rows, event_mention_rows
from etl.facts.extract import facts_frame, repatriations_frame
from etl.run.baseline import run_in_process
from etl.schemas import to_arrow
from etl.warehouse.snapshots import publish_snapshot
from etl.warehouse.tables import read_table

REALISTIC = Path(__file__).resolve().parent / "data" / "realistic"

# (doc_id, lang, published_date, story, body): written for this test, none from the devset or test_events
TEXTS = [
    ("kz_stage", "ru", date(2019, 5, 10), "s1",
     ("9 и 10 мая 2019 года в рамках второго этапа операции «Жусан» из Сирии в Казахстан вернули 231 человека: "
      "16 женщин и 156 детей, сообщил КНБ. Операция «Жусан» была проведена в январе.")),
    ("kz_stage_en", "en", date(2019, 5, 11), "s1",
     ("Kazakhstan returned 231 citizens from Syria on 9-10 May 2019 in the second stage of operation Zhusan. "
      "Earlier this year, the Zhusan operation brought home 47 people.")),
    ("uz_undated", "uz", date(2020, 12, 20), "s2",
     "Mehr operatsiyasi doirasida Suriyadan 98 nafar ayol va bola Vatanga qaytarildi."),
    ("kg_plan", "ru", None, "s3",
     "Кыргызстан планирует вернуть из Ирака 50 детей, сообщили в МИД республики."),
]


def _frames(texts: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    docs = pd.DataFrame([{"doc_id": d, "lang": lang, "published_date": published, "body": body,
                          "title": f"News {d}", "source_agency": None} for d, lang, published, _s, body in texts])
    facts = facts_frame(docs, entities_frame(docs))
    stories = pd.DataFrame([{"doc_id": d, "story_id": story, "lang": lang} for d, lang, _p, story, _b in texts])
    return repatriations_frame(facts, docs), facts, stories, docs


def test_stored_rows_give_back_what_the_documents_told_and_the_same_events(tmp_path: Path) -> None:
    repatriations, facts, stories, docs = _frames(TEXTS)
    told = document_events(repatriations, facts, docs)
    assert sum(len(t.passing) for t in told.values()) > 0  # the round trip covers passing mentions
    mentions = [m for t in told.values() for m in t.mentions]
    assert any(m.days for m in mentions) and any(len(m.subgroups) > 1 for m in mentions)
    assert {m.kind for m in mentions} >= {"return", "planned"}

    pq.write_table(to_arrow(event_mention_rows(told), "event_mentions"), tmp_path / "part.parquet")
    stored = documents_from_rows([pq.read_table(tmp_path / "part.parquet", columns=EVENT_MENTION_COLUMNS)])

    assert stored == told
    events, sources = events_from_documents(stored, stories)
    expected_events, expected_sources = build_events(repatriations, facts, stories, docs)
    pd.testing.assert_frame_equal(events, expected_events)
    pd.testing.assert_frame_equal(sources, expected_sources)
    assert documents_from_rows([pq.read_table(tmp_path / "part.parquet")], skip={"kz_stage"}).keys() == \
        told.keys() - {"kz_stage"}


def _run(input_dir: Path, warehouse: Path, state: Path):
    return run_in_process(Settings(input_dir=input_dir, warehouse_dir=warehouse, state_dir=state))


def test_a_warehouse_without_event_mentions_gets_them_from_its_texts_once(tmp_path: Path) -> None:
    files = sorted(REALISTIC.glob("*.txt"))
    first, everything = tmp_path / "first", tmp_path / "all"
    first.mkdir()
    everything.mkdir()
    for number, path in enumerate(files):
        shutil.copy(path, everything / path.name)
        if number % 2 == 0:
            shutil.copy(path, first / path.name)
    old = tmp_path / "old"
    _run(first, old, tmp_path / "old-state")
    published = read_table(old, "event_mentions")
    assert len(published) > 0
    # as a warehouse published before the table existed: no event_mentions rows
    publish_snapshot(old, "before-the-table", {}, {"event_mentions": published.iloc[0:0]})
    assert read_table(old, "event_mentions").empty

    _run(everything, old, tmp_path / "old-state")
    fresh = tmp_path / "fresh"
    _run(everything, fresh, tmp_path / "fresh-state")
    assert content_digests(old) == content_digests(fresh)  # events, and the rows computed for the old documents

    more = tmp_path / "more"
    shutil.copytree(everything, more)
    (more / "extra.txt").write_text("Ташкент, 3 марта 2024. Сегодня в Ташкенте прошла выставка книг.", encoding="utf-8")
    before = read_table(old, "event_mentions")
    _run(more, old, tmp_path / "old-state")
    after = read_table(old, "event_mentions")
    assert len(after) == len(before)  # nothing computed again, nothing added twice
    assert content_digests(old)["events"] == content_digests(fresh)["events"]
