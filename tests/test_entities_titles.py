"""Entities the body rules used to miss (issue 14): operations written in lower case or with their stage, operation
names that name a prison or a city, persons and operations of the headline, photographers of photo credits."""

from __future__ import annotations

import pytest

from etl.entities.extract import extract_entities


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
