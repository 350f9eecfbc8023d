"""Kazakh, Kyrgyz and Uzbek paragraphs (both scripts): persons by surname morphology, organizations by keyword."""

from __future__ import annotations

import re

from etl.entities.candidates import (
    Candidate,
    Span,
    Word,
    caps_runs,
    org_candidate,
    overlaps,
)
from etl.entities.lexicon import (
    CASE_MARKED_WORD,
    GENITIVE_WORD,
    KK_KY_UZ_SENTENCE_STARTERS,
    NAME_FINAL_VOWELS,
    NAME_WORD,
    PATRONYM_WORD,
    SURNAME_MORPHOLOGY,
    rule_words,
)
from etl.entities.thresholds import (
    FOUND_NAME_PRIORITY,
    FOUND_ORG_PRIORITY,
    KEYWORD_ORG_CONFIDENCE,
    KEYWORD_ORG_MAX_CAPITALISED_WORDS,
    KEYWORD_ORG_MAX_LOWER_WORDS,
    RULE_PERSON_CONFIDENCE,
)
from etl.entities.tokens import normalize_token, tokenize


def case_marked_word(word: str) -> bool:
    """'Majlisda', 'Мәжілісте', 'Жыйында': a capitalised word carrying a case suffix, so not a given name."""
    marked = CASE_MARKED_WORD.match(word)
    if marked is None:
        return False
    return len(marked.group("suffix")) >= 3 or marked.group("stem")[-1].lower() not in NAME_FINAL_VOWELS


def turkic_candidates(body: str, start: int, end: int, route: str, covered: list[Span]) -> list[Candidate]:
    """Persons by surname morphology and organizations ending in a keyword, for kk / ky / uz text."""
    return keyword_org_candidates(body, start, end, route) + surname_person_candidates(body, start, end, route, covered)


def surname_person_candidates(body: str, start: int, end: int, route: str, covered: list[Span]) -> list[Candidate]:
    """'Ержан Ашикбаев', 'Ашикбаев Ержан', 'Е. Ашикбаев', 'Бекболот уулу': a word with a surname ending and
    the capitalised given name beside it."""
    rules = rule_words()
    out = []
    text = body[start:end]

    def given_name(word: Word) -> bool:
        word_start, word_end, surface = word
        norm = normalize_token(surface)
        return (NAME_WORD.fullmatch(surface) is not None and not overlaps(word_start, word_end, covered)
                and norm not in rules.en_stopwords and norm not in rules.titles
                and norm not in KK_KY_UZ_SENTENCE_STARTERS and not norm.startswith(rules.turkic_org_stems))

    for run in caps_runs(text, start, set()):
        used_until = -1  # index of the run's last word already in a name
        for k, surname in enumerate(run):
            surname_start, surname_end, surname_text = surname
            if k <= used_until or not SURNAME_MORPHOLOGY.match(surname_text) or not given_name(surname):
                continue
            before = body[max(0, surname_start - 4):surname_start]
            initial = re.search(r"(?:^|[\s(])([А-ЯЁӘҒҚҢӨҰҮҺІA-Z])\.\s?$", before)
            # a given name never carries a genitive: "Oliy Majlisning Inson ..." modifies what follows
            if (k > 0 and k - 1 > used_until and given_name(run[k - 1]) and not GENITIVE_WORD.search(run[k - 1][2])
                    and not case_marked_word(run[k - 1][2])):
                name_start, name_end = run[k - 1][0], surname_end
            elif k + 1 < len(run) and given_name(run[k + 1]) and not SURNAME_MORPHOLOGY.match(run[k + 1][2]):
                name_start, name_end = surname_start, run[k + 1][1]
                k += 1
            elif initial:
                name_start, name_end = surname_start - (len(before) - initial.start(1)), surname_end
            else:
                continue
            patronym = re.match(r"[ \t]+(\w+)", body[name_end:])
            if patronym and PATRONYM_WORD.match(patronym.group(1)):
                name_end += patronym.end()
            used_until = k
            out.append(Candidate(start=name_start, end=name_end, entity_type="PERSON", canonical_name="",
                                 canonical_id="", confidence=RULE_PERSON_CONFIDENCE, extractor="rule:person",
                                 priority=FOUND_NAME_PRIORITY, lang=route))
    return out


def keyword_org_candidates(body: str, start: int, end: int, route: str) -> list[Candidate]:
    """'<Capitalised ...> <lower-case ...> министрлігі' style organization names (kk / ky / uz)."""
    rules = rule_words()
    stems = rules.turkic_org_stems
    tokens = tokenize(body[start:end])  # offsets relative to start
    out = []
    for keyword_index, (_, keyword_end, keyword) in enumerate(tokens):
        if not normalize_token(keyword).startswith(stems):
            continue
        first = keyword_index  # the organization's first token, walked back from the keyword
        lowers = 0
        while (first > 0 and lowers < KEYWORD_ORG_MAX_LOWER_WORDS and not tokens[first - 1][2][:1].isupper()
               and _joined(body, start, tokens[first - 1], tokens[first])):
            first -= 1
            lowers += 1
        caps = 0
        while (first > 0 and caps < KEYWORD_ORG_MAX_CAPITALISED_WORDS and tokens[first - 1][2][:1].isupper()
               and _joined(body, start, tokens[first - 1], tokens[first])):
            first -= 1
            caps += 1
        while first < keyword_index and not tokens[first][2][:1].isupper():
            first += 1
        if first < keyword_index and normalize_token(tokens[first][2]) in KK_KY_UZ_SENTENCE_STARTERS:
            first += 1
        if not tokens[first][2][:1].isupper():
            continue
        if any(normalize_token(surface) in rules.not_org_words for _, _, surface in tokens[first:keyword_index]):
            continue  # "Президенттин басма сөз кызматы", "Toshkent viloyatidagi reabilitatsiya markazi"
        org_start, org_end = start + tokens[first][0], start + keyword_end
        out.append(org_candidate(org_start, org_end, body[org_start:org_end], "rule:org", KEYWORD_ORG_CONFIDENCE,
                                 FOUND_ORG_PRIORITY, route))
    return out


def _joined(body: str, offset: int, left: Word, right: Word) -> bool:
    """Two tokens (offsets relative to offset) separated only by spaces or a hyphen / dash."""
    return re.fullmatch(r"[ \t]*(?:[-–][ \t]*)?", body[offset + left[1]:offset + right[0]]) is not None
