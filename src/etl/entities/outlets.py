"""Organizations named by what follows or surrounds them: news outlets, press services, copyright holders.

A quoted name read on a platform ('«Замин»ни Telegram’да ўқинг') is an outlet too.

'Stan.kz ақпарат агенттігі', 'Кавказ.Реалии басылмасы', 'Khovar news agency' name an outlet; 'Ақорда баспасөз
қызметі' and 'Surxondaryo viloyati IIB axborot xizmati' name the body whose press service it is (the
annotation convention); 'Copyright © 2017 Maral FM' names the site's owner; a quoted domain ('"Саясат.kg"')
names an outlet. The word lists are data (``outlet_nouns``, ``press_service_nouns`` in the gazetteer).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from rapidfuzz import fuzz

from etl.entities.candidates import Candidate, org_candidate, sentence_initial
from etl.entities.lexicon import ACCUSATIVE_ENDING, KK_KY_UZ_SENTENCE_STARTERS, leading_letters, rule_words
from etl.entities.thresholds import GAZETTEER_ORG_PRIORITY, KEYWORD_ORG_CONFIDENCE
from etl.entities.tokens import normalize_token
from etl.entities.transliteration import slugify
from etl.entities.turkic import case_marked_word
from etl.fields.phrases import PHRASES

# a word of a name before an outlet noun: letters with inner dots / hyphens / apostrophes ('Stan.kz', 'Osken-onir.kz')
_NAME_WORD = re.compile(r"[^\W\d_][\w'’ʻ]*(?:[.\-][\w'’ʻ]+)*$")

# a genitive ending: 'Президенттин басма сөз кызматы' is the President's press service, not a name
_GENITIVE = re.compile(r"(?:ning|нинг|ның|нің|нын|нин|нун|нүн|дың|дің|тың|тің|дын|дин|дун|дүн|тын|тин|тун|түн)$")

_QUOTED_BEFORE = re.compile(r"[«“„\"]([^«»“”„\"\n]{2,40})[»”“\"][ \t]*$")

_QUOTED_DOMAIN = re.compile(r"[«“„\"]([^\W\d_][\w\-]*\.(?:kz|kg|uz|tj|ru|com|media|net|org|info))[»”“\"]",
                            re.IGNORECASE)

# a quoted name, then (a case ending and a preposition and) a platform: '«Замин»ни Telegram’да ўқинг', 'читайте
# «Дунё» в Telegram': the outlet asks to be read there
_QUOTED_THEN_WORD = re.compile(
    r"[«“„\"]([^«»“”„\"\n]{2,40})[»”“\"][^\W\d_]{0,4}[ \t]+(?:(?:в|на|in|on)[ \t]+)?([^\W\d_]+)")

# a copyright notice: 'Copyright © 2017 Maral FM', '© 2024 Zakon.kz. All rights reserved'
_COPYRIGHT = re.compile(r"(?:Copyright[ \t]*)?©[ \t]*(?:\d{4}(?:[ \t]*[-–][ \t]*\d{4})?)[ \t,]*"
                        r"([^\W\d_][^\n|/,©]{1,40}?)[ \t]*(?=$|\n|[|/,]|\.[ \t]|\.$|[ \t]+[Aa]ll[ \t]+[Rr]ights)")

MAX_NAME_WORDS = 3
MASTHEAD_MAX_WORDS = 6  # 'Daryo | Yangiliklar | O'zbekiston': a line this short that opens with an outlet names it
DOMAIN_SPELLING_RATIO = 85  # rapidfuzz ratio of a domain's label to the transliterated words before it


def outlet_candidates(body: str, lang: str | None) -> list[Candidate]:
    """Outlets before an outlet noun, bodies before a press-service noun, copyright holders, quoted domains, and
    the outlets of the agency list wherever the text names them (a masthead, a byline, 'передает Vesti.kg')."""
    rules = rule_words()
    out = _listed_outlets(body, lang)
    for pattern, press in _noun_patterns():
        for noun in pattern.finditer(body):
            span = _name_before(body, noun.start(), press)
            if span is not None:
                out.append(_org(body, *span, lang))
    for notice in _COPYRIGHT.finditer(body) if "©" in body else ():  # a notice has its sign: most texts have none
        name = notice.group(1).rstrip(" .")
        if name[:1].isupper() and normalize_token(name) not in rules.platforms:
            out.append(_org(body, notice.start(1), notice.start(1) + len(name), lang))
    for quoted in _QUOTED_THEN_WORD.finditer(body):
        if (normalize_token(quoted.group(2)) in rules.platforms and quoted.group(1)[:1].isupper()
                and read_us_line(body, quoted.start())):
            out.append(_org(body, quoted.start(1), quoted.end(1), lang))
    for quoted in _QUOTED_DOMAIN.finditer(body):
        out.append(_org(body, quoted.start(1), quoted.end(1), lang))
    return out


@lru_cache(maxsize=1)
def _listed_aliases() -> dict[str, list[tuple[re.Pattern[str], str]]]:
    """The agency list's aliases keyed by their casefolded first word, longest first: (pattern, the list's name)."""
    index: dict[str, list[tuple[int, re.Pattern[str], str]]] = {}
    for agency in PHRASES["agencies"]:
        flags = 0 if agency.get("case_sensitive") else re.IGNORECASE
        for alias in agency["aliases"]:
            first = _ALIAS_WORD.search(alias)
            if first is None:
                continue
            # an alias does not continue a domain, an address or a path ('kabar.kg/news', '@kabar')
            pattern = re.compile(r"(?<![\w.@/-])" + re.escape(alias).replace(r"\ ", r"\s+") + r"(?![\w-]|\.\w)", flags)
            index.setdefault(first.group().casefold(), []).append((len(alias), pattern, agency["name"]))
    return {word: [(pattern, name) for _, pattern, name in sorted(aliases, key=lambda a: -a[0])]
            for word, aliases in index.items()}


_ALIAS_WORD = re.compile(r"\w+")


def _listed_outlets(body: str, lang: str | None) -> list[Candidate]:
    """The agency list's outlets the text names, any alias ('Egemen.kz', 'Егемен Қазақстан') under the list's one
    name unless the gazetteer knows the outlet; domains and quoted names the list lacks are left to the rules."""
    aliases = _listed_aliases()
    found: list[tuple[int, int, str]] = []
    # only the aliases whose first word the text holds are tried: one pass over the text's words
    for word in {word.casefold() for word in set(_ALIAS_WORD.findall(body))} & aliases.keys():
        for pattern, name in aliases[word]:
            found += [(m.start(), m.end(), name) for m in pattern.finditer(body)]
    out: list[Candidate] = []
    for start, end, name in sorted(found, key=lambda mention: (mention[0], -mention[1])):
        if (out and start < out[-1].end) or _common_word(body, start, end):
            continue
        candidate = _org(body, start, end, lang)
        if not candidate.known:
            candidate = replace(candidate, canonical_name=name, canonical_id=f"org:{slugify(name)}")
        out.append(candidate)
    return out


def _common_word(body: str, start: int, end: int) -> bool:
    """An outlet's name that is also a word ('айқын' clear, 'спутник', 'курсив'): written in lower case, or one
    plain word opening a sentence ('Айқын жауап берілмеді.'); on a masthead line, or as a domain, it is a name."""
    text = body[start:end]
    if text[:1].islower():
        return True
    if not re.fullmatch(r"[^\W\d_]+", text) or not sentence_initial(body, start):
        return False
    line_end = body.find("\n", end)
    line = body[start:line_end if line_end >= 0 else len(body)].rstrip()
    return len(line.split()) > MASTHEAD_MAX_WORDS or line.endswith((".", "!", "?"))


@lru_cache(maxsize=1)
def _noun_patterns() -> tuple[tuple[re.Pattern[str], bool], ...]:
    """The outlet nouns and the press-service nouns as two regexes, each with whether it names a press service."""
    rules = rule_words()
    return tuple((re.compile(r"(?<![\w-])" + leading_letters(nouns) + "(?:" + "|".join(re.escape(n) for n in nouns) + ")",
                             re.IGNORECASE), press)
                 for nouns, press in ((rules.outlet_nouns, False), (rules.press_service_nouns, True)))


def read_us_line(body: str, position: int) -> bool:
    """Whether the line holding body[position] asks to read or follow the outlet ('Читайте нас в Telegram')."""
    line_start = body.rfind("\n", 0, position) + 1
    line_end = body.find("\n", position)
    line = body[line_start:line_end if line_end >= 0 else len(body)]
    return any(normalize_token(word).startswith(rule_words().read_us_words) for word in line.split())


def _spelled_before(words: list[tuple[int, int, str]], domain_index: int) -> tuple[int, int] | None:
    """The span from the 1-3 words before a domain that spell its name ('Өскен өңір Osken-onir.kz') to the domain."""
    label = re.sub(r"[^a-z0-9]", "", slugify(words[domain_index][2].rsplit(".", 1)[0]))
    for count in (1, 2, 3):
        first = domain_index - count
        if first < 0 or not words[first][2][:1].isupper():
            continue
        spelled = re.sub(r"[^a-z0-9]", "", slugify(" ".join(w for _, _, w in words[first:domain_index])))
        if label and fuzz.ratio(spelled, label) >= DOMAIN_SPELLING_RATIO:
            return words[first][0], words[domain_index][1]
    return None


def _org(body: str, start: int, end: int, lang: str | None) -> Candidate:
    return org_candidate(start, end, body[start:end], "rule:outlet", KEYWORD_ORG_CONFIDENCE, GAZETTEER_ORG_PRIORITY,
                         lang or "")


def _name_before(body: str, noun_start: int, press: bool) -> tuple[int, int] | None:
    """The span of the name right before an outlet / press-service noun, or None when there is none.

    A quoted name, or up to three capitalised (or dotted, 'Stan.kz') words on the same line; a press service's
    name may hold one lower-case word between capitalised ones ('Surxondaryo viloyati IIB'). A genitive or a
    job title in front ('Президенттин ...', 'Омбудсмен баспасөз қызметі') names no organization."""
    rules = rule_words()
    line_start = body.rfind("\n", 0, noun_start) + 1
    before = body[line_start:noun_start]
    quoted = _QUOTED_BEFORE.search(before)
    if quoted:
        return line_start + quoted.start(1), line_start + quoted.end(1)
    words = [(m.start() + line_start, m.end() + line_start, m.group()) for m in re.finditer(r"\S+", before)]
    if not words or not before.endswith((" ", "\t")):
        return None
    name: list[tuple[int, int, str]] = []
    for word in reversed(words):
        surface = word[2]
        if not _NAME_WORD.match(surface) or len(name) >= MAX_NAME_WORDS + press:
            break
        lower_inside = press and name and len(name) < MAX_NAME_WORDS and name[0][2][:1].isupper()
        if not (surface[:1].isupper() or "." in surface or lower_inside):
            break
        name.insert(0, word)
    while name and not name[0][2][:1].isupper():
        name = name[1:]
    while name and normalize_token(name[0][2]) in KK_KY_UZ_SENTENCE_STARTERS | rules.en_stopwords:
        name = name[1:]
    if name and "." in name[-1][2]:
        # a domain is the outlet's whole name ('Маалыматты Чагылган.kg басылмасы'), with the name it spells
        # written before it ('Өскен өңір Osken-onir.kz ақпараттық агенттігі')
        return _spelled_before(words, len(words) - 1) or (name[-1][0], name[-1][1])
    if len(name) > 1 and sentence_initial(body, name[0][0]) and (case_marked_word(name[0][2])
                                                               or ACCUSATIVE_ENDING.search(name[0][2])):
        name = name[1:]  # 'Бейнені Мәжіліс баспасөз қызметі': the sentence's object opens the line
    if not name:
        return None
    last = normalize_token(name[-1][2])
    if _GENITIVE.search(last) or last in rules.titles or normalize_token(name[0][2]) in rules.titles:
        return None
    if len(name) == 1 and last in rules.platforms:
        return None
    return name[0][0], name[-1][1]
