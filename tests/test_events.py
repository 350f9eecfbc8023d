"""Return events: mentions of the real extraction merged across documents and languages, the gate, properties.

The texts are written for these tests (news sentences in the six languages, none from the devset): each goes
through the real entities and facts stages, then `build_events`.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.entities.extract import entities_frame
from etl.events.build import EVENT_COLUMNS, build_events
from etl.events.mentions import text_order
from etl.facts.extract import facts_frame, repatriations_frame
from etl.quality.checks import with_event_check_columns, with_event_source_check_columns
from etl.quality.gate import run_gate
from etl.quality.suites import default_expectations_dir, load_suites

# (doc_id, lang, published_date, story, body)
TEXTS = [
    ("kz_en", "en", date(2021, 3, 13), "s_kz5",
     ("Kazakhstan has brought home 37 women and 66 children from Syria on 12 March 2021 in the fifth stage of "
      "the Zhusan operation, the foreign ministry said.")),
    ("kz_ru", "ru", date(2021, 3, 13), "s_kz5",
     ("12 марта 2021 года из Сирии в Казахстан были возвращены 103 гражданина (37 женщин и 66 детей), "
      "сообщает МИД РК.")),
    ("uz_en", "en", date(2019, 5, 31), "s_uz",
     "On 30 May 2019, Uzbekistan brought home 156 citizens from Syria, the ministry said."),
    ("uz_ru", "ru", date(2019, 7, 2), "s_other",
     ("Напомним, в мае из Сирии в Узбекистан были возвращены 156 граждан Узбекистана. Сейчас они проходят "
      "реабилитацию в Ташкентской области.")),
    ("kg_ru", "ru", date(2022, 11, 2), "s_kg",
     ("Сорок пять детей и двенадцать женщин, являющиеся гражданами Кыргызстана, вернулись из Сирии на родину. "
      "В сентябре из лагеря Аль-Холь были возвращены 18 женщин и 40 детей. "
      "Как отмечается, 45 детей и 12 женщин были возвращены из лагеря Рож.")),
    ("kz_total", "en", date(2023, 2, 1), "s_total",
     "Since 2019, Kazakhstan has repatriated more than 700 citizens from Syria and Iraq in several stages."),
    ("tj_plan", "ru", date(2024, 4, 1), "s_plan",
     "Таджикистан планирует вернуть из Сирии до 300 женщин и детей, сообщил министр."),
    ("tj_wish", "en", date(2024, 4, 2), "s_wish",
     "Relatives said that 80 Tajik women in the camps want to return home."),
]


def _real_frames(texts: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(repatriations, facts, stories, documents) of `texts` as the pipeline's stages extract them."""
    docs = pd.DataFrame([{"doc_id": d, "lang": lang, "published_date": published, "body": body,
                          "title": title[0] if title else f"News {d}", "source_agency": None}
                         for d, lang, published, _story, body, *title in texts])
    entities = entities_frame(docs)
    facts = facts_frame(docs, entities)
    repatriations = repatriations_frame(facts, docs)
    stories = pd.DataFrame([{"doc_id": d, "story_id": story, "lang": lang} for d, lang, _p, story, *_ in texts])
    return repatriations, facts, stories, docs


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _real_frames(TEXTS)


@pytest.fixture(scope="module")
def events(frames) -> tuple[pd.DataFrame, pd.DataFrame]:
    return build_events(*frames)


def _events_of(built: tuple[pd.DataFrame, pd.DataFrame], doc_id: str) -> pd.DataFrame:
    events, sources = built
    return events[events["event_id"].isin(set(sources.loc[sources["doc_id"] == doc_id, "event_id"]))]


def test_one_return_reported_in_two_languages_is_one_event(events) -> None:
    english, russian = _events_of(events, "kz_en"), _events_of(events, "kz_ru")
    assert list(english["event_id"]) == list(russian["event_id"]) and len(english) == 1
    row = english.iloc[0]
    assert (row["kind"], row["country"], row["people"], row["women"], row["children"]) == ("return", "KZ", 103, 37, 66)
    assert (row["n_documents"], row["n_languages"], row["origin_country"]) == (2, 2, "SY")
    assert (row["date_from"], row["date_to"], row["date_precision"]) == (date(2021, 3, 12), date(2021, 3, 12), "day")
    assert row["stage"] == "5" and not row["conflict"]


def test_a_passing_mention_joins_the_return_it_recalls(events) -> None:
    report, recall = _events_of(events, "uz_en"), _events_of(events, "uz_ru")
    assert len(report) == 1 and list(report["event_id"]) == list(recall["event_id"])
    assert (report.iloc[0]["people"], report.iloc[0]["date_from"]) == (156, date(2019, 5, 30))
    assert report.iloc[0]["first_reported"] == date(2019, 5, 31)


def test_a_group_mentioned_twice_in_one_document_is_one_event_and_two_groups_stay_two(frames, events) -> None:
    kyrgyz = _events_of(events, "kg_ru").sort_values("people")
    assert list(kyrgyz["people"]) == [57, 58]
    assert list(kyrgyz["women"]) == [12, 18] and list(kyrgyz["children"]) == [45, 40]
    _, sources = events
    first = kyrgyz[kyrgyz["people"] == 57]["event_id"].iloc[0]
    facts = frames[1]
    both_mentions = facts[(facts["doc_id"] == "kg_ru") & facts["value"].isin([45, 12])]["fact_id"]
    assert len(both_mentions) == 4
    assert set(sources.loc[sources["fact_id"].isin(both_mentions), "event_id"]) == {first}


def test_cumulative_totals_and_plans_are_their_own_kinds(events) -> None:
    total = _events_of(events, "kz_total")
    assert list(total["kind"]) == ["total"] and list(total["people"]) == [700]
    planned = _events_of(events, "tj_plan")
    assert list(planned["kind"]) == ["planned"] and list(planned["country"]) == ["TJ"]
    assert _events_of(events, "tj_wish").empty  # a wish to return is no return


def test_columns_follow_the_contract(events) -> None:
    built, sources = events
    assert list(built.columns) == EVENT_COLUMNS
    assert set(built["kind"]) <= {"return", "planned", "total"}
    assert not set(built["country"].dropna()) & {"SY", "IQ", "AF"}
    assert set(sources["event_id"]) == set(built["event_id"])


def test_sources_that_disagree_make_one_event_with_a_conflict_note() -> None:
    english = "On 9 January 2020, Kazakhstan returned 595 citizens from Syria in the Zhusan-4 operation."
    russian = "9 января 2020 года в ходе операции «Жусан-4» из Сирии в Казахстан возвращены 524 гражданина."
    texts = [("a", "en", date(2020, 1, 10), "s", english), ("b", "ru", date(2020, 1, 10), "s", russian)]
    built, _ = build_events(*_real_frames(texts))
    assert len(built) == 1, built
    row = built.iloc[0]
    assert row["conflict"] and (row["people_low"], row["people_high"]) == (524, 595)
    assert "595" in row["conflict_note"] and "524" in row["conflict_note"] and row["people"] in (524, 595)


def test_ids_do_not_depend_on_row_order(frames, events) -> None:
    repatriations, facts, stories, docs = frames
    again = build_events(repatriations.iloc[::-1], facts.sample(frac=1, random_state=3), stories, docs)
    pd.testing.assert_frame_equal(again[0], events[0])
    pd.testing.assert_frame_equal(again[1], events[1])



def test_a_documents_rows_are_read_in_text_order_missing_offsets_last() -> None:
    """Mentions read a document's rows by (start, fact_id), as pandas sorts them: a row without an offset last."""
    rows = pd.DataFrame({"fact_id": ["c", "b", "a", "d", "e"], "start": [40, 7, 40, None, 3]}).astype({"start": "Int64"})
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    assert [row["fact_id"] for row in sorted(records, key=text_order)] == list(
        rows.sort_values(["start", "fact_id"])["fact_id"]) == ["e", "b", "a", "c", "d"]

def test_a_repeat_link_from_the_facts_stage_is_used_when_present(frames) -> None:
    """`same_as_fact_id` (a repeated mention points to the first): the repeat joins the first mention's event."""
    repatriations, facts, stories, docs = frames
    kg = facts[facts["doc_id"] == "kg_ru"].sort_values("start")
    first_children, repeat_children = kg[kg["value"] == 45]["fact_id"].tolist()
    linked = facts.assign(same_as_fact_id=facts["fact_id"].map({repeat_children: first_children}))
    built, sources = build_events(repatriations, linked, stories, docs)
    assert sources.loc[sources["fact_id"] == repeat_children, "event_id"].tolist() == \
        sources.loc[sources["fact_id"] == first_children, "event_id"].tolist()
    assert sorted(_events_of((built, sources), "kg_ru")["people"]) == [57, 58]


# --- the gate ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def suites():
    return load_suites(default_expectations_dir())


def _gated(events: pd.DataFrame, sources: pd.DataFrame, suite):
    return run_gate(with_event_check_columns(events, sources), suite)


def test_the_gate_passes_the_built_events(events, suites) -> None:
    built, sources = events
    result = _gated(built, sources, suites["events"])
    assert not result.blocked and len(result.passed) == len(built)
    assert not run_gate(with_event_source_check_columns(sources, built), suites["event_sources"]).blocked


@pytest.mark.parametrize("break_it, expectation", [
    (lambda e, s: (e, s[s["event_id"] != e["event_id"].iloc[0]]), "event_has_source"),
    (lambda e, s: (e.assign(women=e["people"] + 1), s), "event_subgroups_within_people"),
    (lambda e, s: (e.assign(country="XX"), s), "event_country_in_iso_list"),
    (lambda e, s: (e.assign(country="SY"), s), "event_country_is_home"),
    (lambda e, s: (e.assign(kind="rumour"), s), "event_kind_known"),
])
def test_the_gate_blocks_a_broken_event(events, suites, break_it, expectation) -> None:
    broken, sources = break_it(events[0].copy(), events[1].copy())
    result = _gated(broken, sources, suites["events"])
    assert result.blocked and any(expectation in reason for reason in result.blocked_by)


def test_a_conflict_is_recorded_not_blocked(events, suites) -> None:
    built, sources = events
    disputed = built.assign(conflict=built.index == 0)
    result = _gated(disputed, sources, suites["events"])
    assert not result.blocked and len(result.passed) == len(built) and result.quarantined.empty
    row = result.dq_results.set_index("expectation").loc["event_sources_agree"]
    assert (row["severity"], bool(row["success"]), int(row["unexpected_count"])) == ("record", False, 1)


def test_an_event_source_of_no_event_blocks(events, suites) -> None:
    built, sources = events
    orphan = pd.concat([sources, pd.DataFrame([{"event_id": "ev_nowhere", "doc_id": "x", "fact_id": "f"}])])
    result = run_gate(with_event_source_check_columns(orphan, built), suites["event_sources"])
    assert result.blocked and "event_source_event_known" in result.blocked_by[0]


# --- properties ------------------------------------------------------------------------------------------------

def _figures(events: pd.DataFrame) -> list[tuple]:
    columns = ["kind", "country", "operation", "stage", "date_from", "people", "people_low", "people_high", "women",
               "children", "men", "orphans", "conflict"]
    return sorted(tuple(None if pd.isna(v) else v for v in row) for row in events[columns].itertuples(index=False))


def _copy_of(frames, doc_id: str, new_id: str):
    """A duplicate document: the same rows under another doc_id (fact ids rehashed), in the original's story."""
    repatriations, facts, stories, docs = frames
    rename = {f: hashlib.sha1(f"{new_id}|{f}".encode()).hexdigest()[:16] for f in facts["fact_id"]}

    def copied(frame: pd.DataFrame) -> pd.DataFrame:
        rows = frame[frame["doc_id"] == doc_id].copy()
        rows["doc_id"] = new_id
        for column in ("fact_id", "parent_fact_id"):
            if column in rows.columns:
                rows[column] = rows[column].map(rename)
        return pd.concat([frame, rows], ignore_index=True)

    return copied(repatriations), copied(facts), copied(stories), copied(docs)


PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY_SETTINGS
@given(order=st.permutations(range(len(TEXTS))))
def test_merging_does_not_depend_on_document_order(frames, events, order) -> None:
    repatriations, facts, stories, docs = frames
    ids = [TEXTS[i][0] for i in order]

    def reordered(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame[frame["doc_id"] == d] for d in ids], ignore_index=True)

    again = build_events(reordered(repatriations), reordered(facts), reordered(stories), reordered(docs))
    pd.testing.assert_frame_equal(again[0], events[0])
    pd.testing.assert_frame_equal(again[1], events[1])


@PROPERTY_SETTINGS
@given(original=st.sampled_from([t[0] for t in TEXTS]))
def test_a_duplicate_document_changes_no_figure(frames, events, original) -> None:
    again, sources = build_events(*_copy_of(frames, original, f"{original}_copy"))
    assert _figures(again) == _figures(events[0])
    assert set(sources.loc[sources["doc_id"] == f"{original}_copy", "event_id"]) == set(
        sources.loc[sources["doc_id"] == original, "event_id"])


@PROPERTY_SETTINGS
@given(women=st.integers(1, 400), children=st.integers(1, 400), day=st.integers(1, 28))
def test_an_unrelated_document_changes_no_existing_event(frames, events, women, children, day) -> None:
    """A Turkmen return (no other document is about Turkmenistan) leaves every other event as it was."""
    text = (f"On {day} June 2022, Turkmenistan brought home {women} women and {children} children from Syria, "
            "the ministry said.")
    unrelated = _real_frames([("tm", "en", date(2022, 6, day + 1), "s_tm", text)])
    combined = [pd.concat([old, new], ignore_index=True) for old, new in zip(frames, unrelated)]
    built, sources = build_events(*combined)
    new_ids = set(sources.loc[sources["doc_id"] == "tm", "event_id"])
    kept = built[~built["event_id"].isin(new_ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, events[0])
    assert set(built.loc[built["event_id"].isin(new_ids), "people"]) == {women + children}


@pytest.mark.parametrize("doc_id, lang, body, kind, stage", [
    ("kk_stages", "kk", "Алғашқы үш кезеңде Сириядан 400 қазақстандық елге қайтарылды.", "total", None),
    ("uz_span", "uz", "2018 yildan 2021 yilgacha Suriyadan O'zbekistonga 120 nafar fuqaro olib kelingan.", "total",
     None),
    ("en_rounded", "en", "More than 300 Kyrgyz citizens were returned from Syria, the ministry said.", "total", None),
    ("kk_fifth", "kk", "2021 жылы өткен 5-кезеңде Сириядан тағы 12 қазақстандық азамат оралды.", "return", "5"),
    ("ru_second", "ru", "Вторая группа граждан Таджикистана в количестве 104 человек возвращена из Сирии.", "return",
     "2"),
])
def test_the_kind_and_stage_of_a_figure_come_from_its_clause(doc_id, lang, body, kind, stage) -> None:
    built, _ = build_events(*_real_frames([(doc_id, lang, date(2023, 1, 5), doc_id, body)]))
    assert list(built["kind"]) == [kind] and list(built["stage"].astype(object).where(built["stage"].notna(), None)) \
        == [stage]


def test_a_demand_to_return_is_no_event() -> None:
    body = "Депутат Ирактан Кыргызстанга 40тан ашык аял кайтарылышы керектигин билдирди."
    built, _ = build_events(*_real_frames([("ky_demand", "ky", date(2025, 8, 12), "s", body)]))
    assert built.empty


# --- the pipeline: events published, re-runs stable, a new document touches only its events -------------------

REALISTIC = Path(__file__).with_name("data") / "realistic"


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_server")
def test_runs_publish_events_that_only_new_documents_change(tmp_path: Path) -> None:
    from etl.warehouse.tables import read_table
    from etl_flows.cli import main

    source = tmp_path / "input"
    source.mkdir()
    for name in ("en_01_aikol_akipress.txt", "ky_02_aikol_kaktus.txt", "ru_02_zhusan2_tengri_bilingual.txt"):
        shutil.copy(REALISTIC / name, source / name)
    warehouse = tmp_path / "warehouse"
    run = ["run", "--input", str(source), "--warehouse", str(warehouse)]
    assert main(run) == 0
    first, first_sources = read_table(warehouse, "events"), read_table(warehouse, "event_sources")
    aikol = first[(first["country"] == "KG") & (first["kind"] == "return")]
    assert list(aikol["people"]) == [98] and list(aikol["n_languages"]) == [2]  # en + ky: one return
    gates = read_table(warehouse, "dq_results")
    assert {"event_has_source", "event_sources_agree", "event_source_event_known"} <= set(gates["expectation"])

    assert main([*run, "--force"]) == 0
    pd.testing.assert_frame_equal(read_table(warehouse, "events"), first)
    pd.testing.assert_frame_equal(read_table(warehouse, "event_sources"), first_sources)

    (source / "tm_new.txt").write_text(
        "Turkmenistan brings home 23 citizens\n\nAshgabat, 3 June 2024. Turkmenistan brought home 7 women and 16 "
        "children from the Roj camp in Syria on 2 June 2024, the foreign ministry said.\n", encoding="utf-8")
    assert main(run) == 0
    after, after_sources = read_table(warehouse, "events"), read_table(warehouse, "event_sources")
    kept = after[after["event_id"].isin(set(first["event_id"]))].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, first)
    new = after[~after["event_id"].isin(set(first["event_id"]))]
    assert list(zip(new["country"], new["people"], new["women"], new["children"])) == [("TM", 23, 7, 16)]
    assert set(after_sources["event_id"]) == set(after["event_id"])


def _rows(doc_id: str, rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hand-made facts-stage rows of one document: (fact_id, value, subject, parent_fact_id, start, evidence)."""
    frame = pd.DataFrame([{"fact_id": f, "doc_id": doc_id, "value": v, "subject": s, "qualifier": "exact",
                           "country": "KZ", "operation": "Zhusan", "year_from": 2019, "year_to": 2019,
                           "parent_fact_id": p, "is_total": False, "lang": "kk", "published_date": None,
                           "start": start, "evidence": e} for f, v, s, p, start, e in rows])
    return frame.drop(columns=["evidence", "start"]), frame[["fact_id", "doc_id", "evidence", "start"]]


def test_a_part_stated_again_is_counted_once_and_impossible_figures_are_not_published() -> None:
    first = "Сириядан 230 азамат елге қайтарылды, оның ішінде 156 бала."
    again = "Елге оралған 156 баланың көбі жетім."
    repatriations, facts = _rows("kk_again", [("a1", 230, "persons", None, 9, first),
                                              ("a2", 156, "children", "a1", 50, first),
                                              ("a3", 156, "children", "a1", 80, again)])
    built, _ = build_events(repatriations, facts)
    assert (built.iloc[0]["people"], built.iloc[0]["children"]) == (230, 156)

    stated = "Сириядан 100 азамат елге қайтарылды, оның ішінде 120 бала."
    repatriations, facts = _rows("kk_bad", [("b1", 100, "persons", None, 9, stated),
                                            ("b2", 120, "children", "b1", 50, stated)])
    built, sources = build_events(repatriations, facts)
    row = built.iloc[0]
    assert row["people"] == 100 and pd.isna(row["children"]) and row["conflict"] and "120" in row["conflict_note"]
    assert not run_gate(with_event_check_columns(built, sources), load_suites(default_expectations_dir())["events"]
                        ).blocked


def test_a_headline_figure_and_a_rounded_body_figure_of_one_document_are_one_return() -> None:
    title = "Президент: Сириядан 312 қазақстандық елге жеткізілді"
    body = ("Президенттің айтуынша, 2021 жылғы 4 ақпанда «Жусан» операциясы аясында Сириядан 310-нан астам "
            "Қазақстан азаматы елге жеткізілді.")
    built, _ = build_events(*_real_frames([("kk_title", "kk", date(2021, 2, 5), "s", body, title)]))
    returns = built[built["kind"] == "return"]
    assert list(returns["people"]) == [312] and list(returns["people_low"]) == [310], built
    assert not returns.iloc[0]["conflict"]  # "more than 310" agrees with 312


def test_a_figure_another_report_gives_as_a_total_is_that_total() -> None:
    english = "According to the ministry, 452 citizens of Kazakhstan came home under Zhusan, among them 300 children."
    kazakh = "Барлығы «Жусан» операциясы аясында 452 қазақстандық Отанына қайтарылды."
    built, _ = build_events(*_real_frames([("en_sum", "en", date(2022, 3, 1), "a", english),
                                           ("kk_sum", "kk", date(2022, 3, 2), "b", kazakh)]))
    assert set(built["kind"]) == {"total"} and set(built["people"]) == {452}


def test_groups_the_text_places_inside_a_cumulative_total_are_returns_of_their_own() -> None:
    text = ("Since 2019 more than 250 Kyrgyz women and children have been repatriated from Iraq. The first group "
            "included 79 children, and the second group 120 women and children.")
    built = build_events(*_real_frames([("kg_groups", "en", date(2023, 5, 2), "s_groups", text)]))
    events = built[0].sort_values("people")
    assert list(zip(events["kind"], events["people"])) == [("return", 79), ("return", 120), ("total", 250)]
    assert set(events["country"]) == {"KG"}


# --- a passing mention without a count dates an undated return --------------------------------------------------

UNDATED = ("uz_undated", "ru", None, "s_a",
           "5–6 февраля в рамках операции «Мехр» из Сирии в Узбекистан вернули 52 гражданина, в том числе 20 детей.")
LATER = ("uz_later", "en", date(2022, 6, 1), "s_b",
         ("Uzbekistan brought home 93 citizens from Iraq on 28 May under the Mehr operation, the ministry said. "
          "The Mehr operation, carried out in February of this year, was a success."))
OTHER_YEAR = ("uz_other_year", "kk", date(2023, 3, 1), "s_c",
              ("Ақпан айында өткізілген «Мехр» операциясы сәтті аяқталды. Өзбекстан «Мехр» операциясы аясында 40 "
               "азаматын Ауғанстаннан елге қайтарды."))
OTHER_MONTH = ("uz_other_month", "en", date(2022, 6, 1), "s_d",
               ("Uzbekistan brought home 93 citizens from Iraq on 28 May under the Mehr operation. "
                "The Mehr operation, carried out in March of this year, was a success."))


def _undated_event(texts: list[tuple]) -> pd.Series:
    events, sources = build_events(*_real_frames(texts))
    return events[events["event_id"].isin(set(sources.loc[sources["doc_id"] == "uz_undated", "event_id"]))].iloc[0]


def test_a_passing_mention_without_a_count_gives_an_undated_return_its_year() -> None:
    assert pd.isna(_undated_event([UNDATED])["date_from"])
    dated = _undated_event([UNDATED, LATER])
    assert (dated["people"], dated["operation"]) == (52, "Mehr")
    assert (dated["date_from"], dated["date_to"], dated["date_precision"]) == (date(2022, 2, 5), date(2022, 2, 6),
                                                                               "day")


@pytest.mark.parametrize("texts", [[UNDATED, LATER, OTHER_YEAR], [UNDATED, OTHER_MONTH]],
                         ids=["two-years-disagree", "another-month"])
def test_passing_mentions_that_disagree_or_tell_another_month_give_no_year(texts) -> None:
    assert pd.isna(_undated_event(texts)["date_from"])


@PROPERTY_SETTINGS
@given(order=st.permutations(range(3)), duplicate=st.booleans())
def test_the_year_from_passing_mentions_does_not_depend_on_order_or_duplicates(order, duplicate) -> None:
    texts = [[UNDATED, LATER, OTHER_MONTH][i] for i in order]
    if duplicate:
        texts.append(("uz_later_copy", *LATER[1:]))
    # OTHER_MONTH's March mention does not fit the February return; LATER's does, alone
    assert _undated_event(texts)["date_from"] == date(2022, 2, 5)


_mention_values = st.fixed_dictionaries({  # few values each, so that groups often agree on all but one
    "doc_id": st.sampled_from(["d1", "d2", "d3", "d4"]), "story_id": st.sampled_from([None, "s1", "s2"]),
    "kind": st.sampled_from(["return", "return", "return", "total"]), "country": st.sampled_from(["KZ"] * 5 + [None]),
    "operation": st.sampled_from([None] * 4 + ["Zhusan", "Mehr"]), "stage": st.sampled_from([None] * 4 + [1, 2]),
    "year": st.sampled_from([None] * 4 + [2019, 2020]), "month": st.sampled_from([None, None, 5, 6]),
    "days": st.sampled_from([None, (1, 1), (3, 4), (6, 9)]), "origin": st.sampled_from([None] * 4 + ["SY", "IQ"]),
    "total": st.sampled_from([None, 12, 12, 40]), "children": st.sampled_from([None, 5, 7])})


def _mention(number: int, values: dict):
    from etl.events.mentions import Mention

    subgroups = {"children": values["children"]} if values["children"] is not None else {}
    return Mention(key=f"f{number:03d}", doc_id=values["doc_id"], lang="en", story_id=values["story_id"],
                   published_date=None, kind=values["kind"], country=values["country"],
                   operation=values["operation"], stage=values["stage"], year=values["year"],
                   month=values["month"], days=values["days"], origin=values["origin"], total=values["total"],
                   qualifier="exact", subgroups=subgroups, evidence=f"text {number}", start=number)


def _groups_compared(values: list[dict], split: int) -> tuple[bool, bool, bool]:
    """Two groups grown as merge_mentions grows them (the mentions of values[:split], then the rest, each member
    joining while it is compatible with every member so far): (pairwise, summary, summary the other way)."""
    from etl.events.build import _Cluster, compatible

    mentions = [_mention(number, v) for number, v in enumerate(values)]

    def group(indexes: range) -> _Cluster:
        cluster = _Cluster.of(indexes[0], mentions[indexes[0]])
        for index in indexes[1:]:
            if all(compatible(mentions[index], mentions[other]) for other in cluster.members):
                cluster.absorb(_Cluster.of(index, mentions[index]))
        return cluster

    split = max(1, min(split, len(mentions) - 1))
    first, second = group(range(split)), group(range(split, len(mentions)))
    pairwise = all(compatible(mentions[x], mentions[y]) for x in first.members for y in second.members)
    return pairwise, first.compatible_with(second, mentions), second.compatible_with(first, mentions)


def _values(**changes) -> dict:
    return {"doc_id": "d1", "story_id": None, "kind": "return", "country": "KZ", "operation": None, "stage": None,
            "year": None, "month": None, "days": None, "origin": None, "total": 12, "children": None, **changes}


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_mention_values, min_size=2, max_size=12), st.integers(min_value=1, max_value=11))
def test_two_groups_are_compared_by_their_summaries_as_member_by_member(values, split) -> None:
    # merge_mentions asks whether every member of one group is compatible with every member of the other; it
    # answers from each group's summary (a return reprinted thousands of times made the pairwise test minutes)
    pairwise, summary, other_way = _groups_compared(values, split)
    assert summary == pairwise and other_way == pairwise


@pytest.mark.parametrize("values", [
    # the days a later member adds to a group count: (1, 1) and (6, 9) are too far apart
    [_values(days=(3, 4)), _values(doc_id="d2", days=(1, 1)), _values(doc_id="d3", days=(6, 9))],
    # a member's document counts: two groups of one document with different figures are two returns
    [_values(), _values(doc_id="d2"), _values(doc_id="d2", total=40)],
    # and a value a later member states: Zhusan against Mehr
    [_values(), _values(doc_id="d2", operation="Zhusan"), _values(doc_id="d3", operation="Mehr")],
])
def test_what_a_group_learns_from_each_member_keeps_it_apart(values) -> None:
    pairwise, summary, other_way = _groups_compared(values, 2)
    assert not pairwise and not summary and not other_way
