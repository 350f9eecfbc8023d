"""Story evidence that crosses languages: days of the month, operation stages, counted facts, names in any script;
and story_signals parts written before those columns existed."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hand_entities import hand_entities

from etl.facts.extract import facts_frame
from etl.stories import latin_key, signals_frame, stories_from_signals, story_links
from etl.stories.signals import event_days, operation_stages


@pytest.mark.parametrize("text, days", [
    ("The plane landed on March 3, 2024, in Tashkent.", {"03-03"}),
    ("Самолет приземлился 5 и 6 февраля в Астане.", {"02-05", "02-06"}),
    ("Ұшақ 12-13 наурызда Алматыға қонды.", {"03-12", "03-13"}),
    ("Учак 30-июнда Ошко конду.", {"06-30"}),
    ("Samolyot 17 avgustda Termizga qo‘ndi.", {"08-17"}),
    ("Самолёт 9 сентябрда Тошкентга қўнди.", {"09-09"}),
    ("Ҳавопаймо 11 ноябри соли 2023 ба Душанбе нишаст.", {"11-11"}),
    ("On Dec. 1st the ministry spoke.", {"12-01"}),
    # no day, or no month: nothing
    ("In May 2019, 11 senators and 5 маршрутов, 3 декады.", set()),
    ("Бишкек, 12.04.2023, 14:30", set()),
])
def test_event_days_in_six_languages(text, days):
    assert event_days(text) == days


def test_the_publication_day_is_no_event_day():
    assert event_days("Astana, 4 April. On 2 April 40 citizens returned.", pd.Timestamp("2024-04-04")) == {"04-02"}


@pytest.mark.parametrize("text, stages", [
    ("«Жусан-3» операциясы аясында", {"zhusan:3"}),
    ("the Aikol-2 humanitarian mission", {"aikol:2"}),
    ('"Меҳр-2" инсонпарварлик амалиёти', {"mehr:2"}),
    ('"mehr amaliyoti - 3" doirasida', {"mehr:3"}),
    ("Мээрим операциясы-1", {"meerim:1"}),
    # a count after a dash, a year, a stage number out of range: no stage
    ("the Zhusan operation - 14 women and children", set()),
    ("Zhusan-2019", set()),
    ("Mehr-45", set()),
])
def test_operation_stages(text, stages):
    assert operation_stages(text) == stages


@pytest.mark.parametrize("cyrillic, latin", [
    ("Ҷамшед Шарифзода", "Jamshed Sharifzoda"),  # Tajik ҷ
    ("Зарина Раҳимӣ", "Zarina Rahimi"),  # Tajik ӣ
    ("Нурӯз Қодиров", "Nuruz Qodirov"),  # Tajik ӯ, Uzbek Latin q
    ("Ўктам Эргашев", "O‘ktam Ergashev"),  # Uzbek ў = Latin o‘
    ("Ўктам Эргашев", "Uktam Ergashev"),
    ("Ғайрат Каримов", "G‘ayrat Karimov"),
    ("Ғайрат Каримов", "Ghayrat Karimov"),
    ("Жаңыл Бекова", "Zhangyl Bekova"),  # Kazakh/Kyrgyz ң
    ("Фёдор Ким", "Fyodor Kim"),
])
def test_names_key_alike_in_every_script(cyrillic, latin):
    assert latin_key(cyrillic) == latin_key(latin)


def _links(rows: list[dict], entities: dict[str, list[tuple[str, str, str]]]) -> dict[tuple[str, str], bool]:
    docs = pd.DataFrame(rows).assign(title=None, published_date=None)
    frame = hand_entities(docs, entities)
    return {(link.doc_a, link.doc_b): link.linked for link in story_links(docs, frame, facts_frame(docs, frame))}


FLIGHT_EN = ("Kazakhstan has brought home 37 citizens from Iraq, 11 women and 26 children, the foreign ministry said. "
             "Three citizens of Uzbekistan, a mother and her two daughters, flew with them at the request of Tashkent.")
FLIGHT_KK = ("Сыртқы істер министрлігінің хабарлауынша, Ирактан 37 қазақстандық елге оралды: 11 әйел және 26 бала. "
             "Ташкенттің өтініші бойынша олармен бірге Өзбекстанның 3 азаматы – ана мен оның екі қызы жеткізілді.")
RECALLED_KK = ("Министр биыл Ирактан 37 қазақстандық оралғанын еске салды. Ол Алматыда 120 орындық жаңа оңалту "
               "орталығын ашты.")
FLIGHT_EN_PLACES = [("LOC", "Kazakhstan", "KZ"), ("LOC", "Iraq", "IQ"), ("LOC", "Uzbekistan", "UZ")]
FLIGHT_KK_PLACES = [("LOC", "қазақстандық", "KZ"), ("LOC", "Ирактан", "IQ"), ("LOC", "Өзбекстанның", "UZ")]


def test_figures_of_the_same_home_countries_link_two_languages():
    links = _links([{"doc_id": "a", "lang": "en", "body": FLIGHT_EN}, {"doc_id": "b", "lang": "kk", "body": FLIGHT_KK},
                    {"doc_id": "c", "lang": "kk", "body": RECALLED_KK}],
                   {"a": FLIGHT_EN_PLACES, "b": FLIGHT_KK_PLACES, "c": FLIGHT_KK_PLACES[:2]})
    assert links[("a", "b")]
    # one figure recalled in a text about something else is no shared story
    assert not links.get(("a", "c"), False)


def test_the_same_day_and_figure_link_two_languages_the_day_alone_does_not():
    returned_ru = "14 марта в Бишкек из Ирака вернулись 28 граждан Кыргызстана, сообщило министерство."
    returned_ky = "14-мартта Ирактан Кыргызстандын 28 жараны мекенине кайтарылды, деп билдирди министрлик."
    forum_en = "On March 14 Kyrgyzstan hosted a forum on water in Bishkek with Iraq's delegation."
    places = {"a": [("LOC", "Ирака", "IQ"), ("LOC", "Кыргызстана", "KG")],
              "b": [("LOC", "Ирактан", "IQ"), ("LOC", "Кыргызстандын", "KG")],
              "c": [("LOC", "Kyrgyzstan", "KG"), ("LOC", "Iraq", "IQ")]}
    links = _links([{"doc_id": "a", "lang": "ru", "body": returned_ru}, {"doc_id": "b", "lang": "ky", "body": returned_ky},
                    {"doc_id": "c", "lang": "en", "body": forum_en}], places)
    assert links[("a", "b")]
    assert not links.get(("a", "c"), False) and not links.get(("b", "c"), False)


MEHR_LATIN = "«Mehr-6» insonparvarlik amaliyoti doirasida Suriyadan O‘zbekistonning 52 nafar fuqarosi Vatanga qaytarildi."
MEHR_CYRILLIC = "«Меҳр-6» амалиёти доирасида Суриядан Ўзбекистоннинг 52 нафар фуқароси олиб келинди."
MEHR_NEXT = ("«Mehr-7» amaliyoti doirasida Suriyadan O‘zbekistonning 61 nafar fuqarosi qaytarildi. Avvalroq «Mehr-6» "
             "doirasida O‘zbekistonning 52 nafar fuqarosi qaytarilgan edi.")
MEHR_PLACES = [("LOC", "Suriyadan", "SY"), ("LOC", "O‘zbekistonning", "UZ")]


def test_one_language_links_on_the_stage_and_its_figure_not_on_a_recalled_stage():
    links = _links([{"doc_id": "a", "lang": "uz", "body": MEHR_LATIN}, {"doc_id": "b", "lang": "uz", "body": MEHR_CYRILLIC},
                    {"doc_id": "c", "lang": "uz", "body": MEHR_NEXT}],
                   {"a": MEHR_PLACES, "b": [("LOC", "Суриядан", "SY"), ("LOC", "Ўзбекистоннинг", "UZ")],
                    "c": MEHR_PLACES})
    assert links[("a", "b")]
    # Mehr-7's report recalls Mehr-6 and its figure: another event
    assert not links.get(("a", "c"), False) and not links.get(("b", "c"), False)


def test_one_language_without_a_stage_or_day_links_only_near_duplicates():
    links = _links([{"doc_id": "a", "lang": "kk", "body": FLIGHT_KK},
                    {"doc_id": "b", "lang": "kk", "body": "Биыл Ирактан 37 қазақстандық оралды: 11 әйел және 26 бала. "
                                                          "Министрлік оңалту бағдарламасын таныстырды."}],
                   {"a": FLIGHT_KK_PLACES, "b": FLIGHT_KK_PLACES[:2]})
    assert not links.get(("a", "b"), False)


def test_signal_parts_written_before_the_new_columns_still_group(tmp_path):
    rows = [{"doc_id": "a", "lang": "en", "body": FLIGHT_EN, "title": None, "published_date": None},
            {"doc_id": "b", "lang": "en", "body": FLIGHT_EN + " No further details.", "title": None,
             "published_date": None}]
    signals = signals_frame(pd.DataFrame(rows), pd.DataFrame(), pd.DataFrame())
    old_columns = ["doc_id", "lang", "published_date", "persons", "person_blocks", "numbers", "names", "countries",
                   "orgs", "operations", "years", "sketch"]
    path = tmp_path / "part-old.parquet"
    pq.write_table(pa.Table.from_pandas(signals[old_columns], preserve_index=False), path)
    stories = stories_from_signals([str(path)])
    assert list(stories["doc_id"]) == ["a", "b"] and stories["story_id"].nunique() == 1
