"""etl.entities.ner_tokens gives razdel's tokens: on the realistic files and on generated strings of the characters
razdel's rules look at."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from razdel import tokenize

from etl.entities.ner_tokens import token_bounds

REALISTIC = Path(__file__).with_name("data") / "realistic"

# the pieces razdel's rules decide on: dashes, underscore, decimal and fraction marks, endings, smileys, quotes,
# brackets, symbols of no class (Δ, №), letters that match [a-z] only ignoring case (K, ſ), Yahoo!
PIECES = [*"аБвёЁxYz09 \t\n\u00a0.,-‑–—−_/\\!?…:;=()[]{}«»\"'*%№@#ΔσKſİı<>", "yahoo", "Yahoo", "ab", ":-)", "12"]


def _razdel(text: str) -> list[tuple[int, int]]:
    return [(token.start, token.stop) for token in tokenize(text)]


def test_tokens_of_the_realistic_files_are_razdels() -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(REALISTIC.glob("*.txt"))]
    assert texts
    for text in texts:
        assert token_bounds(text) == _razdel(text)


@pytest.mark.parametrize("text", ["", "   ", "Москва", "2019-2020", "3,5 млн", "1/2", "ООО «Рога и копыта»", "кто-то",
                                  "- то", "Yahoo!", ":-))", "?!", "...", "--", "***", "ΔP", "a_b", "_a", "T-34", "№5"])
def test_tokens_of_hard_cases_are_razdels(text: str) -> None:
    assert token_bounds(text) == _razdel(text)


def test_tokens_of_random_strings_are_razdels() -> None:
    rng = random.Random(23)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 14)))
        assert token_bounds(text) == _razdel(text), text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_tokens_of_any_text_are_razdels(text: str) -> None:
    assert token_bounds(text) == _razdel(text)
