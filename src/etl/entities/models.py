"""The natasha models (loaded once per process) and what the rules ask of them: NER spans, nominative forms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from etl.entities.ner_network import NerNetwork
from etl.entities.ner_tokens import token_bounds

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

    The steps are slovnet's own (``NERInfer.__call__``), done more cheaply with equal results: razdel's tokens
    (``ner_tokens``), the network read by ``ner_network`` (each text alone: batched texts would be padded to the
    longest, which costs more than it saves) and the CRF's Viterbi decoding of NER_DECODE_BATCH texts of similar
    length at once (it loops in Python over word positions). A text repeated in texts is tagged once, words are
    encoded once per word form, and the spans come from razdel's token offsets, which slovnet would find again.
    The pins of slovnet and razdel in pyproject.toml and tests/test_entities_batch.py guard the equality."""
    distinct = list(dict.fromkeys(texts))
    spans: list[list[NerSpan]] = []
    for first in range(0, len(distinct), NER_GROUP_TEXTS):  # a group's tokens are held at once: memory stays bounded
        spans += _group_spans(distinct[first:first + NER_GROUP_TEXTS])
    of_text = dict(zip(distinct, spans))
    return [list(of_text[text]) for text in texts]


def _group_spans(texts: Sequence[str]) -> list[list[NerSpan]]:
    """natasha_spans_many of up to NER_GROUP_TEXTS distinct texts."""
    network, tags = ner_network()
    bounds = [token_bounds(text) for text in texts]
    tagged = [index for index, text_bounds in enumerate(bounds) if text_bounds]
    encoded = []
    for index in tagged:
        text = texts[index]
        word_ids, shape_ids = zip(*(_encoded_word(text[start:stop]) for start, stop in bounds[index]))
        encoded.append((np.array(word_ids), np.array(shape_ids)))
    emissions = network.emissions(encoded)
    spans: list[list[NerSpan]] = [[] for _ in texts]
    by_length = sorted(range(len(tagged)), key=lambda row: len(emissions[row]))
    for first in range(0, len(by_length), NER_DECODE_BATCH):
        batch = by_length[first:first + NER_DECODE_BATCH]
        for row, tag_ids in zip(batch, network.decode([emissions[row] for row in batch])):
            spans[tagged[row]] = _tag_spans(bounds[tagged[row]], tag_ids, tags)
    return spans


@lru_cache(maxsize=1)
def ner_network() -> tuple[NerNetwork, tuple[tuple[str, str | None], ...]]:
    """natasha's NER network, and its tags as slovnet's (BIO part, entity type) by tag id."""
    from slovnet.bio import parse_bio  # imported on first use like the models themselves

    tagger = natasha_models()[1]
    return NerNetwork.of(tagger), tuple(parse_bio(tag) for tag in tagger.infer.decoder.tags_vocab.items)


def _tag_spans(bounds: list[tuple[int, int]], tag_ids: np.ndarray, tags: Sequence[tuple[str, str | None]]
               ) -> list[NerSpan]:
    """slovnet's ``bio_spans`` of a text's tag ids: B opens a span (closing the open one), I extends the open one,
    O closes it, any other tag (padding) leaves it; visits only the words not tagged O."""
    spans: list[NerSpan] = []
    outside = next(tag_id for tag_id, (part, _) in enumerate(tags) if part == "O")
    kind, start, stop, last = None, 0, 0, -2
    for position in np.flatnonzero(tag_ids != outside).tolist():
        if position > last + 1 and kind:  # the words in between are tagged O
            spans.append((start, stop, kind))
            kind = None
        part, entity_type = tags[tag_ids[position]]
        if part == "B":
            if kind:
                spans.append((start, stop, kind))
            kind, (start, stop) = entity_type, bounds[position]
        elif part == "I":
            stop = bounds[position][1]
        last = position
    if kind:
        spans.append((start, stop, kind))
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
