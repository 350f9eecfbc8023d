"""Word tokens and their folded forms: the tokenizer, apostrophe folding and the Cyrillic test every matcher shares."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

APOSTROPHES = "'’‘ʻʼ`´"

APOSTROPHE_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})

TOKEN_RE = re.compile(r"[^\W\d_]+(?:[" + APOSTROPHES + r"][^\W\d_]+)*|\d+")

CYRILLIC_RE = re.compile(r"[\u0400-\u04FF]")

# distinct tokens whose folded form is kept; a shard of news repeats most of its words
NORMALIZED_CACHE_TOKENS = 50_000
TOKENIZED_CACHE_TEXTS = 8  # a document's body and its paragraphs


@lru_cache(maxsize=NORMALIZED_CACHE_TOKENS)
def normalize_token(token: str) -> str:
    """Case- and spelling-folded token used for gazetteer look-ups (cached: every rule folds the same words)."""
    return unicodedata.normalize("NFC", token).translate(APOSTROPHE_TABLE).lower().replace("ё", "е")


@lru_cache(maxsize=TOKENIZED_CACHE_TEXTS)
def tokenize(text: str) -> tuple[tuple[int, int, str], ...]:
    """Word tokens of text as (start, end, surface); the last few texts' are kept, as several rules read the same
    document body or paragraph."""
    return tuple([(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(text)])


def is_cyrillic(text: str) -> bool:
    """True when text holds at least one Cyrillic letter."""
    return CYRILLIC_RE.search(text) is not None
