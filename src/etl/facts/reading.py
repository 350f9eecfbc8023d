"""One number in its sentence: what it counts and how (subject, qualifier), and its country, operation and years.

- qualifier: the phrase right before the number ("более", "more than", "около", "кемінде", "qariyb"), else
  a Turkic postposition right after it ("700-ден астам", "700 dan ortiq", "100гө жакын"). "up to", "до",
  "nearly", "почти" mean at most: less_than. Kazakh/Kyrgyz/Uzbek "жуық/жакын/yaqin" (close to): about.
- subject: the counted noun, after at most three modifiers (adjectives, participles, "nafar"); in English
  the last of two nouns is the head ("returnee children"); "women and children" -> women_and_children.
- country: the Central Asian country (KZ KG UZ TJ TM: the destination of a return) nearest to the number
  in its clause, then in its sentence, then any country in the clause, then in the sentence. Operation:
  nearest OPERATION entity in the clause, then the sentence. Years: the year expression of the clause
  ("С 2022 по 2024", "in 2019", "since 2019" -> year_to null), then the nearest in the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from razdel import sentenize
from razdel.rule import JOIN
from razdel.segmenters.sentenize import SentSplit

from etl.facts.lexicon import (
    ABLATIVE_BEFORE_RE,
    ABLATIVE_END_RE,
    ABLATIVE_MEASURE_WORDS,
    ABOUT_NUMBER_RE,
    AGE_OR_DURATION_RE,
    BREAKDOWN_BEFORE_NUMBER_RE,
    CENTRAL_ASIA,
    CHANGE_TO_LEVEL_RE,
    CONFLICT_ZONES,
    CONJUNCTIONS,
    COPULAS,
    COUNT_OF_GAP_RE,
    COUNT_OF_WORD_RE,
    COUNTRY_CODE_RE,
    DASH_COPULAS,
    DETACHED_CASE_ENDINGS,
    ENGLISH_ADJECTIVE_RE,
    ENGLISH_MODIFIERS,
    ENGLISH_OF_DETERMINERS,
    GENITIVE_BEFORE_RE,
    GENITIVE_BEFORE_WORDS,
    GENITIVE_PRONOUNS,
    LESS_AFTER_ABLATIVE_ONLY,
    MEASURE_WORDS,
    NOUN_WORD_RE,
    NUMBER_OF_RE,
    NUMBER_OF_WORD_RE,
    ORPHANED_BY_PREDICATE,
    PART_OF_AFTER_NUMBER_RE,
    PEOPLE,
    PERSON_MEASURE_WORDS,
    POSSESSIVE_MEASURE_WORDS,
    POSSESSIVE_MODIFIERS,
    POSSESSIVE_NOUN_RE,
    POSSESSIVE_NUMBER_RE,
    POSSESSIVE_QUALIFIERS_AFTER,
    QUALIFIER_PHRASE_WORDS,
    QUALIFIERS_AFTER,
    QUALIFIERS_BEFORE,
    RETURN_VERB_AFTER_RE,
    RUSSIAN_ADJECTIVE_RE,
    RUSSIAN_MORE_AFTER_RE,
    SUBJECT_NOUNS,
    TOKEN_RE,
    TURKIC_ADJECTIVE_RE,
    TURKIC_COUNT_OF_RE,
    TURKIC_MODIFIERS,
    WORD_START_RE,
    YEAR_DIGITS_RE,
    YEAR_PATTERNS,
    YEAR_PREPOSITION_BEFORE_RE,
    YOUNG_WORDS,
    last_words_start,
)
from etl.facts.numbers import NumberSpan, normalize_word
from etl.facts.records import Draft

# Tajik "and" written as an enclitic on the first noun: "зан-у кӯдак" -> "зану кӯдак"
TAJIK_AND_ENCLITIC = "у"
# the words after a number that are read for its noun phrase
TOKEN_WINDOW_CHARS = 200
# adjectives, participles and measure words skipped between a number and its noun
MAX_MODIFIERS = 3
# "number of X Y Z reached N": the last words of X Y Z looked at for the counted noun
MAX_WORDS_AFTER_NUMBER_OF = 4

Token = tuple[str, int, int]  # (text, start, end), offsets into the body
Mention = tuple[int, int, str]  # (start, end, ISO2 code or operation name), offsets into the body
Span = tuple[int, int]  # (start, end), offsets into the body

# razdel's sentence delimiters followed by a space (the only ones judged), and the characters it looks at on
# either side of one
_SENTENCE_DELIMITER_RE = re.compile(rf"(?:{sentenize.split.re.pattern})(?=\s)")
_SENTENCE_WINDOW = sentenize.split.window
_SENTENCE_RULES = tuple(rule.function for rule in sentenize.rules)


# --- sentences, clauses, brackets ------------------------------------------------------------------------

def sentence_spans(body: str) -> list[Span]:
    """(start, end) of each sentence of `body`, line by line (a line break always ends a sentence)."""
    spans: list[Span] = []
    line_start = 0
    for line in body.split("\n"):
        if line.strip():
            spans.extend(_line_sentences(line, line_start))
        line_start += len(line) + 1
    return spans


def _line_sentences(line: str, offset: int) -> list[Span]:
    """razdel's sentences of one line (`razdel.sentenize`, its delimiters and rules), as body offsets.

    razdel builds a split record and runs its eleven rules for every delimiter; a delimiter not followed by a
    space always joins (its `no_space_prefix` rule, or `empty_side` before it), so only the others are judged,
    by razdel's own rules. tests/test_facts.py checks the spans equal razdel's.
    """
    spans: list[Span] = []
    chunk_start = 0
    for match in _SENTENCE_DELIMITER_RE.finditer(line):
        start, stop = match.span()
        split = SentSplit(line[max(0, start - _SENTENCE_WINDOW):start], match.group(1),
                          line[stop:stop + _SENTENCE_WINDOW], line[chunk_start:start])
        if _joins(split):
            continue
        spans.append(_stripped(line, chunk_start, stop, offset))
        chunk_start = stop
    spans.append(_stripped(line, chunk_start, len(line), offset))
    return spans


def _joins(split: SentSplit) -> bool:
    """`sentenize.join`: the first of razdel's rules with an answer decides (called directly, without its wrappers)."""
    for rule in _SENTENCE_RULES:
        action = rule(split)
        if action:
            return action == JOIN
    return False


def _stripped(line: str, start: int, end: int, offset: int) -> Span:
    chunk = line[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    return offset + start + lead, offset + start + len(chunk.rstrip())


def clause_spans(text: str, offset: int) -> list[Span]:
    """Clauses of one sentence split at ", ", ";" and dashes outside brackets, as body offsets."""
    spans, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and (char == ";" or (char == "," and text[index + 1:index + 2].isspace())
                             or (char in "—–" and text[index - 1:index].isspace())):
            spans.append((offset + start, offset + index))
            start = index + 1
    spans.append((offset + start, offset + len(text)))
    return spans


def bracket_spans(text: str, offset: int) -> list[Span]:
    """Outermost "(...)" of one sentence, brackets included, as body offsets."""
    spans, open_brackets = [], []
    for index, char in enumerate(text):
        if char == "(":
            open_brackets.append(index)
        elif char == ")" and open_brackets:
            open_at = open_brackets.pop()
            if not open_brackets:
                spans.append((offset + open_at, offset + index + 1))
    return spans


# --- subject and qualifier -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What a number counts and how, as read from its sentence."""

    subject: str
    qualifier: str
    noun_end: int  # body offset after the counted noun phrase
    noun_before: bool = False


def noun_subject(word: str) -> str | None:
    """Subject of a counted noun in any of the five languages ("детей" -> children), else None."""
    word = normalize_word(word)
    for subject, pattern in SUBJECT_NOUNS:
        if pattern.fullmatch(word):
            return subject
    if "-" in word:
        parts = [noun_subject(part) for part in word.split("-") if part]
        if "orphans" in parts:
            return "orphans"
        return parts[0] if parts else None
    return None


def read_count(masked: str, span: NumberSpan, sentence_start: int, sentence_end: int) -> Reading | None:
    """Subject and qualifier of the number at `span` (body offsets), or None when it counts nothing."""
    number_text = masked[span.start:span.end]
    if (span.kind == "digits" and YEAR_DIGITS_RE.fullmatch(number_text)
            and YEAR_PREPOSITION_BEFORE_RE.search(masked[sentence_start:span.start])):
        return None
    left_text = masked[sentence_start:span.start]
    # a qualifier ends the left context and spans a few words: only those are lowered and searched
    tail_start = last_words_start(left_text, QUALIFIER_PHRASE_WORDS)
    phrase_tail = left_text[tail_start:].lower().replace("ё", "е")
    qualifier = "less_than" if span.is_range else "exact"
    for name, pattern in QUALIFIERS_BEFORE:
        if pattern.search(phrase_tail):
            qualifier = name
            break
    left = phrase_tail if tail_start == 0 else left_text.lower().replace("ё", "е")
    if qualifier == "less_than" and CHANGE_TO_LEVEL_RE.search(left):
        qualifier = "exact"  # "выросло до 832", "rose to 832": the new level, not an upper bound
    if qualifier == "exact" and ABOUT_NUMBER_RE.search(number_text):
        qualifier = "about"
    after_number = span.end
    more = RUSSIAN_MORE_AFTER_RE.match(masked, after_number)
    if more and more.end() <= sentence_end:
        qualifier, after_number = "more_than", more.end()
    tokens = [(match.group(), match.start(), match.end())
              for match in TOKEN_RE.finditer(masked, after_number, min(sentence_end, after_number + TOKEN_WINDOW_CHARS))]
    cursor = 0
    possessive = bool(POSSESSIVE_NUMBER_RE.search(number_text)) or (
        bool(tokens) and normalize_word(tokens[0][0]) in POSSESSIVE_MEASURE_WORDS)
    if cursor < len(tokens) and normalize_word(tokens[cursor][0]) in DETACHED_CASE_ENDINGS | ABLATIVE_MEASURE_WORDS:
        cursor += 1
    if (cursor < len(tokens) and normalize_word(tokens[cursor][0]) in QUALIFIERS_AFTER
            and _compares(tokens[cursor][0], tokens[cursor - 1][0] if cursor else number_text)):
        if qualifier == "exact":
            qualifier = QUALIFIERS_AFTER[normalize_word(tokens[cursor][0])]
        cursor += 1
    elif cursor < len(tokens) and normalize_word(tokens[cursor][0]) in POSSESSIVE_QUALIFIERS_AFTER:
        if qualifier == "exact":
            qualifier = POSSESSIVE_QUALIFIERS_AFTER[normalize_word(tokens[cursor][0])]
        possessive = True
        cursor += 1
    if (cursor < len(tokens) and (normalize_word(tokens[cursor][0]) in COPULAS or tokens[cursor][0] in DASH_COPULAS)
            and (BREAKDOWN_BEFORE_NUMBER_RE.search(left) or possessive)):
        # "Из них свыше 360 — дети", "Олардың 156-сы – балалар" (156 of them are children)
        cursor += 1
    if (cursor + 1 < len(tokens) and tokens[cursor][0].lower() == "of"
            and normalize_word(tokens[cursor + 1][0]) in ENGLISH_OF_DETERMINERS):
        cursor += 2  # "more than 700 of its citizens"
    elif PART_OF_AFTER_NUMBER_RE.match(masked, after_number):
        # "156 children, 18 of whom are orphans": the part's noun follows "of whom" and a copula
        cursor += 2
        if cursor < len(tokens) and normalize_word(tokens[cursor][0]) in COPULAS:
            cursor += 1
    subject, cursor, noun_end = _noun_phrase(tokens, cursor)
    if subject is not None and qualifier == "exact" and cursor < len(tokens):
        # Kyrgyz/Kazakh/Uzbek put the comparison after the noun too: "460 адамдан ашык", "30 адамга чейин"
        postposition = normalize_word(tokens[cursor][0])
        if postposition in QUALIFIERS_AFTER and _compares(tokens[cursor][0], tokens[cursor - 1][0]):
            qualifier = QUALIFIERS_AFTER[postposition]
    if subject in ORPHANED_BY_PREDICATE and _orphans_predicate(tokens, cursor):
        subject = "orphans"  # "30 of the children are orphans", "18 бала – жетім"
    if possessive and subject not in PEOPLE:
        # N of the group named before: "балалардың 30-ы", "boladan 140 nafari maktabga bordi" (a place after it
        # is no counted noun)
        genitive = (GENITIVE_BEFORE_RE.search(left_text, last_words_start(left_text, GENITIVE_BEFORE_WORDS))
                    or ABLATIVE_BEFORE_RE.search(left_text))
        before = noun_subject(genitive.group(1)) if genitive else None
        if genitive and normalize_word(genitive.group(1)) in GENITIVE_PRONOUNS:
            before = "persons"  # "алардын 200гө чамалуусу": about 200 of them (people named before)
        if before is not None and (subject is None or before in PEOPLE):
            return Reading(subject=before, qualifier=qualifier, noun_end=span.end, noun_before=True)
    if subject is None and RETURN_VERB_AFTER_RE.match(masked, after_number):
        # "еще 90 вернулись самостоятельно", "40 returned on their own": people, named by the verb
        return Reading(subject="persons", qualifier=qualifier, noun_end=span.end)
    if subject is None:
        before = _noun_before(masked[sentence_start:span.start])
        if before is None:
            return None
        return Reading(subject=before, qualifier=qualifier, noun_end=span.end, noun_before=True)
    return Reading(subject=subject, qualifier=qualifier, noun_end=noun_end)


def _compares(postposition: str, before: str) -> bool:
    """True when a Turkic comparison word after a number or noun compares: "аз"/"kam" (less) only after an
    ablative ("100-ден аз"), since Tajik "аз" is "from" ("104 кӯдак аз урдугоҳҳо")."""
    return normalize_word(postposition) not in LESS_AFTER_ABLATIVE_ONLY or bool(ABLATIVE_END_RE.search(before))


def _orphans_predicate(tokens: list[Token], cursor: int) -> bool:
    """True when a copula or a dash, then an orphans noun, follow the counted noun: "… are orphans", "– жетім"."""
    if cursor >= len(tokens) or not (normalize_word(tokens[cursor][0]) in COPULAS or tokens[cursor][0] in DASH_COPULAS):
        return False
    return cursor + 1 < len(tokens) and noun_subject(tokens[cursor + 1][0]) == "orphans"


def _noun_before(left: str) -> str | None:
    """Subject named before the number by "number of X ... N" / "X саны N", else None."""
    turkic = TURKIC_COUNT_OF_RE.search(left) if COUNT_OF_WORD_RE.search(left) else None
    if turkic and COUNT_OF_GAP_RE.fullmatch(turkic.group("gap")):
        return noun_subject(turkic.group("noun"))
    number_of = NUMBER_OF_RE.search(left) if NUMBER_OF_WORD_RE.search(left) else None
    if not number_of:
        return None
    rest = number_of.group("rest")
    words = list(NOUN_WORD_RE.finditer(rest))[:MAX_WORDS_AFTER_NUMBER_OF]
    for word in reversed(words):
        subject = noun_subject(word.group())
        if subject is not None and COUNT_OF_GAP_RE.fullmatch(rest[word.end():]):
            return subject
    return None


def _noun_phrase(tokens: list[Token], cursor: int) -> tuple[str | None, int, int]:
    """Subject of the noun phrase starting at tokens[cursor] (modifiers skipped, "X and Y" joined)."""
    subject, cursor, end = _head_noun(tokens, cursor)
    if subject is None:
        return None, cursor, end
    # "104 women, children" (a headline's "and"): only the two nouns themselves
    if (cursor + 1 < len(tokens) and tokens[cursor][0] == ","
            and {subject, noun_subject(tokens[cursor + 1][0])} == {"women", "children"}):
        return "women_and_children", cursor + 2, tokens[cursor + 1][2]
    if cursor < len(tokens) and normalize_word(tokens[cursor][0]) in CONJUNCTIONS:
        second, after_second, second_end = _head_noun(tokens, cursor + 1)
        if second is not None and _pair_subject(subject, second) is not None:
            return _pair_subject(subject, second), after_second, second_end
    return subject, cursor, end


def _pair_subject(first: str, second: str) -> str | None:
    """Subject of "X and Y": women and children -> women_and_children; two other kinds of people -> persons."""
    pair = {first, second}
    if pair == {"women", "children"}:
        return "women_and_children"
    if pair <= PEOPLE - {"families"} and len(pair) > 1:
        return "persons"
    return None


def _two_nouns(first: str, second: str, second_word: str) -> str:
    """Subject of two adjacent nouns: the more specific one, else the English/Uzbek head (the last one)."""
    if {first, second} == {"orphans", "children"}:
        return "orphans"  # "жетім бала", "yetim bola", "детей-сирот"
    if "persons" in (first, second) and {first, second} <= PEOPLE:
        return second if first == "persons" else first  # "әйел адам", "returnee children"
    return second if second_word.isascii() else first


def _is_modifier(word: str) -> bool:
    lower = normalize_word(word)
    if lower in ENGLISH_MODIFIERS or lower in MEASURE_WORDS or lower in TURKIC_MODIFIERS or lower in POSSESSIVE_MODIFIERS:
        return True
    if lower.endswith("i") and lower.isascii():
        return word[:1].isupper() and bool(ENGLISH_ADJECTIVE_RE.fullmatch(lower))  # "Iraqi", not Uzbek "-li"/"-si"
    return bool(ENGLISH_ADJECTIVE_RE.fullmatch(lower) or RUSSIAN_ADJECTIVE_RE.fullmatch(lower)
                or TURKIC_ADJECTIVE_RE.fullmatch(lower))


def _country_of_citizen(tokens: list[Token], cursor: int) -> bool:
    """A capitalized name before a possessive people noun: "93 nafar O'zbekiston fuqarosi", "40 Қазақстан азаматы"."""
    if cursor + 1 >= len(tokens) or not tokens[cursor][0][:1].isupper():
        return False
    following = tokens[cursor + 1][0]
    return bool(POSSESSIVE_NOUN_RE.fullmatch(following)) and noun_subject(following) in PEOPLE


def _tajik_and(tokens: list[Token], cursor: int) -> str | None:
    """Subject of a Tajik pair joined by the enclitic "-у" ("зану кӯдак", "мардону занон"), else None."""
    word = normalize_word(tokens[cursor][0])
    if not word.endswith(TAJIK_AND_ENCLITIC) or cursor + 1 >= len(tokens):
        return None
    first = noun_subject(word[:-len(TAJIK_AND_ENCLITIC)])
    second = noun_subject(tokens[cursor + 1][0])
    return _pair_subject(first, second) if first and second else None


def _head_noun(tokens: list[Token], cursor: int) -> tuple[str | None, int, int]:
    """Subject of the first counted noun from tokens[cursor], after at most MAX_MODIFIERS modifiers."""
    skipped = 0
    measure_end, measure_cursor = 0, cursor  # after a bare "nafar": people, unless a noun follows
    while cursor < len(tokens):
        word = tokens[cursor][0]
        if not WORD_START_RE.match(word):
            break
        if (normalize_word(word) in YOUNG_WORDS and cursor + 1 < len(tokens)
                and noun_subject(tokens[cursor + 1][0]) in ("children", "orphans")):
            skipped += 1  # "156 жаш бала", "40 yosh bola": young children, not an age
            cursor += 1
            continue
        if AGE_OR_DURATION_RE.fullmatch(normalize_word(word)):
            return None, cursor, 0
        subject = noun_subject(word)
        joined = _tajik_and(tokens, cursor) if subject is None else None
        if joined is not None:
            return joined, cursor + 2, tokens[cursor + 1][2]  # "зану кӯдак" (women and children)
        if subject is not None:
            end = tokens[cursor][2]
            cursor += 1
            adjacent = cursor < len(tokens) and tokens[cursor][1] - end <= 1
            later = noun_subject(tokens[cursor][0]) if adjacent else None
            if later is not None and later != subject:
                chosen = _two_nouns(subject, later, tokens[cursor][0])
                if chosen == later:
                    return later, cursor + 1, tokens[cursor][2]
                return subject, cursor + 1, tokens[cursor][2]
            return subject, cursor, end
        if skipped >= MAX_MODIFIERS or not (_is_modifier(word) or _country_of_citizen(tokens, cursor)):
            break
        if skipped == 0 and normalize_word(word) in PERSON_MEASURE_WORDS:
            measure_end, measure_cursor = tokens[cursor][2], cursor + 1
        skipped += 1
        cursor += 1
    if measure_end:
        return "persons", measure_cursor, measure_end
    return None, cursor, 0


# --- country, operation, years ---------------------------------------------------------------------------

def entity_spans(entities: pd.DataFrame | None, doc_id: str) -> tuple[list[Mention], list[Mention]]:
    """(start, end, ISO2) of country mentions and (start, end, name) of operations in one document's body (the
    headline's mentions, in_title, point into the title and are left out)."""
    if entities is None or len(entities) == 0:
        return [], []
    if "doc_id" not in entities.columns:
        return _mentions(entities)
    return mentions_by_document(entities[entities["doc_id"] == doc_id]).get(doc_id, ([], []))


def mentions_by_document(entities: pd.DataFrame | None) -> dict[str, tuple[list[Mention], list[Mention]]]:
    """`entity_spans` of every document of `entities` (with a doc_id column) at once, keyed by doc_id.

    One pass over the columns as lists: selecting and iterating each document's rows in pandas cost more than
    reading the facts themselves.
    """
    if entities is None or len(entities) == 0 or "doc_id" not in entities.columns:
        return {}
    rows_of: dict[str, list[int]] = {}
    for index, doc_id in enumerate(entities["doc_id"].tolist()):
        rows_of.setdefault(doc_id, []).append(index)
    columns = _mention_columns(entities)
    return {doc_id: _mentions_of_rows(columns, rows) for doc_id, rows in rows_of.items()}


def _mention_columns(entities: pd.DataFrame) -> dict[str, list]:
    missing = [None] * len(entities)
    return {name: entities[name].tolist() if name in entities.columns else missing
            for name in ("entity_type", "start", "end", "canonical_id", "canonical_name", "text", "in_title")}


def _mentions(entities: pd.DataFrame) -> tuple[list[Mention], list[Mention]]:
    return _mentions_of_rows(_mention_columns(entities), range(len(entities)))


def _mentions_of_rows(columns: dict[str, list], rows) -> tuple[list[Mention], list[Mention]]:
    countries, operations = [], []
    for index in rows:
        in_title = columns["in_title"][index]
        if not _is_missing(in_title) and bool(in_title):
            continue  # a headline mention: its offsets point into the title
        kind = str(columns["entity_type"][index] or "").upper()
        start, end = columns["start"][index], columns["end"][index]
        if _is_missing(start) or _is_missing(end):
            continue
        canonical_id = columns["canonical_id"][index]
        if kind in ("LOC", "LOCATION", "GPE", "COUNTRY") and isinstance(canonical_id, str) \
                and COUNTRY_CODE_RE.fullmatch(canonical_id):
            countries.append((int(start), int(end), canonical_id))
        elif kind == "OPERATION":
            name = columns["canonical_name"][index]
            if not isinstance(name, str) or not name:
                name = columns["text"][index]
            if isinstance(name, str) and name:
                operations.append((int(start), int(end), name))
    return countries, operations


def _is_missing(value: object) -> bool:
    """None, NA, NaN or NaT (`pd.isna` of a scalar), without asking pandas about the usual int or bool."""
    return value is None or (not isinstance(value, int) and bool(pd.isna(value)))


def _distance(mention: Mention, draft: Draft) -> tuple[int, int]:
    # nearest first; on a tie the mention before the number wins
    if mention[1] <= draft.start:
        return draft.start - mention[1], 0
    return max(0, mention[0] - draft.end), 1


def pick_nearest(mentions: list[Mention], draft: Draft, scopes: list[Span]) -> str | None:
    """Label of the mention nearest to the number inside the first scope that has one, else None."""
    for scope_start, scope_end in scopes:
        inside = [mention for mention in mentions if scope_start <= mention[0] and mention[1] <= scope_end]
        if inside:
            return min(inside, key=lambda mention: _distance(mention, draft))[2]
    return None


def pick_country(countries: list[Mention], draft: Draft, sentence: Span, clause: Span,
                 document_home: str | None = None) -> str | None:
    """The Central Asian country nearest in the clause, then the sentence; else any country, the same way.

    People counted are people of a home country, never of the conflict zone they were taken from ("from
    Syria 595 citizens" is not SY): for them a conflict-zone country is passed over, and with no other
    country in the sentence the document's home country (`document_home`) is theirs.
    """
    home = [country for country in countries if country[2] in CENTRAL_ASIA]
    nearest_home = pick_nearest(home, draft, [clause, sentence])
    if nearest_home or draft.subject not in PEOPLE:
        return nearest_home or pick_nearest(countries, draft, [clause, sentence])
    others = [country for country in countries if country[2] not in CONFLICT_ZONES]
    return pick_nearest(others, draft, [clause, sentence]) or document_home


def document_home_country(countries: list[Mention]) -> str | None:
    """The Central Asian country a document is about: the one it names most often, if strictly most often."""
    counts: dict[str, int] = {}
    for country in countries:
        if country[2] in CENTRAL_ASIA:
            counts[country[2]] = counts.get(country[2], 0) + 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def pick_year(body: str, draft: Draft, sentence: Span, clause: Span,
              drafts: list[Draft]) -> tuple[int | None, int | None]:
    """(year_from, year_to) of the year expression nearest in the clause, then the sentence; counts are not years."""
    sentence_start, sentence_end = sentence
    expressions = [(sentence_start + start, sentence_start + end, year_from, year_to)
                   for start, end, year_from, year_to in _year_expressions(body[sentence_start:sentence_end])]
    expressions = [expression for expression in expressions
                   if not any(other.start < expression[1] and expression[0] < other.end for other in drafts)]
    for scope_start, scope_end in (clause, sentence):
        inside = [expression for expression in expressions
                  if scope_start <= expression[0] and expression[1] <= scope_end]
        if inside:
            best = min(inside, key=lambda expression: _distance((expression[0], expression[1], ""), draft))
            return best[2], best[3]
    return None, None


# each figure of a sentence reads the sentence's years again; the bound keeps memory flat over a long run
YEAR_CACHE_SIZE = 1 << 10


@lru_cache(maxsize=YEAR_CACHE_SIZE)
def _year_expressions(text: str) -> tuple[tuple[int, int, int, int | None], ...]:
    """(start, end, year_from, year_to) of every year expression in `text`; ranges before single years."""
    found: list[tuple[int, int, int, int | None]] = []
    for kind, pattern in YEAR_PATTERNS:
        for match in pattern.finditer(text):
            if any(start < match.end() and match.start() < end for start, end, _, _ in found):
                continue
            first = int(match.group(1))
            if kind == "range":
                found.append((match.start(), match.end(), first, int(match.group(2))))
            elif kind == "since":
                found.append((match.start(), match.end(), first, None))
            else:
                found.append((match.start(), match.end(), first, first))
    return tuple(sorted(found))
