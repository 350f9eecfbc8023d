"""Fields: date lines and publisher credits in forms that tests/data/fresh revealed, checked here on other texts
(other outlets, languages and page layouts) so that each fix holds by kind, not for one page. The date lines that
must parse (a byline with a date, one bar beside a counter) are in test_fields_credits.py with the other meta lines;
here are the lines that must not."""

from __future__ import annotations

import pytest

from etl.fields.agency import extract_source_agency
from etl.fields.extract import extract_fields

PARAGRAPH = ("Министрлик маълумотига кўра, бугун Ироқдан 42 нафар аёл ва бола юртимизга олиб келинди ва улар "
             "реабилитация марказига жойлаштирилди.")


# --------------------------------------------------------------------------- dates


def test_a_sentence_with_a_bar_and_a_date_is_no_dateline():
    text = f"Сарлавҳа шу ерда турибди\n\nthe group came back on 14.02.2022 | more soon\n\n{PARAGRAPH}\n"
    assert extract_fields(text, "en").published_date is None


def test_a_byline_that_gives_the_date_stays_in_the_body_for_its_author():
    fields = extract_fields(f"Сарлавҳа шу ерда турибди\n\nBy Bruce Pannier on March 4, 2021\n\n{PARAGRAPH}\n", "en")
    assert (fields.published_date.isoformat(), "By Bruce Pannier" in fields.body) == ("2021-03-04", True)


def test_a_byline_label_does_not_turn_an_event_date_in_a_sentence_into_a_dateline():
    text = ("Сарлавҳа шу ерда турибди\n\nBy the end of 2019 the government had brought back 156 citizens from "
            f"Syria on 30 May 2019.\n\n{PARAGRAPH}\n")
    assert extract_fields(text, "en").published_date is None


# --------------------------------------------------------------------------- agency


@pytest.mark.parametrize("text, expected", [
    # a quoted name with a descriptor after it, the year before or after the name
    (f"{PARAGRAPH}\n\n© 2018 «Вечерний Бишкек» газетасы", "Вечерний Бишкек"),
    (f"{PARAGRAPH}\n\n© «Tengrinews.kz», 2020. Все права защищены.", "Tengrinews.kz"),
    (f"{PARAGRAPH}\n\n© Kaktus.media 2022. Бардык укуктар корголгон.", "Kaktus.media"),
    (f"{PARAGRAPH}\n\nCopyright © \"Gazeta.uz\" 2019-2023", "Gazeta.uz"),
])
def test_a_copyright_notice_in_other_forms_names_the_publisher(text, expected):
    assert extract_source_agency(text) == expected


def test_a_copyright_sign_on_a_photo_is_still_no_publisher():
    assert extract_source_agency(f"{PARAGRAPH}\n\nСурат: © Reuters / Ahmed Jadallah\n\n{PARAGRAPH}") is None


@pytest.mark.parametrize("text, expected", [
    # Kazakh, Kyrgyz and Uzbek put the cited source before "сілтеме жасап" / "шилтеме берип" / "tayanib": the outlet
    # after the cue publishes
    ("Ішкі істер министрлігіне сілтеме жасап Kazinform хабарлады.", "Kazinform"),
    ("Бул тууралуу Саламаттык сактоо министрлигине шилтеме берип Акипресс маалымдады.", "Акипресс"),
    ("IIV matbuot xizmatiga tayanib Gazeta.uz xabar berdi.", "Gazeta.uz"),
    # the outlet cited by a Turkic cue is no publisher; the one the cue leads to is
    ("Бұл туралы Sputnik агенттігіне сілтеме жасап Baq.kz хабарлады.", "Baq.kz"),
    ("Kun.uz saytiga tayanib xabar qilindi.", None),
    # Russian cites the outlet after the cue
    ("Дети вернулись, сообщает пресс-служба МИД со ссылкой на Kazinform.", None),
])
def test_turkic_citing_cues_name_the_source_before_them(text, expected):
    assert extract_source_agency(text) == expected


@pytest.mark.parametrize("text, expected", [
    # a slash dateline whose date has no full stop, with or without an agency-kind word inside the slashes
    ("Бишкек, 5 марта /Кабар/. Кыргызстан вернул из Ирака 79 детей.", "Кабар"),
    ("ДУШАНБЕ, 14 апреля /ИА «Авеста»/. Тоҷикистон 84 кӯдакро баргардонд.", "Авеста"),
    ("ХУҶАНД, 03.10.2023 /АМИТ «Ховар»/. Аз Ироқ 40 кӯдак баргардонида шуд.", "Ховар"),
    # a city, the agency, a full stop
    ("Бишкек, Knews. Кыргызстандын 59 баласы Сириядан кайтарылды.", "Knews"),
    ("Astana, Tengrinews.kz. Kazakhstan brought home 40 citizens from Syria.", "Tengrinews.kz"),
])
def test_other_dateline_forms_credit_their_agency(text, expected):
    assert extract_source_agency(text) == expected


def test_a_sentence_naming_a_city_and_outlets_is_no_dateline():
    assert extract_source_agency("Москва, Reuters и AFP в тот день сообщили о возвращении детей.") is None


@pytest.mark.parametrize("text, expected", [
    # Tajik past-tense cues
    ("Дар ин бора «Азия-Плюс» хабар дод.", "Азия-Плюс"),
    ("Ин хабарро «Ховар» иттилоъ дод.", "Ховар"),
    # "prepared from X's publication", "по материалам X": the whole report comes from X
    ("Мақола «Дунё» АА нашри асосида тайёрланди.", "Дунё"),
    ("Подготовлено по материалам Kun.uz.", "Kun.uz"),
    # an outlet-kind noun between the name and the cue
    ("Бул тууралуу Азаттык радиосу кабарлады.", "Азаттык"),
    ("Bu haqda Daryo sayti xabar berdi.", "Daryo"),
    # an outlet the agency list lacks, quoted and followed by an outlet-kind noun or after a source label
    ("Бу ҳақда «Халқ сўзи» газетаси нашри хабар берди.", "Халқ сўзи"),
    ("Бұл туралы «Ана тілі» газеті хабарлады.", "Ана тілі"),
    (f"{PARAGRAPH}\n\nИсточник: «Азаттык Азия»", "Азаттык Азия"),
    (f"{PARAGRAPH}\n\nМанбаъ: «Фараж»", "Фараж"),
    # a dateline with a title-case city, a date and the agency in brackets
    ("Душанбе, 5.03.2021 (АМИТ «Ховар»). Аз Ироқ 40 кӯдак баргардонида шуд.", "Ховар"),
])
def test_more_credit_forms_name_the_publisher(text, expected):
    assert extract_source_agency(text) == expected


@pytest.mark.parametrize("text", [
    # a quoted name with an outlet noun but no cue, and an operation's name, are no credit
    "Журналисты «Ана тілі» газеті мен басқа басылымдардың өкілдері әуежайда болды.",
    "«Жусан» операциясы аясында 24 азамат елге оралды, деп хабарлады министрлік.",
    # a source label before a press service stays no publisher
    f"{PARAGRAPH}\n\nИсточник: пресс-служба МИД",
])
def test_quoted_names_without_a_credit_are_no_publisher(text):
    assert extract_source_agency(text) is None


@pytest.mark.parametrize("text, expected", [
    # an interview the outlet held is its report
    ("Как рассказал в интервью Vlast.kz представитель МИД, в лагерях остаются 40 граждан.", "Vlast.kz"),
    ("The deputy minister said in an interview with Eurasianet that 40 citizens were still in Syria.", "Eurasianet"),
    # one outlet cited twice is still that outlet
    ("According to Kazinform, 40 people returned. The minister later told Kazinform that more would follow.",
     "Kazinform"),
    # two outlets cited for a quote and a figure are sources, not the publisher
    ("According to Reuters, 40 people returned. The minister told AFP that more would follow.", None),
    ("По данным ТАСС, вернулись 40 человек. Министр в интервью РИА Новости сказал, что это не последний рейс.", None),
])
def test_a_weak_credit_names_the_publisher_only_when_one_outlet_has_it(text, expected):
    assert extract_source_agency(text) == expected
