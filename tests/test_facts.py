"""Counted facts: number reading, subjects, qualifiers, breakdowns, totals, attribution, seeds against gold."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from razdel import sentenize

from etl.facts.extract import (
    FACT_COLUMNS,
    REPATRIATION_COLUMNS,
    consistency_checks,
    extract_facts,
    facts_frame,
    repatriations_frame,
)
from etl.facts.lexicon import (
    GENITIVE_BEFORE_RE,
    GENITIVE_BEFORE_WORDS,
    QUALIFIER_PHRASE_WORDS,
    QUALIFIERS,
    QUALIFIERS_BEFORE,
    SUBJECTS,
    last_words_start,
)
from etl.facts.numbers import find_numbers, parse_number_words
from etl.facts.reading import sentence_spans

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
GOLD = json.loads((SHARED / "acceptance" / "seeds_gold.json").read_text(encoding="utf-8"))
# gold names one subject outside the contract's set
GOLD_SUBJECT = {"ethnic_groups": "other"}


def _entity(doc_id: str, body: str, kind: str, text: str, canonical_id: str | None = None,
            canonical_name: str | None = None, after: str = "") -> dict:
    start = body.index(text, body.index(after) if after else 0)
    return {"entity_id": f"{doc_id}:{start}", "doc_id": doc_id, "entity_type": kind, "text": text, "start": start,
            "end": start + len(text), "canonical_name": canonical_name or text, "canonical_id": canonical_id,
            "confidence": 1.0, "extractor": "hand"}


# --- numbers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("words, lang, value", [
    (["шести"], "ru", 6),
    (["двух"], "ru", 2),
    (["трёх"], "ru", 3),
    (["пятисот"], "ru", 500),
    (["семистах", "двадцати", "пяти"], "ru", 725),
    (["две", "тысячи", "триста"], "ru", 2300),
    (["полторы", "тысячи"], "ru", 1500),
    (["two", "hundred"], "en", 200),
    (["two", "hundred", "and", "fifty"], "en", 250),
    (["twenty-five"], "en", 25),
    (["алты"], "kk", 6),
    (["бір", "мың", "алты", "жүз"], "kk", 1600),
    (["жүз"], "kk", 100),
    (["он", "бес"], "kk", 15),
    (["эки", "жүз", "элүү"], "ky", 250),
    (["олти"], "uz", 6),
    (["olti"], "uz", 6),
    (["ikki", "yuz"], "uz", 200),
    (["to‘qqiz"], "uz", 9),
    (["dozens"], "en", None),
    (["five", "two"], "en", None),
])
def test_parse_number_words(words, lang, value):
    assert parse_number_words(words, lang) == value


@pytest.mark.parametrize("text, lang, expected", [
    ("более 1,6 тысячи детей", "ru", [("1,6 тысячи", 1600)]),
    ("1 600 детей и 1,600 children and 1.600 people", "en", [("1 600", 1600), ("1,600", 1600), ("1.600", 1600)]),
    ("2 млн человек, 10 тыс. человек", "ru", [("2 млн", 2_000_000), ("10 тыс.", 10_000)]),
    ("1.6 thousand children", "en", [("1.6 thousand", 1600)]),
    ("20 миллионнан астам адам", "kk", [("20 миллионнан", 20_000_000)]),
    ("700-ден астам адам, 100дөн ашык", "kk", [("700-ден", 700), ("100дөн", 100)]),
    ("10-15 детей", "ru", [("10-15", 15)]),
    ("57th session, 57-ой сессии, 5-летний, 2024-2025 годах", "ru", []),
    ("21.09.2016 в 10:30, тел. +7 (7172) 72-07-07, 50% и 2,5", "ru", []),
    ("тысячи жизней и тысячам детей, thousands of people", "ru", []),
    ("свыше тысячи людей", "ru", [("тысячи", 1000)]),
    ("one of them, бір әйел", "kk", []),
])
def test_find_numbers(text, lang, expected):
    assert [(text[s.start:s.end], s.value) for s in find_numbers(text, lang)] == expected



def test_a_word_reads_as_a_number_only_in_the_languages_that_have_it():
    """Number words are looked up once per (word, languages) and remembered: Kazakh "он" (ten) is Russian "он"
    (he), so the order in which texts come must not carry one language's reading into another's."""
    readings = [(lang, [(s.value, s.kind) for s in find_numbers(text, lang)])
                for text, lang in [("он адам келді", "kk"), ("он пришёл один", "ru"), ("он бала", "kk"),
                                   ("бир он эки", "ru")]]
    assert readings == [("kk", [(10, "words")]), ("ru", []), ("kk", [(10, "words")]), ("ru", [])]

# --- sentences -------------------------------------------------------------------------------------------

def _razdel_spans(body: str) -> list[tuple[int, int]]:
    spans, line_start = [], 0
    for line in body.split("\n"):
        if line.strip():
            spans += [(line_start + s.start, line_start + s.stop) for s in sentenize(line)]
        line_start += len(line) + 1
    return spans


_SENTENCE_ALPHABET = st.sampled_from(
    list("абвгдеАБВГДabcdeABCDE0123456789 \u00a0\n") + list(".!?…;\"'»”’)]}«“‘([-–—:=")
    + ["т. е. ", "г. ", "А. ", "им. ", "1. ", "а) ", "(1) ", ":) ", "Mr. ", "т.д. ", "» ", "«Жусан». ", "т. ч. "])


@pytest.mark.parametrize("body", [
    "Из них 145 женщин. Всего 460 человек!\n\n«Жусан» — операция. А. С. Пушкин (г. Алматы) т. е. 5 детей.",
    "The U.S. said so. Mr. Smith agreed; 1. First item. 2) Second.\n   \nLast line ",
    "Бүгін 12 адам оралды... Тағы 5 бала? Иә: «жоқ» - деді.",
])
def test_sentence_spans_are_razdels(body: str) -> None:
    assert sentence_spans(body) == _razdel_spans(body)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SENTENCE_ALPHABET, max_size=80).map("".join))
def test_any_text_splits_into_razdels_sentences(body: str) -> None:
    """`sentence_spans` judges only the delimiters razdel could split at: its sentences stay razdel's."""
    assert sentence_spans(body) == _razdel_spans(body)


_LEFT_CONTEXT_WORDS = st.sampled_from(
    ["более", "чем", "не", "менее", "по", "меньшей", "мере", "more", "than", "at", "least", "up", "to", "аз", "12",
     "зиёд", "балалардың", "ularning", "жаңы", "of", "(около", "over,", "'over", "Свыше", "İ", "Σ", "ё", "до"])


_LEFT_CONTEXT_ENDINGS = st.sampled_from(
    ["более чем", "не менее чем", "по меньшей мере", "no fewer than", "in all over", "аз 12 зиёд", "as many as",
     "балалардың жаңы", "ularning", "Балалардың", "up to", "до", ""])
_SPACES = st.sampled_from([" ", "  ", "\u00a0", "\t", ""])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_LEFT_CONTEXT_WORDS, _SPACES), max_size=8), _LEFT_CONTEXT_ENDINGS, _SPACES)
def test_end_anchored_searches_over_the_last_words_find_what_whole_searches_find(parts, ending, trailing) -> None:
    """A qualifier or genitive before a number is looked for in the last words it can span only: same answer."""
    left = "".join(word + space for word, space in parts) + ending + trailing
    for pattern, words in [*((pattern, QUALIFIER_PHRASE_WORDS) for _, pattern in QUALIFIERS_BEFORE),
                           (GENITIVE_BEFORE_RE, GENITIVE_BEFORE_WORDS)]:
        for text in (left, left.lower()):
            whole, bounded = pattern.search(text), pattern.search(text, last_words_start(text, words))
            assert (whole and whole.span(), whole and whole.groups()) == (bounded and bounded.span(),
                                                                          bounded and bounded.groups())


# --- one sentence, one fact ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, text, expected", [
    # en
    ("en", "Representatives of more than 130 countries took part.", [("130", 130, "countries", "more_than")]),
    ("en", "It restored the rights of over 700 women and children returned from Syria.",
     [("700", 700, "women_and_children", "more_than")]),
    ("en", "Nearly two hundred Kazakh citizens were evacuated.", [("two hundred", 200, "persons", "less_than")]),
    ("en", "At least 35 orphans returned home in three stages.",
     [("35", 35, "orphans", "at_least"), ("three", 3, "stages", "exact")]),
    ("en", "Some 600 returnee children attend school.", [("600", 600, "children", "about")]),
    ("en", "Up to 40 families may be brought back.", [("40", 40, "families", "less_than")]),
    ("en", "Fewer than 10 men remain in the camp.", [("10", 10, "men", "less_than")]),
    ("en", "The number of returnees reached 600.", [("600", 600, "persons", "exact")]),
    ("en", "In 2019 children were returned within the 57th session, 25 years of independence, 1951 Convention.", []),
    ("en", "Article 5 applies to the 5-year-old boy; call +7 (7172) 72-07-07; 50% of them; in the XX century.", []),
    ("en", "More than 20 million people watched it.", [("20 million", 20_000_000, "persons", "more_than")]),
    ("en", "It restored the rights of 2000 children.", [("2000", 2000, "children", "exact")]),
    # ru
    ("ru", "Тогда 81 ребенок, являющийся гражданином Кыргызстана, был возвращен из Ирака.",
     [("81", 81, "children", "exact")]),
    ("ru", "В рамках шести этапов операции «Айкол».", [("шести", 6, "stages", "exact")]),
    ("ru", "Около двухсот женщин и детей вернулись на родину.", [("двухсот", 200, "women_and_children", "about")]),
    ("ru", "Почти 50 семей получили жилье.", [("50", 50, "families", "less_than")]),
    ("ru", "Не менее 30 детей-сирот возвращены.", [("30", 30, "orphans", "at_least")]),
    ("ru", "Из Ирака доставлены трое детей, еще пятерых граждан эвакуировали.",
     [("трое", 3, "children", "exact"), ("пятерых", 5, "persons", "exact")]),
    ("ru", "Представители 120 государств-членов ООН на 57-ой сессии.", [("120", 120, "countries", "exact")]),
    ("ru", "Число жертв выросло до 832 человек.", [("832", 832, "persons", "exact")]),
    ("ru", "Дети в возрасте до 5 лет, с 1 января 2008 граждане России, в 2021 году.", []),
    ("ru", "Свыше тысячи людей погибли.", [("тысячи", 1000, "persons", "more_than")]),
    # kk
    ("kk", "Сириядан 600-ден астам адам елге оралды.", [("600-ден", 600, "persons", "more_than")]),
    ("kk", "Шамамен алты жүз әйел мен бала қайтарылды.", [("алты жүз", 600, "women_and_children", "about")]),
    ("kk", "Кемінде 30 жетім бала бес кезеңде қайтарылды.",
     [("30", 30, "orphans", "at_least"), ("бес", 5, "stages", "exact")]),
    ("kk", "130-дан астам мемлекеттің өкілдері қатысты.", [("130-дан", 130, "countries", "more_than")]),
    ("kk", "Он мыңдаған адам үйлерінен кетті, 44 жастағы әйел.", []),
    # ky
    ("ky", "Ирактан 79 бала мекенине кайтарылды.", [("79", 79, "children", "exact")]),
    ("ky", "1000ден ашык киши каза болду.", [("1000ден", 1000, "persons", "more_than")]),
    ("ky", "460 адамдан ашык жаран кайтарылды.", [("460", 460, "persons", "more_than")]),
    ("ky", "Болжол менен эки жүз аял жана бала.", [("эки жүз", 200, "women_and_children", "about")]),
    ("ky", "32 жашар киши камакка алынды.", []),
    # uz
    ("uz", "Suriyadan 531 nafar fuqaro vataniga qaytarildi.", [("531", 531, "persons", "exact")]),
    ("uz", "300 dan ortiq ayol va bola qaytarildi.", [("300", 300, "women_and_children", "more_than")]),
    ("uz", "Qariyb yuz oila, olti bosqich.", [("yuz", 100, "families", "about"), ("olti", 6, "stages", "exact")]),
    ("uz", "Kamida 20 nafar yetim bola.", [("20", 20, "orphans", "at_least")]),
    ("uz", "«Меҳр» операцияси доирасида 98 нафар аёл ва бола қайтарилди.",
     [("98", 98, "women_and_children", "exact")]),
    ("uz", "32 yoshli erkak, 2019 yilda.", []),
    # a figure passed, a Tajik "close to", Tajik "аз" (from) after a noun, a Turkic "аз" (less) after an ablative
    ("en", "The number of children returned from Iraq has exceeded 300.", [("300", 300, "children", "more_than")]),
    ("ru", "Число вернувшихся граждан к концу года превысило 300.", [("300", 300, "persons", "more_than")]),
    ("tg", "Дар урдугоҳҳо наздик ба 50 кӯдак боқӣ мондаанд.", [("50", 50, "children", "about")]),
    ("tg", "35 кӯдак аз Ироқ ба Ватан баргардонида шуданд.", [("35", 35, "children", "exact")]),
    ("kk", "Лагерьде 100 адамнан аз қалды.", [("100", 100, "persons", "less_than")]),
    # "N of them" after a genitive or an ablative noun; "more than N of them"; full orphans; aircraft
    ("uz", "Ularning 7 nafari to'liq yetim.", [("7", 7, "orphans", "exact")]),
    ("uz", "Iroqdan qaytarilgan 90 ta boladan 60 nafari maktabga bordi.",
     [("90", 90, "children", "exact"), ("60", 60, "children", "exact")]),
    ("uz", "Ulardan 80 nafardan ziyodi bolalar.", [("80", 80, "children", "more_than")]),
    ("ky", "Мекенине эки учак менен 120 адам кайтарылды.", [("эки", 2, "other", "exact"), ("120", 120, "persons", "exact")]),
    # a predicate after a dash or a copula: "60ы – балдар" (60 of them are children), "бала – жетим" (orphans)
    ("ky", "Алардын 60ы – балдар, 12 бала – жетим.", [("60ы", 60, "children", "exact"), ("12", 12, "orphans", "exact")]),
    ("en", "Officials said 12 of the children were orphans.", [("12", 12, "orphans", "exact")]),
    # the Tajik enclitic "and": "зану кӯдак" (women and children), "мардону занон" (men and women)
    ("tg", "Аз Ироқ 50 нафар зану кӯдак баргардонида шуданд.", [("50", 50, "women_and_children", "exact")]),
    ("tg", "Ба Ватан 30 мардону занон баргаштанд.", [("30", 30, "persons", "exact")]),
])
def test_extract_one_sentence(lang, text, expected):
    facts = extract_facts("doc", text, lang)
    assert [(text[f.start:f.end], f.value, f.subject, f.qualifier) for f in facts] == expected


# --- breakdowns, totals, consistency ---------------------------------------------------------------------

SEED_004_PARAGRAPH = (
    "Тогда 81 ребенок, являющийся гражданином Кыргызстана, был возвращен из Ирака.\n\n"
    "С 2022 по 2024 год в рамках шести этапов операции «Айкол» в Кыргызстан были возвращены 460 человек из "
    "лагерей в Сирии (145 женщин и 315 детей), дополнительно из Сирии и Турции в 2024-2025 годах были возвращены "
    "еще 10 женщин и детей. Всего был репатриирован 551 человек."
)


def _by_value(facts):
    return {f.value: f for f in facts}


def test_breakdown_and_total_are_consistent():
    facts = _by_value(extract_facts("d", SEED_004_PARAGRAPH, "ru"))
    assert facts[145].parent_fact_id == facts[460].fact_id == facts[315].parent_fact_id
    assert {facts[v].consistency for v in (81, 460, 145, 315, 10, 551)} == {"ok"}
    assert facts[6].consistency == "n/a" and facts[6].parent_fact_id is None


@pytest.mark.parametrize("text, expected", [
    ("Вернули 460 человек в рамках 6 этапов (145 женщин и 315 детей).", {145: 460, 315: 460, 6: None}),
    ("Вернули 460 человек. Из них 145 женщин и 315 детей.", {145: 460, 315: 460}),
    ("Returned were 754 citizens, including 524 children and 3 camps.", {524: 754, 3: None}),
    ("Вернули 460 человек. Вернули 30 детей (из 5 лагерей).", {30: None, 5: None}),
    ("Вернули 460 человек, оның ішінде 400 бала.", {400: 460}),
    ("Kazakhstan hosted 30 countries: 145 women attended.", {145: None}),
])
def test_breakdown_parents(text, expected):
    facts = _by_value(extract_facts("d", text, None))
    value_of = {f.fact_id: f.value for f in facts.values()}
    assert {v: value_of.get(facts[v].parent_fact_id) for v in expected} == expected


@pytest.mark.parametrize("text, expected", [
    # parts larger than the whole
    ("Вернули 460 человек (245 женщин и 315 детей).", {460: "mismatch", 245: "mismatch", 315: "mismatch"}),
    # "more than" lets the parts add up to more
    ("Вернули более 460 человек (245 женщин и 315 детей).", {460: "ok", 245: "ok", 315: "ok"}),
    ("Returned were 754 citizens, including 524 children and 187 women.", {754: "ok", 524: "ok", 187: "ok"}),
    ("Из Сирии вывезены 595 граждан. Из них 406 детей.", {595: "ok", 406: "ok"}),
    ("Бардыгы 460 адам кайтарылды: 145 аял жана 315 бала.", {460: "ok", 145: "ok", 315: "ok"}),
    ("Some 600 people, of whom 400 were children, were brought back.", {600: "ok", 400: "ok"}),
    ("2019 жылы 231 адам қайтарылды. 2021 жылы 111 адам қайтарылды. Барлығы 342 адам елге оралды.",
     {231: "ok", 111: "ok", 342: "ok"}),
    ("In 2019, 231 people were returned. In 2021, 111 more were returned. In total, 400 people were returned.",
     {231: "n/a", 400: "n/a"}),
    ("531 nafar fuqaro qaytarildi, shundan 367 nafari bolalar.", {531: "ok", 367: "ok"}),
    # a total that does not add up, and a total with nothing to add up
    ("В марте вернули 81 ребенка. В мае вернули 460 человек. Всего было возвращено 600 человек.",
     {81: "mismatch", 460: "mismatch", 600: "mismatch"}),
    ("In total, 600 people were returned.", {600: "n/a"}),
    # a larger non-exact figure before the list ends it
    ("Более 1600 детей репатриированы. Вернули 100 детей. Затем вернули 50 детей. Всего вернули 150 детей.",
     {1600: "n/a", 100: "ok", 50: "ok", 150: "ok"}),
])
def test_consistency(text, expected):
    facts = _by_value(extract_facts("d", text, None))
    assert {v: facts[v].consistency for v in expected} == expected


def test_consistency_checks_rederived_from_table_match_extraction(tmp_path):
    docs = pd.DataFrame([{"doc_id": "a", "body": SEED_004_PARAGRAPH, "lang": "ru"},
                         {"doc_id": "b", "body": "Вернули 460 человек (245 женщин и 315 детей).", "lang": "ru"}])
    frame = facts_frame(docs, pd.DataFrame())
    frame.to_parquet(tmp_path / "facts.parquet")
    checks = consistency_checks(pd.read_parquet(tmp_path / "facts.parquet"))
    summary = sorted((c["kind"], c["expected"], c["observed"], c["success"]) for c in checks)
    assert summary == [("breakdown", 460, 460, True), ("breakdown", 460, 560, False), ("total", 551, 551, True)]
    by_id = frame.set_index("fact_id")["consistency"]
    for check in checks:
        assert by_id[check["fact_id"]] == ("ok" if check["success"] else "mismatch")


# --- attribution -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, value, years", [
    ("С 2022 по 2024 год были возвращены 460 человек.", 460, (2022, 2024)),
    ("В 2024-2025 годах были возвращены еще 10 женщин и детей.", 10, (2024, 2025)),
    ("In 2019, 231 people were returned.", 231, (2019, 2019)),
    ("Since 2019 more than 700 people have returned.", 700, (2019, None)),
    ("С 2019 года более 1,6 тысячи детей репатриированы.", 1600, (2019, None)),
    ("2019-2021 жылдары 720 азамат қайтарылды.", 720, (2019, 2021)),
    ("2019 yildan beri 531 nafar fuqaro qaytarildi.", 531, (2019, None)),
    ("Тогда 81 ребенок был возвращен.", 81, (None, None)),
])
def test_years_from_the_sentence(text, value, years):
    fact = _by_value(extract_facts("d", text, None))[value]
    assert (fact.year_from, fact.year_to) == years


def test_years_prefer_the_clause_of_the_number():
    facts = _by_value(extract_facts("d", SEED_004_PARAGRAPH, "ru"))
    assert (facts[460].year_from, facts[460].year_to) == (2022, 2024)
    assert (facts[10].year_from, facts[10].year_to) == (2024, 2025)
    assert (facts[145].year_from, facts[145].year_to) == (2022, 2024)


def test_country_and_operation_from_entities():
    body = SEED_004_PARAGRAPH
    entities = pd.DataFrame([
        _entity("d", body, "LOC", "Кыргызстана", "KG"), _entity("d", body, "LOC", "Ирака", "IQ"),
        _entity("d", body, "OPERATION", "Айкол", canonical_name="Aikol"),
        _entity("d", body, "LOC", "Кыргызстан", "KG", after="Айкол"),
        _entity("d", body, "LOC", "Сирии", "SY", after="Айкол"),
        _entity("d", body, "LOC", "Турции", "TR"),
    ])
    facts = _by_value(extract_facts("d", body, "ru", entities))
    # the Central Asian destination wins over the origin in the same sentence
    assert facts[81].country == "KG"
    assert facts[460].country == "KG" and facts[460].operation == "Aikol"
    assert facts[145].country == "KG"  # inherited by the breakdown part
    assert facts[10].country == "KG"  # the clause names only SY/TR, the sentence names KG
    # the sentence names no country: the paragraph is about Kyrgyzstan's returns, so the total is Kyrgyzstan's
    assert facts[551].country == "KG" and facts[551].operation is None



def test_facts_frame_gives_each_document_its_own_entities():
    """The entities of a shard come interleaved, with odd rows (no offsets, an operation known only by its text):
    each document's figures take its own countries and operations, exactly as one document read alone."""
    kz_body = "Казахстан вернул из Сирии 40 детей в ходе операции «Жусан»."
    uz_body = "Узбекистан вернул из Ирака 25 женщин в ходе операции «Мехр»."
    entities = pd.DataFrame([
        _entity("uz", uz_body, "LOC", "Узбекистан", "UZ"), _entity("kz", kz_body, "LOC", "Казахстан", "KZ"),
        _entity("kz", kz_body, "OPERATION", "Жусан", canonical_name="Jusan"),
        {**_entity("uz", uz_body, "OPERATION", "Мехр"), "canonical_name": None},
        {**_entity("kz", kz_body, "LOC", "Сирии", "SY"), "start": None},
        _entity("uz", uz_body, "LOC", "Ирака", "IQ"), _entity("other", "Турция", "LOC", "Турция", "TR"),
        # a headline's operation: its offsets point into the title, though here they fall on the body's figure
        {**_entity("kz", kz_body, "OPERATION", "40", canonical_name="Mehr"), "in_title": True},
    ]).astype({"start": "Int64", "end": "Int64", "in_title": "boolean"})
    docs = pd.DataFrame([{"doc_id": "kz", "body": kz_body, "lang": "ru"}, {"doc_id": "uz", "body": uz_body,
                                                                          "lang": "ru"}])
    frame = facts_frame(docs, entities)
    assert list(zip(frame["doc_id"], frame["value"], frame["country"], frame["operation"])) == [
        ("kz", 40, "KZ", "Jusan"), ("uz", 25, "UZ", "Мехр")]
    for doc_id, body in (("kz", kz_body), ("uz", uz_body)):
        alone = extract_facts(doc_id, body, "ru", entities[entities["doc_id"] == doc_id])
        assert [(f.country, f.operation) for f in alone] == [
            (country, operation) for country, operation in
            zip(frame.loc[frame["doc_id"] == doc_id, "country"], frame.loc[frame["doc_id"] == doc_id, "operation"])]

def test_people_are_never_of_the_conflict_zone_they_left():
    """Issue 14: "from Syria 595 citizens" was SY. People counted take a non-conflict country of their sentence,
    else the document's home country (the Central Asian country it names most), else none."""
    body = "Из Сирии вывезены 40 детей."
    entities = pd.DataFrame([_entity("d", body, "LOC", "Сирии", "SY")])
    assert extract_facts("d", body, "ru", entities)[0].country is None
    body = ("Узбекистан продолжает операцию «Мехр». Из Ирака вывезены 40 детей. Узбекистан примет их в Ташкенте, "
            "сообщил МИД. Казахстан ранее сделал то же.")
    entities = pd.DataFrame([_entity("d", body, "LOC", "Узбекистан", "UZ"), _entity("d", body, "LOC", "Ирака", "IQ"),
                             _entity("d", body, "LOC", "Узбекистан", "UZ", after="Ирака"),
                             _entity("d", body, "LOC", "Казахстан", "KZ")])
    assert extract_facts("d", body, "ru", entities)[0].country == "UZ"
    body = "Russia took 30 children from camps in Syria back to Moscow."
    entities = pd.DataFrame([_entity("d", body, "LOC", "Russia", "RU"), _entity("d", body, "LOC", "Syria", "SY")])
    assert extract_facts("d", body, "en", entities)[0].country == "RU"


def test_people_counted_take_the_one_operation_the_document_names():
    """Issue 14: the operation named once, before the figures ("«Меҳр-3» операцияси: ..."), is theirs; with two
    operations named, a figure whose sentence names neither takes none."""
    body = "Операция «Айкол» продолжается. Из Ирака вернули 20 детей. Их разместят в Бишкеке."
    entities = pd.DataFrame([_entity("d", body, "OPERATION", "Айкол", canonical_name="Aikol")])
    assert [(f.value, f.operation) for f in extract_facts("d", body, "ru", entities)] == [(20, "Aikol")]
    body = "Операции «Айкол» и «Мээрим» продолжаются. Из Ирака вернули 20 детей."
    entities = pd.DataFrame([_entity("d", body, "OPERATION", "Айкол", canonical_name="Aikol"),
                             _entity("d", body, "OPERATION", "Мээрим", canonical_name="Meerim")])
    assert [(f.value, f.operation) for f in extract_facts("d", body, "ru", entities)] == [(20, None)]


@pytest.mark.parametrize(("body", "lang"), [
    ("Kazakhstan brought back more citizens. Since 2019 more than 500 women and children have been repatriated to "
     "Central Asia. Kazakhstan leads.", "en"),
    ("Қазақстан азаматтарын қайтарды. 2019 жылдан бері Орталық Азияға 500-ден астам бала қайтарылды. "
     "Қазақстан үлгі болды.", "kk"),
])
def test_a_regional_figure_takes_no_home_country(body: str, lang: str) -> None:
    """A figure for the whole region is not the document's home country's (issue 14's fallback stops there)."""
    entities = pd.DataFrame([_entity("d", body, "LOC", "Kazakhstan" if lang == "en" else "Қазақстан", "KZ")])
    [fact] = [f for f in extract_facts("d", body, lang, entities) if f.value == 500]
    assert fact.country is None


def test_a_count_of_countries_keeps_no_home_country():
    body = "Uzbekistan and Kazakhstan spoke at a meeting of 26 countries in Geneva. Uzbekistan hosted it."
    entities = pd.DataFrame([_entity("d", body, "LOC", "Uzbekistan", "UZ"), _entity("d", body, "LOC", "Kazakhstan", "KZ"),
                             _entity("d", body, "LOC", "Uzbekistan", "UZ", after="Geneva")])
    assert [(f.value, f.country) for f in extract_facts("d", body, "en", entities)] == [(26, None)]


# --- tables ----------------------------------------------------------------------------------------------

def test_facts_frame_types_and_offsets():
    docs = pd.DataFrame([{"doc_id": "a", "body": SEED_004_PARAGRAPH, "lang": "ru"},
                         {"doc_id": "b", "body": "", "lang": None},
                         {"doc_id": "c", "body": "No figures here.", "lang": "en"}])
    frame = facts_frame(docs, pd.DataFrame(columns=["doc_id"]))
    assert list(frame.columns) == FACT_COLUMNS
    assert str(frame["value"].dtype) == "int64" and str(frame["start"].dtype) == "int64"
    assert str(frame["year_from"].dtype) == "Int64" and str(frame["year_to"].dtype) == "Int64"
    assert set(frame["doc_id"]) == {"a"} and frame["fact_id"].is_unique
    for row in frame.itertuples():
        assert row.evidence in SEED_004_PARAGRAPH and SEED_004_PARAGRAPH[row.start:row.end] in row.evidence
    assert set(frame["subject"]) <= set(SUBJECTS) and set(frame["qualifier"]) <= set(QUALIFIERS)
    empty = facts_frame(docs.iloc[1:], pd.DataFrame())
    assert list(empty.columns) == FACT_COLUMNS and len(empty) == 0


def test_fact_ids_are_stable():
    first = [f.fact_id for f in extract_facts("a", SEED_004_PARAGRAPH, "ru")]
    assert first == [f.fact_id for f in extract_facts("a", SEED_004_PARAGRAPH, "ru")]
    assert set(first).isdisjoint(f.fact_id for f in extract_facts("b", SEED_004_PARAGRAPH, "ru"))


@pytest.mark.parametrize("body, lang", [
    ("Delegations from 12 countries met in Tashkent to discuss the camps in north-east Syria.", "en"),
    ("Тажрыйба алмашууга 7 өлкөнүн өкүлдөрү катышты.", "ky"),
    ("Без единой цифры о людях: заседание прошло в Душанбе.", "ru"),
])
def test_repatriations_frame_of_documents_without_people_figures_is_empty(body, lang):
    docs = pd.DataFrame([{"doc_id": "a", "body": body, "lang": lang}])
    documents = pd.DataFrame([{"doc_id": "a", "title": "T", "source_agency": None, "published_date": None,
                               "lang": lang}])
    out = repatriations_frame(facts_frame(docs, pd.DataFrame()), documents)
    assert list(out.columns) == REPATRIATION_COLUMNS and out.empty


def test_repatriations_frame_keeps_people_returned():
    body = SEED_004_PARAGRAPH + "\nВ конференции участвовали 30 стран. В лагерях остаются 200 детей."
    docs = pd.DataFrame([{"doc_id": "a", "body": body, "lang": "ru"}])
    documents = pd.DataFrame([{"doc_id": "a", "title": "T", "source_agency": "24.kg",
                               "published_date": pd.Timestamp("2025-01-02").date(), "lang": "ru"}])
    out = repatriations_frame(facts_frame(docs, pd.DataFrame()), documents)
    assert list(out.columns) == REPATRIATION_COLUMNS
    assert sorted(out["value"]) == [10, 81, 145, 315, 460, 551]
    assert sorted(out.loc[out["parent_fact_id"].isna(), "value"]) == [10, 81, 460, 551]
    assert sorted(out.loc[out["parent_fact_id"].isna() & ~out["is_total"], "value"]) == [10, 81, 460]
    assert set(out["source_agency"]) == {"24.kg"} and set(out["title"]) == {"T"}


# --- seeds against the gold file -------------------------------------------------------------------------

def _seed_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for gold in GOLD:
        body = (SEEDS / gold["file"]).read_text(encoding="utf-8")
        rows.append({"doc_id": gold["file"][:3], "source_path": gold["file"], "body": body, "lang": gold["lang"],
                     "title": gold["title"]})
    docs = pd.DataFrame(rows)
    return docs, facts_frame(docs, pd.DataFrame())


def test_seed_counts_match_gold_subjects_and_breakdowns():
    _, facts = _seed_frames()
    for gold in GOLD:
        mine = facts[facts["doc_id"] == gold["file"][:3]]
        by_value = {int(r.value): r for r in mine.itertuples()}
        assert set(by_value) == {c["value"] for c in gold["counts"]}, gold["file"]
        for count in gold["counts"]:
            fact = by_value[count["value"]]
            assert fact.subject == GOLD_SUBJECT.get(count["what"], count["what"]), count
            assert fact.qualifier == count["qualifier"], count
            parent = mine.loc[mine["fact_id"] == fact.parent_fact_id, "value"].tolist()
            assert parent == ([count["part_of"]] if "part_of" in count else []), count
        if gold.get("consistency"):
            assert set(mine.loc[mine["value"].isin([81, 460, 145, 315, 10, 551]), "consistency"]) == {"ok"}


def test_seed_scores_with_acceptance_scorer(tmp_path):
    docs, facts = _seed_frames()
    (tmp_path / "documents").mkdir()
    (tmp_path / "facts").mkdir()
    docs.drop(columns=["body"]).to_parquet(tmp_path / "documents" / "part-0.parquet")
    facts.to_parquet(tmp_path / "facts" / "part-0.parquet")
    result = subprocess.run([sys.executable, str(SHARED / "acceptance" / "score.py"), str(tmp_path),
                             str(SHARED / "acceptance" / "seeds_gold.json"), "--json"],
                            capture_output=True, text=True, check=False)
    report = json.loads(result.stdout.splitlines()[0])
    assert report["counts"]["f1"] >= 0.95 and report["counts_q"]["f1"] >= 0.95, report


# --- robustness ------------------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("0123456789 ,.-–()%:\n") + list("абвгдеёжзийклмнопрстуфхцчшщыьэюя")
                            + list("әғқңөұүһі") + list("abcdefghijklmnopqrstuvwxyz'ʻ")
                            + ["более ", "тысячи ", "детей ", " и ", "женщин ", "children ", "more than ", "всего ",
                               "(", ")", "из них ", "адам ", "астам ", "nafar ", "bola ", "шести ", "2019 "])


@settings(max_examples=150, deadline=None)
@given(st.lists(_ALPHABET, max_size=60).map("".join), st.sampled_from(["ru", "en", "kk", "ky", "uz", None]))
def test_any_text_gives_well_formed_facts(body, lang):
    facts = extract_facts("h", body, lang)
    for f in facts:
        assert 0 <= f.start < f.end <= len(body) and f.value > 0
        assert f.subject in SUBJECTS and f.qualifier in QUALIFIERS and f.consistency in ("ok", "mismatch", "n/a")
        assert body[f.start:f.end] in f.evidence and f.evidence in body


@pytest.mark.parametrize("sentence", [
    "Currently, participants in this process are the 9 countries in the region (Central Asia, Turkey, Afghanistan).",
    "Более 80 стран мира, включая Казахстан, столкнулись с проблемой.",
])
def test_a_count_of_countries_is_not_tied_to_one_country(sentence: str) -> None:
    countries = [(m.start(), m.end(), code) for code, word in (("TR", "Turkey"), ("KZ", "Казахстан"))
                 for m in [re.search(word, sentence)] if m]
    entities = pd.DataFrame([{"entity_id": code, "doc_id": "d", "entity_type": "LOC", "text": sentence[s:e],
                              "start": s, "end": e, "canonical_name": code, "canonical_id": code,
                              "confidence": 1.0, "extractor": "test"} for s, e, code in countries])
    facts = extract_facts("d", sentence, None, entities)
    assert [f.subject for f in facts] == ["countries"]
    assert facts[0].country is None


# --- realistic Turkic, Russian and English count forms -----------------------------------------------------

@pytest.mark.parametrize("text, lang, expected", [
    # Kazakh/Kyrgyz possessive numbers: "N of them" with the noun after or a genitive noun before
    ("Олардың 12-сі ұл, 9-ы қыз бала.", "kk", {(12, "exact"), (9, "exact")}),
    ("Алардын 25и эркек, 40ы аял.", "ky", {(25, "exact"), (40, "exact")}),
    ("Әйелдердің 50-ден астамы жұмысқа орналасты.", "kk", {(50, "more_than")}),
    ("Балдардын 70ке жакыны мектепке кабыл алынды.", "ky", {(70, "about")}),
    # "ер адам" = men
    ("Ұшақпен 9 ер адам және 14 әйел келді.", "kk", {(9, "exact"), (14, "exact")}),
    # demonyms as the counted noun
    ("Түркиядан 45 кыргызстандык үйүнө кайтты.", "ky", {(45, "exact")}),
    ("Ирактан 120-ға жуық қазақстандық оралды.", "kk", {(120, "about")}),
    ("Afg'onistondan 60 nafar o'zbekistonlik qaytdi.", "uz", {(60, "exact")}),
    # professions, and modifiers between number and noun
    ("Орталықта 15 психолог пен 8 дәрігер жұмыс істейді.", "kk", {(15, "exact"), (8, "exact")}),
    ("Шаарда алты жаңы мугалим иштей баштады.", "ky", {(6, "exact")}),
    ("Loyihada yigirma nafar o'qituvchi qatnashdi.", "uz", {(20, "exact")}),
    ("В центре работают 12 психологов и 5 педагогов.", "ru", {(12, "exact"), (5, "exact")}),
    # a country name between "nafar" and a possessive people noun
    ("Suriyadan 41 nafar Qozog'iston fuqarosi olib kelindi.", "uz", {(41, "exact")}),
    # "of its" between the number and the noun
    ("The ministry evacuated more than 250 of its nationals from Sudan.", "en", {(250, "more_than")}),
    # a dash instead of the copula after "из них"
    ("Вернулись 120 человек. Из них около 80 — дети.", "ru", {(120, "exact"), (80, "about")}),
])
def test_realistic_count_forms(text: str, lang: str, expected: set[tuple[int, str]]) -> None:
    assert {(f.value, f.qualifier) for f in extract_facts("d", text, lang)} == expected


@pytest.mark.parametrize("text, lang", [
    ("Наурыздың 15-і күні жиналыс өтті.", "kk"),        # a date in Kazakh: "the 15th of March"
    ("Операцияның 3-кезеңі сәуірде өтті.", "kk"),        # an ordinal
    ("Балдардын жашы 4 жаштан 12 жашка чейин.", "ky"),   # ages
    ("\"Mehr-4\" operatsiyasi yakunlandi.", "uz"),       # an operation name
])
def test_realistic_non_counts(text: str, lang: str) -> None:
    assert extract_facts("d", text, lang) == []


def test_possessive_dash_breakdown_part_points_to_whole() -> None:
    facts = extract_facts("d", "Из Сирии вернули 300 граждан, из них свыше 200 — дети.", "ru")
    whole = next(f for f in facts if f.value == 300)
    part = next(f for f in facts if f.value == 200)
    assert part.parent_fact_id == whole.fact_id and part.qualifier == "more_than"
