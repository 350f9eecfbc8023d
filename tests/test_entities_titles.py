"""Entities the body rules used to miss (issue 14): operations written in lower case or with their stage, operation
names that name a prison or a city, persons and operations of the headline, photographers of photo credits."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.entities.extract import ENTITY_COLUMNS, entities_frame, extract_entities
from etl.facts.reading import entity_spans
from etl.fields.body import extract_body
from etl.fields.boilerplate import credited_persons
from etl.quality.checks import with_entity_check_columns


def _found(text: str, lang: str, entity_type: str) -> list[tuple[str, str]]:
    return [(e.text, e.canonical_name) for e in extract_entities("d", text, lang) if e.entity_type == entity_type]


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        # a known name in lower case, quoted with the operation word inside or outside the quotes
        ('Ayollar va bolalar "jusan operatsiyasi" doirasida Suriyadan olib kelindi.', "uz", ("jusan", "Zhusan")),
        ("Дети вернулись домой в ходе операции «мээрим» в прошлом году.", "ru", ("мээрим", "Meerim")),
        ("Балалар «жұсан» операциясы аясында елге жеткізілді.", "kk", ("жұсан", "Zhusan")),
        ("Аялдар «мээрим» операциясынын алкагында мекенине кайтарылды.", "ky", ("мээрим", "Meerim")),
        ("Занону кӯдакон дар доираи операцияи «мехр» ба Тоҷикистон оварда шуданд.", "tg", ("мехр", "Mehr")),
        # the operation word spelled with ё ('амалиёти'), unquoted name
        ("Меҳр амалиёти доирасида 50 нафар аёл ва бола юртига қайтарилди.", "uz", ("Меҳр", "Mehr")),
        # the stage written onto the name is part of it
        ("Спецоперация «Жусан-4» по возвращению граждан завершилась.", "ru", ("Жусан-4", "Zhusan")),
        ("The Aikol-2 mission brought the women home from Syria.", "en", ("Aikol-2", "Aikol")),
    ],
)
def test_operation_in_lower_case_or_with_its_stage(text: str, lang: str, expected: tuple[str, str]) -> None:
    assert expected in _found(text, lang, "OPERATION")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Onalar farzandlarini mehr bilan kutib olishdi.", "uz"),  # 'mehr' is the word 'kindness'
        ("Далада жусан өсіп тұр, ауыл тұрғындары оны жинайды.", "kk"),  # 'жусан' is the plant 'wormwood'
    ],
)
def test_lower_case_word_without_an_operation_word_is_no_operation(text: str, lang: str) -> None:
    assert _found(text, lang, "OPERATION") == []


@pytest.mark.parametrize(
    ("text", "lang", "place"),
    [
        ("Several Central Asian women are still held in Rusafa prison near Baghdad.", "en", "Rusafa"),
        ("В тюрьме «Русафа» остаются еще около тридцати женщин.", "ru", "Русафа"),
        ("Әйелдер Бағдаттағы «Русафа» түрмесінде жазасын өтеп жатыр.", "kk", "Русафа"),
        ('Аялдар "Русафа" түрмөсүндө кармалып турат.', "ky", "Русафа"),
        ('Ayollar hamon "Rusafa" qamoqxonasida saqlanmoqda.', "uz", "Rusafa"),
        ("Занон дар зиндони «Русафа» нигоҳ дошта мешаванд.", "tg", "Русафа"),
    ],
)
def test_operation_name_of_a_prison_is_a_place(text: str, lang: str, place: str) -> None:
    assert _found(text, lang, "OPERATION") == []
    assert place in [surface for surface, _ in _found(text, lang, "LOC")]


def test_operation_and_prison_of_the_same_name_in_one_text() -> None:
    text = "«Русафа» операциясы аясында 14 бала елге оралды. Олардың аналары әлі де «Русафа» түрмесінде отыр."
    operations = [e for e in extract_entities("d", text, "kk") if e.entity_type == "OPERATION"]
    places = [e for e in extract_entities("d", text, "kk") if e.entity_type == "LOC" and e.text == "Русафа"]
    assert [(e.text, e.start) for e in operations] == [("Русафа", 1)]
    assert [e.start for e in places] == [text.rindex("Русафа")]


@pytest.mark.parametrize(
    ("title", "body", "lang", "expected"),
    [
        (
            "Interview with the Foreign Minister of Uzbekistan, Bakhtiyor Saidov",
            "The minister said that the fifth group of citizens had returned from Syria.",
            "en",
            ("PERSON", "Bakhtiyor Saidov"),
        ),
        (
            "Заявление Генерального прокурора Берика Асылова",
            "Прокуратура сообщила о возвращении детей из Ирака.",
            "ru",
            ("PERSON", "Берика Асылова"),
        ),
        ("Меҳр амалиёти-2", "Ватандошларимиз Сурия ва Ироқдан юртимизга қайтарилди.", "uz", ("OPERATION", "Меҳр")),
        (
            "«Жусан» операциясы: балалар мектепке барды",
            "Ирактан оралған балалар биыл мектепке барды.",
            "kk",
            ("OPERATION", "Жусан"),
        ),
    ],
)
def test_entity_named_only_in_the_headline(title: str, body: str, lang: str, expected: tuple[str, str]) -> None:
    found = extract_entities("d", body, lang, title)
    in_title = [e for e in found if e.in_title]
    assert expected in [(e.entity_type, e.text) for e in in_title]
    assert all(title[e.start : e.end] == e.text for e in in_title)
    assert all(body[e.start : e.end] == e.text for e in found if not e.in_title)


def test_headline_entity_the_body_names_again_has_only_its_body_rows() -> None:
    title = "Kazakhstan brings home 40 citizens under Operation Zhusan"
    body = "Forty citizens of Kazakhstan returned from Syria on Monday under Operation Zhusan, the ministry said."
    found = extract_entities("d", body, "en", title)
    assert not [e for e in found if e.in_title]
    assert {"KZ", "op:zhusan"} <= {e.canonical_id for e in found}


def test_frame_marks_headline_rows_and_the_offset_check_reads_the_title() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a"],
            "title": ["Mehr amaliyoti-3: bolalar uyiga qaytdi"],
            "body": ["Bolalar Suriyadan Toshkentga olib kelindi."],
            "lang": ["uz"],
        }
    )
    frame = entities_frame(docs)
    assert list(frame.columns) == ENTITY_COLUMNS
    headline = frame[frame["in_title"]]
    assert list(headline["canonical_id"]) == ["op:mehr"]
    checked = with_entity_check_columns(frame, docs)
    assert checked["offset_ok"].all()
    assert checked["row_key"].is_unique


def test_facts_read_no_headline_entity_as_a_body_mention() -> None:
    entities = pd.DataFrame(
        {
            "doc_id": ["a", "a"],
            "entity_type": ["OPERATION", "LOC"],
            "start": [0, 5],
            "end": [4, 10],
            "canonical_name": ["Mehr", "Syria"],
            "canonical_id": ["op:mehr", "SY"],
            "text": ["Mehr", "Syria"],
            "in_title": [True, False],
        }
    )
    countries, operations = entity_spans(entities, "a")
    assert countries == [(5, 10, "SY")]
    assert operations == []


def test_bare_institution_of_the_headline_is_the_body_s_qualified_one() -> None:
    title = "Из Ирака вернули 14 детей — МИД"
    body = "Об этом сообщили в Министерстве иностранных дел Казахстана. Дети прошли медицинское обследование."
    assert [
        e.canonical_id for e in extract_entities("d", body, "ru", title) if e.in_title and e.entity_type == "ORG"
    ] == []


@pytest.mark.parametrize(
    ("credit", "lang", "photographer"),
    [
        ("© Reuters / Maya Alleruzzo", "en", "Maya Alleruzzo"),
        ("Фото: РИА Новости / Алексей Куденко", "ru", "Алексей Куденко"),
        ("Сурет: Kazinform / Ерлан Омаров", "kk", "Ерлан Омаров"),
        ("Сүрөт: Азаттык / Нурлан Абдыкадыров", "ky", "Нурлан Абдыкадыров"),
        ("Surat: Kun.uz / Jasur Karimov", "uz", "Jasur Karimov"),
        ("Акс: Asia-Plus / Далер Назаров", "tg", "Далер Назаров"),
        ("© Sputnik / Игорь МихалевЖенщины и дети в лагере", "ru", "Игорь Михалев"),
    ],
)
def test_photographer_of_a_photo_credit_is_a_person(credit: str, lang: str, photographer: str) -> None:
    lines = [
        "Заголовок статьи",
        "",
        "The ministry said the group had returned home safely after years in the camps.",
        "",
        credit,
        "",
        "The children will go to school in September, the ministry added in its statement.",
    ]
    body = extract_body(lines, start=1)
    assert credit in body
    persons = [(e.text, e.extractor) for e in extract_entities("d", body, lang) if e.entity_type == "PERSON"]
    assert (photographer, "rule:credit") in persons


@pytest.mark.parametrize(
    "credit",
    [
        "Photo: Akorda",
        "Фото: kursiv.media",
        "Сурет: ҚР СІМ баспасөз қызметі",
        "© Getty Images",
        "Photo: Associated Press",
        "Фото: пресс-служба президента Узбекистана",
        "© 2021 Orda.kz",
    ],
)
def test_credit_without_a_photographer_is_dropped_and_names_no_person(credit: str) -> None:
    lines = ["Title", "", "The ministry said the group had returned home safely after years in the camps.", "", credit]
    body = extract_body(lines, start=1)
    assert credit not in body
    assert credited_persons(credit) == []


_PIECES = [
    *"abcXYZ АБВгде «»\"'-.,:\n",
    "Mehr",
    "mehr operasiyasi",
    "Жусан",
    "операции «жусан»",
    "«Русафа» түрмесі",
    "Kassym-Jomart Tokayev",
    "Сирии",
    "МИД",
    "МИД РК",
    "© AP / ",
    "Gabriel Chaim",
    "Фото: ",
    "Дмитрий Виноградов",
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=30).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT, body=_TEXT, lang=st.sampled_from(["en", "ru", "kk", "ky", "uz", "tg", None]))
def test_offsets_point_into_the_title_or_the_body(title: str, body: str, lang: str | None) -> None:
    docs = pd.DataFrame({"doc_id": ["h"], "title": [title], "body": [body], "lang": [lang]})
    frame = entities_frame(docs)
    for row in frame.itertuples():
        assert (title if row.in_title else body)[row.start : row.end] == row.text
    assert with_entity_check_columns(frame, docs)["row_key"].is_unique


def test_a_campaign_is_no_camp() -> None:
    text = "The Zhusan campaign brought home 600 people; Operation Zhusan ended in 2021."
    found = extract_entities("d", text, "en")
    assert [e.text for e in found if e.entity_type == "LOC" and e.text == "Zhusan"] == []
    assert "Zhusan" in [e.text for e in found if e.entity_type == "OPERATION"]
