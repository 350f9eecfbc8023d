"""Fields: where a page puts its date and its publisher, and what only looks like a credit. Texts written for
these tests (pages of other outlets than the devset's)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.fields.extract import extract_fields

PARAGRAPH = ("Министрлик маълумотига кўра, бугун Ироқдан 42 нафар аёл ва бола юртимизга олиб келинди ва улар "
             "реабилитация марказига жойлаштирилди.")


def test_a_date_stamp_under_a_page_of_menus_is_the_published_date():
    menus = "\n".join(["Bosh sahifa", "Yangiliklar", "Jamiyat", "Sport", "Toshkent", "Bomdod", "05:12",
                       "Peshin", "12:31", "Asr", "16:02", "Shom", "18:20"])
    text = f"Iroqdan 42 nafar ayol va bola qaytarildi\n{menus}\n14.11.2022   915   2 min.\n{PARAGRAPH}\n"
    assert extract_fields(text, "uz").published_date == dt.date(2022, 11, 14)


def test_a_date_below_the_first_sentences_is_not_the_published_date():
    lines = "\n".join(["Қысқа сөйлем."] * 8)
    assert extract_fields(f"Тақырып мұнда тұр\n{lines}\n14.11.2022\n", "kk").published_date is None


@pytest.mark.parametrize("lang, line, expected", [
    ("ky", "Коом , Жаңылыктар | 3 марта 2021 | 1204 | 2", dt.date(2021, 3, 3)),
    ("ru", "Политика | 17.06.2020 | 355 просмотров", dt.date(2020, 6, 17)),
    # one bar, a counter with a lower-case or apostrophe label beside the date
    ("uz", "14.02.2022 | Ko'rishlar: 845", dt.date(2022, 2, 14)),
    ("ky", "05.03.2021 | көрүүлөр: 1 024", dt.date(2021, 3, 5)),
    ("ru", "17 июня 2020 | просмотров 355", dt.date(2020, 6, 17)),
    # a byline: the author's name, a few words, the date
    ("en", "By Bruce Pannier on March 4, 2021", dt.date(2021, 3, 4)),
    ("en", "by Joanna Lillis, 2020-11-12 08:40", dt.date(2020, 11, 12)),
    ("ru", "Автор: Дина Аманова, 12.03.2020", dt.date(2020, 3, 12)),
    ("uz", "Muallif: Dilnoza Rahimova | 2022-yil 14-fevral", dt.date(2022, 2, 14)),
])
def test_a_meta_or_byline_line_gives_its_date(lang, line, expected):
    text = f"Заголовок новости о возвращении граждан\n{line}\n{PARAGRAPH}\n"
    assert extract_fields(text, lang).published_date == expected


def test_a_site_name_in_the_masthead_is_no_credit():
    text = f"Сарлавҳа шу ерда\n\nKun.uz\n\n{PARAGRAPH}\n\nЯна бир хат бошида кўп сўзлар бор ва улар ҳақида гап.\n"
    assert extract_fields(text, "uz").source_agency is None


def test_a_site_name_signing_off_the_article_is_its_credit():
    text = f"Сарлавҳа шу ерда\n\n{PARAGRAPH}\n\n{PARAGRAPH}\n\nKun.uz\n"
    assert extract_fields(text, "uz").source_agency == "Kun.uz"


def test_an_agency_credited_a_few_words_before_its_cue():
    text = ("Тақырып\n\nTengrinews.kz ақпарат агенттігі Сыртқы істер министрлігінің баспасөз қызметіне сілтеме "
            "жасап хабарлағандай, Сириядан 40 азамат елге оралды.\n")
    assert extract_fields(text, "kk").source_agency == "Tengrinews.kz"  # as the text writes it


def test_an_agency_before_a_kazakh_according_to():
    text = "Тақырып\n\nБүгін әуежайда жиын өтті. Kazinform хабарлауынша, 40 азамат елге оралды.\n"
    assert extract_fields(text, "kk").source_agency == "Kazinform"


def test_a_photo_caption_near_the_top_credits_the_photo_not_the_article():
    text = ("Kazakhstan brings home 40 citizens\n\nWomen and children arrive at the airport in Aktau, May 7, 2019. "
            "— Reuters\n\n" + "The government said the group had been in camps in Syria for two years. " * 6 + "\n")
    assert extract_fields(text, "en").source_agency is None


@pytest.mark.parametrize("written, canonical", [
    ("ҚАЗАҚПАРАТ", "Kazinform"), ("KAZINFORM", "Kazinform"), ("Tengrinews.kz", "Tengrinews"), ("Кабар", "Kabar"),
    ("Саясат.kg", "Саясат.kg"),
])
def test_an_agency_as_written_has_one_canonical_name_for_comparisons(written, canonical):
    from etl.fields.agency import canonical_agency

    assert canonical_agency(written) == canonical
