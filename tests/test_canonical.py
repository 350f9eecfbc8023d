"""Canonical names and ids: countries, transliteration, persons, organizations, operations, places."""

from __future__ import annotations

import pytest

from etl.entities.canonical import (
    canonical_operation,
    canonical_org,
    canonical_place,
    country_code,
    person_key,
)
from etl.entities.transliteration import transliterate_to_latin


@pytest.mark.parametrize(
    ("name", "lang", "expected"),
    [
        # names in the five languages (CLDR / ISO 3166)
        ("Kazakhstan", "en", "KZ"),
        ("Казахстан", "ru", "KZ"),
        ("Қазақстан", "kk", "KZ"),
        ("Казакстан", "ky", "KZ"),
        ("Qozogʻiston", "uz", "KZ"),
        ("Кыргызстан", "ky", "KG"),
        ("Киргизия", "ru", "KG"),
        ("Oʻzbekiston", "uz", "UZ"),
        ("Ўзбекистон", "uz", "UZ"),
        ("Türkiye", "en", "TR"),
        ("Turkey", "en", "TR"),
        ("Syrian Arab Republic", "en", "SY"),
        ("Republic of Kazakhstan", "en", "KZ"),
        ("Соединённые Штаты Америки", "ru", "US"),
        # abbreviations
        ("США", "ru", "US"),
        ("АҚШ", "kk", "US"),
        ("АКШ", "ky", "US"),
        ("U.S.", "en", "US"),
        ("РК", "ru", "KZ"),
        ("KAZ", None, "KZ"),
        # case forms
        ("Кыргызстана", "ru", "KG"),
        ("Сирии", "ru", "SY"),
        ("Сирией", "ru", "SY"),
        ("Ираке", "ru", "IQ"),
        ("Турции", "ru", "TR"),
        ("Кыргызской Республики", "ru", "KG"),
        ("Соединенных Штатов", "ru", "US"),
        ("Қазақстанға", "kk", "KZ"),
        ("Қазақстан Республикасының", "kk", "KZ"),
        ("Ауғанстаннан", "kk", "AF"),
        ("Кыргызстанга", "ky", "KG"),
        ("Сириядагы", "ky", "SY"),
        ("Suriyadan", "uz", "SY"),
        ("Iroqdagi", "uz", "IQ"),
        ("Kazakhstan’s", "en", "KZ"),
        # demonyms and adjectives
        ("Kazakh", "en", "KZ"),
        ("Kazakhstani", "en", "KZ"),
        ("Syrian", "en", "SY"),
        ("Iraqi", "en", "IQ"),
        ("American", "en", "US"),
        ("Afghan", "en", "AF"),
        ("Chinese", "en", "CN"),
        ("Nigerian", "en", "NG"),
        ("казахстанский", "ru", "KZ"),
        ("сирийской", "ru", "SY"),
        ("американских", "ru", "US"),
        ("турецкий", "ru", "TR"),
        ("российских", "ru", "RU"),
        ("немецкий", "ru", "DE"),
        ("қазақстандық", "kk", "KZ"),
        ("сириялық", "kk", "SY"),
        ("кыргызстандыктар", "ky", "KG"),
        ("amerikalik", "uz", "US"),
        # common words and unknowns
        ("того", "ru", None),
        ("Того", "ru", None),
        ("us", "en", None),
        ("Geneva", "en", None),
        ("", None, None),
        ("the ministry", "en", None),
    ],
)
def test_country_code(name: str, lang: str | None, expected: str | None) -> None:
    assert country_code(name, lang) == expected


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("Ержан Ашикбаев", "ru", "Yerzhan Ashikbayev"),
        ("Жұсан", "kk", "Zhusan"),
        ("Қасым-Жомарт Тоқаев", "kk", "Kasym-Zhomart Tokayev"),
        ("Мээрим", "ky", "Meerim"),
        ("Айкөл", "ky", "Aykol"),
        ("Меҳр", "uz", "Mehr"),
        ("Ўзбекистон", "uz", "Oʻzbekiston"),
        ("ЖУСАН", "ru", "ZHUSAN"),
        ("Щучинск", "ru", "Shchuchinsk"),
        ("Kazinform 2024", "en", "Kazinform 2024"),
    ],
)
def test_transliterate_to_latin(text: str, lang: str, expected: str) -> None:
    assert transliterate_to_latin(text, lang) == expected


@pytest.mark.parametrize(
    "variants",
    [
        [("Ержан Ашикбаев", "ru"), ("Yerzhan Ashikbayev", "en"), ("Erzhan Ashikbaev", "en"), ("Ержан Ашикбаев", "kk")],
        [("Ашикбаев", "ru"), ("Ашикбаева", "ru"), ("Ашикбаеву", "ru"), ("Ашикбаевым", "ru"), ("Ashikbaev", "en"),
         ("Ashikbayev", "en"), ("Е. Ашикбаев", "ru"), ("Ашикбаевтың", "kk"), ("Ашикбаевдин", "ky")],
        [("Алуа Надиркулова", "ru"), ("Alua Nadirkulova", "en")],
        [("Шавкат Мирзиёев", "uz"), ("Shavkat Mirziyoyev", "uz"), ("Шавкат Миромонович Мирзиёев", "ru")],
        [("Қасым-Жомарт Тоқаев", "kk"), ("Касым-Жомарт Токаев", "ru"), ("Kassym-Jomart Tokayev", "en")],
        [("Садыр Жапаров", "ru"), ("Sadyr Japarov", "en"), ("Sadyr Zhaparov", "en")],
    ],
)
def test_person_key_shared_by_variants(variants: list[tuple[str, str]]) -> None:
    keys = {person_key(name, lang) for name, lang in variants}
    assert len(keys) == 1 and keys != {""}


@pytest.mark.parametrize(
    ("a", "b"),
    [("Ержан Ашикбаев", "Ержан Казыханов"), ("Садыр Жапаров", "Акылбек Жапаров"), ("Alua Nadirkulova", "Khalid Koser")],
)
def test_person_key_tells_people_apart(a: str, b: str) -> None:
    assert person_key(a) != person_key(b)


@pytest.mark.parametrize(
    ("name", "lang", "expected_id"),
    [
        ("UNICEF", "en", "unicef"),
        ("ЮНИСЕФ", "ru", "unicef"),
        ("Детского фонда ООН", "ru", "unicef"),
        ("UNHCR", "en", "unhcr"),
        ("УВКБ ООН", "ru", "unhcr"),
        ("ООН", "ru", "un"),
        ("БҰҰ", "kk", "un"),
        ("BMT", "uz", "un"),
        ("Организации Объединённых Наций", "ru", "un"),
        ("МОМ", "ru", "iom"),
        ("International Organization for Migration", "en", "iom"),
        ("МККК", "ru", "icrc"),
        ("Евросоюза", "ru", "eu"),
        ("Европейского союза", "ru", "eu"),
        ("Еуропалық Одақ", "kk", "eu"),
        ("Конгресса США", "ru", "us-congress"),
        ("GCERF", "en", "gcerf"),
        ("МИД РК", "ru", "mfa-kz"),
        ("Kazakh MFA", "en", "mfa-kz"),
        ("Ministry of Foreign Affairs of the Republic of Kazakhstan", "en", "mfa-kz"),
        ("Министерства иностранных дел Республики Казахстан", "ru", "mfa-kz"),
        ("Қазақстан Республикасының Сыртқы істер министрлігі", "kk", "mfa-kz"),
        ("ҚР СІМ", "kk", "mfa-kz"),
        ("Кыргыз Республикасынын Тышкы иштер министрлиги", "ky", "mfa-kg"),
        ("Oʻzbekiston Respublikasi Tashqi ishlar vazirligi", "uz", "mfa-uz"),
        ("Совет безопасности Кыргызской Республики", "ru", "security-council-kg"),
        ("правительства США", "ru", "government-us"),
        ("Постоянного представительства Казахстана при Отделении ООН", "ru", "permanent-mission-kz"),
        ("Permanent Mission of Kazakhstan to the UNOG", "en", "permanent-mission-kz"),
    ],
)
def test_canonical_org(name: str, lang: str, expected_id: str) -> None:
    found = canonical_org(name, lang)
    assert found is not None and found[1] == expected_id


@pytest.mark.parametrize(
    "name",
    ["Ministry of Health of Kazakhstan", "UN Women", "Правительство", "Центр лучших практик", "Kazakhstan", ""],
)
def test_canonical_org_unknown(name: str) -> None:
    assert canonical_org(name) is None


def test_canonical_org_name_is_english_and_qualified() -> None:
    assert canonical_org("МИД РК", "ru") == ("Ministry of Foreign Affairs of Kazakhstan", "mfa-kz")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Жусан", "Zhusan"), ("Жұсан", "Zhusan"), ("Zhusan", "Zhusan"), ("операции «Жусан»", "Zhusan"),
        ("Мээрим", "Meerim"), ("Мейірім", "Meerim"), ("Айкол", "Aikol"), ("Айкөл", "Aikol"),
        ("Мехр", "Mehr"), ("Меҳр", "Mehr"), ("Mehr-3", "Mehr"), ("Русафа", "Rusafa"),
        ("Буря в пустыне", None), ("", None),
    ],
)
def test_canonical_operation(name: str, expected: str | None) -> None:
    assert canonical_operation(name) == expected


@pytest.mark.parametrize(
    ("name", "expected_id"),
    [
        ("Аль-Холь", "loc:al-hol"), ("al-Hol", "loc:al-hol"), ("Әл-Хол", "loc:al-hol"), ("Roj", "loc:roj"),
        ("Женеве", "loc:geneva"), ("Нью-Йорке", "loc:new-york"), ("Алматы", "loc:almaty"), ("Almaty", "loc:almaty"),
        ("Дамаск", "loc:damascus"), ("Бишкеке", "loc:bishkek"), ("Central Asia", "loc:central-asia"),
        ("Центральной Азии", "loc:central-asia"), ("Орталық Азия", "loc:central-asia"),
    ],
)
def test_canonical_place(name: str, expected_id: str) -> None:
    found = canonical_place(name)
    assert found is not None and found[1] == expected_id
