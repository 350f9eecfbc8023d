"""The natasha models (loaded once per process) and what the rules ask of them: NER spans, nominative forms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

NerSpan = tuple[int, int, str]  # (start, end, PER | ORG | LOC) in the tagged text

# texts whose NER tag sequences are decoded together; the padded emissions are small (texts x words x 7 tags)
NER_DECODE_BATCH = 64
NER_GROUP_TEXTS = 256  # texts tokenized and tagged together (their razdel tokens, ~250 bytes a word, held at once)
NER_CACHE_WORDS = 50_000  # distinct word forms whose NER encoding is kept

# distinct (word form, mode) pairs whose nominative is kept: a news archive's names and organization words
NOMINATIVE_CACHE_WORDS = 20_000


@lru_cache(maxsize=1)
def natasha_models():
    """Natasha segmenter, NER tagger and morph vocab (models ship inside the PyPI wheels)."""
    # imported on first use for start-up cost: natasha pulls in its embeddings and pymorphy2 dictionaries
    from natasha import MorphVocab, NewsEmbedding, NewsNERTagger, Segmenter

    embedding = NewsEmbedding()
    return Segmenter(), NewsNERTagger(embedding), MorphVocab()


def morph_analyzer():
    """natasha's MorphVocab (pymorphy): parse and inflect Russian words."""
    return natasha_models()[2]


def natasha_spans(text: str) -> list[NerSpan]:
    """natasha's NER spans of text as (start, end, PER | ORG | LOC)."""
    return natasha_spans_many([text])[0]


def natasha_spans_many(texts: Sequence[str]) -> list[list[NerSpan]]:
    """natasha's NER spans of each text, exactly as its tagger gives them one text at a time.

    The steps are slovnet's own (``NERInfer.__call__``), regrouped: the network reads each text alone (batched
    texts would be padded to the longest, which costs more than it saves), and the tag sequences of up to
    NER_DECODE_BATCH texts of similar length are decoded together: the CRF's Viterbi decoding loops in Python over
    the word positions of a batch, so one loop serves many texts (it was a quarter of the NER's time). Words are
    encoded once per word form, and the spans come from razdel's token offsets, which slovnet would find again.
    The pin of slovnet in pyproject.toml and tests/test_entities_batch.py guard the equality."""
    spans: list[list[NerSpan]] = []
    for first in range(0, len(texts), NER_GROUP_TEXTS):  # a group's tokens are held at once: memory stays bounded
        spans += _group_spans(texts[first:first + NER_GROUP_TEXTS])
    return spans


def _group_spans(texts: Sequence[str]) -> list[list[NerSpan]]:
    """natasha_spans_many of up to NER_GROUP_TEXTS texts."""
    # slovnet's and razdel's internals, imported on first use like the models themselves
    from razdel import tokenize as razdel_tokenize
    from slovnet.bio import bio_spans

    infer = natasha_models()[1].infer
    tokens = [list(razdel_tokenize(text)) for text in texts]
    emissions: dict[int, np.ndarray] = {}
    for index, text_tokens in enumerate(tokens):
        if text_tokens:
            word_ids, shape_ids = zip(*(_encoded_word(token.text) for token in text_tokens))
            encoded = infer.encoder.input([(word_ids, shape_ids)])
            emissions[index] = infer.model(encoded.word_id, encoded.shape_id, encoded.pad_mask)[0]
    spans: list[list[NerSpan]] = [[] for _ in texts]
    by_length = sorted(emissions, key=lambda index: len(tokens[index]))
    for first in range(0, len(by_length), NER_DECODE_BATCH):
        batch = by_length[first:first + NER_DECODE_BATCH]
        longest = len(tokens[batch[-1]])
        padded = np.zeros((len(batch), longest, emissions[batch[0]].shape[-1]), dtype=emissions[batch[0]].dtype)
        mask = np.zeros((len(batch), longest), dtype=bool)
        for row, index in enumerate(batch):
            padded[row, :len(tokens[index])] = emissions[index]
            mask[row, :len(tokens[index])] = True
        for index, tags in zip(batch, infer.decoder(infer.model.head.crf.decode(padded, mask))):
            spans[index] = [(span.start, span.stop, span.type) for span in bio_spans(tokens[index], tags)]
    return spans


@lru_cache(maxsize=NER_CACHE_WORDS)
def _encoded_word(word: str) -> tuple[int, int]:
    """The NER encoder's (word id, shape id) of a word form (slovnet's ``WordShapeEncoder.item``, one word)."""
    from slovnet.shape import word_shape

    encoder = natasha_models()[1].infer.encoder
    return encoder.words_vocab.encode(word.lower()), encoder.shapes_vocab.encode(word_shape(word))


def nominative_ru(words: list[str], mode: str) -> list[str]:
    """Words put in the nominative. mode 'org': the head phrase up to its first noun (the rest stays as
    written, so 'Министерства иностранных дел' -> 'Министерство иностранных дел'); 'name' and 'place': every
    word that cannot already be read as a nominative."""
    out = []
    for i, word in enumerate(words):
        nominative, ends_head = _nominative_word(word, mode)
        out.append(nominative)
        if ends_head:
            return out + words[i + 1:]
    return out


@lru_cache(maxsize=NOMINATIVE_CACHE_WORDS)
def _nominative_word(word: str, mode: str) -> tuple[str, bool]:
    """One word of nominative_ru: its nominative form, and whether it ends an organization's head phrase ('org'
    only). A pure function of the word form, so each form is parsed and inflected by pymorphy once per process."""
    if not re.fullmatch(r"[А-Яа-яЁё\-]+", word) or word.isupper():
        return word, mode == "org"
    if mode == "name" and re.search(r"(?:ов|ев|ёв|ин|ын)а?$", word):
        return word, False  # surnames in -ов/-ин: pymorphy may read them as plural genitives
    if mode == "name" and (surname := re.fullmatch(r"(.+(?:ов|ев|ёв|ин|ын))(у|ым|ом|е)", word)):
        return surname.group(1), False
    wanted = {"name": {"Name", "Surn", "Patr"}, "place": {"Geox"}}.get(mode)
    parses = morph_analyzer().parse(word)
    best = parses[0]
    if mode == "org":
        nominative = any(p.tag.case == "nomn" and p.tag.POS == best.tag.POS and p.tag.number == best.tag.number
                         for p in parses)
    else:
        nominative = any(p.tag.case == "nomn" for p in parses)
        best = next((p for p in parses if wanted & set(p.tag.grammemes)), best if mode == "place" else None)
    new = word
    if not nominative and best is not None and best.tag.POS in ("NOUN", "ADJF", "PRTF"):
        plural = best.tag.number == "plur" and mode != "name"
        inflected = best.inflect({"Nom"} | ({"Plur"} if plural else {"Sing"}))
        if inflected is not None:
            new = inflected.word
            new = new[:1].upper() + new[1:] if word[0].isupper() else new
    return new, mode == "org" and best.tag.POS == "NOUN"
