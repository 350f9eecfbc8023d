"""Entities named by page furniture and by long forms: listed outlets anywhere in the text, agencies and funds under
their national long names, bylines and titled heads of state (see ../shared/devset/ANNOTATION.md: outlets and photo
agencies are organizations, an alias of a listed entity counts once)."""

from __future__ import annotations

import pytest

from etl.entities.extract import extract_entities


def _named(text: str, lang: str, entity_type: str) -> dict[str, set[str]]:
    """canonical id -> the surface forms of that type's mentions."""
    found: dict[str, set[str]] = {}
    for entity in extract_entities("t", text, lang):
        if entity.entity_type == entity_type:
            found.setdefault(entity.canonical_id, set()).add(entity.text)
    return found


@pytest.mark.parametrize(
    ("text", "lang", "outlet"),
    [
        # a masthead line: the outlet of the agency list with no outlet noun or cue beside it
        ("Kursiv.media | Business | Finance\n\nAlmaty hosted a meeting of the National Security Committee.", "en",
         "Kursiv.media"),
        ("Informburo | Жаңалықтар | Қоғам\n\nАлматыда ҰҚК өкілдері жиналды.", "kk", "Informburo"),
        # a byline naming the outlet in quotes
        ("Мария ИВАНОВА, «Kazpravda»\n\nВ Астане прошло заседание правительства.", "ru", "Kazpravda"),
    ],
)
def test_outlets_of_the_agency_list_are_organizations_wherever_named(text: str, lang: str, outlet: str) -> None:
    assert any(outlet in surfaces for surfaces in _named(text, lang, "ORG").values())


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # outlet names that are also words: 'clear', 'satellite', 'italics'
        ("Бұл мәселе айқын болды.", "kk"),
        ("Айқын жауап берілмеді.", "kk"),
        ("Запущен новый спутник связи, текст набран курсив шрифтом.", "ru"),
    ],
)
def test_an_outlet_name_used_as_a_word_is_no_organization(text: str, lang: str) -> None:
    assert _named(text, lang, "ORG") == {}


@pytest.mark.parametrize(
    ("text", "lang", "long_name", "short_name"),
    [
        ("Национальное информационное агентство Узбекистана сообщило, что самолет приземлился. Об этом пишет УзА.",
         "ru", "Национальное информационное агентство Узбекистана", "УзА"),
        ("Агентии миллии иттилоотӣ «Ховар» хабар дод, ки ҳавопаймо ба Душанбе нишаст.", "tg",
         "Агентии миллии иттилоотӣ", "Ховар"),
        ("Ба гуфтаи Хазинаи кӯдакони СММ (ЮНИСЕФ), кӯдакон ба мактаб мераванд.", "tg", "Хазинаи кӯдакони СММ",
         "ЮНИСЕФ"),
    ],
)
def test_a_long_name_and_its_short_form_are_one_organization(text: str, lang: str, long_name: str,
                                                             short_name: str) -> None:
    orgs = _named(text, lang, "ORG")
    assert [surfaces for surfaces in orgs.values() if long_name in surfaces] == [orgs[_id_of(orgs, short_name)]]
    assert len(orgs) == 1, orgs  # 'СММ' inside the fund's name is no second organization


def _id_of(found: dict[str, set[str]], surface: str) -> str:
    return next(canonical_id for canonical_id, surfaces in found.items() if surface in surfaces)


@pytest.mark.parametrize(
    ("text", "lang", "person", "org"),
    [
        # the title phrase ends in 'Республика of X' before the name
        ("Сафири Ҷумҳурии Тоҷикистон Зоҳир Саидзода бо намояндагони созмон вохӯрд.", "tg", "Зоҳир Саидзода", None),
        # a name after a title stops where an organization's capitalised words begin
        ("Кыргызстандын Президенти Садыр Жапаров Эл Аралык Кызыл Крест комитетинин өкүлдөрү менен жолукту.", "ky",
         "Садыр Жапаров", None),
        ("Кыргызстандын Президенти Садыр Нурговожоевич Жапаров Кабар агенттигине маек берди.", "ky",
         "Садыр Нурговожоевич Жапаров", None),
        # the Cyrillic Uzbek UN names, in the locative
        ("Ташқи ишлар вазири Бахтиёр Саидов Бирлашган Миллатлар Ташкилоти Хавфсизлик Кенгашида сўзга чиқди.", "uz",
         "Бахтиёр Саидов", "org:un-sc"),
    ],
)
def test_a_titled_name_ends_where_the_state_or_organization_words_do(text: str, lang: str, person: str,
                                                                    org: str | None) -> None:
    assert [surface for surfaces in _named(text, lang, "PERSON").values() for surface in surfaces] == [person]
    if org is not None:
        assert list(_named(text, lang, "ORG")) == [org]


@pytest.mark.parametrize(
    ("text", "lang", "persons"),
    [
        ("Марат ЖЫЛАНБАЕВ | 12.05.2021\n\nАлматыда жиын өтті.", "kk", ["Марат ЖЫЛАНБАЕВ"]),
        ("Ольга ПЕТРОВА, «Казахстанская правда»\n\nВ Астане прошло заседание.", "ru", ["Ольга ПЕТРОВА"]),
        ("Author: Jane Doe\n\nThe meeting took place in Almaty.", "en", ["Jane Doe"]),
        # rubrics in capitals are no bylines
        ("Главная ТЕМА\n\nВ Астане прошло заседание.", "ru", []),
        ("Фото ДНЯ\n\nВ Астане прошло заседание.", "ru", []),
        ("Читайте ТАКЖЕ\n\nВ Астане прошло заседание.", "ru", []),
    ],
)
def test_bylines_name_their_author(text: str, lang: str, persons: list[str]) -> None:
    assert [surface for surfaces in _named(text, lang, "PERSON").values() for surface in surfaces] == persons


@pytest.mark.parametrize(
    ("text", "lang", "org"),
    [
        ("Tadbirda Qashqadaryo viloyati musulmonlari idorasi vakillari ishtirok etdi.", "uz",
         "Qashqadaryo viloyati musulmonlari idorasi"),
        ("Йиғилишда Ўзбекистон мусулмонлари идораси раиси сўзга чиқди.", "uz", "Ўзбекистон мусулмонлари идораси"),
        # a hyphenated compound is one of the lower-case words a name may hold
        ("Bu loyihani Oila va xotin-qizlarni qo'llab-quvvatlash qo'mitasi moliyalashtirdi.", "uz",
         "Oila va xotin-qizlarni qo'llab-quvvatlash qo'mitasi"),
        ("Жиынға Мәдениет және спорт министрлігі өкілдері қатысты.", "kk", "Мәдениет және спорт министрлігі"),
    ],
)
def test_keyword_organizations_whole_and_without_the_sentence_opening_case_word(text: str, lang: str,
                                                                                 org: str) -> None:
    assert [surface for surfaces in _named(text, lang, "ORG").values() for surface in surfaces] == [org]


@pytest.mark.parametrize(
    ("text", "lang", "orgs"),
    [
        # a body inside the job title of a named person is no organization (ANNOTATION: ministries in job titles)
        ("По словам заместителя председателя кабинета министров Эдиля Байсалова, дети вернутся домой.", "ru", set()),
        # the same body as the sentence's subject is one
        ("Заседание кабинета министров прошло в Бишкеке под руководством Эдиля Байсалова.", "ru", {"org:cabinet"}),
    ],
)
def test_a_body_inside_a_named_holders_job_title_is_no_organization(text: str, lang: str, orgs: set[str]) -> None:
    assert set(_named(text, lang, "ORG")) == orgs


@pytest.mark.parametrize(
    ("text", "lang", "orgs"),
    [
        # 'the rehabilitation centre in X': a place's facility, unnamed
        ("Балалар Шымкенттегі оңалту орталығына жеткізілді.", "kk", []),
        ("Балдар Оштогу реабилитация борборуна жеткирилди.", "ky", []),
        ("Bolalar Samarqanddagi reabilitatsiya markaziga joylashtirildi.", "uz", []),
        # a capitalised name after the place keeps the organization
        ("Жиынға Астанадағы Назарбаев университеті студенттері қатысты.", "kk",
         ["Астанадағы Назарбаев университеті"]),
    ],
)
def test_a_places_unnamed_centre_or_office_is_no_organization(text: str, lang: str, orgs: list[str]) -> None:
    assert [surface for surfaces in _named(text, lang, "ORG").values() for surface in surfaces] == orgs


@pytest.mark.parametrize(
    ("text", "lang", "org"),
    [
        # a list of the body's fields, comma and 'and' inside the name; the sentence's object opens the line
        ("Долбоорду Эмгек, социалдык камсыздоо жана миграция министрлиги каржылайт.", "ky",
         "Эмгек, социалдык камсыздоо жана миграция министрлиги"),
        ("Loyihani Iqtisodiyot, moliya va soliq vazirligi moliyalashtiradi.", "uz", "Iqtisodiyot, moliya va soliq vazirligi"),
    ],
)
def test_a_comma_list_of_fields_stays_inside_the_organizations_name(text: str, lang: str, org: str) -> None:
    assert [surface for surfaces in _named(text, lang, "ORG").values() for surface in surfaces] == [org]


def test_a_surname_in_capitals_is_shown_in_title_case() -> None:
    text = "Марат ЖЫЛАНБАЕВ | 12.05.2021\n\nАлматыда жиын өтті. Марат Жыланбаев жиынды ашты."
    persons = [e for e in extract_entities("t", text, "kk") if e.entity_type == "PERSON"]
    assert {e.canonical_name for e in persons} == {"Marat Zhylanbayev"}
    assert len(persons) == 2  # the byline and the body's mention are one person
