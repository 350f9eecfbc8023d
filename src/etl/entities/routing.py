"""Which rule family reads each paragraph of a body: ru, kk, ky, uz, tg, uz-latn or en, by script and marker letters."""

from __future__ import annotations

import re
from collections.abc import Iterator

from etl.entities.lexicon import (
    KK_LETTERS,
    KY_LETTERS,
    RU_FUNCTION_WORDS,
    TG_LETTERS,
    UZ_CYR_LETTERS,
    UZ_LATIN_MARKERS,
)
from etl.entities.thresholds import RUSSIAN_FUNCTION_WORD_SHARE

Chunk = tuple[str, int, int]  # (route, start, end): consecutive lines of body read by one rule family

# letters counted by runs (one match a word, not a letter)
_CYRILLIC_RUN = re.compile(r"[\u0400-\u04FF]+")
_LATIN_RUN = re.compile(r"[A-Za-z]+")


def _lines(body: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every non-empty line of body."""
    start = 0
    for newline in re.finditer(r"\n", body):
        if newline.start() > start:
            yield start, newline.start()
        start = newline.end()
    if start < len(body):
        yield start, len(body)


def _route(line: str, doc_lang: str | None) -> str | None:
    """Which extractor family reads this line: ru, kk, ky, uz, tg, uz-latn, en; None for no letters.

    Tajik shares ҳ and қ with Uzbek, so its own letters (or a Tajik document) decide first; natasha, trained on
    Russian, never reads a Tajik line (it tags 'Тоҷикистон' as a person)."""
    cyrillic_letters = sum(map(len, _CYRILLIC_RUN.findall(line)))
    latin_letters = sum(map(len, _LATIN_RUN.findall(line)))
    if cyrillic_letters == 0 and latin_letters == 0:
        return None
    if cyrillic_letters >= latin_letters:
        if TG_LETTERS.search(line) or (doc_lang == "tg" and not _russian(line)):
            return "tg"
        if UZ_CYR_LETTERS.search(line):
            return "uz"
        if KK_LETTERS.search(line):
            return "ky" if doc_lang == "ky" and not re.search(r"[әұһіӘҰҺІ]", line) else "kk"
        if KY_LETTERS.search(line):
            return "ky"
        if doc_lang in ("kk", "ky", "uz"):
            return "ru" if _russian(line) else doc_lang
        return "ru"
    if doc_lang == "uz" or len(UZ_LATIN_MARKERS.findall(line)) >= 2:
        return "uz-latn"
    return "en"


def _russian(line: str) -> bool:
    """A Cyrillic line of a kk / ky / uz / tg document written in Russian: enough Russian function words."""
    words = re.findall(r"[а-яё]+", line.lower())
    russian = sum(word in RU_FUNCTION_WORDS for word in words)
    return bool(words) and russian >= max(1, RUSSIAN_FUNCTION_WORD_SHARE * len(words))


def route_at(chunks: list[Chunk], pos: int) -> str:
    """The route of the chunk holding body[pos], "" when none does."""
    return next((route for route, start, end in chunks if start <= pos < end), "")


def route_chunks(body: str, doc_lang: str | None) -> list[Chunk]:
    """Consecutive lines with the same route merged: (route, start, end)."""
    out: list[Chunk] = []
    for start, end in _lines(body):
        route = _route(body[start:end], doc_lang)
        if route is None:
            continue
        if out and out[-1][0] == route:
            out[-1] = (route, out[-1][1], end)
        else:
            out.append((route, start, end))
    return out
