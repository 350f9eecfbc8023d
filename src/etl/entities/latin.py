"""English and Latin-script Uzbek paragraphs: organizations by keyword, persons by capitalised name runs, acronyms."""

from __future__ import annotations

import re

from etl.entities.candidates import (
    Candidate,
    Span,
    Word,
    caps_runs,
    is_capitalised,
    org_candidate,
    overlaps,
    overlaps_many,
    sentence_initial,
)
from etl.entities.lexicon import (
    EN_LOWER_ORG_KEYWORD,
    EN_NON_NAME_SUFFIXES,
    GENITIVE_WORD,
    NAME_PARTICLES,
    NAME_WORD,
    REPRESENTATION_OFFICE_WORDS,
    RuleWords,
    rule_words,
)
from etl.entities.thresholds import (
    ACRONYM_CONFIDENCE,
    ALL_CAPS_LINE_SHARE,
    FOUND_NAME_PRIORITY,
    FOUND_ORG_PRIORITY,
    KEYWORD_ORG_CONFIDENCE,
    LOWER_KEYWORD_ORG_CONFIDENCE,
    NAME_MAX_WORDS,
    NAME_MIN_WORDS,
    QUOTED_ACRONYM_CONFIDENCE,
    RULE_PERSON_CONFIDENCE,
)
from etl.entities.tokens import normalize_token
from etl.entities.transliteration import slugify
from etl.entities.turkic import (
    case_marked_word,
    coordinated_org_candidates,
    keyword_org_candidates,
    surname_person_candidates,
    titled_person_candidates,
)


def _acronym_candidate(start: int, end: int, acronym: str, confidence: float, route: str) -> Candidate:
    return Candidate(start=start, end=end, entity_type="ORG", canonical_name=acronym,
                     canonical_id=f"org:{slugify(acronym)}", confidence=confidence, extractor="rule:acronym",
                     priority=FOUND_ORG_PRIORITY, lang=route, display=acronym)


def latin_candidates(body: str, start: int, end: int, route: str, covered: list[Span],
                     gaz_orgs: list[Span]) -> list[Candidate]:
    """English and Latin-script Uzbek: organizations by keyword, persons by capitalised name runs."""
    rules = rule_words()
    out: list[Candidate] = []
    text = body[start:end]
    letters = list(filter(str.isalpha, text))
    if letters and sum(map(str.isupper, letters)) > ALL_CAPS_LINE_SHARE * len(letters):
        return out  # ALL-CAPS headline: capitalisation carries no signal
    runs = caps_runs(text, start, rules.connectors)
    for run in runs:
        run = _trim_run(body, run, rules)
        if not run:
            continue
        run_start, run_end = run[0][0], run[-1][1]
        words = [surface for _, _, surface in run]
        norms = [normalize_token(surface) for surface in words]
        if any(norm in rules.en_org_keywords for norm in norms):
            if len(run) > 1 and not overlaps_many(run_start, run_end, gaz_orgs):
                run_start, run_end = _extend_quoted_name(body, run_start, run_end)
                complement = re.match(r"[ \t]+(?:to|at|in)[ \t]+(?:the[ \t]+)?[A-Z][\w\-]*(?:[ \t]+[A-Z][\w\-]*){0,3}",
                                      body[run_end:end])
                if complement and norms[0] in REPRESENTATION_OFFICE_WORDS:
                    run_end += complement.end()
                out.append(org_candidate(run_start, run_end, body[run_start:run_end], "rule:org",
                                         KEYWORD_ORG_CONFIDENCE, FOUND_ORG_PRIORITY, route))
                continue
        if len(run) == 1 and _is_acronym(words[0], rules) and not overlaps(run_start, run_end, covered):
            out.append(_acronym_candidate(run_start, run_end, words[0], ACRONYM_CONFIDENCE, route))
            continue
        for segment in _name_segments(run, rules, covered, route):
            out.append(Candidate(start=segment[0][0], end=segment[-1][1], entity_type="PERSON", canonical_name="",
                                 canonical_id="", confidence=RULE_PERSON_CONFIDENCE, extractor="rule:person",
                                 priority=FOUND_NAME_PRIORITY, lang=route))
    if route == "en":
        out.extend(_lower_keyword_org_candidates(body, start, end, route, gaz_orgs, covered, runs))
    if route == "uz-latn":
        out.extend(keyword_org_candidates(body, start, end, route))
        out.extend(coordinated_org_candidates(body, start, end, route))
        out.extend(surname_person_candidates(body, start, end, route, covered))
        out.extend(titled_person_candidates(body, start, end, route, covered))
    # quoted all-caps names: “AQNIET”
    for quoted in re.finditer(r"[«“\"]([A-Z][A-Z0-9\-]{2,15})[»”\"]", text):
        acronym_start, acronym_end = start + quoted.start(1), start + quoted.end(1)
        if _is_acronym(quoted.group(1), rules) and not overlaps(acronym_start, acronym_end, covered):
            out.append(_acronym_candidate(acronym_start, acronym_end, quoted.group(1), QUOTED_ACRONYM_CONFIDENCE,
                                          route))
    return out


def _lower_keyword_org_candidates(body: str, start: int, end: int, route: str, gaz_orgs: list[Span],
                                  covered: list[Span], runs: list[list[Word]]) -> list[Candidate]:
    """'the Aqniet foundation', "Kazakhstan's Rukh foundation", 'the Habsa group': capitalised words, then a
    lower-case keyword; 'the Tajik group' (a country or demonym and the keyword) is a group of people. runs are
    the paragraph's capitalised runs (``caps_runs`` with the English connectors)."""
    rules = rule_words()
    out = []
    for run in runs:
        keyword = EN_LOWER_ORG_KEYWORD.match(body, run[-1][1], end)
        # a lower-case keyword takes only the capitalised words right before it, not "Volunteers of ..."
        while any(not is_capitalised(surface) for _, _, surface in run):
            first_lower = next(i for i, (_, _, surface) in enumerate(run) if not is_capitalised(surface))
            run = run[first_lower + 1:]
        run = _trim_run(body, run, rules)
        if keyword is None or not run or re.search(r"['’]s$", run[-1][2]):
            continue  # "the President's office" is a person's office
        norms = [normalize_token(surface) for _, _, surface in run]
        if any(norm in rules.en_org_keywords for norm in norms) or overlaps_many(run[0][0], keyword.end(), gaz_orgs):
            continue
        if all(overlaps(word_start, word_end, covered) for word_start, word_end, _ in run):
            continue
        if len(run) == 1 and sentence_initial(body, run[0][0]):
            continue  # "Charity foundation ...": a sentence-opening common noun
        org_start, org_end = run[0][0], keyword.end()
        out.append(org_candidate(org_start, org_end, body[org_start:org_end], "rule:org", LOWER_KEYWORD_ORG_CONFIDENCE,
                                 FOUND_ORG_PRIORITY, route))
    return out


def _trim_run(body: str, run: list[Word], rules: RuleWords) -> list[Word]:
    """Drop leading titles, sentence-initial stopwords and connectors, and trailing connectors."""
    while run and (normalize_token(run[0][2]) in rules.titles or run[0][2].lower() in rules.connectors or
                   (normalize_token(run[0][2]) in rules.en_stopwords and sentence_initial(body, run[0][0]))):
        run = run[1:]
    while run and run[-1][2].lower() in rules.connectors:
        run = run[:-1]
    return run


def _name_segments(run: list[Word], rules: RuleWords, covered: list[Span], route: str) -> list[list[Word]]:
    """Pieces of a capitalised run that read as a person name: 2-4 name-like words, split at known
    places / organizations, titles and common words."""
    segments: list[list[Word]] = []
    current: list[Word] = []
    for word in [*run, None]:
        name_like = word is not None and _name_word(word, rules, covered, route)
        # Uzbek genitive ends a name ("Shavkat Mirziyoyevning tashabbusi"); a name word after it starts another
        after_genitive = bool(current) and route == "uz-latn" and bool(GENITIVE_WORD.search(current[-1][2]))
        if name_like and not after_genitive:
            current.append(word)
            continue
        # "Majlisda Alisher Qodirov": a case-marked opening word is a place or body, not part of the name
        if route == "uz-latn" and len(current) >= 3 and case_marked_word(current[0][2]):
            current = current[1:]
        core = [part for part in current if part[2].lower() not in NAME_PARTICLES]
        while current and current[-1][2].lower() in NAME_PARTICLES:
            current.pop()
        if NAME_MIN_WORDS <= len(core) <= NAME_MAX_WORDS:
            segments.append(current)
        current = [word] if name_like else []
    return segments


def _name_word(word: Word, rules: RuleWords, covered: list[Span], route: str) -> bool:
    """Whether a capitalised word may be part of a person name."""
    word_start, word_end, surface = word
    norm = normalize_token(surface)
    if surface.lower() in NAME_PARTICLES:
        return True
    if (not NAME_WORD.fullmatch(surface) or norm in rules.en_stopwords or norm in rules.titles
            or norm in rules.en_org_keywords):
        return False
    if overlaps(word_start, word_end, covered):
        return False
    return not (route == "en" and norm.endswith(EN_NON_NAME_SUFFIXES) and len(norm) > 5)


def _extend_quoted_name(body: str, start: int, end: int) -> tuple[int, int]:
    """Foundation “AQNIET” -> include the quoted name that follows the organization keyword."""
    quoted = re.match(r"\s*([«“\"])([^«»“”\"\n]{2,40})([»”\"])", body[end:])
    if quoted and quoted.group(2)[:1].isupper():
        return start, end + quoted.end()
    return start, end


def _is_acronym(word: str, rules: RuleWords) -> bool:
    letters = [ch for ch in word if ch.isalpha()]
    return (2 <= len(letters) <= 8 and all(ch.isupper() for ch in letters) and word not in rules.generic_acronyms
            and not re.fullmatch(r"[IVXLCDM]+", word))
