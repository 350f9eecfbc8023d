"""Facts: repeated groups, parts across sentences, headline figures, planned returns, totals over a period,
the year of a return reported as just done, and Tajik counts. Texts written for these tests (not the devset)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from etl.facts.extract import extract_facts, facts_frame, repatriations_frame


def _facts(body: str, lang: str, title: str | None = None):
    return extract_facts("doc", body, lang, title=title)


def _repatriations(body: str, lang: str, title: str = "T", published: dt.date | None = None) -> pd.DataFrame:
    docs = pd.DataFrame([{"doc_id": "doc", "body": body, "lang": lang, "title": title}])
    documents = pd.DataFrame([{"doc_id": "doc", "title": title, "source_agency": None,
                               "published_date": published, "lang": lang}])
    return repatriations_frame(facts_frame(docs, pd.DataFrame()), documents)


def _readme_sum(rows: pd.DataFrame) -> int:
    """The README's people-per-country-and-year query, summed over all cells."""
    counted = rows[rows["parent_fact_id"].isna() & rows["same_as_fact_id"].isna() & ~rows["is_total"]
                   & ~rows["planned"] & (rows["subject"] != "families")]
    return int(counted["value"].sum())


def test_a_group_stated_twice_is_counted_once():
    body = ("Kyrgyzstan brought home 59 citizens from Iraq on Friday. The 59 returnees were met at Manas airport. "
            "All 59 citizens will undergo medical checks.")
    facts = _facts(body, "en")
    first, again, third = facts
    assert (first.value, first.same_as_fact_id) == (59, None)
    assert again.same_as_fact_id == first.fact_id and third.same_as_fact_id == first.fact_id
    assert _readme_sum(_repatriations(body, "en")) == 59


def test_a_part_stated_again_keeps_its_whole():
    body = ("Из Сирии вывезены 120 граждан, из них 70 детей. Вернувшиеся 70 детей пройдут реабилитацию.")
    facts = _facts(body, "ru")
    whole, part, part_again = facts
    assert part.parent_fact_id == whole.fact_id and part_again.parent_fact_id == whole.fact_id
    assert part_again.same_as_fact_id is None
    assert _readme_sum(_repatriations(body, "ru")) == 120


def test_small_figures_of_other_subjects_are_not_repeats():
    facts = _facts("Ирактан 40 бала қайтарылды. Олардың 4 анасы және 4 адам туыстары күтіп алды.", "kk")
    assert all(fact.same_as_fact_id is None for fact in facts)


def test_parts_that_add_up_to_an_earlier_figure_are_its_breakdown():
    body = ("Uzbekistan repatriated 64 women and children from Syria. The group that arrived in Tashkent "
            "was made up of 25 women and 39 children.")
    whole, women, children = _facts(body, "en")
    assert women.parent_fact_id == whole.fact_id and children.parent_fact_id == whole.fact_id
    rows = _repatriations(body, "en")
    assert sorted(rows["value"]) == [25, 39, 64]  # the parts are returns because their whole is
    assert _readme_sum(rows) == 64


def test_parts_that_do_not_add_up_stay_separate():
    facts = _facts("Uzbekistan repatriated 64 women and children. Another flight carried 20 women and 30 children "
                   "to Tashkent.", "en")
    assert [fact.parent_fact_id for fact in facts] == [None, None, None]


def test_of_whom_makes_a_part_of_the_figure_just_before():
    body = "Kazakhstan evacuated 95 citizens, among them 60 children, 11 of whom are orphans."
    citizens, children, orphans = _facts(body, "en")
    assert (orphans.subject, orphans.parent_fact_id) == ("orphans", children.fact_id)
    assert children.parent_fact_id == citizens.fact_id


def test_headline_figure_restated_in_the_body_is_one_group():
    title = "Kazakhstan repatriates 37 women, children from Syria"
    body = "On Monday 37 women and children were returned to Kazakhstan from camps in north-east Syria in 2021."
    facts = _facts(body, "en", title=title)
    body_fact, headline = facts
    assert headline.in_title and title[headline.start:headline.end] == "37"
    assert headline.subject == "women_and_children"
    assert headline.same_as_fact_id == body_fact.fact_id
    assert headline.year_from == 2021  # the body's sentence says more than the headline
    assert _readme_sum(_repatriations(body, "en", title=title)) == 37


def test_a_figure_only_the_headline_gives_is_kept():
    title = "Қирғизистон Суриядан 85 нафар фуқаросини қайтарди"
    rows = _repatriations("Бу ҳақда ташқи ишлар вазирлиги хабар берди.", "uz", title=title)
    assert list(rows["value"]) == [85] and _readme_sum(rows) == 85


@pytest.mark.parametrize("lang, text", [
    ("en", "The government plans to repatriate 150 more citizens from camps in Syria."),
    ("ru", "Власти намерены вернуть на родину около 200 граждан из лагерей."),
    ("uz", "Ўзбекистон яна 90 нафар фуқаросини Ироқдан қайтаради."),
    ("kk", "Алдағы айда Сириядан 70 азамат елге қайтарылады."),
    ("tg", "Тоҷикистон беш аз 150 шаҳрвандашро аз Ироқ меорад."),
])
def test_announced_returns_are_planned_and_not_summed(lang, text):
    rows = _repatriations(text, lang)
    assert len(rows) == 1 and rows["planned"].all()
    assert _readme_sum(rows) == 0


def test_a_done_return_is_not_planned():
    rows = _repatriations("Сириядан 70 азамат елге қайтарылды.", "kk")
    assert list(rows["planned"]) == [False]


@pytest.mark.parametrize("lang, text, held, planned", [
    ("en", ("Some 80 women and 190 children are still held in camps in Syria, and 45 of the children will be "
            "repatriated next month."), [80, 190], [45]),
    ("ru", "В лагерях Сирии остаются около 600 граждан, и власти намерены вернуть 150 детей.", [600], [150]),
    ("kk", "Сириядағы лагерьлерде 250 қазақстандық қамауда отыр, алдағы айда 40 бала елге қайтарылады.", [250], [40]),
    ("ky", "Ирактын түрмөлөрүндө 30 аял камакта отурат, 12 бала мекенине кайтарылат.", [30], [12]),
    ("uz", "Suriyadagi lagerlarda 90 nafar ayol qolmoqda, 35 nafar bola qaytariladi.", [90], [35]),
    ("tg", ("Ба гуфтаи вазир, дар урдугоҳҳои Сурия 120 зан ва 310 кӯдак қарор доранд ва барои баргардондани 60 "
            "кӯдак иҷозат гирифта шудааст."), [120, 310], [60]),
])
def test_people_who_are_somewhere_are_neither_returned_nor_planned(lang, text, held, planned):
    facts = facts_frame(pd.DataFrame([{"doc_id": "doc", "body": text, "lang": lang, "title": "T"}]), pd.DataFrame())
    assert sorted(facts.loc[facts["planned"], "value"]) == planned
    rows = _repatriations(text, lang)
    assert sorted(rows["value"]) == planned and rows["planned"].all()
    assert not set(held) & set(rows["value"])


@pytest.mark.parametrize("lang, text", [
    ("en", "Kazakhstan returned 47 people who are held in Syria for years."),
    ("kk", "Лагерьде жүрген 47 адам елге оралды."),
    ("ru", "Из Сирии вернули 47 граждан, которые находятся сейчас в реабилитационном центре."),
    ("en", "Uzbekistan brought home 47 women and children, who now live in Tashkent."),
    ("uz", "Qamoqda saqlanayotgan 47 nafar fuqaro vataniga qaytarildi."),
])
def test_a_return_of_people_described_where_they_were_stays_a_return(lang, text):
    rows = _repatriations(text, lang)
    assert list(rows["value"]) == [47] and not rows["planned"].any()
    assert _readme_sum(rows) == 47


@pytest.mark.parametrize("lang, text", [
    ("en", "More than 400 people have been returned from Syria since 2020."),
    ("ru", "С 2019 по 2023 год из Ирака было возвращено 320 человек."),
    ("uz", "2018 yildan 2022 yilgacha Suriyadan 210 nafar fuqaro olib kelingan."),
    ("ky", "Буга чейин 300дөн ашуун жаран мекенине кайтарылды."),
])
def test_a_figure_over_several_years_or_to_date_is_a_total(lang, text):
    rows = _repatriations(text, lang, published=dt.date(2024, 3, 1))
    assert rows["is_total"].all()
    assert rows["year_from"].isna().all() or rows["year_from"].iloc[0] != 2024  # no page year for a total


def test_figures_a_stated_total_adds_up_stay_returns():
    body = ("В 2021-2022 годах вернули 200 человек, в 2023-2024 годах ещё 100 человек. "
            "Всего было возвращено 300 человек.")
    rows = _repatriations(body, "ru")
    assert sorted(rows.loc[~rows["is_total"], "value"]) == [100, 200]
    assert _readme_sum(rows) == 300


def test_a_return_reported_as_done_takes_the_page_year_and_its_parts_too():
    body = "Из Сирии вернули 48 граждан, из них 30 детей. Ранее, с 2019 по 2022 год, вернули 500 человек."
    rows = _repatriations(body, "ru", published=dt.date(2023, 6, 5)).set_index("value")
    assert (rows.loc[48, "year_from"], rows.loc[48, "year_to"]) == (2023, 2023)
    assert rows.loc[30, "year_from"] == 2023
    assert (rows.loc[500, "year_from"], rows.loc[500, "year_to"]) == (2019, 2022)


def test_no_page_year_without_a_published_date():
    rows = _repatriations("Из Сирии вернули 48 граждан.", "ru", published=None)
    assert rows["year_from"].isna().all()


@pytest.mark.parametrize("text, expected", [
    ("Рӯйхати 120 нафар шаҳрвандон барои баргардонидан тартиб дода шуд.", [(120, "persons")]),
    ("Аз Сурия 35 зан ва 80 кӯдак ба ватан баргардонида шуданд.", [(35, "women"), (80, "children")]),
    ("Дар ҳаҷми 260 нафар рӯйхат тартиб дода шуд.", [(260, "persons")]),
    ("Беш аз 40 ятим ба Душанбе оварда шуданд.", [(40, "orphans")]),
])
def test_tajik_counts(text, expected):
    assert [(fact.value, fact.subject) for fact in _facts(text, "tg")] == expected


@pytest.mark.parametrize("lang, text", [
    ("en", "The group that came home on Sunday included 12 children."),
    ("uz", "Afg'onistondan 17 nafar fuqaro olib chiqildi."),
    ("kk", "Ирактан 14 бала елге көшірілді."),
    ("ky", "Сириядан 22 жаш бала бошотулду."),
    ("en", "A special aircraft carried 40 women to Kazakhstan."),
])
def test_more_ways_to_say_people_came_home(lang, text):
    assert len(_repatriations(text, lang)) == 1


def test_a_central_asian_country_is_not_the_whole_region():
    body = ("Kyrgyzstan has brought back 40 citizens. The Central Asian country has repatriated "
            "a total of more than 500 of its citizens.")
    entities = pd.DataFrame([{"doc_id": "doc", "entity_type": "LOC", "start": 0, "end": 10, "canonical_id": "KG",
                              "text": "Kyrgyzstan"}])
    facts = extract_facts("doc", body, "en", entities)
    assert [fact.country for fact in facts] == ["KG", "KG"]


def test_tajik_country_names_give_the_home_country_of_people_counted():
    from etl.entities.extract import entities_frame

    body = ("Вазири корҳои хориҷии Тоҷикистон гуфт, ки аз Сурия 48 зан ва кӯдак ба ватан баргардонида шуданд. "
            "Шаҳрвандони Қазоқистон ва Ӯзбекистон низ дар урдугоҳҳо ҳастанд.")
    docs = pd.DataFrame([{"doc_id": "doc", "body": body, "lang": "tg", "title": "T"}])
    entities = entities_frame(docs)
    assert {"TJ", "KZ", "UZ", "SY"} <= set(entities["canonical_id"])
    facts = facts_frame(docs, entities)
    assert list(zip(facts["value"], facts["country"])) == [(48, "TJ")]


def test_wishes_and_appeals_to_return_are_no_returns():
    rows = _repatriations("He said that 120 women among them wanted to return home. "
                          "Родственники просят вернуть 40 женщин из Ирака.", "en")
    assert rows.empty


@pytest.mark.parametrize("lang, text, parts", [
    ("kk", "Елге оралған 96 баланың 12-сі жетімдер.", {12: 96}),
    ("ky", "Ирактан 80 кыргызстандык, анын ичинен 50 жаш бала жана 9 жетим кайтарылды.", {50: 80, 9: 80}),
])
def test_turkic_breakdowns(lang, text, parts):
    facts = _facts(text, lang)
    value_of = {fact.fact_id: fact.value for fact in facts}
    assert {fact.value: value_of[fact.parent_fact_id] for fact in facts if fact.parent_fact_id} == parts


@pytest.mark.parametrize("lang, text, expected", [
    ("ru", "Кроме того, ещё 45 вернулись на родину самостоятельно.", [(45, "persons", "exact")]),
    ("en", "Another 12 returned on their own last year.", [(12, "persons", "exact")]),
    ("ky", "Ирактагы 600дөй кыргызстандык камалган, алардын 150гө чамалуусу аялдар.",
     [(600, "persons", "about"), (150, "women", "about")]),
    ("uz", "Qaytarilganlarning 27 nafarini bolalar tashkil qiladi, ularning 6 nafari etim.",
     [(27, "children", "exact"), (6, "orphans", "exact")]),
    ("tg", "Аз онҳо 18 нафарашон дар Душанбе зиндагӣ мекунанд.", [(18, "persons", "exact")]),
])
def test_counts_named_by_a_verb_a_measure_word_or_a_pronoun(lang, text, expected):
    assert [(fact.value, fact.subject, fact.qualifier) for fact in _facts(text, lang)] == expected


@pytest.mark.parametrize("lang, title, body, operation", [
    ("uz", "Mehr operasiyasi-5", "Suriyadan 93 nafar fuqaro olib kelindi.", "Mehr"),
    ("kk", "«Жусан-4» операциясы аяқталды", "Сириядан 67 азамат елге жеткізілді.", "Zhusan"),
])
def test_an_operation_named_only_in_the_headline_is_the_documents(lang, title, body, operation):
    assert [fact.operation for fact in extract_facts("doc", body, lang, title=title)] == [operation]


def test_a_headline_operation_does_not_override_the_bodys():
    from etl.entities.extract import entities_frame

    body = "В рамках операции «Добро» из Ирака вернули 30 детей."
    docs = pd.DataFrame([{"doc_id": "doc", "body": body, "lang": "ru", "title": "Операция «Жусан» и другие"}])
    facts = facts_frame(docs, entities_frame(docs))
    assert list(facts["operation"]) == ["Dobro"]


@pytest.mark.parametrize("lang, text, parts", [
    ("en", "Uzbekistan also flew home three citizens of Tajikistan, a woman and her two children.", {2: 3}),
    ("ru", "Тем же рейсом вернули 6 граждан Кыргызстана: женщину и её пятерых детей.", {5: 6}),
    ("ru", "Из Сирии доставлены 52 человека из 14 семей.", {14: 52}),
    ("en", "The 38 returnees, 11 families in all, were taken to a rehabilitation centre.", {11: 38}),
])
def test_her_children_and_families_are_parts_of_the_people_counted(lang, text, parts):
    facts = _facts(text, lang)
    value_of = {fact.fact_id: fact.value for fact in facts}
    assert {fact.value: value_of[fact.parent_fact_id] for fact in facts if fact.parent_fact_id} == parts


def test_a_group_counted_in_total_with_its_own_breakdown_is_no_total_of_other_rows():
    body = ("Earlier, the third group of citizens, 52 people in total, including 20 women and 32 children, was "
            "brought back from Syria.")
    rows = _repatriations(body, "en")
    assert not rows["is_total"].any() and _readme_sum(rows) == 52


def test_a_stated_total_that_adds_up_earlier_returns_stays_a_total():
    body = ("В мае вернули 30 детей, в июне 20 женщин. Всего из Ирака возвращены 50 человек, "
            "в том числе 20 женщин и 30 детей.")
    rows = _repatriations(body, "ru")
    assert rows.loc[rows["value"] == 50, "is_total"].all()


def test_a_lowercase_genitive_makes_a_part_of_the_figure_just_counted():
    body = ("Iroqdan 36 nafar fuqaro olib kelindi. Qaytarilganlarning 22 nafarini bolalar tashkil qiladi, "
            "ularning 5 nafari etim. O'zbekistonning 36 nafar fuqarosi uyga qaytdi.")
    facts = _facts(body, "uz")
    value_of = {fact.fact_id: fact.value for fact in facts}
    assert [(fact.value, value_of.get(fact.parent_fact_id)) for fact in facts] == [
        (36, None), (22, 36), (5, 22), (36, None)]


def test_a_stated_total_whose_part_does_not_add_up_stays_a_total():
    rows = _repatriations("Всего в лагерях было около 600 граждан: 250 человек вернули на родину.", "ru")
    assert rows.loc[rows["value"] == 600, "is_total"].all()


@pytest.mark.parametrize("text, expected", [
    ("Чор зан ва ҳафт кӯдак ба Душанбе оварда шуданд.", [(4, "women"), (7, "children")]),
    ("Сиву ду нафар аз Ироқ баргардонида шуданд.", [(32, "persons")]),
    ("Дусаду панҷоҳ шаҳрванд баргашт.", [(250, "persons")]),
    ("Наздики ҳазор нафар ҳанӯз дар урдугоҳҳо ҳастанд.", [(1000, "persons")]),
    ("Кӯдакони 3 сола ва 12 кӯдак.", [(12, "children")]),
])
def test_tajik_number_words(text, expected):
    assert [(fact.value, fact.subject) for fact in _facts(text, "tg")] == expected


def test_a_russian_collective_with_a_possessive_pronoun():
    assert [(f.value, f.subject) for f in _facts("Вернули мать и пятеро её детей.", "ru")] == [(5, "children")]


def test_a_shard_with_no_return_gives_an_empty_table_with_its_columns():
    from etl.facts.extract import REPATRIATION_COLUMNS

    rows = _repatriations("В конференции участвовали 30 стран.", "ru")
    assert rows.empty and list(rows.columns) == REPATRIATION_COLUMNS
    docs = pd.DataFrame([{"doc_id": "doc", "body": "Нет цифр.", "lang": "ru", "title": "T"}])
    empty = repatriations_frame(facts_frame(docs, pd.DataFrame()), docs)
    assert empty.empty and list(empty.columns) == REPATRIATION_COLUMNS


@pytest.mark.parametrize("lang, text, parts", [
    ("en", "Since 2020 more than 200 citizens have been repatriated from Syria. The first group included 64 "
           "children, and the second group 70 women and children.", {64: 200, 70: 200}),
    ("ru", "Из Ирака вернули 150 граждан. В первую группу вошли 40 детей, во вторую группу 60 женщин.",
     {40: 150, 60: 150}),
])
def test_groups_told_one_by_one_after_a_return_are_its_parts(lang, text, parts):
    facts = _facts(text, lang)
    value_of = {fact.fact_id: fact.value for fact in facts}
    assert {fact.value: value_of[fact.parent_fact_id] for fact in facts if fact.parent_fact_id} == parts
    assert len(_repatriations(text, lang)) == 3


def test_a_group_sentence_with_its_own_return_is_its_own_return():
    facts = _facts("Из Ирака вернули 150 граждан. Вторая группа из 40 детей вернулась позже.", "ru")
    assert all(fact.parent_fact_id is None for fact in facts)


@pytest.mark.parametrize("lang, text, parts", [
    # a part in its own sentence, after a genitive or ablative noun or pronoun, possibly capitalized
    ("ky", "Сириядан 90 жаран кайтарылды. Алардын 60ы – балдар, 12 бала – жетим.", {60: 90, 12: 60}),
    ("uz", "Iroqdan 64 nafar fuqaro, jumladan 20 nafar ayol va 44 nafar bola olib kelindi. Bolalardan 9 nafari yetim.",
     {20: 64, 44: 64, 9: 44}),
    # Tajik "аз шумораи" (of the number of) after a sentence without figures
    ("tg", ("Аз Ироқ 60 нафар – 20 зан ва 40 кӯдак баргардонида шуданд. Вазорат хабар дод.\n"
            "Аз шумораи кӯдакон 7 нафар ятим мебошанд."), {20: 60, 40: 60, 7: 40}),
    # a breakdown after a dash, when its parts add up to the whole
    ("ru", "На родину вернули тридцать граждан — десять женщин и 20 детей.", {10: 30, 20: 30}),
    ("en", ("The plane brought home 50 citizens (10 women and 40 children). Two buses met them. "
            "9 of the children are orphans."), {10: 50, 40: 50, 9: 40}),
    # the rest of a group: "Қалған 15 бала" after "the 60 of the 75"
    ("kk", "Ирактан қайтарылған 75 баланың 60-ы туыстарына берілді. Қалған 15 бала орталықта.", {60: 75, 15: 75}),
])
def test_parts_named_in_a_later_sentence_or_after_a_dash(lang, text, parts):
    facts = _facts(text, lang)
    value_of = {fact.fact_id: fact.value for fact in facts}
    assert {fact.value: value_of[fact.parent_fact_id] for fact in facts if fact.parent_fact_id} == parts


def test_a_dash_before_figures_that_do_not_add_up_makes_no_breakdown():
    facts = _facts("Вернули 30 граждан — ещё 10 женщин ждут решения.", "ru")
    assert all(fact.parent_fact_id is None for fact in facts)


@pytest.mark.parametrize("lang, text", [
    ("en", "A flight carrying 70 Uzbek citizens landed in Tashkent."),
    ("en", "Sixty Kyrgyz women and children are home from Iraq."),
])
def test_a_landing_or_being_home_is_a_return(lang, text):
    assert len(_repatriations(text, lang)) == 1


@pytest.mark.parametrize("lang, text, returned", [
    ("kk", "2020 жылы Сириядан өз бетінше оралған үш әйел сотталды.", []),
    ("en", "Officials said 40 people were repatriated, while 6 women returned on their own.", [40]),
    ("ru", "Из лагерей вернули 100 человек, а 20 человек вернулись самостоятельно.", [100]),
])
def test_people_who_came_back_on_their_own_are_no_return(lang, text, returned):
    assert list(_repatriations(text, lang)["value"]) == returned


def test_a_running_count_that_now_exceeds_a_figure_is_a_total():
    rows = _repatriations("Since the first flight, the number of citizens brought home now exceeds 700.", "en",
                          published=dt.date(2021, 3, 1))
    assert list(zip(rows["value"], rows["is_total"], rows["year_from"].isna())) == [(700, True, True)]


@pytest.mark.parametrize("lang, body, name, values", [
    ("ru", ("Из Сирии в рамках операции «Мейрим» вернули 30 детей. С 2019 года в ходе операции на родину вернулись "
            "более 400 человек."), "Мейрим", [30, 400]),
    ("en", ("The Aikol mission brought 40 citizens home. They were met by relatives. Since 2022 this operation has "
            "returned 300 people."), "Aikol", [40, 300]),
])
def test_the_operation_without_its_name_is_the_one_named_just_before(lang, body, name, values):
    start = body.index(name)
    entities = pd.DataFrame([{"doc_id": "doc", "entity_type": "OPERATION", "start": start, "end": start + len(name),
                              "canonical_name": name, "text": name, "canonical_id": None}])
    facts = extract_facts("doc", body, lang, entities)
    assert [(fact.value, fact.operation) for fact in facts] == [(value, name) for value in values]
