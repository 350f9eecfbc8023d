"""Story evidence of one document, in forms that compare across languages and scripts (the story_signals table).

- persons as Latin keys ("Ержан Ашикбаев" and "Yerzhan Ashikbayev" -> "erjan ashikbaev");
- figures: numbers >= 11 that are not years, and the counted facts as (home country, value) ("TJ:104");
- event days named in the text as month-day ("22 октября", "October 22", "7-9 мамырда" -> "10-22", "05-07", ...);
- operation stages ("Mehr-4", "mehr operasiyasi - 4", "Айкөл-3" -> "mehr:4", "aikol:3");
- names in Latin capitals (acronyms), countries, places, organisations, operations, years;
- a bottom-k sketch of the body's character 5-grams (near-duplicates within one language).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from etl.entities.lexicon import gazetteer_data
from etl.entities.transliteration import CYRILLIC_TO_LATIN
from etl.facts.numbers import mask_non_counts
from etl.fields.agency import canonical_agency
from etl.fields.phrases import PHRASES, alternation, fold

SKETCH_SIZE = 128
# acronyms too generic to tie two stories together
_ACRONYM_STOP = {"UN", "UNO", "US", "USA", "UK", "EU", "MFA", "RK", "KZ", "NGO", "NGOS", "CIS", "TV", "PHOTO", "RF",
                 "OK", "COVID", "HTTP", "HTTPS", "WWW", "PDF", "AM", "PM"}
# a counted fact of fewer people than this is no figure of the story ("a mother and her child")
MIN_FACT_VALUE = 2
# the highest stage number an operation's name can carry ("Mehr-4", "«Жусан-2»")
MAX_STAGE = 20

SIGNAL_COLUMNS = ["doc_id", "lang", "published_date", "persons", "person_blocks", "numbers", "names", "countries",
                  "orgs", "operations", "years", "sketch", "facts", "event_days", "stages", "places"]


@lru_cache(maxsize=1 << 16)
def latin_key(name: str) -> str:
    """A spelling-tolerant Latin key of a name: "Ержан Ашикбаев" and "Yerzhan Ashikbayev" -> "erjan ashikbaev".

    Cyrillic goes through the package's one press table (etl.entities.transliteration), so Kazakh, Kyrgyz,
    Uzbek and Tajik letters key alike whatever the script: Uzbek Latin "o‘" is Cyrillic "ў" (both "u"),
    Tajik "ҷ" is "j", "ӣ" is "i", "ӯ" is "u", and "ң" ("ng") keys as "n".
    """
    text = re.sub(r"o[‘’ʻʼ'`]", "u", name.lower())
    text = re.sub(r"(?<=\w)[‘’ʻʼ'`]", "", text)  # Uzbek Latin g‘ and the tutuq (Ma’ruf) are one word
    text = "".join(CYRILLIC_TO_LATIN.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^a-z ]+", " ", text)
    for old, new in (("dzh", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("x", "h"), ("q", "k"), ("w", "v"),
                     ("ts", "c"), ("ng", "n")):
        text = text.replace(old, new)
    text = re.sub(r"\b(?:ye|yo|e)", "e", text)
    text = re.sub(r"(?<=[aeiou])y(?=[aeiou])", "", text)
    text = text.replace("y", "i")
    text = re.sub(r"(.)\1+", r"\1", text)
    return " ".join(text.split())


def same_person(a: str, b: str) -> bool:
    """True when two Latin keys name the same person (full name, or surname when one side has only that)."""
    if not a or not b:
        return False
    if fuzz.token_sort_ratio(a, b) >= 85:
        return True
    ta, tb = a.split(), b.split()
    if min(len(ta), len(tb)) == 1:
        return fuzz.ratio(max(ta, key=len), max(tb, key=len)) >= 88
    return False


def body_sketch(body: str) -> list[int]:
    """Bottom-k sketch of a body's character 5-grams: the SKETCH_SIZE smallest 63-bit hashes, ascending.

    Two sketches estimate the 5-gram Jaccard similarity of two bodies without keeping the 5-grams
    (exact when both bodies have fewer than SKETCH_SIZE distinct 5-grams). Deterministic across processes.
    """
    text = re.sub(r"\W+", " ", body.lower())[:5000]
    if len(text) < 5:
        return []
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - 4
    hashes = np.zeros(n, dtype=np.uint64)
    for offset in range(5):
        hashes = hashes * np.uint64(1_000_003) + codes[offset:offset + n]
    # splitmix64 finaliser: spreads the polynomial hash over all bits
    hashes ^= hashes >> np.uint64(30)
    hashes *= np.uint64(0xBF58476D1CE4E5B9)
    hashes ^= hashes >> np.uint64(27)
    hashes *= np.uint64(0x94D049BB133111EB)
    hashes ^= hashes >> np.uint64(31)
    hashes >>= np.uint64(1)
    if n > 2 * SKETCH_SIZE:
        # the distinct values up to the (2k+1)-th smallest, found in linear time, hold the k smallest distinct
        # ones unless the body repeats itself so much that they are fewer than k: then sort everything
        smallest = np.unique(np.partition(hashes, 2 * SKETCH_SIZE)[:2 * SKETCH_SIZE + 1])
        if len(smallest) >= SKETCH_SIZE:
            return smallest[:SKETCH_SIZE].astype(np.int64).tolist()
    return (np.unique(hashes)[:SKETCH_SIZE]).astype(np.int64).tolist()


def sketch_similarity(a: list[int], b: list[int]) -> float:
    """Jaccard similarity estimated from two bottom-k sketches."""
    if not a or not b:
        return 0.0
    sa, sb = set(a), set(b)
    union = sorted(sa | sb)[:SKETCH_SIZE]
    return sum(1 for h in union if h in sa and h in sb) / len(union)


_MONTH_BY_STEM = {fold(stem): int(month) for month, stems in PHRASES["months"].items() for stem in stems}
# a month name with its inflection ("октября", "мамырда", "sentabrda", "Oct."), from the dateline phrases
_MONTH = rf"(?P<m>(?:{alternation(_MONTH_BY_STEM)})[^\W\d_]{{0,7}})"
_DAY = r"(?<![\d.,:/])[0-3]?\d(?![\d.,:/]\d)"
_DAY_SUFFIX = r"(?:st|nd|rd|th|-?го|-?чи|-?nchi|-?inchi|-?сі|-?ші|-?и)?"
# "7 and 9 May", "7-9 мамырда", "7–9-май", "5 и 6 января", "21 мая": every day of the list
_DAYS_THEN_MONTH = re.compile(
    rf"(?P<days>{_DAY}{_DAY_SUFFIX}(?:\s*(?:[-–—,]|and|и|va|ва|мен|жана|және|ва)\s*{_DAY}{_DAY_SUFFIX})*)"
    rf"[\s\-.]{{0,3}}{_MONTH}", re.IGNORECASE)
# "October 22", "May 21st": a day, then the word before it is looked at (faster than the month alternation)
_LONE_DAY = re.compile(r"(?<![\d.,:/])[0-3]?\d(?:st|nd|rd|th)?(?![\d:]|[.,]\d)")
_WORD_BEFORE = re.compile(r"([^\W\d_]{3,12})\.?\s{1,3}$")


# a word that starts with a month's short stem is a month only when it is the abbreviation itself or starts with
# a month's full name ("сентября", "Mart", "мамырда"; not "senators", "маршрут", "декада")
_FULL_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "yanvar", "fevral", "mart", "aprel", "iyun", "iyul", "avgust", "sentabr", "sentyabr", "oktabr",
    "oktyabr", "noyabr", "dekabr", "январ", "феврал", "март", "апрел", "май", "мая", "июн", "июл", "август",
    "сентябр", "октябр", "ноябр", "декабр",
)


@lru_cache(maxsize=1 << 12)
def _month_of(word: str) -> int | None:
    folded = fold(word).rstrip(".")
    stems = [stem for stem in _MONTH_BY_STEM if folded.startswith(stem)]
    if not stems:
        return None
    stem = max(stems, key=len)
    if len(stem) <= 3 and folded not in (stem, stem + "t", stem + "т") and not folded.startswith(_FULL_MONTHS):
        return None
    return _MONTH_BY_STEM[stem]


# Where a day can start (a digit after no digit, point, comma, colon or slash) and a figure (the same, or after a colon
# or slash). The patterns are tried there only (`_matches_from`): one that opens with a look-behind is otherwise tried
# at every character.
_DAY_START = re.compile(r"\d(?<![\d.,:/]\d)")
_FIGURE_START = re.compile(r"\d(?<![\d.,]\d)")


def _starts(start_pattern: re.Pattern[str], text: str) -> list[int]:
    return [match.start() for match in start_pattern.finditer(text)]


def _matches_from(pattern: re.Pattern[str], text: str, starts: list[int]) -> list[re.Match[str]]:
    """`pattern.finditer(text)` for a pattern whose every match begins at one of `starts` (ascending)."""
    matches, resume = [], 0
    for start in starts:
        if start >= resume and (match := pattern.match(text, start)):
            matches.append(match)
            resume = match.end()
    return matches


def _day_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, "MM-DD") of every day named with a month name; start and end span the day numbers."""
    starts = _starts(_DAY_START, text)
    found = [(match.start("days"), match.end("days"), match.group("m"))
             for match in _matches_from(_DAYS_THEN_MONTH, text, starts)]
    for match in _matches_from(_LONE_DAY, text, starts):
        before = _WORD_BEFORE.search(text, max(0, match.start() - 16), match.start())
        if before:
            found.append((match.start(), match.end(), before.group(1)))
    mentions = []
    for start, end, month_word in found:
        month = _month_of(month_word)
        for day in re.findall(r"\d+", text[start:end]) if month else ():
            if 1 <= int(day) <= 31:
                mentions.append((start, end, f"{month:02d}-{int(day):02d}"))
    return mentions


def event_days(text: str, published: pd.Timestamp | None = None) -> set[str]:
    """Days named in the text with a month name, as "MM-DD" (the year is often left out), except the
    publication day (a dateline names when the text appeared, not when the event happened)."""
    days = {day for _, _, day in _day_mentions(text)}
    if published is not None:
        days.discard(f"{published.month:02d}-{published.day:02d}")
    return days


@lru_cache(maxsize=1)
def _stage_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """Operation names (any alias, a stage suffix stripped) followed by a stage number, and alias -> id."""
    by_alias: dict[str, str] = {}
    for operation in gazetteer_data()["operations"]:
        for alias in operation["aliases"]:
            by_alias[fold(re.sub(r"-\d+$", "", alias))] = operation["id"]
    # the number hangs on a word ("Mehr-4", "operasiyasi-4") or stands alone before a closing quote
    # ("mehr operasiyasi - 4"), never a count that follows a dash ("Zhusan operation - 12 women")
    pattern = re.compile(
        rf"(?<![^\W\d_])(?P<op>{alternation(by_alias)})[^\W\d_]{{0,8}}(?:\s+[^\W\d_]+){{0,2}}"
        rf"(?:[-–](?P<attached>\d{{1,2}})|\s+[-–—]\s+(?P<quoted>\d{{1,2}})(?=\s*[»\"”)]))(?!\d)", re.IGNORECASE)
    return pattern, by_alias


def operation_stages(text: str) -> set[str]:
    """Operation stages named in the text as "id:stage" ("Mehr-4", "mehr operasiyasi - 4" -> "mehr:4")."""
    pattern, by_alias = _stage_pattern()
    folded = text.casefold()
    if not any(alias in folded for alias in by_alias):  # most texts name no operation: skip the regex
        return set()
    stages = set()
    for match in pattern.finditer(text):
        operation = by_alias.get(fold(match.group("op")))
        stage = int(match.group("attached") or match.group("quoted"))
        if operation and 1 <= stage <= MAX_STAGE:
            stages.add(f"{operation}:{stage}")
    return stages


@dataclass
class DocSignals:
    """The story evidence of one document (one row of story_signals)."""

    doc_id: str
    lang: str | None
    date: pd.Timestamp | None
    persons: list[str] = field(default_factory=list)
    numbers: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    orgs: set[str] = field(default_factory=set)
    operations: set[str] = field(default_factory=set)
    years: set[int] = field(default_factory=set)
    sketch: list[int] = field(default_factory=list)
    facts: set[str] = field(default_factory=set)
    event_days: set[str] = field(default_factory=set)
    stages: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)


_NUMBER_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+(?![\d])|(?<![\d.,])\d+(?![\d])")
_ACRONYM_RE = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9&]{2,}(?![A-Za-z])")


def document_signals(doc: dict, entities: list[tuple], facts: list[tuple]) -> DocSignals:
    """`entities`: (entity_type, text, canonical_name, canonical_id) of the document; `facts`: its counted facts as
    (value, country, qualifier)."""
    text = " ".join(str(doc.get(k) or "") for k in ("title", "body"))
    date = _timestamp(doc.get("published_date"))
    sig = DocSignals(str(doc["doc_id"]), doc.get("lang") if isinstance(doc.get("lang"), str) else None,
                     None if pd.isna(date) else date)
    # a day of the month is a date, not a figure ("22 октября" shares the day, not the number 22)
    masked = mask_non_counts(text)
    for start, end, _ in _day_mentions(masked):
        masked = masked[:start] + " " * (end - start) + masked[end:]
    for raw in (match.group() for match in _matches_from(_NUMBER_RE, masked, _starts(_FIGURE_START, masked))):
        value = int(re.sub(r"\D", "", raw))
        if 1900 <= value <= 2100 and raw.isdigit():
            sig.years.add(value)
        elif value >= 11:
            sig.numbers.add(value)
    for value, country, qualifier in facts:
        if int(value) >= 11:
            sig.numbers.add(int(value))
        # an approximate figure ("more than 300") is the kind of total many unrelated texts repeat
        if isinstance(country, str) and int(value) >= MIN_FACT_VALUE and qualifier in (None, "exact"):
            sig.facts.add(f"{country}:{int(value)}")
    # the agency that published the text says nothing about the story
    agency = (latin_key(canonical_agency(doc["source_agency"])) if isinstance(doc.get("source_agency"), str)
              else "")
    sig.names = {a for a in _ACRONYM_RE.findall(text) if a not in _ACRONYM_STOP and latin_key(a) != agency}
    for kind, text_as_written, canonical_name, canonical_id in entities:
        kind = str(kind or "").upper()
        name = canonical_name if isinstance(canonical_name, str) else text_as_written
        canonical_id = canonical_id if isinstance(canonical_id, str) else None
        if kind in ("PERSON", "PER") and isinstance(name, str):
            key = latin_key(name)
            if key and key not in sig.persons:
                sig.persons.append(key)
        elif kind in ("LOC", "LOCATION", "GPE", "COUNTRY") and canonical_id and re.fullmatch(r"[A-Z]{2}", canonical_id):
            sig.countries.add(canonical_id)
        elif kind in ("LOC", "LOCATION", "GPE") and isinstance(name, str):
            sig.places.add(canonical_id or latin_key(name))
        elif kind == "OPERATION" and isinstance(name, str):
            sig.operations.add(latin_key(name))
        elif kind in ("ORG", "ORGANIZATION") and (canonical_id or isinstance(name, str)):
            org = canonical_id or latin_key(str(name))
            if not agency or latin_key(canonical_agency(str(name))) != agency:
                sig.orgs.add(org)
    sig.event_days = event_days(text, sig.date)
    sig.stages = operation_stages(text)
    sig.operations |= {latin_key(stage.split(":")[0]) for stage in sig.stages}
    sig.sketch = body_sketch(str(doc.get("body") or ""))
    return sig


def _timestamp(value: object) -> pd.Timestamp:
    """pd.to_datetime(value, errors="coerce") (NaT when unknown), without its parsing for the usual None or date."""
    if value is None:
        return pd.NaT
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    return pd.to_datetime(value, errors="coerce")


def signals_frame(docs: pd.DataFrame, entities: pd.DataFrame, facts: pd.DataFrame) -> pd.DataFrame:
    """One row of story evidence per document (the story_signals table): what linking needs, without the text."""
    entity_columns = ["doc_id", "entity_type", "text", "canonical_name", "canonical_id"]
    ent_by_doc: dict[str, list[tuple]] = {}
    if entities is not None and len(entities) and "doc_id" in entities.columns:
        frame = entities.reindex(columns=entity_columns).astype(object)
        for doc_id, *row in frame.where(frame.notna(), None).itertuples(index=False, name=None):
            ent_by_doc.setdefault(doc_id, []).append(tuple(row))
    facts_by_doc: dict[str, list[tuple]] = {}
    if facts is not None and len(facts) and "doc_id" in facts.columns:
        frame = facts.reindex(columns=["doc_id", "value", "country", "qualifier"]).astype(object)
        for doc_id, value, country, qualifier in frame.where(frame.notna(), None).itertuples(index=False, name=None):
            if value is not None:
                facts_by_doc.setdefault(doc_id, []).append((int(value), country, qualifier))
    rows = []
    for doc in docs.to_dict("records"):
        sig = document_signals(doc, ent_by_doc.get(doc["doc_id"], []), facts_by_doc.get(doc["doc_id"], []))
        rows.append({
            "doc_id": sig.doc_id, "lang": sig.lang, "published_date": sig.date.date() if sig.date is not None else None,
            "persons": sig.persons,
            # persons block on the first letters of every long name part, so word order and endings do not matter
            "person_blocks": sorted({part[:4] for p in sig.persons for part in p.split() if len(part) >= 4}),
            "numbers": sorted(sig.numbers), "names": sorted(sig.names), "countries": sorted(sig.countries),
            "orgs": sorted(sig.orgs), "operations": sorted(sig.operations), "years": sorted(sig.years),
            "sketch": sig.sketch, "facts": sorted(sig.facts), "event_days": sorted(sig.event_days),
            "stages": sorted(sig.stages), "places": sorted(sig.places),
        })
    return pd.DataFrame(rows, columns=SIGNAL_COLUMNS)


def _items(value: object) -> list:
    return [] if value is None or (not hasattr(value, "__len__") and pd.isna(value)) else list(value)


def signals_from_row(row: dict) -> DocSignals:
    """A story_signals row back as DocSignals (columns a warehouse written before they existed read as empty)."""
    date = pd.to_datetime(row.get("published_date"), errors="coerce")
    lang = row.get("lang")
    return DocSignals(
        str(row["doc_id"]), lang if isinstance(lang, str) else None, None if pd.isna(date) else date,
        persons=_items(row.get("persons")), numbers={int(n) for n in _items(row.get("numbers"))},
        names=set(_items(row.get("names"))), countries=set(_items(row.get("countries"))),
        orgs=set(_items(row.get("orgs"))), operations=set(_items(row.get("operations"))),
        years={int(y) for y in _items(row.get("years"))}, sketch=[int(h) for h in _items(row.get("sketch"))],
        facts=set(_items(row.get("facts"))), event_days=set(_items(row.get("event_days"))),
        stages=set(_items(row.get("stages"))), places=set(_items(row.get("places"))))
