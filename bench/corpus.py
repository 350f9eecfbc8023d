"""Synthetic news corpus for throughput and scale runs, built from real benchmark text.

usage: .venv/bin/python bench/corpus.py --docs N --out DIR [--seed S] [--benchmarks DIR]

Writes N UTF-8 `.txt` articles into DIR/0000/, DIR/0001/, ... (at most 1000 files per folder) and prints one
JSON line of counts. The mix is about 35 % Russian (factRuEval-2016 articles), 30 % English (CoNLL++ Reuters
articles), 25 % Kazakh (KazNERD sentences grouped 5-15 to a document) and 10 % variants of the project's seeds.
Every file reads like the pipeline's input: a headline line, a dateline (formats vary by language), sometimes
navigation crumbs or an agency line, then body paragraphs separated by blank lines.

Every document is distinct (the pipeline drops repeated texts by content hash): numbers other than years and
dates get seeded random digits of the same length, person surnames are sometimes swapped for others of the
same declension class (so "Медведевым" becomes "Петровым"), and about a third of the documents get a sentence
about repatriation with a counted fact ("В рамках операции «Жусан» на родину вернули 412 человек ...") so the
facts stage has work. The same seed gives the same files byte for byte. Source pools are loaded once and
documents are generated and written one at a time, so memory stays flat at any N.

The benchmarks are read from ../shared/benchmarks next to the project, or from env ETL_BENCHMARKS_DIR; they are
never copied into the project.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT / "seeds"
FILES_PER_FOLDER = 1000
SOURCE_SHARES = {"factrueval-ru": 0.35, "conllpp-en": 0.30, "kaznerd-kk": 0.25, "seeds": 0.10}
SOURCE_LANG = {"factrueval-ru": "ru", "conllpp-en": "en", "kaznerd-kk": "kk"}
KAZNERD_DOC_SENTENCES = (5, 15)
TITLE_MAX_WORDS = 12
FACT_SHARE = 0.35  # documents that get a repatriation sentence
NAME_SWAP_SHARE = 0.5  # documents whose person surnames are replaced
NUMBER_CHANGE_SHARE = 0.7  # numbers (not years or dates) given new digits
MAX_ATTEMPTS = 20  # regenerations with a new sub-seed when a text repeats an earlier one


def default_benchmarks_dir() -> Path:
    """The shared benchmarks folder: env ETL_BENCHMARKS_DIR, else ../shared/benchmarks next to the project."""
    override = os.environ.get("ETL_BENCHMARKS_DIR")
    return Path(override) if override else PROJECT.parent / "shared" / "benchmarks"


# --------------------------------------------------------------------------- source pools


@dataclass(frozen=True)
class RuArticle:
    """One factRuEval article: its raw text and the character spans of its annotated surnames."""

    text: str
    surname_spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class TaggedSentence:
    """One tokenized sentence with the indices of person-name tokens (the last token of a name is the surname)."""

    tokens: tuple[str, ...]
    first_name_at: frozenset[int]
    surname_at: frozenset[int]


@dataclass(frozen=True)
class SeedText:
    """One seed article and the language of its body."""

    text: str
    lang: str


@dataclass
class SourcePools:
    """Everything the generator draws from, loaded once."""

    ru_articles: list[RuArticle]
    en_articles: list[list[TaggedSentence]]
    kk_sentences: list[TaggedSentence]
    seeds: list[SeedText]


def load_factrueval(folder: Path) -> list[RuArticle]:
    """factRuEval-2016 articles of the test and dev sets with their `surname` spans."""
    articles = []
    for split in ("testset", "devset"):
        for path in sorted((folder / split).glob("book_*.txt"), key=lambda p: int(p.stem.split("_")[1])):
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
            spans = []
            spans_path = path.with_suffix(".spans")
            if spans_path.exists():
                for line in spans_path.read_text(encoding="utf-8").splitlines():
                    fields = line.split()
                    if len(fields) >= 4 and fields[1] == "surname":
                        start, length = int(fields[2]), int(fields[3])
                        spans.append((start, start + length))
            articles.append(RuArticle(text, tuple(sorted(set(spans)))))
    return articles


def _tagged(tokens: list[str], tags: list[str], person_tag: str) -> TaggedSentence:
    first_names, surnames = set(), set()
    for index, tag in enumerate(tags):
        if tag.endswith(person_tag):
            name_continues = index + 1 < len(tags) and tags[index + 1] == f"I-{person_tag}"
            (first_names if name_continues else surnames).add(index)
    return TaggedSentence(tuple(tokens), frozenset(first_names), frozenset(surnames))


def _conll_sentences(lines: Sequence[str], person_tag: str):
    """Yield ("doc", None) at each -DOCSTART- and ("sentence", TaggedSentence) for each sentence."""
    tokens: list[str] = []
    tags: list[str] = []
    for line in lines:
        if line.startswith("-DOCSTART-"):
            yield "doc", None
            continue
        fields = line.split()
        if fields:
            tokens.append(fields[0])
            tags.append(fields[-1])
        elif tokens:
            yield "sentence", _tagged(tokens, tags, person_tag)
            tokens, tags = [], []
    if tokens:
        yield "sentence", _tagged(tokens, tags, person_tag)


def load_conllpp(path: Path) -> list[list[TaggedSentence]]:
    """CoNLL++ test articles, each a list of sentences, split at -DOCSTART-."""
    articles: list[list[TaggedSentence]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for kind, sentence in _conll_sentences(lines, "PER"):
        if kind == "doc":
            articles.append([])
        elif articles:
            articles[-1].append(sentence)
    return [article for article in articles if len(article) >= 3]


_FILLER = re.compile(r"^[а-яәіөүұқғңһ]{1,4}$")


def load_kaznerd(path: Path) -> list[TaggedSentence]:
    """KazNERD test sentences in file order, without the transcribed fillers "( эээ )" of TV speech."""
    sentences = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for _, sentence in _conll_sentences(lines, "PERSON"):
        tokens = sentence.tokens
        filler_at = {i for i in range(1, len(tokens) - 1)
                     if tokens[i - 1] == "(" and tokens[i + 1] == ")" and _FILLER.match(tokens[i])}
        if filler_at:
            dropped = {j for i in filler_at for j in (i - 1, i, i + 1)}
            keep = [i for i in range(len(tokens)) if i not in dropped]
            renumber = {old: new for new, old in enumerate(keep)}
            sentence = TaggedSentence(tuple(tokens[i] for i in keep),
                                      frozenset(renumber[i] for i in sentence.first_name_at if i in renumber),
                                      frozenset(renumber[i] for i in sentence.surname_at if i in renumber))
        if len(sentence.tokens) >= 3:
            sentences.append(sentence)
    return sentences


_KAZAKH_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def script_language(text: str) -> str:
    """A rough label from letters alone: "kk" with Kazakh-only letters, "ru" for other Cyrillic, else "en"."""
    cyrillic = len(_CYRILLIC.findall(text))
    kazakh = len(_KAZAKH_LETTERS.findall(text))
    if cyrillic + kazakh < len(re.findall(r"[A-Za-z]", text)):
        return "en"
    return "kk" if kazakh > 0.02 * (cyrillic + kazakh) else "ru"


def load_pools(benchmarks_dir: Path, seeds_dir: Path = SEEDS_DIR) -> SourcePools:
    """Read the three benchmark sources and the seeds; FileNotFoundError names the first that is missing."""
    needed = [benchmarks_dir / "factrueval-2016-ru", benchmarks_dir / "conllpp-en" / "conllpp_test.txt",
              benchmarks_dir / "kaznerd-kk" / "IOB2_test.txt", seeds_dir]
    for path in needed:
        if not path.exists():
            raise FileNotFoundError(f"benchmark source not found: {path}")
    seeds = []
    for path in sorted(seeds_dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        seeds.append(SeedText(text, script_language(text)))
    return SourcePools(load_factrueval(needed[0]), load_conllpp(needed[1]), load_kaznerd(needed[2]), seeds)


# --------------------------------------------------------------------------- text helpers

_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "»", "”", "%", "...", "n't", "'s", "'S", "'"}
_NO_SPACE_AFTER = {"(", "[", "{", "«", "“", "$"}


def detokenize_sentences(sentences: Sequence[Sequence[str]]) -> list[str]:
    """Each token list joined with spaces, none before closing punctuation or after opening brackets and quotes.

    A straight double quote opens or closes by turns across the sentences, since quotations span sentences.
    """
    texts = []
    double_quote_open = False
    for tokens in sentences:
        pieces: list[str] = []
        glue_next = True
        for token in tokens:
            glue = glue_next
            glue_next = False
            if token == '"':
                if double_quote_open:
                    glue = True
                else:
                    glue_next = True
                double_quote_open = not double_quote_open
            elif token in _NO_SPACE_BEFORE or token.startswith("%-") or (token.startswith("'") and len(token) <= 3):
                glue = True
            if token in _NO_SPACE_AFTER:
                glue_next = True
            pieces.append(token if glue else " " + token)
        texts.append("".join(pieces).strip())
    return texts


def detokenize(tokens: Sequence[str]) -> str:
    """One sentence's tokens as text (see detokenize_sentences)."""
    return detokenize_sentences([tokens])[0]


_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])\s+(?=[\"«“(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
_INNER_BREAK = re.compile(r"[.!?…]\s+[\"«“(]?[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ]")
_TRAILING_PUNCT = re.compile(r"[\s,;:.!?…—–\-(«\"“]+$")
_ENDS_SENTENCE = re.compile(r"[.!?…]$")


def headline_ok(title: str) -> bool:
    """True when a line reads as a headline: 3-40 words, at most 200 chars, no full stop at the end or inside."""
    words = title.split()
    return (3 <= len(words) <= 40 and 20 <= len(title) <= 200 and not _ENDS_SENTENCE.search(title)
            and not title.endswith((",", ";", ":")) and not _INNER_BREAK.search(title))


def headline_from(sentence: str) -> str | None:
    """A headline cut from a lead sentence: at most TITLE_MAX_WORDS words, no final punctuation; None if unfit."""
    words = sentence.split()[:TITLE_MAX_WORDS]
    title = _TRAILING_PUNCT.sub("", " ".join(words))
    # unbalanced quotes or brackets after the cut read badly
    for opening, closing in (("«", "»"), ("(", ")"), ("“", "”")):
        if title.count(opening) != title.count(closing):
            title = title.replace(opening, "").replace(closing, "")
    if title.count('"') % 2:
        title = title.replace('"', "")
    title = " ".join(title.split())
    return title if headline_ok(title) else None


_SMALL_WORDS = {"a", "an", "the", "in", "on", "of", "for", "to", "and", "at", "by", "with", "vs", "as", "or", "from"}
_ACRONYMS = {"UN", "EU", "US", "UK", "WTO", "NATO", "OPEC", "IMF", "UEFA", "FIFA", "IOC", "OAU", "ANC", "IRA", "PLO",
             "AIDS", "CEO", "GDP", "TV", "OK"}


def title_case(tokens: Sequence[str]) -> list[str]:
    """Reuters all-caps headline tokens in title case ("JAPAN GET LUCKY WIN" -> "Japan Get Lucky Win")."""
    cased = []
    for index, token in enumerate(tokens):
        # vowel-less short tokens are acronyms (NFL, GMT, MP)
        is_acronym = token in _ACRONYMS or (len(token) <= 4 and not re.search(r"[AEIOUY]", token))
        if token.isupper() and "." not in token and len(token) > 1 and not is_acronym:
            lower = token.lower()
            token = lower if index and lower in _SMALL_WORDS else lower.capitalize()
            token = re.sub(r"-(\w)", lambda m: "-" + m.group(1).upper(), token)
        cased.append("'s" if token == "'S" else token)
    return cased


# --------------------------------------------------------------------------- variation

# Surnames by declension class, so the case ending of the original fits the replacement.
_SURNAMES = {
    "ru": {"ов": ["Петров", "Смирнов", "Соколов", "Морозов", "Волков", "Орлов", "Комаров", "Белов", "Титов"],
           "ев": ["Алексеев", "Лебедев", "Григорьев", "Сергеев", "Яковлев", "Зайцев", "Беляев", "Васильев"],
           "ин": ["Ильин", "Никитин", "Фомин", "Сорокин", "Зимин", "Карпин", "Галкин", "Шилин"]},
    "kk": {"ов": ["Ахметов", "Омаров", "Жұмабеков", "Сейітов", "Қасымов", "Нұрланов", "Тоқтаров", "Сапаров"],
           "ев": ["Серікбаев", "Жақсыбаев", "Есенбаев", "Құлбаев", "Тәшенев", "Әлиев", "Мамырбаев"],
           "ин": ["Мусин", "Тәжин", "Ерғалин", "Сабитин", "Қалиин", "Жанин"],
           "ұлы": ["Серікұлы", "Ерланұлы", "Болатұлы", "Асқарұлы", "Маратұлы", "Нұрланұлы"],
           "қызы": ["Серікқызы", "Болатқызы", "Асқарқызы", "Маратқызы"]},
}
_EN_FIRST_NAMES = ["James", "Maria", "David", "Anna", "Peter", "Laura", "Thomas", "Elena", "Michael", "Sarah",
                   "Carlos", "Yuki", "Daniel", "Nadia"]
_EN_SURNAMES = ["Harrison", "Novak", "Keller", "Moreno", "Lindqvist", "Brennan", "Okafor", "Tanaka", "Costa",
                "Fischer", "Walsh", "Petersen", "Duarte", "Kowalski"]
_CYRILLIC_SURNAME = re.compile(
    r"^([А-ЯЁӘҒҚҢӨҰҮҺІ][а-яёәғқңөұүһі-]*?)(ов|ев|ёв|ин|ұлы|улы|қызы)([а-яёәғқңөұүһі]{0,6})$")
_RU_CASE_TAILS = {"", "а", "у", "ы", "ым", "ом", "е", "ой", "ою", "ых", "ыми"}
# Kazakh case and possessive suffixes after -ов/-ев/-ин start with a consonant ("Назарбаевтың", "Ахметовқа")
_KK_CASE_TAIL = re.compile(r"(?!ск)(?:а|ы|[тдқғкгнмбпсжлш][а-яәғқңөұүһі]{0,5})?")  # not "-ский"
_SEED_SURNAME = re.compile(r"(?<![\w-])[А-ЯЁ][а-яё]+(?:ов|ев)(?:а|у|ым|ом|е|ой|ых)?(?![\w-])")
_SEED_LATIN_SURNAME = re.compile(r"(?<![\w-])[A-Z][a-z]+(?:ov|ev|yev)a?(?![\w-])")


class NameSwapper:
    """Replaces surnames consistently within one document (one original stem, one replacement)."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        self.rng = rng
        self.lang = lang
        self.stems: dict[str, str] = {}

    def cyrillic(self, word: str) -> str:
        """The word with its surname stem replaced by one of the same class; unchanged if not a known pattern."""
        match = _CYRILLIC_SURNAME.match(word)
        if not match:
            return word
        head, ending, tail = match.groups()
        ending_class = "ев" if ending == "ёв" else "ұлы" if ending == "улы" else ending
        pool = _SURNAMES["kk" if self.lang == "kk" else "ru"].get(ending_class)
        tail_fits = _KK_CASE_TAIL.fullmatch(tail) if self.lang == "kk" else tail in _RU_CASE_TAILS
        if not pool or not tail_fits or (ending_class in ("ұлы", "қызы") and tail):
            return word
        stem = head + ending
        if stem not in self.stems:
            self.stems[stem] = self.rng.choice(pool)
        return self.stems[stem] + tail

    def english(self, token: str, first_name: bool) -> str:
        """A replacement first name or surname, upper-cased when the original is."""
        key = ("F:" if first_name else "S:") + token.lower()
        if key not in self.stems:
            self.stems[key] = self.rng.choice(_EN_FIRST_NAMES if first_name else _EN_SURNAMES)
        return self.stems[key].upper() if token.isupper() and len(token) > 1 else self.stems[key]

    def seed_text(self, text: str) -> str:
        """Seed text with Russian-style surnames (Cyrillic -ов/-ев, Latin -ov/-yev) replaced."""
        text = _SEED_SURNAME.sub(lambda m: self.cyrillic(m.group(0)), text)

        def latin(match: re.Match[str]) -> str:
            word = match.group(0)
            female = word.endswith("a")
            key = "L:" + word.rstrip("a")
            if key not in self.stems:
                self.stems[key] = self.rng.choice(["Petrov", "Smirnov", "Orlov", "Sergeyev", "Akhmetov", "Omarov"])
            return self.stems[key] + ("a" if female else "")

        return _SEED_LATIN_SURNAME.sub(latin, text)


def swap_tokens(sentence: TaggedSentence, swapper: NameSwapper | None) -> list[str]:
    """The sentence's tokens with person names replaced when a swapper is given."""
    tokens = list(sentence.tokens)
    if swapper is None:
        return tokens
    for index in sentence.first_name_at | sentence.surname_at:
        if swapper.lang == "en":
            tokens[index] = swapper.english(tokens[index], index in sentence.first_name_at)
        elif index in sentence.surname_at:
            tokens[index] = swapper.cyrillic(tokens[index])
    return tokens


_MONTH_WORDS = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
                r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|"
                r"январ|феврал|март|апрел|ма[яй]|июн|июл|август|сентябр|октябр|ноябр|декабр|"
                r"қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан)\w*")
# Years, dates and times keep their digits: the pipeline reads them as years and publication dates.
_PROTECTED_NUMBER = re.compile(
    rf"\d{{1,4}}[.\-/]\d{{1,2}}[.\-/]\d{{2,4}}|(?<!\d)(?:19\d\d|20[0-3]\d)(?!\d)|\d{{1,2}}:\d\d"
    rf"|(?<![\d.,])\d{{1,2}}\s+{_MONTH_WORDS}|\b{_MONTH_WORDS}\.?\s+\d{{1,2}}(?!\d)")
_DIGITS = re.compile(r"\d+")
_ENGLISH_ORDINAL = re.compile(r"st|nd|rd|th")


def _ordinal_suffix(number: int) -> str:
    if 10 <= number % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def vary_numbers(text: str, rng: random.Random, share: float = NUMBER_CHANGE_SHARE,
                 memo: dict[str, str] | None = None) -> str:
    """Give `share` of the numbers new random digits of the same length (no new leading zero); keep years, dates, times.

    A number seen before (in this call or in `memo`, shared across one document's parts) gets the same replacement.
    """
    memo = {} if memo is None else memo
    protected = [m.span() for m in _PROTECTED_NUMBER.finditer(text)]
    pieces: list[str] = []
    last = 0
    for match in _DIGITS.finditer(text):
        start, end = match.span()
        if start < last or any(a <= start < b for a, b in protected):
            continue
        digits = match.group(0)
        if digits not in memo:
            if rng.random() >= share:
                memo[digits] = digits
            else:
                first = digits[0] if digits[0] == "0" else str(rng.randint(1, 9))
                memo[digits] = first + "".join(str(rng.randint(0, 9)) for _ in digits[1:])
        number = memo[digits]
        if number == digits:
            continue
        pieces += [text[last:start], number]
        last = end
        ordinal = _ENGLISH_ORDINAL.match(text, end)
        if ordinal and not text[ordinal.end():ordinal.end() + 1].isalpha():
            pieces.append(_ordinal_suffix(int(number)))  # "71st" -> "52nd"
            last = ordinal.end()
    return "".join(pieces) + text[last:]


def _ru_plural(count: int, one: str, few: str, many: str) -> str:
    if count % 10 == 1 and count % 100 != 11:
        return one
    if 2 <= count % 10 <= 4 and not 12 <= count % 100 <= 14:
        return few
    return many


def repatriation_sentence(lang: str, rng: random.Random) -> str:
    """A sentence with a counted repatriation fact (total = women + children where both are given)."""
    women, children = rng.randint(5, 400), rng.randint(5, 900)
    total = women + children
    year_from = rng.randint(2017, 2021)
    year_to = rng.randint(year_from + 1, 2024)
    variant = rng.randrange(4)
    if lang == "ru":
        people = _ru_plural(total, "человек", "человека", "человек")
        women_word = _ru_plural(women, "женщина", "женщины", "женщин")
        children_word = _ru_plural(children, "ребенок", "ребенка", "детей")
        return [
            f"В рамках операции «Жусан» на родину вернули {total} {people} "
            f"({women} {women_word} и {children} {children_word}).",
            f"С {year_from} по {year_to} год из Сирии и Ирака в Казахстан были возвращены {total} {people}, "
            f"из них {children} {children_word}.",
            f"Всего в ходе операции «Мехр» в Узбекистан вернулись {total} {people}.",
            f"В ходе операции «Мээрим» в Кыргызстан из Ирака вернули {children} {children_word}.",
        ][variant]
    if lang == "kk":
        return [
            f"«Жусан» операциясы аясында {total} адам елге оралды.",
            f"«Жусан» операциясы аясында Сириядан {total} адам, оның ішінде {women} әйел мен {children} бала "
            f"елге қайтарылды.",
            f"{year_from} жылдан бері Қазақстанға {total} азамат оралды.",
            f"«Мейірім» операциясы барысында Ирактан {children} бала Қырғызстанға қайтарылды.",
        ][variant]
    return [
        f"Under operation Zhusan {total} people were returned, including {women} women and {children} children.",
        f"Since {year_from}, Kazakhstan has repatriated more than {total} citizens from Syria and Iraq.",
        f"In total, {total} people, {children} of them children, returned to Uzbekistan under the Mehr operation.",
        f"Between {year_from} and {year_to}, Kyrgyzstan brought back {children} children from Iraq "
        f"under operation Meerim.",
    ][variant]


_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "ru": ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"],
    "kk": ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз", "қыркүйек", "қазан",
           "қараша", "желтоқсан"],
}


def dateline(lang: str, rng: random.Random) -> str:
    """A publication date line in one of the formats the sources use for `lang` (2012-2024)."""
    year, month, day = rng.randint(2012, 2024), rng.randint(1, 12), rng.randint(1, 28)
    month_name = _MONTHS[lang][month - 1]
    clock = f"{rng.randint(7, 22):02d}:{rng.randrange(60):02d}"
    formats = [f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}",
               f"{day:02d}.{month:02d}.{year} {clock}"]
    if lang == "en":
        formats += [f"{month_name} {day}, {year}", f"{day} {month_name} {year}"]
    elif lang == "ru":
        formats += [f"{day} {month_name} {year}", f"{day} {month_name} {year} г.",
                    f"{clock}, {day} {month_name} {year}"]
    else:
        formats += [f"{day} {month_name} {year}", f"{year} жылғы {day} {month_name}", f"{day} {month_name} {year} ж."]
    return rng.choice(formats)


_CRUMBS = {"ru": ["Главная / Новости", "Главная › Общество", "Новости / Казахстан", "Главная / В мире"],
           "kk": ["Басты / Жаңалықтар", "Басты бет › Қоғам", "Жаңалықтар / Саясат", "Басты"],
           "en": ["Home / News", "Home › World", "News / Politics"]}
_AGENCIES = {"ru": ["Kazinform", "Tengrinews.kz", "Zakon.kz", "Интерфакс-Казахстан", "Источник: Kazpravda.kz"],
             "kk": ["Kazinform", "Егемен Қазақстан", "Хабар 24", "Тілші: Айгүл Серікқызы"],
             "en": ["Kazinform", "Reuters", "By Daniel Walsh", "Astana Times"]}


# --------------------------------------------------------------------------- documents


@dataclass(frozen=True)
class Draft:
    """A generated article before its header is laid out: headline, body paragraphs, language."""

    title: str
    paragraphs: list[str]
    lang: str


def _ru_draft(article: RuArticle, rng: random.Random) -> Draft:
    text = article.text
    if rng.random() < NAME_SWAP_SHARE and article.surname_spans:
        swapper = NameSwapper(rng, "ru")
        pieces, last = [], 0
        for start, end in article.surname_spans:
            if start < last:
                continue
            pieces += [text[last:start], swapper.cyrillic(text[start:end])]
            last = end
        text = "".join(pieces) + text[last:]
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    first = paragraphs[0]
    if headline_ok(first) and len(paragraphs) > 1:
        return Draft(first, paragraphs[1:], "ru")
    return Draft(_title_from_paragraphs(paragraphs, "ru"), paragraphs, "ru")


def _title_from_paragraphs(paragraphs: Sequence[str], lang: str) -> str:
    for paragraph in paragraphs[:3]:
        for sentence in _SENTENCE_BREAK.split(paragraph)[:3]:
            title = headline_from(sentence)
            if title:
                return title
    fallback = {"ru": "Новости дня", "kk": "Күн жаңалықтары", "en": "News of the day"}[lang]
    return f"{fallback}: {' '.join(paragraphs[0].split()[:6])}".rstrip(".,;:")


def _paragraphs_from_sentences(sentences: Sequence[str], rng: random.Random, most: int) -> list[str]:
    """Group prose sentences 1..`most` to a paragraph; lines without final punctuation (tables) stay one per line."""
    paragraphs: list[str] = []
    prose: list[str] = []
    table: list[str] = []
    size = rng.randint(1, most)
    for sentence in sentences:
        if _ENDS_SENTENCE.search(sentence.rstrip('"”»')):
            if table:
                paragraphs.append("\n".join(table))
                table = []
            prose.append(sentence)
            if len(prose) >= size:
                paragraphs.append(" ".join(prose))
                prose, size = [], rng.randint(1, most)
        else:
            if prose:
                paragraphs.append(" ".join(prose))
                prose = []
            table.append(sentence)
    for rest in (prose, table):
        if rest:
            paragraphs.append((" " if rest is prose else "\n").join(rest))
    return paragraphs


_CONLL_DATELINE = re.compile(r"^(.*?)\s*\d{4}-\d\d-\d\d$")


def _en_draft(article: Sequence[TaggedSentence], rng: random.Random) -> Draft:
    swapper = NameSwapper(rng, "en") if rng.random() < NAME_SWAP_SHARE else None
    title = headline_from(detokenize(title_case(swap_tokens(article[0], swapper))))
    body_sentences = article[1:]
    # a byline is a sentence made of one person's name only
    if body_sentences and len(body_sentences[0].first_name_at | body_sentences[0].surname_at) == len(
            body_sentences[0].tokens):
        body_sentences = body_sentences[1:]
    sentences = detokenize_sentences([swap_tokens(s, swapper) for s in body_sentences])
    if sentences:
        dateline_match = _CONLL_DATELINE.match(sentences[0])
        if dateline_match and len(sentences) > 1:
            place = dateline_match.group(1)
            agency = " (Reuters)" if rng.random() < 0.5 else ""
            sentences = [f"{place}{agency} - {sentences[1]}", *sentences[2:]]
    paragraphs = _paragraphs_from_sentences(sentences, rng, most=3) or ["No further details were given."]
    return Draft(title or _title_from_paragraphs(paragraphs, "en"), paragraphs, "en")


def _kk_draft(pool: Sequence[TaggedSentence], rng: random.Random) -> Draft:
    count = rng.randint(*KAZNERD_DOC_SENTENCES)
    start = rng.randrange(max(1, len(pool) - count))
    swapper = NameSwapper(rng, "kk") if rng.random() < NAME_SWAP_SHARE else None
    sentences = detokenize_sentences([swap_tokens(s, swapper) for s in pool[start:start + count]])
    paragraphs = _paragraphs_from_sentences(sentences, rng, most=4)
    return Draft(_title_from_paragraphs(paragraphs, "kk"), paragraphs, "kk")


_SEED_DATELINE = re.compile(r"\s*\d{2}\.\d{2}\.\d{4}\s*")


def _seed_text(seed: SeedText, pools: SourcePools, rng: random.Random) -> str:
    """A seed with its date, surnames and some paragraphs varied, sometimes extended by a same-language paragraph."""
    text = seed.text
    if rng.random() < NAME_SWAP_SHARE:
        text = NameSwapper(rng, seed.lang).seed_text(text)
    text = vary_numbers(text, rng)  # before the new datelines go in
    lines = text.split("\n")
    has_date = False
    for index, line in enumerate(lines):
        if _SEED_DATELINE.fullmatch(line):
            lines[index] = dateline(seed.lang, rng)
            has_date = True
    blocks = [block.strip("\n") for block in re.split(r"\n[ \t]*\n", "\n".join(lines)) if block.strip()]
    title_at = next((i for i, block in enumerate(blocks) if len(block.split()) >= 3), 0)
    if not has_date and rng.random() < 0.6:
        blocks[title_at] += "\n" + dateline(seed.lang, rng)
    # header blocks up to the headline and the lead, and a short closing line ("Back to top button") stay put
    head_size = min(title_at + 2, len(blocks))
    tail_size = 1 if len(blocks) > head_size and len(blocks[-1].split()) < 8 else 0
    head, body, tail = blocks[:head_size], blocks[head_size:len(blocks) - tail_size], blocks[len(blocks) - tail_size:]
    if len(body) > 3:
        body = [block for block in body if rng.random() < 0.8] or body[:1]
    if rng.random() < 0.5:
        borrowed = (_ru_draft(rng.choice(pools.ru_articles), rng) if seed.lang == "ru"
                    else _en_draft(rng.choice(pools.en_articles), rng)).paragraphs
        prose = [p for p in borrowed if len(p.split()) >= 8 and _ENDS_SENTENCE.search(p.rstrip('"”»'))]
        if prose:
            body.insert(rng.randint(0, len(body)), vary_numbers(rng.choice(prose), rng))
    if rng.random() < FACT_SHARE:
        body.insert(rng.randint(0, len(body)), repatriation_sentence(seed.lang, rng))
    return "\n\n".join(head + body + tail) + "\n"


def _layout(draft: Draft, rng: random.Random) -> str:
    """Crumbs (sometimes), headline, dateline, agency line (sometimes), then body paragraphs and a final newline."""
    paragraphs = list(draft.paragraphs)
    if rng.random() < FACT_SHARE:
        paragraphs.insert(rng.randint(1, len(paragraphs)), repatriation_sentence(draft.lang, rng))
    header = []
    if rng.random() < 0.15:
        header.append(rng.choice(_CRUMBS[draft.lang]))
    header.append(draft.title)
    header.append(dateline(draft.lang, rng))
    if rng.random() < 0.25:
        header.append(rng.choice(_AGENCIES[draft.lang]))
    separator = "\n\n" if rng.random() < 0.3 else "\n"
    body = "\n\n".join(paragraphs)
    return separator.join(header[:-1]) + separator + header[-1] + "\n\n" + body + "\n"


def generate_document(source: str, pools: SourcePools, rng: random.Random) -> tuple[str, str]:
    """One article text from `source` and its language."""
    if source == "seeds":
        seed = rng.choice(pools.seeds)
        return _seed_text(seed, pools, rng), seed.lang
    if source == "factrueval-ru":
        draft = _ru_draft(rng.choice(pools.ru_articles), rng)
    elif source == "conllpp-en":
        draft = _en_draft(rng.choice(pools.en_articles), rng)
    else:
        draft = _kk_draft(pools.kk_sentences, rng)
    memo: dict[str, str] = {}  # the headline repeats the lead's figures
    draft = Draft(vary_numbers(draft.title, rng, memo=memo),
                  [vary_numbers(p, rng, memo=memo) for p in draft.paragraphs], draft.lang)
    return _layout(draft, rng), draft.lang


def source_schedule(n_docs: int, rng: random.Random) -> list[str]:
    """Sources for `n_docs` documents in SOURCE_SHARES proportions (largest remainder), shuffled."""
    exact = {source: share * n_docs for source, share in SOURCE_SHARES.items()}
    counts = {source: int(value) for source, value in exact.items()}
    by_remainder = sorted(exact, key=lambda s: (exact[s] - counts[s], SOURCE_SHARES[s]), reverse=True)
    for source in by_remainder[: n_docs - sum(counts.values())]:
        counts[source] += 1
    schedule = [source for source, count in counts.items() for _ in range(count)]
    rng.shuffle(schedule)
    return schedule


def _content_key(text: str) -> bytes:
    # the pipeline's doc_id hashes the NFC text with trailing spaces and edge newlines stripped
    normalized = "\n".join(line.rstrip() for line in unicodedata.normalize("NFC", text).split("\n")).strip("\n")
    return hashlib.sha256(normalized.encode("utf-8")).digest()[:16]


def build_corpus(n_docs: int, out_dir: Path, seed: int = 0, *, benchmarks_dir: Path | None = None,
                 seeds_dir: Path = SEEDS_DIR) -> dict:
    """Write `n_docs` distinct news articles to out_dir/NNNN/NNNNNN.txt; return counts by source and language.

    Deterministic for a given seed. `out_dir` must be empty or absent. FileNotFoundError if a source is missing.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"output folder is not empty: {out_dir}")
    pools = load_pools(benchmarks_dir or default_benchmarks_dir(), seeds_dir)
    schedule = source_schedule(n_docs, random.Random(f"schedule:{seed}"))
    width = max(6, len(str(n_docs - 1)))
    seen: set[bytes] = set()
    by_source: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    total_bytes = 0
    regenerated = 0
    for index, source in enumerate(schedule):
        for attempt in range(MAX_ATTEMPTS):
            rng = random.Random(f"{seed}:{index}:{attempt}")
            text, lang = generate_document(source, pools, rng)
            key = _content_key(text)
            if key not in seen:
                break
            regenerated += 1
        else:
            raise RuntimeError(f"document {index} repeats an earlier text after {MAX_ATTEMPTS} attempts")
        seen.add(key)
        folder = out_dir / f"{index // FILES_PER_FOLDER:04d}"
        if index % FILES_PER_FOLDER == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        (folder / f"{index:0{width}d}.txt").write_bytes(data)
        total_bytes += len(data)
        by_source[source] += 1
        by_lang[lang] += 1
    return {"docs": n_docs, "by_source": dict(sorted(by_source.items())), "by_lang": dict(sorted(by_lang.items())),
            "bytes": total_bytes, "regenerated": regenerated, "seed": seed}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, required=True, help="number of documents to write")
    parser.add_argument("--out", type=Path, required=True, help="output folder (must be empty or absent)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--benchmarks", type=Path, default=None,
                        help="shared benchmarks folder (default: env ETL_BENCHMARKS_DIR, else ../shared/benchmarks)")
    args = parser.parse_args(argv)
    if args.docs < 0:
        parser.error("--docs must be >= 0")
    try:
        counts = build_corpus(args.docs, args.out, args.seed, benchmarks_dir=args.benchmarks)
    except (FileNotFoundError, FileExistsError) as error:
        print(f"corpus: {error}", file=sys.stderr)
        return 2
    print(json.dumps(counts, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
