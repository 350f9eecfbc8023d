"""The candidate mention record and the shared ways of gathering candidates: gazetteer hits, operations, orgs, runs."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from etl.entities.canonical import (
    canonical_operation,
    canonical_org,
    country_name,
    qualified_org_name,
)
from etl.entities.gazetteer import gazetteer
from etl.entities.lexicon import CAPS_RUN_WORD, QUOTE_PAIRS, gazetteer_data, leading_letters, rule_words
from etl.entities.matcher import GazetteerHit
from etl.entities.models import nominative_ru
from etl.entities.thresholds import (
    COUNTRY_NAME_CONFIDENCE,
    COUNTRY_SHORT_ACRONYM_CONFIDENCE,
    DEMONYM_CONFIDENCE,
    DEMONYM_PRIORITY,
    GAZETTEER_OPERATION_CONFIDENCE,
    GAZETTEER_ORG_CONFIDENCE,
    GAZETTEER_ORG_PRIORITY,
    GAZETTEER_PLACE_CONFIDENCE,
    GAZETTEER_PLACE_PRIORITY,
    KNOWN_ORG_MIN_CONFIDENCE,
    OPERATION_CAPITALISED_CONFIDENCE,
    OPERATION_CUE_THEN_NAME_CONFIDENCE,
    OPERATION_NAME_THEN_CUE_CONFIDENCE,
    OPERATION_PRIORITY,
    QUALIFIED_ORG_CONFIDENCE,
    UNQUALIFIED_ORG_CONFIDENCE,
)
from etl.entities.tokens import normalize_token
from etl.entities.transliteration import slugify, transliterate_to_latin

Span = tuple[int, int]  # body[start:end]
Word = tuple[int, int, str]  # (start, end, surface) of a word in body


@dataclass(frozen=True)
class Candidate:
    """One possible mention, before overlaps are resolved; body[start:end] is the mention."""

    start: int
    end: int
    entity_type: str
    canonical_name: str
    canonical_id: str
    confidence: float
    extractor: str
    priority: int  # lower wins overlaps
    lang: str = ""
    display: str = ""  # organizations: the name in the mention's language, nominative
    known: bool = False  # organizations: resolved to a gazetteer identity


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """True when body[start:end] shares a character with any of spans."""
    for span_start, span_end in spans:  # a plain loop: rules ask this of every word
        if span_start < end and start < span_end:
            return True
    return False


def overlaps_many(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """Two or more known organizations inside one capitalised run: a list, not one name."""
    return sum(1 for span_start, span_end in spans if start <= span_start and span_end <= end) >= 2


def is_capitalised(word: str) -> bool:
    """True when word starts with an upper-case letter."""
    return word[:1].isupper()


_RUN_GAP = re.compile(r"[ \t]*(?:[-–][ \t]*)?")  # what may join two words of a capitalised run


def caps_runs(text: str, offset: int, connectors: Collection[str]) -> list[list[Word]]:
    """Runs of capitalised words, joined by spaces/hyphens and lower-case connectors (of, the, for...).

    text is body[offset:...]; the words' offsets are into body."""
    runs: list[list[Word]] = []
    current: list[Word] = []
    pending: list[Word] = []  # connectors after the run's last capitalised word: kept if another one follows
    prev_end = 0
    for match in CAPS_RUN_WORD.finditer(text):
        word_start, word_end = match.span()
        surface = match.group()
        # (pending is empty whenever current is: connectors are only kept after a capitalised word)
        if current:
            gap = text[prev_end:word_start]
            if gap != " " and _RUN_GAP.fullmatch(gap) is None:  # one space, the usual gap, joins
                runs.append(current)
                current, pending = [], []
        if surface[:1].isupper() and surface not in "«»“”\"„":  # is_capitalised
            if pending:
                current.extend(pending)
                pending = []
            current.append((word_start + offset, word_end + offset, surface))
        elif current and len(pending) < 2 and surface.lower() in connectors:
            pending.append((word_start + offset, word_end + offset, surface))
        elif current:
            runs.append(current)
            current, pending = [], []
        prev_end = word_end
    if current:
        runs.append(current)
    return runs


def sentence_initial(body: str, start: int) -> bool:
    """True when body[start:] opens a sentence or a line (an honorific's full stop does not end one)."""
    before = body[:start].rstrip(" \t«“\"'(")
    return not before or before.endswith(("\n", ".", "!", "?", ":", ";")) and not before.endswith(("Mr.", "Dr.", "Ms."))


_LEADING_THE = re.compile(r"^(?:the|The)\s+")
_QUOTE_MARKS = re.compile(r"[«»“”„\"]")


def org_candidate(start: int, end: int, surface: str, extractor: str, confidence: float, priority: int,
                  lang: str) -> Candidate:
    """An organization mention: its gazetteer identity when it has one, else its own name (nominative) as id."""
    words = _LEADING_THE.sub("", surface).split()
    if lang == "ru":
        words = nominative_ru(words, "org")
    elif lang in ("kk", "ky", "uz", "uz-latn"):
        words = words[:-1] + [keyword_form(words[-1])]
    display = _QUOTE_MARKS.sub("", " ".join(words)).strip()
    known = canonical_org(surface, lang)
    if known is not None:
        name, org_id = known
        return Candidate(start=start, end=end, entity_type="ORG", canonical_name=name, canonical_id=f"org:{org_id}",
                         confidence=max(confidence, KNOWN_ORG_MIN_CONFIDENCE), extractor=extractor, priority=priority,
                         lang=lang, display=display, known=True)
    return Candidate(start=start, end=end, entity_type="ORG", canonical_name=display,
                     canonical_id=f"org:{slugify(display)}", confidence=confidence, extractor=extractor,
                     priority=priority, lang=lang, display=display)


def keyword_form(word: str) -> str:
    """A kk / ky / uz organization keyword cut to its dictionary stem ('министрлігінің' -> 'министрлігі')."""
    norm = normalize_token(word)
    for keyword in rule_words().turkic_org_stems:
        if norm.startswith(keyword):
            return word[: len(keyword)]
    return word


# ---------------------------------------------------------------- gazetteer candidates

_POSSESSIVE_GAP = re.compile(r"\s*(?:['’]s\s*)?")  # a country before the institution: 'Kazakhstan's MFA'
_OF_GAP = re.compile(r"\s*(?:(?:of|of the|in|in the)\s+)?")  # a country after it: 'Ministry of ... of Kazakhstan'
_WORD_BEFORE = re.compile(r"(?<![\w'ʻ‘’])([^\W\d_]+(?:[ʻ'‘’][^\W\d_]+)?)[ \t]+$")


def _adjacent_country(body: str, start: int, end: int, countries: list[GazetteerHit]) -> tuple[GazetteerHit | None, int, int]:
    """A country qualifying the institution at body[start:end], and the span widened to include it."""
    for hit in countries:
        gap = body[hit.end:start]
        if hit.end <= start and _POSSESSIVE_GAP.fullmatch(gap):
            return hit, hit.start, end
    for hit in countries:
        gap = body[end:hit.start]
        if hit.start >= end and _OF_GAP.fullmatch(gap):
            return hit, start, hit.end
    # 'кыргыз өкмөтү', 'oʻzbek hukumati': a lower-case ethnonym right before the institution
    ethnonym = _WORD_BEFORE.search(body[max(0, start - 24):start])
    code = rule_words().ethnonyms.get(normalize_token(ethnonym.group(1))) if ethnonym else None
    if code:
        ethnonym_start = start - (len(ethnonym.group(0)))
        hit = GazetteerHit(ethnonym_start, ethnonym_start + len(ethnonym.group(1)), "country", code, "demonym",
                           ethnonym.group(1))
        return hit, ethnonym_start, end
    return None, start, end


def _country_confidence(hit: GazetteerHit) -> float:
    if hit.via == "demonym":
        return DEMONYM_CONFIDENCE
    if hit.via == "acronym" and hit.end - hit.start <= 2:
        return COUNTRY_SHORT_ACRONYM_CONFIDENCE
    return COUNTRY_NAME_CONFIDENCE


def gazetteer_candidates(body: str, hits: list[GazetteerHit]) -> list[Candidate]:
    """Countries, demonyms, places and organizations the gazetteer found (an institution with its country)."""
    gz = gazetteer()
    countries = [h for h in hits if h.kind == "country"]
    out = []
    for hit in hits:
        if hit.kind == "country":
            demonym = hit.via == "demonym"
            out.append(Candidate(start=hit.start, end=hit.end, entity_type="LOC", canonical_name=country_name(hit.key),
                                 canonical_id=hit.key, confidence=_country_confidence(hit),
                                 extractor="gazetteer:demonym" if demonym else "gazetteer:country",
                                 priority=DEMONYM_PRIORITY if demonym else GAZETTEER_PLACE_PRIORITY))
        elif hit.kind in ("region", "city", "camp"):
            out.append(Candidate(start=hit.start, end=hit.end, entity_type="LOC",
                                 canonical_name=gz.names[(hit.kind, hit.key)], canonical_id=f"loc:{hit.key}",
                                 confidence=GAZETTEER_PLACE_CONFIDENCE, extractor=f"gazetteer:{hit.kind}",
                                 priority=GAZETTEER_PLACE_PRIORITY))
        elif hit.kind == "org":
            out.append(Candidate(start=hit.start, end=hit.end, entity_type="ORG",
                                 canonical_name=gz.names[("org", hit.key)], canonical_id=f"org:{hit.key}",
                                 confidence=GAZETTEER_ORG_CONFIDENCE, extractor="gazetteer:org",
                                 priority=GAZETTEER_ORG_PRIORITY, display=hit.alias, known=True))
        elif hit.kind == "qorg":
            country, start, end = _adjacent_country(body, hit.start, hit.end, countries)
            if country is None and hit.key in gz.requires_country:
                continue
            name, org_id = qualified_org_name(hit.key, country.key if country else None)
            display = body[start:hit.start] + hit.alias + body[hit.end:end]
            out.append(Candidate(start=start, end=end, entity_type="ORG", canonical_name=name,
                                 canonical_id=f"org:{org_id}",
                                 confidence=QUALIFIED_ORG_CONFIDENCE if country else UNQUALIFIED_ORG_CONFIDENCE,
                                 extractor="gazetteer:org", priority=GAZETTEER_ORG_PRIORITY, display=display,
                                 known=True))
    return out


def all_countries(body: str, candidate: Candidate, hits: list[GazetteerHit]) -> bool:
    """'РК-США' tagged as an organization is two countries."""
    inside = [h for h in hits if h.kind == "country" and candidate.start <= h.start and h.end <= candidate.end]
    if not inside:
        return False
    rest = (body[p] for p in range(candidate.start, candidate.end) if not any(h.start <= p < h.end for h in inside))
    return not any(ch.isalpha() for ch in rest)


# ---------------------------------------------------------------- operations

# a stage written onto an operation's name: 'Айкөл-3', 'Mehr - 4'
_OPERATION_STAGE = re.compile(r"[ \t]*[-–][ \t]*\d{1,2}(?![\d\w])")


@lru_cache(maxsize=1)
def _operation_words() -> tuple[re.Pattern[str], dict[str, str]]:
    """A pattern of the one-word operation aliases (any case) and their folded forms -> gazetteer key
    ('mehr' -> 'mehr', 'жусан' -> 'zhusan')."""
    words = {normalize_token(alias): operation["id"] for operation in gazetteer_data()["operations"]
             for alias in operation["aliases"] if re.fullmatch(r"[^\W\d_]+", alias)}
    alternation = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-]){leading_letters(words)}(?:{alternation})(?!\w)", re.IGNORECASE), words


def _lowercase_operation_hits(body: str) -> list[GazetteerHit]:
    """Known operation names written in lower case ('"mehr operasiyasi"', 'операции «жусан»'), which the
    gazetteer matcher leaves out because as common words they mean 'kindness' or 'wormwood'."""
    pattern, words = _operation_words()
    return [GazetteerHit(m.start(), m.end(), "op", words[normalize_token(m.group())], "name", m.group())
            for m in pattern.finditer(body) if m.group().islower() and normalize_token(m.group()) in words]


_WORD_AFTER_QUOTE = re.compile(r"[»”“\"'\s]*([^\W\d_]+)")
_WORD_BEFORE_QUOTE = re.compile(r"([^\W\d_]+)[«“„\"'\s]*$")


def _next_to_facility(body: str, start: int, end: int) -> bool:
    """True when a prison, camp or city word stands right before or after body[start:end] ('"Русафа" түрмөсүндө',
    'Rusafa prison', 'тюрьма «Русафа»'): the name is that place's."""
    rules = rule_words()
    after = _WORD_AFTER_QUOTE.match(body[end:end + 40])
    before = _WORD_BEFORE_QUOTE.search(body[max(0, start - 40):start])
    words = [normalize_token(m.group(1)) for m in (after, before) if m is not None]
    return any(word.startswith(rules.facility_words) and word not in rules.not_facility_words for word in words)


@dataclass(frozen=True)
class _OperationPatterns:
    """The operation rules' regexes, compiled once (the cues come from the gazetteer)."""

    cue_then_quoted: re.Pattern[str]  # операция «Жусан», operation "Zhusan", операциясы «Жусан»
    quoted_then_cue: re.Pattern[str]  # the “Zhusan” humanitarian operation, «Жусан» операциясы
    cue_before: re.Pattern[str]  # a cue ending the text before a gazetteer name
    cue_after: re.Pattern[str]  # a cue opening the text after it (one word may come between)


_OPERATION_CAPITALISED = re.compile(r"\bOperation\s+([A-Z][\w’'\-]+)")  # Operation Zhusan (English, unquoted)


@lru_cache(maxsize=1)
def _operation_patterns() -> _OperationPatterns:
    # the cues are folded (ё as е): the pattern takes either letter, so 'амалиёти' matches too
    cues = rule_words().operation_cues
    cue_pattern = "|".join(re.escape(cue).replace("е", "[её]") for cue in cues)
    quoted = r"([«“„\"'])\s*([^\W\d_][\w’'ʻ\- ]{1,40}?)\s*([»”“\"'])"
    return _OperationPatterns(
        cue_then_quoted=re.compile(rf"(?i)\b{leading_letters(cues)}(?:{cue_pattern})\s+{quoted}"),
        quoted_then_cue=re.compile(rf"{quoted}\s+(?:(?:[\w-]+)\s+)?(?i:{cue_pattern})\b"),
        cue_before=re.compile(rf"(?i){leading_letters(cues)}(?:{cue_pattern})\W*$"),
        cue_after=re.compile(rf"(?i)^\W*(?:\w+\s+)?(?:{cue_pattern})"))


def operation_candidates(body: str, hits: list[GazetteerHit]) -> list[Candidate]:
    """Named operations: a quoted name next to an operation word, or a gazetteer name in that context.

    A known name in lower case counts only next to an operation word; a stage written onto the name is part of
    the mention ('Айкөл-3'); a name next to a prison, camp or city word is that place (LOC), not the operation.
    Only the hits of kind 'op' are read."""
    patterns = _operation_patterns()
    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int, extractor: str, confidence: float, known: str | None = None) -> None:
        name = body[start:end]
        if (start, end) in seen or not (name[:1].isupper() or known):
            return
        known = known or canonical_operation(name)
        canonical = known or transliterate_to_latin(name).strip()
        seen.add((start, end))
        if _next_to_facility(body, start, end):
            out.append(Candidate(start=start, end=end, entity_type="LOC", canonical_name=canonical,
                                 canonical_id=f"loc:{slugify(canonical)}", confidence=confidence,
                                 extractor="rule:facility", priority=OPERATION_PRIORITY))
            return
        out.append(Candidate(start=start, end=end, entity_type="OPERATION", canonical_name=canonical,
                             canonical_id=f"op:{slugify(canonical)}", confidence=confidence, extractor=extractor,
                             priority=OPERATION_PRIORITY))

    # cue then quoted name: операция «Жусан», operation "Zhusan", операциясы «Жусан»
    for match in patterns.cue_then_quoted.finditer(body):
        if QUOTE_PAIRS.get(match.group(1)) == match.group(3) or match.group(3) in "»”\"":
            add(match.start(2), match.start(2) + len(match.group(2).rstrip()), "rule:operation",
                OPERATION_CUE_THEN_NAME_CONFIDENCE)
    # quoted name then cue: the “Zhusan” humanitarian operation, «Жусан» операциясы
    for match in patterns.quoted_then_cue.finditer(body):
        add(match.start(2), match.start(2) + len(match.group(2).rstrip()), "rule:operation",
            OPERATION_NAME_THEN_CUE_CONFIDENCE)
    # Operation Zhusan (English, capitalised, unquoted)
    for match in _OPERATION_CAPITALISED.finditer(body):
        add(match.start(1), match.end(1), "rule:operation", OPERATION_CAPITALISED_CONFIDENCE)
    # gazetteer names: quoted, near a cue, or already confirmed elsewhere in the document
    confirmed = {c.canonical_name for c in out if c.entity_type == "OPERATION"}
    for hit in hits + _lowercase_operation_hits(body):
        if hit.kind != "op":
            continue
        name = gazetteer().names[("op", hit.key)]
        before, after = body[max(0, hit.start - 30):hit.start], body[hit.end:hit.end + 30]
        is_quoted = before.rstrip().endswith(tuple(QUOTE_PAIRS)) and after.lstrip()[:1] in "»”“\"'"
        near_cue = patterns.cue_before.search(before) or patterns.cue_after.search(after)
        lower_case = body[hit.start:hit.end].islower()
        stage = _OPERATION_STAGE.match(body, hit.end)
        end = stage.end() if stage else hit.end
        if near_cue or (not lower_case and (is_quoted or name in confirmed or _next_to_facility(body, hit.start, end))):
            add(hit.start, end, "gazetteer:operation", GAZETTEER_OPERATION_CONFIDENCE, known=name)
    return out
