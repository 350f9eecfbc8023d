"""Breakdowns, stated totals and their consistency checks over the counted figures of one document.

- breakdown: facts inside "(...)" right after a fact, or after "из них / including / of whom / оның
  ішінде / shundan / :" are parts of the nearest earlier fact whose subject can contain them; so are two or
  more figures of one sentence that add up exactly to a figure just before them ("104 women and children
  ... The group was made up of 31 women and 73 children"). Breakdown parts without their own country,
  operation or years take the parent's.
- repeated mention: a figure stated again for the same group in the same document ("231 citizens ... the
  231 evacuated") points at its first mention (`same_as_fact_id`); a part stated again keeps its whole.
- total: a fact marked "всего / in total / барлығы / jami ..." is checked against the earlier top-level
  facts of the same kind (people returned or not) within six sentences, walking back and stopping at a
  non-exact or larger figure; the nearest run of at least two that adds up is taken, else all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from functools import lru_cache

import pandas as pd

from etl.facts.lexicon import (
    ABLATIVE_BEFORE_RE,
    BREAKDOWN_MARKER_RE,
    CLAUSE_BREAK_RE,
    GENITIVE_BEFORE_RE,
    GENITIVE_BEFORE_WORDS,
    GENITIVE_PRONOUNS,
    GROUP_WORD_RE,
    OF_THE_AFTER_NUMBER_RE,
    PART_OF_AFTER_NUMBER_RE,
    PART_SUBJECTS,
    PARTICIPLE_GENITIVE_RE,
    PEOPLE,
    POSSESSIVE_MEASURE_WORDS,
    POSSESSIVE_NUMBER_RE,
    POSSESSIVE_PRONOUN_BEFORE_RE,
    REMAINDER_OPENER_RE,
    SPACED_DASH_RE,
    TOTAL_AFTER_RE,
    TOTAL_BEFORE_RE,
    has_return_cue,
    held_where_they_are,
    last_words_start,
)
from etl.facts.numbers import APOSTROPHES, NumberSpan, find_numbers, mask_non_counts, normalize_word
from etl.facts.reading import Span, bracket_spans, noun_subject, read_count
from etl.facts.records import Draft, Fact

# a "(...)" breakdown starts at most this many characters after the whole's noun
MAX_CHARS_BEFORE_BRACKET = 120
# "460 адам кайтарылды: 145 аял ...": the colon at most this many characters after the whole's noun
MAX_CHARS_BEFORE_COLON = 40
# "156 баланың 18-і": the genitive noun of the whole at most this many characters before the part
MAX_CHARS_BEFORE_POSSESSIVE = 3
# "Из них 300 детей": a marker this near the sentence start refers to a whole in the previous sentence
MAX_MARKER_OFFSET_FOR_PREVIOUS_SENTENCE = 25
# a part opening its sentence ("Из них ...", "Калган 14 бала", "30 of the children") finds its whole at most this
# many sentences back (a sentence without figures may stand between: "... Дар ин бора вазорат хабар дод.")
PART_LOOKBACK_SENTENCES = 2
# a stated total adds up figures at most this many sentences before it
TOTAL_LOOKBACK_SENTENCES = 6
# a stated total is checked only against at least this many figures
MIN_SUMMANDS = 2
# parts that add up to a figure are looked for at most this many sentences after it
SUM_LOOKBACK_SENTENCES = 3
# smaller figures recur for different groups ("2 women", "4 children"): a repeat needs the same subject
REPEAT_MIN_VALUE = 10
# "about 700" allows 630 to 770
ABOUT_LOW, ABOUT_HIGH = 0.9, 1.1
# evidence sentences whose figures are remembered while a stored table is read (a shard's facts are read twice)
EVIDENCE_CACHE_SIZE = 1 << 13


# --- breakdowns ------------------------------------------------------------------------------------------

def breakdown_parents(drafts: list[Draft], masked: str, sentences: list[Span]) -> dict[int, int]:
    """Index of the whole of each breakdown part: "(...)" after a figure, or figures after "из них" / ":"."""
    parents: dict[int, int] = {}

    def can_contain(whole: int, part: int) -> bool:
        return whole != part and drafts[part].subject in PART_SUBJECTS.get(drafts[whole].subject, frozenset())

    def nearest_whole(candidates: list[int], part: int, parts_too: bool = False) -> int | None:
        # the nearest earlier figure that can hold the part: "460 человек ... шести этапов (145 женщин ...)"
        fitting = [index for index in candidates if can_contain(index, part) and (parts_too or index not in parents)]
        return fitting[-1] if fitting else None

    def earlier_whole(sentence_index: int, part: int, parts_too: bool = False) -> int | None:
        # the nearest fitting figure of the PART_LOOKBACK_SENTENCES sentences before; with `parts_too` a part may
        # be the whole ("... 44 nafar bola. Bolalardan 9 nafari yetim": the 9 are among the 44); orphans are always
        # among the children counted ("... 104 кӯдак ... Аз шумораи кӯдакон 11 нафар ятим")
        parts_too = parts_too or drafts[part].subject == "orphans"
        for back in range(1, PART_LOOKBACK_SENTENCES + 1):
            whole = nearest_whole([index for index, draft in enumerate(drafts)
                                   if draft.sentence_index == sentence_index - back], part, parts_too)
            if whole is not None:
                return whole
        return None

    by_sentence: dict[int, list[int]] = {}
    for index, draft in enumerate(drafts):
        by_sentence.setdefault(draft.sentence_index, []).append(index)
    for sentence_index, members in by_sentence.items():
        sentence_start, sentence_end = sentences[sentence_index]
        text = masked[sentence_start:sentence_end]
        brackets = bracket_spans(text, sentence_start)
        for bracket_start, bracket_end in brackets:
            inside = [index for index in members if bracket_start < drafts[index].start < bracket_end]
            outside = [index for index in members if drafts[index].end <= bracket_start
                       and not any(start < drafts[index].start < end for start, end in brackets)]
            if not inside:
                continue
            whole = nearest_whole(outside, inside[0])
            if whole is None or bracket_start - drafts[whole].noun_end > MAX_CHARS_BEFORE_BRACKET:
                continue
            for index in inside:
                if can_contain(whole, index):
                    parents[index] = whole
        openers = [(match.start() + sentence_start, match.end() + sentence_start, False)
                   for match in BREAKDOWN_MARKER_RE.finditer(text)]
        openers += [(colon + sentence_start, colon + sentence_start + 1, True)
                    for colon, char in enumerate(text) if char == ":"]
        for marker_start, marker_end, is_colon in sorted(openers):
            after = [index for index in members if drafts[index].start >= marker_end and index not in parents]
            if not after:
                continue
            whole = nearest_whole([index for index in members if drafts[index].end <= marker_start], after[0])
            if is_colon:
                # "460 адам кайтарылды: 145 аял жана 315 бала" - the colon closes the whole's own clause
                if whole is None or marker_start - drafts[whole].noun_end > MAX_CHARS_BEFORE_COLON:
                    continue
            elif whole is None:
                if marker_start - sentence_start > MAX_MARKER_OFFSET_FOR_PREVIOUS_SENTENCE or sentence_index == 0:
                    continue
                # "Из них 300 детей ..." opens the sentence: the whole is in a sentence just before
                whole = earlier_whole(sentence_index, after[0])
                if whole is None:
                    continue
            for index in after:
                if not can_contain(whole, index):
                    break
                if not PART_OF_AFTER_NUMBER_RE.match(masked, drafts[index].end):
                    parents[index] = whole
        for dash in SPACED_DASH_RE.finditer(text):
            # "двадцать пять граждан — семь женщин и 18 детей": parts after a dash that add up to the whole
            dash_start, dash_end = dash.start() + sentence_start, dash.end() + sentence_start
            after = [index for index in members if drafts[index].start >= dash_end and index not in parents]
            whole = nearest_whole([index for index in members if drafts[index].end <= dash_start], after[0]) \
                if after else None
            if whole is None or dash_start - drafts[whole].noun_end > MAX_CHARS_BEFORE_COLON:
                continue
            parts = []
            for index in after:
                if not can_contain(whole, index) or drafts[index].qualifier != "exact":
                    break
                parts.append(index)
            if len(parts) >= MIN_SUMMANDS and sum(drafts[index].value for index in parts) == drafts[whole].value:
                parents.update(dict.fromkeys(parts, whole))
        for index in members:
            draft = drafts[index]
            if index not in parents and POSSESSIVE_NUMBER_RE.search(masked[draft.start:draft.end]):
                # "156 баланың 18-і" (18 of the 156 children): the genitive's own figure is the whole
                wholes = [other for other in members if drafts[other].end <= draft.start
                          and draft.start - drafts[other].noun_end <= MAX_CHARS_BEFORE_POSSESSIVE
                          and can_contain(other, index)]
                if wholes:
                    parents[index] = wholes[-1]
        for position, index in enumerate(members):
            draft = drafts[index]
            left = masked[sentence_start:draft.start]
            genitive = GENITIVE_BEFORE_RE.search(left, last_words_start(left, GENITIVE_BEFORE_WORDS))
            if genitive is None and _possessive_count(masked, draft):
                genitive = ABLATIVE_BEFORE_RE.search(left)  # "boladan 140 nafari", "Болалардан ўн нафари"
            # a word cut at an apostrophe is the tail of a name ("O'zbekistonning")
            cut = genitive is not None and left[genitive.start(1) - 1:genitive.start(1)] in ("'", *APOSTROPHES)
            if index not in parents and genitive and not cut and _names_a_group(genitive.group(1)):
                # "Evakuatsiya qilinganlarning 19 nafarini bolalar", "ularning 4 nafari etim", "Олардың 156-сы":
                # N of those (counted just before, in this sentence or the ones before)
                wholes = [other for other in members if drafts[other].end <= draft.start and can_contain(other, index)]
                whole = wholes[-1] if wholes else earlier_whole(sentence_index, index, parts_too=True)
                if whole is not None:
                    parents[index] = whole
                    # "Олардың 156-сы – балалар, 18 бала – жетім": the figures after it describe the same group
                    for follower in members[position + 1:]:
                        if follower not in parents:
                            inner = [other for other in members if drafts[other].end <= drafts[follower].start
                                     and other != whole and (other == index or parents.get(other) == whole)
                                     and can_contain(other, follower)]
                            if inner:
                                parents[follower] = inner[-1]
                            elif can_contain(whole, follower):
                                parents[follower] = whole
        for index in members:
            draft = drafts[index]
            if index in parents:
                continue
            of_the = bool(OF_THE_AFTER_NUMBER_RE.match(masked, draft.end))
            if of_the or REMAINDER_OPENER_RE.search(masked[sentence_start:draft.start]):
                # "30 of the children are orphans" (among a part), "Калган 14 бала" (the rest of a whole): a part of a
                # group counted before
                wholes = [other for other in members if drafts[other].end <= draft.start and can_contain(other, index)
                          and (of_the or other not in parents)]
                whole = wholes[-1] if wholes else earlier_whole(sentence_index, index, parts_too=of_the)
                if whole is not None:
                    parents[index] = whole
        for index in members:
            draft = drafts[index]
            if index not in parents and POSSESSIVE_PRONOUN_BEFORE_RE.search(masked[sentence_start:draft.start]):
                # "five citizens, a mother and her four children": her children are among the five
                wholes = [other for other in members if drafts[other].end <= draft.start and can_contain(other, index)]
                if wholes:
                    parents[index] = wholes[-1]
        for index in members:
            if index not in parents and PART_OF_AFTER_NUMBER_RE.match(masked, drafts[index].end):
                # the figure right before it, itself possibly a part: "156 children, 18 of whom are orphans"
                wholes = [other for other in members if drafts[other].end <= drafts[index].start
                          and can_contain(other, index)]
                if wholes:
                    parents[index] = wholes[-1]
    return parents


def _possessive_count(masked: str, draft: Draft) -> bool:
    """True for "N of them" forms: a possessive number ("30-ы") or a possessive measure word after it ("12 nafari")."""
    if POSSESSIVE_NUMBER_RE.search(masked[draft.start:draft.end]):
        return True
    following = masked[draft.end:draft.end + 20].split()
    return bool(following) and normalize_word(following[0]) in POSSESSIVE_MEASURE_WORDS


def _names_a_group(word: str) -> bool:
    """True when a genitive or ablative word before a figure names people counted before (a common noun, a pronoun or
    a participle: "балалардың", "Олардың", "qaytarilganlarning"), not a proper name ("Қазақстанның")."""
    return (word[:1].islower() or bool(PARTICIPLE_GENITIVE_RE.search(word))
            or normalize_word(word) in GENITIVE_PRONOUNS or noun_subject(word) is not None)


def group_parents(drafts: list[Draft], masked: str, sentences: list[Span], parents: dict[int, int]) -> dict[int, int]:
    """Whole of figures in a sentence that describes groups without a return verb of its own, right after a
    sentence reporting a return ("More than 300 ... were repatriated. The first group included 89 children, and
    the second group 146 women and children."): the returned figure before them that can contain each."""
    found: dict[int, int] = {}
    for index, draft in enumerate(drafts):
        sentence = masked[slice(*sentences[draft.sentence_index])]
        if (index in parents or draft.sentence_index == 0 or not GROUP_WORD_RE.search(sentence)
                or has_return_cue(sentence)):
            continue
        previous = masked[slice(*sentences[draft.sentence_index - 1])]
        if not has_return_cue(previous):
            continue
        wholes = [other for other, earlier in enumerate(drafts)
                  if earlier.sentence_index == draft.sentence_index - 1 and earlier.subject in PART_SUBJECTS
                  and draft.subject in PART_SUBJECTS[earlier.subject] and earlier.value > draft.value]
        if wholes:
            found[index] = wholes[-1]
    return found


def family_parents(drafts: list[Draft], parents: dict[int, int]) -> dict[int, int]:
    """Whole of each count of families: families re-describe people already counted ("104 человека, 29 семей"),
    so they belong to the nearest earlier people figure of their sentence, else of the sentence before."""
    found: dict[int, int] = {}
    for index, draft in enumerate(drafts):
        if draft.subject != "families" or index in parents:
            continue
        earlier = [other for other in range(index - 1, -1, -1)
                   if drafts[other].subject in PEOPLE - {"families"}
                   and draft.sentence_index - drafts[other].sentence_index <= 1]
        if earlier:
            found[index] = earlier[0]
    return found


def parents_by_sum(drafts: list[Draft], parents: dict[int, int]) -> dict[int, int]:
    """Whole of each figure in a sentence whose exact people figures (two or more, not yet parts) add up exactly to
    an earlier figure of that sentence or of the SUM_LOOKBACK_SENTENCES before it that can contain them all."""
    found: dict[int, int] = {}
    by_sentence: dict[int, list[int]] = {}
    for index, draft in enumerate(drafts):
        by_sentence.setdefault(draft.sentence_index, []).append(index)
    for sentence_index, members in by_sentence.items():
        parts = [index for index in members if index not in parents and drafts[index].qualifier == "exact"
                 and drafts[index].subject in PEOPLE - {"families"}]
        if len(parts) < MIN_SUMMANDS:
            continue
        total = sum(drafts[index].value for index in parts)
        for whole in range(parts[0] - 1, -1, -1):
            if sentence_index - drafts[whole].sentence_index > SUM_LOOKBACK_SENTENCES:
                break
            fits = all(drafts[index].subject in PART_SUBJECTS.get(drafts[whole].subject, frozenset())
                       for index in parts)
            if drafts[whole].value == total and fits:
                found.update(dict.fromkeys(parts, whole))
                break
    return found


def link_repeated_mentions(facts: list[Fact]) -> list[Fact]:
    """Facts with repeated mentions linked: a people figure equal to an earlier one of the same group (same subject,
    or one of them `persons`, and >= REPEAT_MIN_VALUE unless the subject is the same) takes `same_as_fact_id` = the
    first mention; if that first mention is a part of a breakdown, the repeat becomes a part of the same whole."""
    out: list[Fact] = []
    for fact in facts:
        if fact.subject in PEOPLE and fact.parent_fact_id is None:
            earlier = next((candidate for candidate in reversed(out) if same_group(candidate, fact)), None)
            if earlier is not None:
                fact = restating(fact, earlier)
        out.append(fact)
    return out


def restating(fact: Fact, first: Fact) -> Fact:
    """`fact` as a restatement of `first`: a part of first's whole when first is a part, else same_as first's group."""
    if first.parent_fact_id is not None:
        return replace(fact, parent_fact_id=first.parent_fact_id)
    return replace(fact, same_as_fact_id=first.same_as_fact_id or first.fact_id)


def same_group(earlier: Fact, later: Fact) -> bool:
    """True when `later` states the group of `earlier` again (see `link_repeated_mentions`)."""
    if earlier.value != later.value or earlier.subject not in PEOPLE or "families" in (earlier.subject, later.subject):
        return False
    if earlier.subject == later.subject:
        return True
    return "persons" in (earlier.subject, later.subject) and later.value >= REPEAT_MIN_VALUE


def inherit_from_parents(facts: list[Fact]) -> list[Fact]:
    """Breakdown parts without their own country, operation or years take their whole's."""
    by_id = {fact.fact_id: fact for fact in facts}
    out = []
    for fact in facts:
        parent = by_id.get(fact.parent_fact_id) if fact.parent_fact_id else None
        if parent is not None:
            fact = replace(
                fact, country=fact.country or parent.country, operation=fact.operation or parent.operation,
                year_from=fact.year_from if fact.year_from is not None else parent.year_from,
                year_to=fact.year_to if fact.year_from is not None else parent.year_to,
            )
        out.append(fact)
    return out


# --- totals and consistency ------------------------------------------------------------------------------

def covers_a_period(year_from: int | None, year_to: int | None) -> bool:
    """True for a figure over several years ("2019-2024", "since 2021", "2017 yildan 2020 yilgacha"): a cumulative
    total of the returns in that period, not one return."""
    return year_from is not None and (year_to is None or year_to > year_from)


def is_stated_total(masked: str, draft: Draft, sentence: Span) -> bool:
    """True when the text marks the figure as a total ("Всего ... 551 человек", "a total of", "барлығы")."""
    sentence_start, sentence_end = sentence
    left = masked[sentence_start:draft.start]
    clause_start = max([match.end() for match in CLAUSE_BREAK_RE.finditer(left)] + [0])
    if TOTAL_BEFORE_RE.search(left[clause_start:]):
        return True
    return bool(TOTAL_AFTER_RE.search(masked[draft.noun_end:sentence_end]))


def _bounds(value: int, qualifier: str) -> tuple[float, float]:
    """Range of true values a figure allows: "more than 700" -> (700, inf); "about 700" -> (630, 770)."""
    if qualifier in ("more_than", "at_least"):
        return value, float("inf")
    if qualifier == "less_than":
        return 0, value
    if qualifier == "about":
        return value * ABOUT_LOW, value * ABOUT_HIGH
    return value, value


def relation_checks(facts: Sequence[Fact], is_total: Sequence[bool], sentence_index: Sequence[int]) -> list[dict]:
    """One dict per checked relation (breakdown parts vs whole, total vs the figures it adds up)."""
    checks: list[dict] = []
    by_id = {fact.fact_id: fact for fact in facts}
    children: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.parent_fact_id in by_id:
            children.setdefault(fact.parent_fact_id, []).append(fact)
    for parent_id, parts in children.items():
        parent = by_id[parent_id]
        low = sum(_bounds(part.value, part.qualifier)[0] for part in parts)
        checks.append({"kind": "breakdown", "doc_id": parent.doc_id, "fact_id": parent_id,
                       "part_fact_ids": [part.fact_id for part in parts], "expected": parent.value,
                       "observed": sum(part.value for part in parts),
                       "success": bool(low <= _bounds(parent.value, parent.qualifier)[1])})
    for total_index, total in enumerate(facts):
        if not is_total[total_index] or total.parent_fact_id is not None or total.subject not in PART_SUBJECTS:
            continue
        returns = has_return_cue(total.evidence)
        candidates: list[Fact] = []
        for earlier in range(total_index - 1, -1, -1):
            part = facts[earlier]
            if sentence_index[total_index] - sentence_index[earlier] > TOTAL_LOOKBACK_SENTENCES:
                break
            if (part.parent_fact_id is not None or is_total[earlier] or part.doc_id != total.doc_id
                    or part.subject not in PART_SUBJECTS[total.subject]
                    or has_return_cue(part.evidence) != returns):
                continue
            if part.qualifier != "exact" or part.value >= total.value:
                break
            candidates.append(part)
        if len(candidates) < MIN_SUMMANDS:
            continue
        chosen, running = candidates, 0
        total_low, total_high = _bounds(total.value, total.qualifier)
        for count, part in enumerate(candidates, start=1):
            running += part.value
            if count >= MIN_SUMMANDS and total_low <= running <= total_high:
                chosen = candidates[:count]
                break
        observed = sum(part.value for part in chosen)
        checks.append({"kind": "total", "doc_id": total.doc_id, "fact_id": total.fact_id,
                       "part_fact_ids": [part.fact_id for part in reversed(chosen)], "expected": total.value,
                       "observed": observed, "success": bool(total_low <= observed <= total_high)})
    return checks


def apply_consistency(facts: list[Fact], checks: list[dict]) -> list[Fact]:
    """Facts with consistency set: mismatch if any check of theirs failed, ok if checked, else n/a."""
    status: dict[str, str] = {}
    for check in checks:
        for checked_id in [check["fact_id"], *check["part_fact_ids"]]:
            if status.get(checked_id) != "mismatch":
                status[checked_id] = "ok" if check["success"] else "mismatch"
    return [replace(fact, consistency=status.get(fact.fact_id, "n/a")) for fact in facts]


# --- the same from a stored facts table ------------------------------------------------------------------

def facts_by_document(facts: pd.DataFrame | Sequence[Fact]) -> list[list[Fact]]:
    """The facts of each document (as records, in text order), documents in order of first appearance."""
    by_doc: dict[str, list[Fact]] = {}
    for fact in _as_facts(facts):
        by_doc.setdefault(fact.doc_id, []).append(fact)
    for doc_facts in by_doc.values():
        doc_facts.sort(key=lambda fact: fact.start)
    return list(by_doc.values())


_FACT_FIELDS = [field.name for field in fields(Fact)]
_INTEGER_FIELDS = ("value", "start", "end", "year_from", "year_to")
_BOOLEAN_FIELDS = ("planned", "in_title")


def _as_facts(facts: pd.DataFrame | Sequence[Fact]) -> list[Fact]:
    if not isinstance(facts, pd.DataFrame):
        return list(facts)
    # a table written before a column existed reads it as missing
    table = facts.reindex(columns=_FACT_FIELDS)
    columns = {name: [_missing_as_none(value) for value in table[name].tolist()] for name in _FACT_FIELDS}
    for name in _INTEGER_FIELDS:
        columns[name] = [None if value is None else int(value) for value in columns[name]]
    for name in _BOOLEAN_FIELDS:
        columns[name] = [bool(value) for value in columns[name]]
    return [Fact(*row) for row in zip(*(columns[name] for name in _FACT_FIELDS))]


def _missing_as_none(value: object) -> object:
    """None for a missing value (None, NA, NaN, NaT), else the value; strings and integers are never missing."""
    if isinstance(value, (str, int)):
        return value
    return None if pd.isna(value) else value


def sentence_starts(doc_facts: list[Fact]) -> list[int | None]:
    """Where each stored fact's evidence sentence starts in its body (None when its number is not found in it)."""
    implied = [[fact.start - offset for offset in _offsets_in_evidence(fact)] for fact in doc_facts]
    votes: dict[tuple[str, int], int] = {}
    for fact, starts in zip(doc_facts, implied):
        for sentence_start in starts:
            votes[(fact.evidence, sentence_start)] = votes.get((fact.evidence, sentence_start), 0) + 1
    # a number written twice in one sentence: take the reading the other facts of the sentence agree on
    return [max(starts, key=lambda start: (votes[(fact.evidence, start)], -abs(start - starts[0]))) if starts else None
            for fact, starts in zip(doc_facts, implied)]


def held_in_place(doc_facts: list[Fact]) -> list[bool]:
    """Which stored facts count people said to be somewhere (`lexicon.held_where_they_are`), not returned."""
    return [start is not None and held_where_they_are(fact.evidence, fact.start - start, fact.end - start)
            for fact, start in zip(doc_facts, sentence_starts(doc_facts))]


def totals_from_evidence(doc_facts: list[Fact]) -> tuple[list[bool], list[int]]:
    """Re-derive total markers and sentence order from stored facts (evidence + offsets), for `consistency_checks`."""
    sentence_of: dict[tuple[str, int], int] = {}
    totals, sentence_index = [], []
    for fact, sentence_start in zip(doc_facts, sentence_starts(doc_facts)):
        key = (fact.evidence, sentence_start if sentence_start is not None else fact.start)
        sentence_of.setdefault(key, len(sentence_of))
        sentence_index.append(sentence_of[key])
        if sentence_start is None:
            totals.append(False)
            continue
        local_start = fact.start - sentence_start
        masked = mask_non_counts(fact.evidence)
        local_end = local_start + (fact.end - fact.start)
        number = NumberSpan(start=local_start, end=local_end, value=fact.value, kind="digits")
        reading = read_count(masked, number, 0, len(masked))
        draft = Draft(start=local_start, end=local_end, value=fact.value, subject=fact.subject,
                      qualifier=fact.qualifier, extractor=fact.extractor, sentence_index=0,
                      noun_end=reading.noun_end if reading else local_end)
        totals.append(is_stated_total(masked, draft, (0, len(masked))))
    return totals, sentence_index


def _offsets_in_evidence(fact: Fact) -> list[int]:
    """Where the fact's number may start inside its evidence sentence (several if it is written twice)."""
    return list(_offsets_of_number(fact.evidence, fact.end - fact.start, fact.value))


# the figures of one sentence are looked for in it one after the other, and again for each table read
@lru_cache(maxsize=EVIDENCE_CACHE_SIZE)
def _offsets_of_number(evidence: str, length: int, value: int) -> tuple[int, ...]:
    offsets: list[int] = []
    for lang in (None, "uz", "kk", "ky"):
        for span in _numbers_in_evidence(evidence, lang):
            if span.end - span.start == length and span.value == value and span.start not in offsets:
                offsets.append(span.start)
        if offsets:
            break
    return tuple(offsets)


@lru_cache(maxsize=EVIDENCE_CACHE_SIZE)
def _numbers_in_evidence(evidence: str, lang: str | None) -> tuple[NumberSpan, ...]:
    return tuple(find_numbers(evidence, lang))
