"""Counted facts: numbers that count people or things, with subject, qualifier, breakdowns and totals.

A number is a fact only when a countable noun follows it ("460 человек", "шести этапов", "700-ден астам
адам", "more than 130 countries"); years, dates, ordinals, ages, durations, money and percentages never
have one, so they drop out. Rules, in order:

- qualifier: the phrase right before the number ("более", "more than", "около", "кемінде", "qariyb"), else
  a Turkic postposition right after it ("700-ден астам", "700 dan ortiq", "100гө жакын"). "up to", "до",
  "nearly", "почти" mean at most: less_than. Kazakh/Kyrgyz/Uzbek "жуық/жакын/yaqin" (close to): about.
- subject: the counted noun, after at most three modifiers (adjectives, participles, "nafar"); in English
  the last of two nouns is the head ("returnee children"); "women and children" -> women_and_children.
- breakdown: facts inside "(...)" right after a fact, or after "из них / including / of whom / оның
  ішінде / shundan / :" are parts of the nearest earlier fact whose subject can contain them.
- total: a fact marked "всего / in total / барлығы / jami ..." is checked against the earlier top-level
  facts of the same kind (people returned or not) within six sentences, walking back and stopping at a
  non-exact or larger figure; the nearest run of at least two that adds up is taken, else all of them.
- country: the Central Asian country (KZ KG UZ TJ TM: the destination of a return) nearest to the number
  in its clause, then in its sentence, then any country in the clause, then in the sentence. Operation:
  nearest OPERATION entity in the clause, then the sentence. Years: the year expression of the clause
  ("С 2022 по 2024", "in 2019", "since 2019" -> year_to null), then the nearest in the sentence.
  Breakdown parts without their own take the parent's.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import astuple, dataclass, fields, replace
from typing import Sequence

import pandas as pd
import pyarrow as pa

from etl.facts.numbers import (
    APOSTROPHES,
    TURKIC_POSSESSIVE_SUFFIX,
    NumberSpan,
    find_numbers,
    mask_non_counts,
    normalize_word,
)

log = logging.getLogger(__name__)

FACT_COLUMNS = ["fact_id", "doc_id", "value", "subject", "qualifier", "country", "operation", "year_from",
                "year_to", "parent_fact_id", "consistency", "evidence", "start", "end", "extractor"]
REPATRIATION_COLUMNS = ["fact_id", "doc_id", "country", "operation", "year_from", "year_to", "subject",
                        "qualifier", "value", "parent_fact_id", "is_total", "title", "source_agency", "published_date",
                        "lang"]
FACT_COLUMN_DOCS = {
    "fact_id": "stable id: hash of (doc_id, start, end, value)",
    "doc_id": "document (join documents.doc_id)",
    "value": "the counted figure as an integer (\"1,6 тысячи\" -> 1600, \"шести\" -> 6)",
    "subject": "what is counted: persons, women, children, women_and_children, men, orphans, countries, families, "
               "stages, other",
    "qualifier": "exact, more_than, about, at_least or less_than (\"up to\", \"почти\" = less_than: at most)",
    "country": "ISO alpha-2 of the country the sentence ties to the figure (Central Asian destination first)",
    "operation": "canonical name of the operation named in the same sentence",
    "year_from": "first year the sentence gives for the figure",
    "year_to": "last year; null for \"since 2019\" and when no year is given",
    "parent_fact_id": "the whole this figure is a part of (\"460 человек (145 женщин и 315 детей)\")",
    "consistency": "ok / mismatch when a breakdown or a stated total was checked, else n/a",
    "evidence": "the sentence holding the number, as in the body",
    "start": "offset of the number in documents.body",
    "end": "offset after the number; body[start:end] is the number as written",
    "extractor": "rule:digits, rule:words (+ :noun_before when the noun precedes the number)",
}
SUBJECTS = ("persons", "women", "children", "women_and_children", "men", "orphans", "countries", "families",
            "stages", "other")
QUALIFIERS = ("exact", "more_than", "about", "at_least", "less_than")
PEOPLE = frozenset({"persons", "women", "children", "women_and_children", "men", "orphans", "families"})
CENTRAL_ASIA = frozenset({"KZ", "KG", "UZ", "TJ", "TM"})
# which subjects a breakdown part or a summand may have, by the subject of the whole
PART_SUBJECTS: dict[str, frozenset[str]] = {
    "persons": frozenset({"persons", "women", "children", "men", "orphans", "women_and_children"}),
    "women_and_children": frozenset({"women", "children", "orphans", "women_and_children"}),
    "children": frozenset({"children", "orphans"}),
    "women": frozenset({"women"}),
    "men": frozenset({"men"}),
    "orphans": frozenset({"orphans"}),
    "families": frozenset({"families"}),
    "countries": frozenset({"countries"}),
    "stages": frozenset({"stages"}),
}


@dataclass(frozen=True)
class Fact:
    """One counted figure of one document; `body[start:end]` is the number as written."""

    fact_id: str
    doc_id: str
    value: int
    subject: str
    qualifier: str
    country: str | None
    operation: str | None
    year_from: int | None
    year_to: int | None
    parent_fact_id: str | None
    consistency: str
    evidence: str
    start: int
    end: int
    extractor: str


# --- lexicon ---------------------------------------------------------------------------------------------

_TURKIC_SUFFIX = (
    "лар|лер|дар|дер|тар|тер|лор|лөр|дор|дөр|тор|төр|ның|нің|дың|дің|тың|тің|нын|нин|дын|дин|тын|тин|нун|нүн|дун|"
    "дүн|тун|түн|ға|ге|қа|ке|га|го|гө|ка|ко|кө|на|не|нө|но|ны|ні|ды|ді|ты|ті|ну|нү|ду|дү|ту|тү|да|де|та|те|до|дө|"
    "то|тө|нда|нде|дан|ден|тан|тен|нан|нен|дон|дөн|тон|төн|нон|нөн|мен|бен|пен|менен|ымыз|іміз|мыз|міз|сы|сі|"
    "су|сү|си|ы|і|у|ү|и|а|е|н|ң|нинг|ни|ларга|лари|lar|ler|ning|ni|ga|ka|qa|da|ta|dan|imiz|miz|si|i|ng"
)


def _turkic(*stems: str) -> str:
    return "(?:" + "|".join(stems) + f")(?:{_TURKIC_SUFFIX}){{0,3}}"


# (subject, fullmatch pattern over a lower-cased word with ё -> е); first match wins
_NOUN_PATTERNS: list[tuple[str, str]] = [
    ("orphans", r"сирот(?:а|ы|е|у|ой|ам|ами|ах)?|детей-сирот|дети-сироты|orphans?|" + _turkic("жетім", "жетим", "етим", "yetim")),
    ("women_and_children", r"women-and-children"),
    ("children", r"дет(?:и|ей|ям|ьми|ях)|ребен(?:ок|ка|ку|ком|ке)|несовершеннолетн(?:ий|их|им|ими|его|ему|ие|юю|яя)|"
                 r"подрост(?:ок|ка|ков|кам|ками|ках|ки)|младен(?:ец|ца|цев|цам|цами|цах|цы)|малолетн(?:их|ие|им)|"
                 r"мальчи(?:к|ка|ков|кам|ками|ках|ки)|девоч(?:ка|ки|ек|кам|ками|ках|ку)|"
                 r"child|children|kids?|minors?|boys?|girls?|teenagers?|adolescents?|infants?|bab(?:y|ies)|"
                 r"juveniles?|youngsters?|" + _turkic("бала", "сәби", "жасөспірім", "өспүрүм", "перзент", "бола", "ўсмир",
                                                       "гўдак", "фарзанд", "bola", "o'smir", "go'dak", "farzand",
                                                       # boys and girls: "8-і ұл, 6-сы қыз", "o'g'il bola"
                                                       "ұл", "уул", "o'g'il", "ўғил", "қыз", "кыз", "qiz", "қиз")),
    ("women", r"женщин(?:а|ы|е|у|ой|ам|ами|ах)?|жен(?:а|ы|ам|ами|ах)?|матер(?:и|ей|ям|ями|ях)|мать|"
              r"вдов(?:а|ы|ам|ами|ах)?|wom[ae]n|wi(?:fe|ves)|mothers?|widows?|"
              + _turkic("әйел", "аял", "аёл", "хотин", "ayol", "xotin")),
    ("men", r"мужчин(?:а|ы|е|у|ой|ам|ами|ах)?|m[ae]n|" + _turkic("эркек", "эркак", "erkak", "ер")),
    ("families", r"сем(?:ей|ьи|ьям|ьями|ьях|ья)|famil(?:y|ies)|households?|"
                 + _turkic("отбасы", "үй-бүлө", "оила", "oila")),
    ("stages", r"этап(?:а|ов|ам|ами|ах|ы|е)?|фаз(?:а|ы|у|ам|ами|ах)?|волн(?:а|ы|у|ам|ами|ах)?|stages?|phases?|"
               r"waves?|" + _turkic("кезең", "этап", "баскыч", "босқич", "bosqich", "etap")),
    ("countries", r"стран(?:а|ы|е|у|ой|ам|ами|ах)?|государств(?:о|а|у|ом|е|ам|ами|ах)?|countr(?:y|ies)|states?|"
                  r"nations|" + _turkic("ел", "мемлекет", "мамлекет", "өлкө", "давлат", "мамлакат", "davlat",
                                         "mamlakat")),
    ("persons", r"человек(?:а|у|ом)?|люд(?:и|ей|ям|ьми|ях)|лиц(?:а|о|ам|ами|ах)?|"
                r"граждан(?:ин|ина|ину|ином|ине|е|ам|ами|ах|ка|ки|ок)?|соотечественни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"(?:казахстан|кыргызстан|киргизстан|узбекистан|таджикистан)(?:ец|ца|цев|цам|цами|цах|цы|ок|ки)|"
                r"жител(?:ь|я|ей|ям|ями|ях|и)|беженц(?:а|ев|ам|ами|ах|ы)|беженец|мигрант(?:а|ов|ам|ами|ах|ы)?|"
                r"репатриант(?:а|ов|ам|ами|ах|ы|ок|ки)?|возвращен(?:ец|цев|ца|цам|цами|цах|цы)|"
                r"боевик(?:а|ов|ам|ами|ах|и)?|террорист(?:а|ов|ам|ами|ах|ы)?|"
                r"(?:заключенн|осужденн|задержанн|пленн)(?:ый|ых|ым|ыми|ые|ого)|участни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"член(?:а|ов|ам|ами|ах|ы)?|кандас(?:а|ов|ам|ы)?|оралман(?:а|ов|ам|ы)?|"
                r"people|persons?|individuals?|citizens?|nationals?|returnees?|repatriates?|residents?|refugees?|"
                r"migrants?|fighters?|militants?|terrorists?|detainees?|prisoners?|inmates?|members|relatives?|"
                r"compatriots?|(?:kazakhstani|kyrgyzstani|uzbekistani|tajikistani)s|participants?|adults?|"
                r"survivors?|evacuees?|civilians?|victims?|passengers?|experts?|specialists?|students?|viewers?|"
                r"жертв(?:а|ы|у|ой|ам|ами|ах)?|пассажир(?:а|ов|ам|ами|ах|ы)?|эксперт(?:а|ов|ам|ами|ах|ы)?|"
                r"специалист(?:а|ов|ам|ами|ах|ы)?|студент(?:а|ов|ам|ами|ах|ы)?|зрител(?:ь|я|ей|ям|ями|ях|и)|"
                r"волонтер(?:а|ов|ам|ами|ах|ы)?|сотрудни(?:к|ка|ков|кам|ками|ках|ки)|"
                r"(?:психолог|педагог|врач|учител|социальн\w+ работни)(?:а|ов|ам|ами|ах|ы|и|ей|ь|я|ям|ями|ях)?|"
                r"psychologists?|teachers?|doctors?|social workers?|volunteers?|staff|employees?|"
                # a demonym counts people: "98 кыргызстандык", "200 o'zbekistonlik", "30 қазақстандық әйел"
                r"(?:қазақстан|кыргызстан|қырғызстан|өзбекстан|тәжікстан|тажикстан|түркменстан)д[ыі]қ|"
                r"(?:казакстан|кыргызстан|өзбекстан|тажикстан|түркмөнстан)д[ыу]к|"
                r"(?:qozog'iston|qirg'iziston|o'zbekiston|tojikiston|turkmaniston)lik|"
                r"(?:қозоғистон|қирғизистон|ўзбекистон|тожикистон|туркманистон)лик|"
                + _turkic("психолог", "педагог", "маман", "адис", "мугалим", "мұғалім", "дәрігер", "доктур",
                          "қызметкер", "кызматкер", "волонтер", "ерікті", "мутахассис", "mutaxassis", "psixolog",
                          "pedagog", "o'qituvchi", "ўқитувчи", "shifokor", "шифокор", "xodim", "ходим", "ko'ngilli",
                          "кўнгилли") + "|"
                + _turkic("адам", "азамат", "кісі", "тұрғын", "қандас", "отандас", "жаран", "атуул", "киши", "тургун",
                          "мекендеш", "одам", "фуқаро", "шахс", "ватандош", "kishi", "odam", "fuqaro", "shaxs",
                          "vatandosh", "мүше", "мүчө", "a'zo", "аъзо", "жолаушы", "жүргүнчү", "yo'lovchi")),
    ("other", r"этнос(?:а|ов|ам|ами|ах|ы)?|этническ(?:их|ие)|национальност(?:ь|и|ей|ям|ями|ях)|"
              r"народност(?:ь|и|ей|ям|ями|ях)|лагер(?:ь|я|ей|ям|ями|ях|и)|организаци(?:я|и|й|ям|ями|ях|ю)|"
              r"операци(?:я|и|й|ям|ями|ях|ю)|мисси(?:я|и|й|ям|ями|ях|ю)|рейс(?:а|ов|ам|ами|ах|ы)?|"
              r"самолет(?:а|ов|ы)?|регион(?:а|ов|ам|ами|ах|ы)?|област(?:ь|и|ей|ям|ями|ях)|город(?:а|ов|ам|ами|ах)?|"
              r"центр(?:а|ов|ам|ами|ах|ы)?|школ(?:а|ы|у|ам|ами|ах)?|проект(?:а|ов|ам|ами|ах|ы)?|"
              r"программ(?:а|ы|у|ам|ами|ах)?|групп(?:а|ы|у|ам|ами|ах)?|делегаци(?:я|и|й|ям|ями|ях)|"
              r"учреждени(?:е|я|й|ям|ями|ях)|"
              r"groups?|ethnicit(?:y|ies)|nationalit(?:y|ies)|camps?|organi[sz]ations?|ngos|operations?|missions?|"
              r"flights?|planes?|aircraft|regions?|cities|city|cent(?:er|re)s?|schools?|projects?|programm?e?s?|"
              r"delegations?|institutions?|agenc(?:y|ies)|"
              + _turkic("ұлт", "этнос", "лагерь", "лагер", "ұйым", "улут", "уюм", "миллат", "ташкилот", "millat",
                        "lager", "tashkilot", "рейс", "reys", "мектеп", "maktab", "мактаб")),
]
_NOUNS = [(subject, re.compile(pattern.replace("ё", "е"))) for subject, pattern in _NOUN_PATTERNS]


def noun_subject(word: str) -> str | None:
    """Subject of a counted noun in any of the five languages ("детей" -> children), else None."""
    word = normalize_word(word)
    for subject, pattern in _NOUNS:
        if pattern.fullmatch(word):
            return subject
    if "-" in word:
        parts = [noun_subject(p) for p in word.split("-") if p]
        if "orphans" in parts:
            return "orphans"
        return parts[0] if parts else None
    return None


_EN_MODIFIERS = {
    "more", "additional", "other", "new", "young", "small", "foreign", "member", "kazakh", "uzbek", "kyrgyz",
    "tajik", "turkmen", "former", "local", "adult", "underage", "minor", "unaccompanied", "vulnerable", "female",
    "male", "ethnic", "repatriated", "returned", "further", "different", "european", "asian", "african",
}
_EN_ADJ = re.compile(r"[a-z]+(?:ian|an|ese|ish|ic|al|ed|ful|ous|ive|less|ble|ary|ory|i|ern)")
_RU_ADJ = re.compile(r"[а-я]+(?:ых|их|ые|ие|ый|ий|ой|ая|яя|ую|юю|ым|им|ыми|ими|ого|его|ому|ему)(?:ся)?")
_TURKIC_ADJ = re.compile(
    r"[^\W\d_']+(?:лық|лік|дық|дік|тық|тік|лык|лик|дык|дик|тык|тик|лук|лүк|дук|дүк|тук|түк|lik|ған|ген|қан|кен|"
    r"ган|гон|гөн|кон|көн|gan|kan|qan|даги|dagi|деги|дагы|сыз|сіз|siz|лган|lgan)"
)
# "беш жаңы социалдык кызматкер", "yana 12 nafar", "тағы 40 бала": new/other/more before the noun
_TURKIC_MODIFIERS = {"жаңа", "жаңы", "yangi", "янги", "басқа", "башка", "boshqa", "бошқа", "тағы", "дагы", "yana",
                     "яна", "кішкентай", "кичинекей", "kichik", "кичик"}
_MEASURE_WORDS = {"nafar", "нафар", "nafari", "нафари", "ta", "та", "tasi", "еще", "more"}
# "of whom 400 were children": a copula may stand between a breakdown part and its noun
_COPULAS = {"were", "are", "was", "is", "являются", "являлись", "были", "было"}
_CONJUNCTIONS = {"и", "and", "мен", "пен", "бен", "және", "жана", "менен", "va", "ва", "&"}
# a bare case ending written apart from the digits: "700 dan ortiq"
_DETACHED_SUFFIX = {"dan", "ga", "дан", "ден", "га", "ге", "нан", "нен"}


# an age or a duration follows the number: "32 yoshli erkak", "44 жастағы әйел", "5 years", "тens of thousands"
_BLOCKERS = re.compile(
    r"years?|year-old|aged|months?|days?|weeks?|hours?|лет|года?|летн\w*|месяц\w*|дн(?:я|ей)|недел\w*|"
    r"жас|жастағы|жаштагы|жашар|жаштан|жыл\w*|ай|yosh\w*|yashar|yil\w*|ёш\w*|яшар|йил\w*|"
    r"(?:мың|миң|жүз|он|ming|yuz|o'n|минг|юз|ўн)(?:даған|деген|доган|лаган|lab|лаб|lar)"
)


def _is_modifier(word: str) -> bool:
    lower = normalize_word(word)
    if lower in _EN_MODIFIERS or lower in _MEASURE_WORDS or lower in _TURKIC_MODIFIERS:
        return True
    if lower.endswith("i") and lower.isascii():
        return word[:1].isupper() and bool(_EN_ADJ.fullmatch(lower))  # "Iraqi", not Uzbek "-li"/"-si"
    return bool(_EN_ADJ.fullmatch(lower) or _RU_ADJ.fullmatch(lower) or _TURKIC_ADJ.fullmatch(lower))


# --- qualifiers ------------------------------------------------------------------------------------------

_PRE_QUALIFIERS: list[tuple[str, str]] = [
    ("more_than", r"более чем|больше чем|более|свыше|больше|сверх|more than|over|upwards of|in excess of|above|"
                  r"well over|just over|in all over"),
    ("at_least", r"не менее чем|не менее|не меньше чем|не меньше|как минимум|по меньшей мере|по крайней мере|минимум|"
                 r"at least|no fewer than|no less than|not less than|a minimum of|кемінде|кеминде|жок дегенде|"
                 r"kamida|камида|ең кемі"),
    ("less_than", r"менее чем|менее|меньше чем|меньше|не более чем|не более|не больше|почти|чуть меньше|максимум|до|"
                  r"less than|fewer than|under|up to|nearly|almost|no more than|not more than|at most|just under|"
                  r"as many as"),
    ("about", r"около|порядка|примерно|приблизительно|ориентировочно|где-то|about|around|approximately|roughly|"
              r"some|an estimated|estimated|close to|circa|approx\.?|шамамен|шамасы|болжол менен|болжолу|болжол|"
              r"qariyb|taxminan|тахминан|қарийб|тахминан"),
]
_PRE_RE = [(q, re.compile(rf"(?<![\w'])(?:{p})[\s\u00a0]*$")) for q, p in _PRE_QUALIFIERS]
_POST_QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(["астам", "артық", "көп", "ашык", "ашуун", "көбүрөөк", "ortiq", "ziyod", "ko'p", "ko'proq",
                     "ортиқ", "зиёд", "кўп", "кўпроқ"], "more_than"),
    **dict.fromkeys(["жуық", "жакын", "yaqin", "яқин", "шамасында"], "about"),
    **dict.fromkeys(["кем", "аз", "kam", "кам", "az", "дейін", "шейін", "чейин", "gacha", "гача"], "less_than"),
}
# the same postpositions with a possessive ending: "балалардың 30-дан астамы" (more than 30 of the children)
_POSSESSIVE_POST_QUALIFIERS: dict[str, str] = {
    **dict.fromkeys(["астамы", "артығы", "ашыгы", "ашууну", "ortig'i", "ortiqi", "ziyodi", "ортиғи", "зиёди"],
                    "more_than"),
    **dict.fromkeys(["жуығы", "жакыны", "yaqini", "яқини"], "about"),
}
_POSSESSIVE_NUMBER_RE = re.compile(rf"\d[-‐‑]?(?:{TURKIC_POSSESSIVE_SUFFIX})$")
# a Turkic genitive noun right before a possessive number names what is counted: "балалардың 30-ы"
_GENITIVE_BEFORE_RE = re.compile(r"([^\W\d_']+(?:ның|нің|дың|дің|тың|тің|нын|нин|дын|дин|тын|тин|нун|нүн|дун|дүн|тун|"
                                 r"түн|ning|нинг))[\s\u00a0]*(?:[^\W\d_']+[\s\u00a0]+)?$", re.I)
# "Из них свыше 360 — дети": after a breakdown marker a dash may stand for the copula
_DASH_COPULA = {"—", "–", "-"}
# "more than 700 of its citizens"
_EN_OF_DETERMINERS = {"its", "their", "the", "our"}
_CHANGE_TO_RE = re.compile(r"(?:(?:вырос\w*|возрос\w*|увеличил\w*|сократил\w*|снизил\w*|уменьшил\w*|дошл\w*|дош[её]л|"
                           r"поднял\w*|rose|risen|grew|climbed|increased|fell|dropped|declined)|"
                           r"(?<![\w'])(?:с|from)\s+[\d\s.,]+\s*(?:[^\W\d_]+\s+)?)\s+(?:до|to)\s*$", re.I)
_RU_MORE_AFTER = re.compile(r"[\s\u00a0]*с (?:лишним|небольшим)\b")

# --- totals, breakdown markers, return verbs -------------------------------------------------------------

_TOTAL_RE = re.compile(
    r"(?<![\w'])(?:всего|в общей сложности|итого|общее (?:число|количество)|общей численностью|in total|a total of|"
    r"total of|altogether|overall|in all|барлығы|барлыгы|жалпы|жалпысынан|бардыгы|баары|jami|жами|umumiy|умумий|"
    r"hammasi|ҳаммаси)(?![\w'])",
    re.I,
)
_TOTAL_AFTER_RE = re.compile(r"^[^,;:()]{0,40}?(?<![\w'])(?:in total|in all|altogether|overall)(?![\w'])", re.I)
_BREAKDOWN_RE = re.compile(
    r"(?<![\w'])(?:из них|из которых|в том числе|в т\. ?ч\.|включая|среди них|среди которых|of whom|of which|of them|"
    r"including|among them|among whom|оның ішінде|олардың ішінде|соның ішінде|анын ичинде|алардын ичинен|"
    r"алардын ичинде|шундан|улардан|шулардан|shundan|ulardan|shu jumladan|jumladan|шу жумладан|жумладан)(?![\w'])",
    re.I,
)
# a breakdown marker, then at most a qualifier, right before the number: "Из них свыше 360 — дети"
_BREAKDOWN_BEFORE_RE = re.compile(
    r"(?:" + _BREAKDOWN_RE.pattern + r")[\s\u00a0]*(?:[^\W\d_]+[\s\u00a0]+){0,2}$", re.I)
_RETURN_RE = re.compile(
    r"(?<![\w'])(?:return(?:ed|ing|s)?|returnees?|repatriat\w*|brought (?:back|home)|evacuat\w*|rescued|"
    r"flown (?:back|home)|возвращ\w*|возвращен\w*|вернул\w*|вернувш\w*|верн[её]н\w*|возвратил\w*|репатри\w*|вывез\w*|"
    r"вывоз\w*|эвакуир\w*|эвакуац\w*|доставлен\w*|"
    r"қайтарыл\w*|қайтарған\w*|елге орал\w*|орал(?:ды|ған)\w*|әкелін\w*|жеткізіл\w*|эвакуац\w*|"
    r"кайтарыл\w*|кайтып кел\w*|алып келин\w*|мекенине кайт\w*|"
    r"қайтарил\w*|олиб келин\w*|qaytaril\w*|olib kelin\w*|vataniga qayt\w*|evakuatsiya\w*)",
    re.I,
)


def has_return_cue(text: str) -> bool:
    """True when `text` says people were returned, repatriated, brought back or evacuated."""
    return bool(_RETURN_RE.search(text))


# --- years -----------------------------------------------------------------------------------------------

_Y = r"((?:19|20)\d{2})"
_YEAR_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("range", re.compile(rf"(?<![\w'])(?:с|со|from|between|от)\s+{_Y}\s*(?:года?|г\.|year)?\s*(?:по|до|to|and|until|"
                         rf"till|through|[-–—])\s*{_Y}(?!\d)", re.I)),
    ("range", re.compile(rf"(?<![\d.,]){_Y}\s*[-–—]\s*{_Y}(?!\d)")),
    ("since", re.compile(rf"(?<![\w'])(?:с|со|since|from|начиная с)\s+{_Y}(?!\d)", re.I)),
    ("since", re.compile(rf"(?<![\d.,]){_Y}\s*-?\s*(?:жылдан|жылдардан|yildan|йилдан)", re.I)),
    ("single", re.compile(rf"(?<![\d.,]){_Y}(?![\d]|[.,]\d)")),
]


def _year_expressions(text: str) -> list[tuple[int, int, int, int | None]]:
    """(start, end, year_from, year_to) of every year expression in `text`; ranges before single years."""
    found: list[tuple[int, int, int, int | None]] = []
    for kind, pattern in _YEAR_PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e, _, _ in found):
                continue
            first = int(m.group(1))
            if kind == "range":
                found.append((m.start(), m.end(), first, int(m.group(2))))
            elif kind == "since":
                found.append((m.start(), m.end(), first, None))
            else:
                found.append((m.start(), m.end(), first, first))
    return sorted(found)


# --- sentences and clauses -------------------------------------------------------------------------------

def sentence_spans(body: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `body`, line by line (a line break always ends a sentence)."""
    from razdel import sentenize

    spans: list[tuple[int, int]] = []
    pos = 0
    for line in body.split("\n"):
        if line.strip():
            for sent in sentenize(line):
                spans.append((pos + sent.start, pos + sent.stop))
        pos += len(line) + 1
    return spans


def _clause_spans(text: str, offset: int) -> list[tuple[int, int]]:
    """Clauses of one sentence split at ", ", ";" and dashes outside brackets, as body offsets."""
    spans, depth, start = [], 0, 0
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (ch == ";" or (ch == "," and text[i + 1:i + 2].isspace())
                             or (ch in "—–" and text[i - 1:i].isspace())):
            spans.append((offset + start, offset + i))
            start = i + 1
        i += 1
    spans.append((offset + start, offset + len(text)))
    return spans


def _paren_spans(text: str, offset: int) -> list[tuple[int, int]]:
    spans, stack = [], []
    for i, ch in enumerate(text):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            open_at = stack.pop()
            if not stack:
                spans.append((offset + open_at, offset + i + 1))
    return spans


# --- reading one number ----------------------------------------------------------------------------------

_TOKEN_RE = re.compile(rf"[^\W_]+(?:[{APOSTROPHES}'\-][^\W_]+)*|[^\w\s]")
_MONTHS = (
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|"
    r"декабр[ья]|қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан|"
    r"январь|февраль|апрель|июнь|июль|сентябрь|октябрь|ноябрь|декабрь|yanvar|fevral|mart|aprel|iyun|iyul|"
    r"avgust|sentabr|oktabr|noyabr|dekabr"
)
# a 4-digit year-like number after these is a year even if a noun follows ("In 2019 children were ...",
# "с 1 января 2008 граждане ..."); "of 2000 children", "до 2000 человек" stay counts
_YEAR_PREPOSITIONS = re.compile(
    rf"(?<![\w'])(?:in|since|from|by|until|till|between|в|во|с|со|по|{_MONTHS})"
    r"[\s\u00a0]*$",
    re.I,
)


@dataclass(frozen=True)
class _Reading:
    subject: str
    qualifier: str
    noun_end: int  # body offset after the counted noun phrase
    noun_before: bool = False


def _read_count(masked: str, span: NumberSpan, sent_start: int, sent_end: int) -> _Reading | None:
    """Subject and qualifier of the number at `span` (body offsets), or None when it counts nothing."""
    number_text = masked[span.start:span.end]
    if (span.kind == "digits" and re.fullmatch(r"(?:19|20)\d{2}", number_text)
            and _YEAR_PREPOSITIONS.search(masked[sent_start:span.start])):
        return None
    left = masked[sent_start:span.start].lower().replace("ё", "е")
    qualifier = "less_than" if span.is_range else "exact"
    for name, pattern in _PRE_RE:
        if pattern.search(left):
            qualifier = name
            break
    if qualifier == "less_than" and _CHANGE_TO_RE.search(left):
        qualifier = "exact"  # "выросло до 832", "rose to 832": the new level, not an upper bound
    pos = span.end
    more = _RU_MORE_AFTER.match(masked, pos)
    if more and more.end() <= sent_end:
        qualifier, pos = "more_than", more.end()
    tokens = [(m.group(), pos + m.start(), pos + m.end()) for m in _TOKEN_RE.finditer(masked[pos:sent_end][:200])]
    i = 0
    possessive = bool(_POSSESSIVE_NUMBER_RE.search(number_text))
    if i < len(tokens) and normalize_word(tokens[i][0]) in _DETACHED_SUFFIX:
        i += 1
    if i < len(tokens) and normalize_word(tokens[i][0]) in _POST_QUALIFIERS:
        if qualifier == "exact":
            qualifier = _POST_QUALIFIERS[normalize_word(tokens[i][0])]
        i += 1
    elif i < len(tokens) and normalize_word(tokens[i][0]) in _POSSESSIVE_POST_QUALIFIERS:
        if qualifier == "exact":
            qualifier = _POSSESSIVE_POST_QUALIFIERS[normalize_word(tokens[i][0])]
        possessive = True
        i += 1
    if (i < len(tokens) and (normalize_word(tokens[i][0]) in _COPULAS or tokens[i][0] in _DASH_COPULA)
            and _BREAKDOWN_BEFORE_RE.search(left)):
        i += 1
    if (i + 1 < len(tokens) and tokens[i][0].lower() == "of"
            and normalize_word(tokens[i + 1][0]) in _EN_OF_DETERMINERS):
        i += 2  # "more than 700 of its citizens"
    subject, i, noun_end = _noun_phrase(tokens, i)
    if subject is not None and qualifier == "exact" and i < len(tokens):
        # Kyrgyz/Kazakh/Uzbek put the comparison after the noun too: "460 адамдан ашык", "30 адамга чейин"
        post = normalize_word(tokens[i][0])
        if post in _POST_QUALIFIERS:
            qualifier = _POST_QUALIFIERS[post]
    if subject is None and possessive:
        genitive = _GENITIVE_BEFORE_RE.search(masked[sent_start:span.start])
        subject = noun_subject(genitive.group(1)) if genitive else None
        if subject is not None:
            return _Reading(subject, qualifier, span.end, noun_before=True)
    if subject is None:
        before = _noun_before(masked[sent_start:span.start])
        if before is None:
            return None
        return _Reading(before, qualifier, span.end, noun_before=True)
    return _Reading(subject, qualifier, noun_end)


# "the number of returnees reached 600", "число возвращенных детей составило 600", "балалар саны 600-ге жетті"
_NUMBER_OF_RE = re.compile(
    r"(?<![\w'])(?:(?:total )?number of|(?:общее )?(?:число|количество)|численность)\s+(?P<rest>[^\d]{0,60})$", re.I
)
_COUNT_OF_TURKIC_RE = re.compile(r"(?P<noun>[^\W\d_']+)\s+(?:саны|soni|сони)\s*(?P<gap>[^\d]{0,15})$", re.I)
_GAP_RE = re.compile(
    r"\s*(?:[—–:-]|reached|stood at|stands at|was|is|totall?ed|totals|amounted to|rose to|is now|составил[аои]?|"
    r"составляет|достигл[аои]?|достиг|превысил[аои]?)?\s*(?:[^\W\d_]+\s*)?",
    re.I,
)


def _noun_before(left: str) -> str | None:
    """Subject named before the number by "number of X ... N" / "X саны N", else None."""
    m = _COUNT_OF_TURKIC_RE.search(left)
    if m and _GAP_RE.fullmatch(m.group("gap")):
        return noun_subject(m.group("noun"))
    m = _NUMBER_OF_RE.search(left)
    if not m:
        return None
    rest = m.group("rest")
    words = list(re.finditer(r"[^\W\d_]+(?:-[^\W\d_]+)*", rest))[:4]
    for word in reversed(words):
        subject = noun_subject(word.group())
        if subject is not None and _GAP_RE.fullmatch(rest[word.end():]):
            return subject
    return None


def _noun_phrase(tokens: list[tuple[str, int, int]], i: int) -> tuple[str | None, int, int]:
    """Subject of the noun phrase starting at tokens[i] (modifiers skipped, "X and Y" joined)."""
    subject, i, end = _head_noun(tokens, i)
    if subject is None:
        return None, i, end
    if i < len(tokens) and normalize_word(tokens[i][0]) in _CONJUNCTIONS:
        second, j, second_end = _head_noun(tokens, i + 1)
        if second is not None:
            pair = {subject, second}
            if pair == {"women", "children"}:
                return "women_and_children", j, second_end
            if pair <= PEOPLE - {"families"} and len(pair) > 1:
                return "persons", j, second_end
    return subject, i, end


def _two_nouns(first: str, second: str, second_word: str) -> str:
    """Subject of two adjacent nouns: the more specific one, else the English/Uzbek head (the last one)."""
    if {first, second} == {"orphans", "children"}:
        return "orphans"  # "жетім бала", "yetim bola", "детей-сирот"
    if "persons" in (first, second) and {first, second} <= PEOPLE:
        return second if first == "persons" else first  # "әйел адам", "returnee children"
    return second if second_word.isascii() else first


_POSSESSIVE_NOUN_RE = re.compile(r".+(?:si|сі|сы|си|ы|і)", re.I)


def _country_of_citizen(tokens: list[tuple[str, int, int]], i: int) -> bool:
    """A capitalized name before a possessive people noun: "93 nafar O'zbekiston fuqarosi", "40 Қазақстан азаматы"."""
    if i + 1 >= len(tokens) or not tokens[i][0][:1].isupper():
        return False
    following = tokens[i + 1][0]
    return bool(_POSSESSIVE_NOUN_RE.fullmatch(following)) and noun_subject(following) in PEOPLE


def _head_noun(tokens: list[tuple[str, int, int]], i: int) -> tuple[str | None, int, int]:
    skipped = 0
    while i < len(tokens):
        word = tokens[i][0]
        if not re.match(r"[^\W\d_]", word):
            return None, i, 0
        if _BLOCKERS.fullmatch(normalize_word(word)):
            return None, i, 0
        subject = noun_subject(word)
        if subject is not None:
            end = tokens[i][2]
            i += 1
            later = noun_subject(tokens[i][0]) if i < len(tokens) and tokens[i][1] - end <= 1 else None
            if later is not None and later != subject:
                chosen = _two_nouns(subject, later, tokens[i][0])
                if chosen == later:
                    return later, i + 1, tokens[i][2]
                return subject, i + 1, tokens[i][2]
            return subject, i, end
        if skipped >= 3 or not (_is_modifier(word) or _country_of_citizen(tokens, i)):
            return None, i, 0
        skipped += 1
        i += 1
    return None, i, 0


# --- extraction ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Draft:
    start: int
    end: int
    value: int
    subject: str
    qualifier: str
    extractor: str
    sent: int  # sentence index
    noun_end: int


def fact_id(doc_id: str, start: int, end: int, value: int) -> str:
    """Stable id of a fact: hash of where it is and what it says."""
    return hashlib.sha1(f"{doc_id}|{start}|{end}|{value}".encode()).hexdigest()[:16]


def extract_facts(doc_id: str, body: str, lang: str | None, entities: pd.DataFrame | None = None) -> list[Fact]:
    """Counted facts of one document, in text order, with breakdowns, totals and consistency resolved."""
    if not body:
        return []
    masked = mask_non_counts(body)
    sentences = sentence_spans(body)
    drafts: list[_Draft] = []
    for index, (s_start, s_end) in enumerate(sentences):
        for span in find_numbers(masked[s_start:s_end], lang):
            absolute = replace(span, start=span.start + s_start, end=span.end + s_start)
            reading = _read_count(masked, absolute, s_start, s_end)
            if reading is None:
                continue
            extractor = f"rule:{span.kind}" + (":noun_before" if reading.noun_before else "")
            drafts.append(_Draft(absolute.start, absolute.end, absolute.value, reading.subject, reading.qualifier,
                                 extractor, index, reading.noun_end))
    if not drafts:
        return []
    ids = [fact_id(doc_id, d.start, d.end, d.value) for d in drafts]
    parents = _breakdowns(drafts, masked, sentences)
    countries, operations = _entity_spans(entities, doc_id)
    facts: list[Fact] = []
    for i, d in enumerate(drafts):
        s_start, s_end = sentences[d.sent]
        clause = next(c for c in _clause_spans(body[s_start:s_end], s_start) if c[0] <= d.start <= c[1])
        years = _pick_year(body, d, (s_start, s_end), clause, drafts)
        facts.append(Fact(
            fact_id=ids[i], doc_id=doc_id, value=d.value, subject=d.subject, qualifier=d.qualifier,
            # A count of countries is not about one country ("the 9 countries in the region (..., Turkey)").
            country=None if d.subject == "countries" else _pick_country(countries, d, (s_start, s_end), clause),
            operation=_pick_nearest(operations, d, [clause, (s_start, s_end)]),
            year_from=years[0], year_to=years[1],
            parent_fact_id=ids[parents[i]] if parents.get(i) is not None else None,
            consistency="n/a", evidence=body[s_start:s_end], start=d.start, end=d.end, extractor=d.extractor,
        ))
    facts = _inherit_from_parents(facts)
    checks = _checks(facts, [_is_total(masked, d, sentences[d.sent]) for d in drafts], [d.sent for d in drafts])
    return _apply_consistency(facts, checks)


def _breakdowns(drafts: list[_Draft], masked: str, sentences: list[tuple[int, int]]) -> dict[int, int]:
    """Index of the whole of each breakdown part: "(...)" after a figure, or figures after "из них" / ":"."""
    parents: dict[int, int] = {}

    def can_contain(whole: int, part: int) -> bool:
        return whole != part and drafts[part].subject in PART_SUBJECTS.get(drafts[whole].subject, frozenset())

    def nearest_whole(candidates: list[int], part: int) -> int | None:
        # the nearest earlier figure that can hold the part: "460 человек ... шести этапов (145 женщин ...)"
        fitting = [i for i in candidates if can_contain(i, part) and i not in parents]
        return fitting[-1] if fitting else None

    by_sentence: dict[int, list[int]] = {}
    for i, d in enumerate(drafts):
        by_sentence.setdefault(d.sent, []).append(i)
    for sent, members in by_sentence.items():
        s_start, s_end = sentences[sent]
        text = masked[s_start:s_end]
        brackets = _paren_spans(text, s_start)
        for p_start, p_end in brackets:
            inside = [i for i in members if p_start < drafts[i].start < p_end]
            outside = [i for i in members if drafts[i].end <= p_start
                       and not any(ps < drafts[i].start < pe for ps, pe in brackets)]
            if not inside:
                continue
            whole = nearest_whole(outside, inside[0])
            if whole is None or p_start - drafts[whole].noun_end > 120:
                continue
            for i in inside:
                if can_contain(whole, i):
                    parents[i] = whole
        openers = [(m.start() + s_start, m.end() + s_start, False) for m in _BREAKDOWN_RE.finditer(text)]
        openers += [(m.start() + s_start, m.end() + s_start, True) for m in re.finditer(r":", text)]
        for m_start, m_end, is_colon in sorted(openers):
            after = [i for i in members if drafts[i].start >= m_end and i not in parents]
            if not after:
                continue
            whole = nearest_whole([i for i in members if drafts[i].end <= m_start], after[0])
            if is_colon:
                # "460 адам кайтарылды: 145 аял жана 315 бала" - the colon closes the whole's own clause
                if whole is None or m_start - drafts[whole].noun_end > 40:
                    continue
            elif whole is None:
                if m_start - s_start > 25 or sent == 0:
                    continue
                # "Из них 300 детей ..." opens the sentence: the whole is in the previous one
                whole = nearest_whole([i for i, d in enumerate(drafts) if d.sent == sent - 1], after[0])
                if whole is None:
                    continue
            for i in after:
                if not can_contain(whole, i):
                    break
                parents[i] = whole
    return parents


def _is_total(masked: str, d: _Draft, sentence: tuple[int, int]) -> bool:
    """True when the text marks the figure as a total ("Всего ... 551 человек", "a total of", "барлығы")."""
    s_start, s_end = sentence
    left = masked[s_start:d.start]
    clause_start = max([m.end() for m in re.finditer(r"[;:(]|, |\s[—–]\s", left)] + [0])
    if _TOTAL_RE.search(left[clause_start:]):
        return True
    return bool(_TOTAL_AFTER_RE.search(masked[d.noun_end:s_end]))


# --- attribution -----------------------------------------------------------------------------------------

def _entity_spans(entities: pd.DataFrame | None, doc_id: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """(start, end, ISO2) of country mentions and (start, end, name) of operations in one document."""
    if entities is None or len(entities) == 0:
        return [], []
    mine = entities[entities["doc_id"] == doc_id] if "doc_id" in entities.columns else entities
    countries, operations = [], []
    for row in mine.itertuples(index=False):
        kind = str(getattr(row, "entity_type", "") or "").upper()
        start, end = getattr(row, "start", None), getattr(row, "end", None)
        if start is None or end is None or pd.isna(start) or pd.isna(end):
            continue
        canonical_id = getattr(row, "canonical_id", None)
        if kind in ("LOC", "LOCATION", "GPE", "COUNTRY") and isinstance(canonical_id, str) \
                and re.fullmatch(r"[A-Z]{2}", canonical_id):
            countries.append((int(start), int(end), canonical_id))
        elif kind == "OPERATION":
            name = getattr(row, "canonical_name", None)
            if not isinstance(name, str) or not name:
                name = getattr(row, "text", None)
            if isinstance(name, str) and name:
                operations.append((int(start), int(end), name))
    return countries, operations


def _distance(item: tuple[int, int, str], d: _Draft) -> tuple[int, int]:
    # nearest first; on a tie the mention before the number wins
    if item[1] <= d.start:
        return d.start - item[1], 0
    return max(0, item[0] - d.end), 1


def _pick_nearest(items: list[tuple[int, int, str]], d: _Draft, scopes: list[tuple[int, int]]) -> str | None:
    for lo, hi in scopes:
        inside = [it for it in items if lo <= it[0] and it[1] <= hi]
        if inside:
            return min(inside, key=lambda it: _distance(it, d))[2]
    return None


def _pick_country(countries: list[tuple[int, int, str]], d: _Draft, sentence: tuple[int, int],
                  clause: tuple[int, int]) -> str | None:
    home = [c for c in countries if c[2] in CENTRAL_ASIA]
    return _pick_nearest(home, d, [clause, sentence]) or _pick_nearest(countries, d, [clause, sentence])


def _pick_year(body: str, d: _Draft, sentence: tuple[int, int], clause: tuple[int, int],
               drafts: list[_Draft]) -> tuple[int | None, int | None]:
    s_start, s_end = sentence
    expressions = [(s_start + a, s_start + b, y1, y2) for a, b, y1, y2 in _year_expressions(body[s_start:s_end])]
    expressions = [e for e in expressions if not any(x.start < e[1] and e[0] < x.end for x in drafts)]
    for lo, hi in (clause, sentence):
        inside = [e for e in expressions if lo <= e[0] and e[1] <= hi]
        if inside:
            best = min(inside, key=lambda e: _distance((e[0], e[1], ""), d))
            return best[2], best[3]
    return None, None


def _inherit_from_parents(facts: list[Fact]) -> list[Fact]:
    by_id = {f.fact_id: f for f in facts}
    out = []
    for f in facts:
        parent = by_id.get(f.parent_fact_id) if f.parent_fact_id else None
        if parent is not None:
            f = replace(
                f, country=f.country or parent.country, operation=f.operation or parent.operation,
                year_from=f.year_from if f.year_from is not None else parent.year_from,
                year_to=f.year_to if f.year_from is not None else parent.year_to,
            )
        out.append(f)
    return out


# --- consistency -----------------------------------------------------------------------------------------

def _bounds(value: int, qualifier: str) -> tuple[float, float]:
    """Range of true values a figure allows: "more than 700" -> (700, inf); "about 700" -> (630, 770)."""
    if qualifier in ("more_than", "at_least"):
        return value, float("inf")
    if qualifier == "less_than":
        return 0, value
    if qualifier == "about":
        return value * 0.9, value * 1.1
    return value, value


def _checks(facts: Sequence[Fact], is_total: Sequence[bool], sentence_index: Sequence[int]) -> list[dict]:
    """One dict per checked relation (breakdown parts vs whole, total vs the figures it adds up)."""
    checks: list[dict] = []
    by_id = {f.fact_id: f for f in facts}
    children: dict[str, list[Fact]] = {}
    for f in facts:
        if f.parent_fact_id in by_id:
            children.setdefault(f.parent_fact_id, []).append(f)
    for parent_id, parts in children.items():
        parent = by_id[parent_id]
        low = sum(_bounds(p.value, p.qualifier)[0] for p in parts)
        checks.append({"kind": "breakdown", "doc_id": parent.doc_id, "fact_id": parent_id,
                       "part_fact_ids": [p.fact_id for p in parts], "expected": parent.value,
                       "observed": sum(p.value for p in parts),
                       "success": bool(low <= _bounds(parent.value, parent.qualifier)[1])})
    for t_index, total in enumerate(facts):
        if not is_total[t_index] or total.parent_fact_id is not None or total.subject not in PART_SUBJECTS:
            continue
        returns = has_return_cue(total.evidence)
        candidates: list[Fact] = []
        for j in range(t_index - 1, -1, -1):
            part = facts[j]
            if sentence_index[t_index] - sentence_index[j] > 6:
                break
            if (part.parent_fact_id is not None or is_total[j] or part.doc_id != total.doc_id
                    or part.subject not in PART_SUBJECTS[total.subject]
                    or has_return_cue(part.evidence) != returns):
                continue
            if part.qualifier != "exact" or part.value >= total.value:
                break
            candidates.append(part)
        if len(candidates) < 2:
            continue
        chosen, running = candidates, 0
        t_low, t_high = _bounds(total.value, total.qualifier)
        for k, part in enumerate(candidates, start=1):
            running += part.value
            if k >= 2 and t_low <= running <= t_high:
                chosen = candidates[:k]
                break
        observed = sum(p.value for p in chosen)
        checks.append({"kind": "total", "doc_id": total.doc_id, "fact_id": total.fact_id,
                       "part_fact_ids": [p.fact_id for p in reversed(chosen)], "expected": total.value,
                       "observed": observed, "success": bool(t_low <= observed <= t_high)})
    return checks


def _apply_consistency(facts: list[Fact], checks: list[dict]) -> list[Fact]:
    status: dict[str, str] = {}
    for check in checks:
        for fid in [check["fact_id"], *check["part_fact_ids"]]:
            if status.get(fid) != "mismatch":
                status[fid] = "ok" if check["success"] else "mismatch"
    return [replace(f, consistency=status.get(f.fact_id, "n/a")) for f in facts]


def consistency_checks(facts: pd.DataFrame | Sequence[Fact]) -> list[dict]:
    """Breakdown and total checks of a facts table: kind, doc_id, fact_id, part_fact_ids, expected, observed, success."""
    records = _as_facts(facts)
    out: list[dict] = []
    by_doc: dict[str, list[Fact]] = {}
    for f in records:
        by_doc.setdefault(f.doc_id, []).append(f)
    for doc_facts in by_doc.values():
        doc_facts.sort(key=lambda f: f.start)
        totals, sentence_index = _totals_from_evidence(doc_facts)
        out.extend(_checks(doc_facts, totals, sentence_index))
    return out


def stated_totals(facts: pd.DataFrame | Sequence[Fact]) -> set[str]:
    """fact_ids of the figures the text marks as a total ("всего", "in total", "барлығы", "jami", ...)."""
    by_doc: dict[str, list[Fact]] = {}
    for f in _as_facts(facts):
        by_doc.setdefault(f.doc_id, []).append(f)
    totals: set[str] = set()
    for doc_facts in by_doc.values():
        doc_facts.sort(key=lambda f: f.start)
        marks, _ = _totals_from_evidence(doc_facts)
        totals.update(f.fact_id for f, is_total in zip(doc_facts, marks) if is_total and f.parent_fact_id is None)
    return totals


def _as_facts(facts: pd.DataFrame | Sequence[Fact]) -> list[Fact]:
    if isinstance(facts, pd.DataFrame):
        names = [f.name for f in fields(Fact)]
        rows = []
        for record in facts[names].to_dict("records"):
            clean = {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in record.items()}
            for key in ("value", "start", "end", "year_from", "year_to"):
                if clean[key] is not None:
                    clean[key] = int(clean[key])
            rows.append(Fact(**clean))
        return rows
    return list(facts)


def _totals_from_evidence(doc_facts: list[Fact]) -> tuple[list[bool], list[int]]:
    """Re-derive total markers and sentence order from stored facts (evidence + offsets), for `consistency_checks`."""
    implied = [[f.start - c for c in _offsets_in_evidence(f)] for f in doc_facts]
    votes: dict[tuple[str, int], int] = {}
    for f, starts in zip(doc_facts, implied):
        for sent_start in starts:
            votes[(f.evidence, sent_start)] = votes.get((f.evidence, sent_start), 0) + 1
    sentence_of: dict[tuple[str, int], int] = {}
    totals, sentence_index = [], []
    for f, starts in zip(doc_facts, implied):
        # a number written twice in one sentence: take the reading the other facts of the sentence agree on
        sent_start = max(starts, key=lambda s: (votes[(f.evidence, s)], -abs(s - starts[0]))) if starts else None
        key = (f.evidence, sent_start if sent_start is not None else f.start)
        sentence_of.setdefault(key, len(sentence_of))
        sentence_index.append(sentence_of[key])
        if sent_start is None:
            totals.append(False)
            continue
        local = f.start - sent_start
        masked = mask_non_counts(f.evidence)
        reading_end = local + (f.end - f.start)
        noun = _read_count(masked, NumberSpan(local, reading_end, f.value, "digits"), 0, len(masked))
        draft = _Draft(local, reading_end, f.value, f.subject, f.qualifier, f.extractor, 0,
                       noun.noun_end if noun else reading_end)
        totals.append(_is_total(masked, draft, (0, len(masked))))
    return totals, sentence_index


def _offsets_in_evidence(f: Fact) -> list[int]:
    """Where the fact's number may start inside its evidence sentence (several if it is written twice)."""
    length = f.end - f.start
    offsets: list[int] = []
    for lang in (None, "uz", "kk", "ky"):
        for span in find_numbers(f.evidence, lang):
            if span.end - span.start == length and span.value == f.value and span.start not in offsets:
                offsets.append(span.start)
        if offsets:
            break
    return offsets


# --- tables ----------------------------------------------------------------------------------------------

def facts_frame(docs: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """Facts of every document (docs: doc_id, body, lang) as a table with FACT_COLUMNS."""
    by_doc = {doc_id: group for doc_id, group in entities.groupby("doc_id")} if entities is not None and len(
        entities) and "doc_id" in entities.columns else {}
    rows: list[tuple] = []
    for doc in docs[["doc_id", "body", "lang"]].itertuples(index=False):
        body = doc.body if isinstance(doc.body, str) else ""
        lang = doc.lang if isinstance(doc.lang, str) else None
        try:
            found = extract_facts(doc.doc_id, body, lang, by_doc.get(doc.doc_id))
        except Exception:  # one odd document must not sink the batch; the validation stage sees the gap
            log.exception("fact extraction failed for %s", doc.doc_id)
            continue
        rows.extend(astuple(f) for f in found)
    log.info("extracted %d facts from %d documents", len(rows), len(docs))
    return _typed(pd.DataFrame(rows, columns=FACT_COLUMNS))


def fact_schema() -> pa.Schema:
    """Arrow schema of the facts table (for `etl.schemas.register_table`)."""
    types = {"value": pa.int64(), "year_from": pa.int64(), "year_to": pa.int64(), "start": pa.int64(),
             "end": pa.int64()}
    return pa.schema([(c, types.get(c, pa.string())) for c in FACT_COLUMNS])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({
        "fact_id": "string", "doc_id": "string", "value": "int64", "subject": "string", "qualifier": "string",
        "country": "string", "operation": "string", "year_from": "Int64", "year_to": "Int64",
        "parent_fact_id": "string", "consistency": "string", "evidence": "string", "start": "int64", "end": "int64",
        "extractor": "string",
    })


def repatriations_frame(facts: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """One row per counted fact about people returned or repatriated, with the document's title, agency, date, lang.

    Rows with a parent_fact_id are parts of a breakdown (e.g. the women and the children of one return), and
    rows with is_total sum up other rows ("Всего ... 551"): sum `value` over rows where parent_fact_id is null
    and is_total is false, or people are counted twice.
    """
    people = facts[facts["subject"].isin(PEOPLE) & facts["evidence"].map(lambda e: has_return_cue(str(e)))]
    people = people.assign(is_total=people["fact_id"].isin(stated_totals(facts)).astype("bool"))
    meta_columns = ["title", "source_agency", "published_date", "lang"]
    meta = documents.reindex(columns=["doc_id", *meta_columns]).drop_duplicates("doc_id")
    meta["doc_id"] = meta["doc_id"].astype("string")
    out = people.astype({"doc_id": "string"}).merge(meta, on="doc_id", how="left")[REPATRIATION_COLUMNS]
    out = out.astype({"title": "string", "source_agency": "string", "lang": "string"})
    out["published_date"] = out["published_date"].astype(object).where(out["published_date"].notna(), None)
    return out.reset_index(drop=True)
