"""Numbers as written in en, ru, kk, ky, uz news: digits, decimals with a multiplier word, number words.

`find_numbers(text, lang)` returns every cardinal it can read with its exact span; deciding whether a
number counts something (and what) is `etl.facts`' job. Dates, times, phone numbers, ordinals
("57th", "57-ой", "57-сессия"), percentages and year ranges are left out or masked here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

# Word classes: a unit or a teen adds within a group, a ten adds before units, HUNDRED_ADD is a complete
# hundreds word (ru "пятьсот"), HUNDRED_MUL multiplies the group by 100 (en "hundred", kk "жүз"),
# MULT closes a group (thousand, million). HALF is ru "полтора" (1.5, only before a multiplier).
UNIT, TEN, HUNDRED_ADD, HUNDRED_MUL, MULT, HALF = "unit", "ten", "hundred_add", "hundred_mul", "mult", "half"
_RANK = {UNIT: 1, TEN: 2, HUNDRED_ADD: 3, HUNDRED_MUL: 3}

APOSTROPHES = "ʻ’‘`ʼ′´"


# Distinct words per process are few (news vocabulary); the bound keeps a pathological input from growing it.
WORD_CACHE_SIZE = 1 << 17


@lru_cache(maxsize=WORD_CACHE_SIZE)
def normalize_word(word: str) -> str:
    """Lower-case, ё -> е, every apostrophe variant -> "'" (Uzbek o'n, to'rt)."""
    word = word.lower().replace("ё", "е")
    for ch in APOSTROPHES:
        word = word.replace(ch, "'")
    return word


def _ru_words() -> dict[str, tuple[int, str]]:
    words: dict[str, tuple[int, str]] = {}

    def add(value: int, cls: str, *forms: str) -> None:
        for form in forms:
            words[normalize_word(form)] = (value, cls)

    add(1, UNIT, "один", "одна", "одно", "одного", "одной", "одному", "одним", "одном", "одною", "одну")
    add(2, UNIT, "два", "две", "двух", "двум", "двумя")
    add(3, UNIT, "три", "трех", "трем", "тремя")
    add(4, UNIT, "четыре", "четырех", "четырем", "четырьмя")
    soft = {5: "пять", 6: "шесть", 7: "семь", 9: "девять", 10: "десять", 11: "одиннадцать",
            12: "двенадцать", 13: "тринадцать", 14: "четырнадцать", 15: "пятнадцать", 16: "шестнадцать",
            17: "семнадцать", 18: "восемнадцать", 19: "девятнадцать", 20: "двадцать", 30: "тридцать"}
    for value, word in soft.items():
        add(value, TEN if value in (20, 30) else UNIT, word, word[:-1] + "и", word + "ю")
    add(8, UNIT, "восемь", "восьми", "восемью", "восьмью")
    add(40, TEN, "сорок", "сорока")
    for value, (nom, obl, ins) in {50: ("пятьдесят", "пятидесяти", "пятьюдесятью"),
                                   60: ("шестьдесят", "шестидесяти", "шестьюдесятью"),
                                   70: ("семьдесят", "семидесяти", "семьюдесятью"),
                                   80: ("восемьдесят", "восьмидесяти", "восемьюдесятью")}.items():
        add(value, TEN, nom, obl, ins)
    add(90, TEN, "девяносто", "девяноста")
    add(100, HUNDRED_ADD, "сто", "ста")
    add(200, HUNDRED_ADD, "двести", "двухсот", "двумстам", "двумястами", "двухстах")
    add(300, HUNDRED_ADD, "триста", "трехсот", "тремстам", "тремястами", "трехстах")
    add(400, HUNDRED_ADD, "четыреста", "четырехсот", "четыремстам", "четырьмястами", "четырехстах")
    for value, stem, ins in ((500, "пят", "пятьюстами"), (600, "шест", "шестьюстами"), (700, "сем", "семьюстами"),
                             (900, "девят", "девятьюстами")):
        add(value, HUNDRED_ADD, stem + "ьсот", stem + "исот", stem + "истам", ins, stem + "истах")
    add(800, HUNDRED_ADD, "восемьсот", "восьмисот", "восьмистам", "восемьюстами", "восьмьюстами", "восьмистах")
    # collective numerals count people: "трое детей", "пятерых граждан"
    for value, stem, ending in ((2, "дво", "е"), (3, "тро", "е"), (4, "четвер", "о"), (5, "пятер", "о"),
                                (6, "шестер", "о"), (7, "семер", "о"), (8, "восьмер", "о"), (9, "девятер", "о"),
                                (10, "десятер", "о")):
        plural = "их" if stem in ("дво", "тро") else "ых"
        add(value, UNIT, stem + ending, stem + plural, stem + plural[:-1] + "м", stem + plural[:-1] + "ми")
    add(1000, MULT, "тысяча", "тысячи", "тысяче", "тысячу", "тысячей", "тысячею", "тысяч", "тысячам",
        "тысячами", "тысячах", "тыс")
    add(10**6, MULT, "миллион", "миллиона", "миллиону", "миллионом", "миллионе", "миллионы", "миллионов",
        "миллионам", "миллионами", "миллионах", "млн")
    add(10**9, MULT, "миллиард", "миллиарда", "миллиардов", "млрд")
    add(15, HALF, "полтора", "полторы", "полутора")
    return words


_EN = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
       "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
       "seventeen": 17, "eighteen": 18, "nineteen": 19}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
            "ninety": 90}


def _turkic(units: list[str], tens: list[str], hundred: str, thousand: str, extra: dict[str, int]) -> dict:
    words: dict[str, tuple[int, str]] = {}
    for value, word in enumerate(units, start=1):
        words[normalize_word(word)] = (value, UNIT)
    for value, word in zip(range(10, 100, 10), tens):
        # Turkic ten combines with a unit ("он бес" = 15), so it ranks as a ten, unlike en/ru "ten"
        words[normalize_word(word)] = (value, TEN)
    words[normalize_word(hundred)] = (100, HUNDRED_MUL)
    words[normalize_word(thousand)] = (1000, MULT)
    for word, value in extra.items():
        words[normalize_word(word)] = (value, MULT)
    return words


def _tajik_words() -> dict[str, tuple[int, str]]:
    """Tajik cardinals: units, tens, "сад" (hundred), single-word hundreds ("сесад"), "ҳазор", and the "-у" that
    joins the parts of a compound ("бисту панҷ" = 25, "саду бист" = 120)."""
    units = ["як", "ду", "се", "чор", "панҷ", "шаш", "ҳафт", "ҳашт", "нӯҳ"]
    tens = ["даҳ", "бист", "сӣ", "чил", "панҷоҳ", "шаст", "ҳафтод", "ҳаштод", "навад"]
    teens = ["ёздаҳ", "дувоздаҳ", "сенздаҳ", "чордаҳ", "понздаҳ", "шонздаҳ", "ҳабдаҳ", "ҳаждаҳ", "нуздаҳ"]
    words: dict[str, tuple[int, str]] = {}
    for value, word in enumerate(units, start=1):
        words[normalize_word(word)] = (value, UNIT)
    for value, word in zip(range(10, 100, 10), tens):
        words[normalize_word(word)] = (value, TEN)
        words[normalize_word(word + "у")] = (value, TEN)
    words[normalize_word("сиву")] = (30, TEN)  # "сӣ" joins as "сиву"
    for value, word in enumerate(teens, start=11):
        words[normalize_word(word)] = (value, TEN)
    words[normalize_word("сад")] = words[normalize_word("саду")] = (100, HUNDRED_MUL)
    for value, word in enumerate(["дусад", "сесад", "чорсад", "панҷсад", "шашсад", "ҳафтсад", "ҳаштсад", "нӯҳсад"],
                                 start=2):
        words[normalize_word(word)] = words[normalize_word(word + "у")] = (value * 100, HUNDRED_ADD)
    words[normalize_word("ҳазор")] = words[normalize_word("ҳазору")] = (1000, MULT)
    return words


_MILLIONS_CYR = {"миллион": 10**6, "млн": 10**6, "миллиард": 10**9, "млрд": 10**9}
_MILLIONS_LAT = {"million": 10**6, "mln": 10**6, "milliard": 10**9, "mlrd": 10**9}

WORDS: dict[str, dict[str, tuple[int, str]]] = {
    "ru": _ru_words(),
    "en": {**{w: (v, UNIT) for w, v in _EN.items()}, **{w: (v, TEN) for w, v in _EN_TENS.items()},
           "hundred": (100, HUNDRED_MUL), "thousand": (1000, MULT), "million": (10**6, MULT),
           "billion": (10**9, MULT)},
    "kk": _turkic(["бір", "екі", "үш", "төрт", "бес", "алты", "жеті", "сегіз", "тоғыз"],
                  ["он", "жиырма", "отыз", "қырық", "елу", "алпыс", "жетпіс", "сексен", "тоқсан"],
                  "жүз", "мың", _MILLIONS_CYR),
    "ky": _turkic(["бир", "эки", "үч", "төрт", "беш", "алты", "жети", "сегиз", "тогуз"],
                  ["он", "жыйырма", "отуз", "кырк", "элүү", "алтымыш", "жетимиш", "сексен", "токсон"],
                  "жүз", "миң", _MILLIONS_CYR),
    "uz": {**_turkic(["bir", "ikki", "uch", "to'rt", "besh", "olti", "yetti", "sakkiz", "to'qqiz"],
                     ["o'n", "yigirma", "o'ttiz", "qirq", "ellik", "oltmish", "yetmish", "sakson", "to'qson"],
                     "yuz", "ming", _MILLIONS_LAT),
           **_turkic(["бир", "икки", "уч", "тўрт", "беш", "олти", "етти", "саккиз", "тўққиз"],
                     ["ўн", "йигирма", "ўттиз", "қирқ", "эллик", "олтмиш", "етмиш", "саксон", "тўқсон"],
                     "юз", "минг", _MILLIONS_CYR)},
    "tg": _tajik_words(),
}

# Multiplier words after digits ("1,6 тысячи", "2 млн", "1.5 million", "1,6 мың", "3 ming").
MULTIPLIERS: dict[str, int] = {w: v for table in WORDS.values() for w, (v, cls) in table.items() if cls == MULT}
# A bare plural multiplier is "thousands of", not a number: only these may stand alone.
# (Turkic numerals are singular: "мың"/"жүз" alone is 1000/100, with or without a case ending.)
_STANDALONE_MULT = {"тысяча", "тысячу", "миллион", "thousand", "million"}
# "свыше тысячи людей": after a comparative, "тысячи" is "a thousand" (genitive), not "thousands"
_RU_GENITIVE_MULT = {"тысячи", "миллиона"}
_RU_QUALIFIER_BEFORE = re.compile(r"(?<!\w)(?:более|свыше|около|почти|порядка|больше|менее|меньше|примерно|до)\s+$", re.I)
_STANDALONE_TURKIC = ("мың", "миң", "ming", "минг", "жүз", "yuz", "юз", "ҳазор", "сад")

# Case endings a Turkic numeral (word or "700-ден") takes before a postposition: ablative, dative, locative.
TURKIC_NUMBER_SUFFIX = (
    "дан|ден|тан|тен|нан|нен|дон|дөн|тон|төн|нон|нөн|ға|ге|қа|ке|га|го|гө|ка|ко|кө|да|де|та|те|до|дө|то|тө|"
    "dan|ga|ka|qa|da|ta|ни|ni"
)
_TURKIC_SUFFIX_RE = re.compile(f"(?:{TURKIC_NUMBER_SUFFIX})")
# Kazakh/Kyrgyz possessive on digits: "8-і ұл" (8 of them boys), "47си эркек", "балалардың 30-ы" (30 of the
# children). Digits only: as a word ending it would read pronouns as numbers (Kyrgyz "ону" is "him", not 10).
TURKIC_POSSESSIVE_SUFFIX = "і|ы|и|у|ү|сі|сы|си|су|сү"
# Kyrgyz/Kazakh similative on digits: "800дөй кыргызстандык" (about 800 Kyrgyzstanis)
TURKIC_ABOUT_SUFFIX = "дай|дей|дой|дөй|тай|тей|той|төй"
_DIGIT_SUFFIX_RE = re.compile(f"(?:{TURKIC_NUMBER_SUFFIX}|{TURKIC_POSSESSIVE_SUFFIX}|{TURKIC_ABOUT_SUFFIX})")
_TURKIC_LANGS = ("kk", "ky", "uz")

TG_LETTERS = set("ҷӣӯ")
KK_LETTERS = set("әғқңөұүһі")
KY_LETTERS = set("өүң")
UZ_CYR_LETTERS = set("ўқғҳ")


_CYRILLIC_RE = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN_RE = re.compile(r"[a-z]", re.IGNORECASE)
_UZ_APOSTROPHE_RE = re.compile(r"\b(?:o|g)['ʻ’‘`ʼ]", re.IGNORECASE)


def active_languages(text: str, lang: str | None) -> tuple[str, ...]:
    """Word tables to try on `text`: the document language plus any whose letters the text shows."""
    langs: list[str] = []
    has_cyr = bool(_CYRILLIC_RE.search(text))
    has_lat = bool(_LATIN_RE.search(text))
    lower = set(text.lower())
    if lang in WORDS:
        langs.append(lang)
    if has_cyr:
        langs.append("ru")
        if lower & (KK_LETTERS - KY_LETTERS):
            langs.append("kk")
        if lower & KY_LETTERS:
            langs.append("ky")
        if lower & (UZ_CYR_LETTERS - KK_LETTERS):
            langs.append("uz")
        if lower & TG_LETTERS:
            langs.append("tg")
    if has_lat:
        langs.append("en")
        if _UZ_APOSTROPHE_RE.search(text):
            langs.append("uz")
    return tuple(dict.fromkeys(langs))


@dataclass(frozen=True)
class NumberSpan:
    """A cardinal found in a text: `text[start:end]` is the number as written (suffix included)."""

    start: int
    end: int
    value: int
    kind: str  # "digits" | "words"
    is_range: bool = False


# Spans that contain digits but are no count: dates, times, phones, URLs, percentages.
_MASK_RES = [
    re.compile(r"https?://\S+|www\.\S+"),
    re.compile(r"\b\d{1,2}[./]\d{1,2}[./](?:\d{4}|\d{2})\b"),
    re.compile(r"\b\d{4}[-./]\d{1,2}[-./]\d{1,2}\b"),
    re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"),
    re.compile(r"\+\d[\d\s()\-]{7,}\d"),
    re.compile(r"\(\d{3,5}\)\s?\d[\d\s\-]{4,}\d"),
    re.compile(r"\d+(?:[.,]\d+)?\s?%"),
]


_DIGIT_RE = re.compile(r"\d")
# what each of _MASK_RES needs somewhere in the text to match (blanking never creates one, so they are looked
# for once, in the text as given): most texts have none of them and are spared every scan
_DATE_OR_TIME_NEEDS_RE = re.compile(r"\d[-./:]\d")


def _blank(match: re.Match) -> str:
    return " " * len(match.group())


def mask_non_counts(text: str) -> str:
    """`text` with dates, times, phones, URLs and percentages blanked out (same length, offsets kept)."""
    url = "://" in text or "www." in text
    if not _DIGIT_RE.search(text):  # every pattern but the URL's needs a digit (most sentences have none)
        return _MASK_RES[0].sub(_blank, text) if url else text
    phone, percent = "+" in text or "(" in text, "%" in text
    date_or_time = bool(_DATE_OR_TIME_NEEDS_RE.search(text))
    if not (url or phone or percent or date_or_time):
        return text
    urls, dates, iso_dates, times, phones, area_phones, percents = _MASK_RES
    for pattern, needed in ((urls, url), (dates, date_or_time), (iso_dates, date_or_time), (times, date_or_time),
                            (phones, phone), (area_phones, phone), (percents, percent)):
        if needed:
            text = pattern.sub(_blank, text)
    return text


_SEP = "[ \u00a0\u202f\u2009]"
# digits with optional thousands groups, optional decimal part, optional range "10-15"
_DIGITS_RE = re.compile(
    rf"(?<![\w.,\-/])(\d{{1,3}}(?:(?:{_SEP}|,|\.)\d{{3}})+(?![\d])|\d+)((?:[.,]\d+)?)"
)
_WORD_RE = re.compile(rf"[^\W\d_]+(?:[{APOSTROPHES}'][^\W\d_]+)*(?:-[^\W\d_]+(?:[{APOSTROPHES}'][^\W\d_]+)*)*")


def find_numbers(text: str, lang: str | None = None) -> list[NumberSpan]:
    """Every cardinal in `text` (already masked or not) with its span, in text order."""
    masked = mask_non_counts(text)
    spans = list(_digit_numbers(masked)) if _DIGIT_RE.search(masked) else []
    words = _WORD_RE.findall(masked)
    if not _has_number_word(words):  # most sentences hold no number word: no word tables to choose
        return spans
    taken = [(s.start, s.end) for s in spans]
    number_words = _NUMBER_TOKENS.intersection(words)  # the others read as no number in any language
    for span in _word_numbers(masked, active_languages(masked, lang), words, number_words):
        if not any(s < span.end and span.start < e for s, e in taken):
            spans.append(span)
    return sorted(spans, key=lambda s: s.start)


def _number_token_re() -> re.Pattern:
    """A normalized token that `_token_values` reads in some language: hyphen-joined parts, each a number word of a
    table or a Turkic one (two letters or more) with a case ending (a token none of them is, no subset reads)."""
    def alternation(words: set[str]) -> str:
        return "|".join(map(re.escape, sorted(words, key=lambda word: (-len(word), word))))
    every_word = {word for table in WORDS.values() for word in table}
    turkic_stems = {word for lang in _TURKIC_LANGS for word in WORDS[lang] if len(word) >= 2}
    part = f"(?:{alternation(every_word)}|(?:{alternation(turkic_stems)})(?:{TURKIC_NUMBER_SUFFIX}))"
    return re.compile(f"{part}(?:-{part})*")


_NUMBER_TOKEN_RE = _number_token_re()
# Word tokens already classified, and those among them that are a number word in some language. Bounded like the
# word caches.
_KNOWN_TOKENS: set[str] = set()
_NUMBER_TOKENS: set[str] = set()


def _has_number_word(words: list[str]) -> bool:
    """True when a token of `words` could be a number word in some language (set operations: no loop per token)."""
    if not _KNOWN_TOKENS.issuperset(words):
        if len(_KNOWN_TOKENS) > WORD_CACHE_SIZE:
            _KNOWN_TOKENS.clear()
            _NUMBER_TOKENS.clear()
        for word in set(words).difference(_KNOWN_TOKENS):
            _KNOWN_TOKENS.add(word)
            if _NUMBER_TOKEN_RE.fullmatch(normalize_word(word)):
                _NUMBER_TOKENS.add(word)
    return not _NUMBER_TOKENS.isdisjoint(words)


_SPACES_RE = re.compile(r"[\s\u00a0\u202f]*")


def _next_word(text: str, pos: int) -> re.Match | None:
    m = _SPACES_RE.match(text, pos)
    return _WORD_RE.match(text, m.end() if m else pos)


_WORD_CHAR_RE = re.compile(r"\w")
_LETTERS_RE = re.compile(r"[^\W\d_]+")
_NON_DIGITS_RE = re.compile(r"\D")
_HYPHENATED_RE = re.compile(r"[-‐‑]([^\W\d_]+)")
_RANGE_RE = re.compile(r"\s?[-–—]\s?(\d+)(?![\d.,]\d|\w)")
_ABBREVIATED_MULTIPLIERS = ("тыс", "млн", "млрд", "mln")


def _digit_numbers(text: str) -> Iterator[NumberSpan]:
    pos = 0
    while True:
        m = _DIGITS_RE.search(text, pos)
        if not m:
            return
        pos = m.end()
        int_part, frac = m.group(1), m.group(2)
        start, end = m.start(), m.end()
        if _WORD_CHAR_RE.match(text, end):
            # glued letters: Turkic case "700ден"/"700dan" is kept; en "57th" or "3D" is no count
            tail = _LETTERS_RE.match(text, end)
            if not (tail and _DIGIT_SUFFIX_RE.fullmatch(tail.group().lower())):
                continue
            end = tail.end()
        value_float = float(_NON_DIGITS_RE.sub("", int_part) + ("." + frac[1:] if frac else ""))
        multiplier_word = _next_word(text, end)
        multiplier = None
        if multiplier_word is not None:
            # "1,6 тысячи", "2 млн", and Turkic with a case ending: "20 миллионнан", "1,6 mingdan"
            word_value = _word_value(multiplier_word.group(), ("ru", "en", *_TURKIC_LANGS))
            multiplier = word_value[0] if word_value and word_value[1] == MULT else None
        if frac and not multiplier:
            continue  # a bare decimal ("2.5", "1,6") is a measurement, not a head count
        if multiplier:
            value_float *= multiplier
            end = multiplier_word.end()
            if text[end:end + 1] == "." and normalize_word(multiplier_word.group()) in _ABBREVIATED_MULTIPLIERS:
                end += 1
        value = int(round(value_float))
        hyphen = _HYPHENATED_RE.match(text, end)
        if hyphen:
            # "57-ой", "57-сессия", "5-летний" are ordinals or compounds; "700-ден" is a Turkic case ending
            if not _DIGIT_SUFFIX_RE.fullmatch(hyphen.group(1).lower()):
                continue
            end = hyphen.end()
        if value <= 0:
            continue
        range_m = None if multiplier else _RANGE_RE.match(text, end)
        if range_m:
            pos = range_m.end()
            if 1900 <= value <= 2100:
                continue  # "2024-2025" is a year range
            upper = int(range_m.group(1))
            if upper > value:
                yield NumberSpan(start, range_m.end(), upper, "digits", is_range=True)
                continue
            pos = end
        yield NumberSpan(start, end, value, "digits")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_value(word: str, langs: tuple[str, ...]) -> tuple[int, str] | None:
    """(value, class) of a number word in one of `langs`, a Turkic case ending allowed ("алтыдан")."""
    norm = normalize_word(word)
    for lang in langs:
        table = WORDS.get(lang, {})
        if norm in table:
            return table[norm]
        if lang in _TURKIC_LANGS:
            for cut in range(len(norm) - 1, 1, -1):
                if norm[:cut] in table and _TURKIC_SUFFIX_RE.fullmatch(norm[cut:]):
                    return table[norm[:cut]]
    return None


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _token_values(token: str, langs: tuple[str, ...]) -> tuple[tuple[int, str], ...] | None:
    """(value, class) of each hyphen-joined part of a word token ("двадцать-пять"), None unless all are numbers."""
    parts = token.split("-") if "-" in token else [token]
    values = tuple(_word_value(part, langs) for part in parts)
    return None if any(value is None for value in values) else values


def parse_number_words(words: list[str], lang: str | None = None) -> int | None:
    """Value of a whole sequence of number words ("two hundred fifty", "шести", "бір мың алты жүз"), else None."""
    langs = (lang,) if lang in WORDS else tuple(WORDS)
    values = []
    parts = [p for word in words for p in word.split("-") if p]
    for k, word in enumerate(parts):
        if word.lower() == "and" and 0 < k < len(parts) - 1:
            continue  # "two hundred and fifty"
        wv = _word_value(word, langs)
        if wv is None:
            return None
        values.append(wv)
    consumed, value = _consume(values)
    return value if consumed == len(values) else None


def _consume(values: list[tuple[int, str]]) -> tuple[int, int | None]:
    """How many leading number words form one valid number, and its value."""
    total, group, last_rank, last_mult = 0, 0, 99, 10**12
    half = False
    best: tuple[int, int | None] = (0, None)
    for i, (value, cls) in enumerate(values):
        if cls == HALF:
            if i != 0:
                break
            half = True
            continue
        if cls == MULT:
            if value >= last_mult or (i > 0 and not group and not half):
                break
            if half:
                total += value * 3 // 2
                half = False
            else:
                total += max(group, 1) * value
            group, last_rank, last_mult = 0, 99, value
        elif half:
            break
        elif cls == HUNDRED_MUL:
            if group >= 100 or last_rank == 99 and group:
                break
            group = max(group, 1) * 100
            last_rank = _RANK[HUNDRED_MUL]
        else:
            rank = _RANK[cls]
            if rank >= last_rank:
                break
            group += value
            last_rank = rank
        best = (i + 1, total + group)
    return best


def _word_numbers(text: str, langs: tuple[str, ...], words: list[str],
                  number_words: set[str] | None = None) -> Iterator[NumberSpan]:
    """The number words of `text` (`words`: its `_WORD_RE` tokens) read as numbers in `langs`.

    `number_words`: the tokens of `words` that `_NUMBER_TOKEN_RE` reads (the others are looked up in no table).
    """
    token_values = [_token_values(word, langs) if number_words is None or word in number_words else None
                    for word in words]
    if not any(token_values):  # most sentences hold no number word
        return
    tokens = list(_WORD_RE.finditer(text))
    i = 0
    while i < len(tokens):
        if token_values[i] is None:  # a run starts only at a number word
            i += 1
            continue
        run: list[tuple[int, str]] = []
        run_tokens: list[re.Match] = []
        j = i
        while j < len(tokens):
            tok = tokens[j]
            if run_tokens:
                gap = text[run_tokens[-1].end():tok.start()]
                if gap.strip() and gap.strip() != "-":
                    break
            part_values = token_values[j]
            if part_values is None:
                # en "two hundred and fifty": "and" only between number words
                if (tok.group().lower() == "and" and run and j + 1 < len(tokens)
                        and _word_value(tokens[j + 1].group().split("-")[0], langs)):
                    run_tokens.append(tok)
                    j += 1
                    continue
                break
            run.extend(part_values)
            run_tokens.append(tok)
            j += 1
        if not run:
            i += 1
            continue
        consumed, value = _consume(run)
        # map consumed number words back to tokens (hyphenated tokens carry several words)
        count, k = 0, 0
        while k < len(run_tokens) and count < consumed:
            if run_tokens[k].group().lower() != "and":
                count += len(run_tokens[k].group().split("-"))
            k += 1
        used = run_tokens[:k]
        while used and used[-1].group().lower() == "and":
            used.pop()
        if consumed and value and used and count == consumed:
            first_value, first_cls = run[0]
            standalone_mult = first_cls in (MULT, HUNDRED_MUL) and consumed == 1
            first = normalize_word(used[0].group())
            if standalone_mult and first not in _STANDALONE_MULT and not first.startswith(_STANDALONE_TURKIC) \
                    and not (first in _RU_GENITIVE_MULT and _RU_QUALIFIER_BEFORE.search(text[:used[0].start()])):
                i += 1
                continue
            if value == 1 and consumed == 1:
                # "one of", "a woman" ("бір әйел", "бир аял"), "один из": an article more often than a count
                i += 1
                continue
            yield NumberSpan(used[0].start(), used[-1].end(), value, "words")
            i = tokens.index(used[-1]) + 1
        else:
            i += 1
