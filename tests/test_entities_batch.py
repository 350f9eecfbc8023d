"""The entities stage's shard-wide work gives what one document at a time gives: natasha's NER decoded in batches,
and entities_frame over many documents against extract_entities document by document."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.entities.extract import entities_frame, extract_entities
from etl.entities.models import NER_GROUP_TEXTS, natasha_models, natasha_spans, natasha_spans_many

REALISTIC = Path(__file__).with_name("data") / "realistic"


def _realistic_documents() -> list[tuple[str, str, str]]:
    """(doc_id, body, lang) of every realistic news file; the file name opens with its language."""
    return [
        (path.stem, path.read_text(encoding="utf-8"), path.stem.split("_")[0])
        for path in sorted(REALISTIC.glob("*.txt"))
    ]


def _tagger_spans(text: str) -> list[tuple[int, int, str]]:
    """natasha's own tagger on one text, the reference the batched decoding must equal."""
    return [(span.start, span.stop, span.type) for span in natasha_models()[1](text).spans]


def test_batched_ner_equals_the_tagger_one_text_at_a_time() -> None:
    # every line of every realistic file (Russian and not, long and one-word), as written and in capitals (a
    # headline's case), in one call: lengths differ, so the decoding pads; more texts than one group holds; texts
    # without a word give no spans
    lines = [line for _, body, _ in _realistic_documents() for line in body.splitlines() if line.strip()]
    texts = [
        *lines,
        *(line.upper() for line in lines),
        "Москва",
        "…",
        "   ",
        "Глава МИД России Сергей Лавров прибыл в Астану.\n" * 40,
    ]
    assert len(texts) > NER_GROUP_TEXTS
    batched = natasha_spans_many(texts)
    expected = [_tagger_spans(text) if any(ch.isalnum() for ch in text) else [] for text in texts]
    assert batched == expected
    assert sum(map(len, batched)) > 50  # the texts do hold names: the equality is not between empty lists
    assert natasha_spans(texts[-1]) == expected[-1]


def test_entities_frame_of_a_shard_equals_documents_one_by_one() -> None:
    # every other document with its first line as a headline (read with the body, its own paragraph), the others
    # without one; a blank body with a headline
    documents = [
        (doc_id, *text.split("\n", 1), lang) if index % 2 else (doc_id, None, text, lang)
        for index, (doc_id, text, lang) in enumerate(_realistic_documents())
    ]
    documents.append(("blank", "Посольство России в Дамаске вывезло детей", "", "ru"))
    frame = entities_frame(pd.DataFrame(documents, columns=["doc_id", "title", "body", "lang"]))
    one_by_one = pd.DataFrame(
        [
            entity.__dict__
            for doc_id, title, body, lang in documents
            for entity in extract_entities(doc_id, body, lang, title)
        ],
        columns=frame.columns,
    )
    assert frame.to_dict("records") == one_by_one.astype(frame.dtypes.to_dict()).to_dict("records")
    assert {"natasha", "gazetteer:country"} <= set(frame["extractor"])
    assert frame["in_title"].any() and "blank" in set(frame["doc_id"])
    assert frame["doc_id"].nunique() == len(documents)
