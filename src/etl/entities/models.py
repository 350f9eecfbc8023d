"""The natasha models (loaded once per process) and what the rules ask of them: NER spans, nominative forms."""

from __future__ import annotations

import re
from functools import lru_cache


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


def natasha_spans(text: str) -> list[tuple[int, int, str]]:
    """natasha's NER spans of text as (start, end, PER | ORG | LOC)."""
    # The tagger alone gives character spans; natasha's Doc would also segment the text, which we do not use.
    _, ner_tagger, _ = natasha_models()
    return [(span.start, span.stop, span.type) for span in ner_tagger(text).spans]


def nominative_ru(words: list[str], mode: str) -> list[str]:
    """Words put in the nominative. mode 'org': the head phrase up to its first noun (the rest stays as
    written, so 'Министерства иностранных дел' -> 'Министерство иностранных дел'); 'name' and 'place': every
    word that cannot already be read as a nominative."""
    morph = morph_analyzer()
    wanted = {"name": {"Name", "Surn", "Patr"}, "place": {"Geox"}}.get(mode)
    out = []
    for i, word in enumerate(words):
        if not re.fullmatch(r"[А-Яа-яЁё\-]+", word) or word.isupper():
            out.append(word)
            if mode == "org":
                return out + words[i + 1:]
            continue
        if mode == "name" and re.search(r"(?:ов|ев|ёв|ин|ын)а?$", word):
            out.append(word)  # surnames in -ов/-ин: pymorphy may read them as plural genitives
            continue
        if mode == "name" and (surname := re.fullmatch(r"(.+(?:ов|ев|ёв|ин|ын))(у|ым|ом|е)", word)):
            out.append(surname.group(1))
            continue
        parses = morph.parse(word)
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
        out.append(new)
        if mode == "org" and best.tag.POS == "NOUN":
            return out + words[i + 1:]
    return out
