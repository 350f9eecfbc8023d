"""etl.entities.ner_network computes what slovnet computes: the NER model's emissions bit for bit, and the CRF's
decoding of many texts as of each alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from etl.entities.models import natasha_models, ner_network
from etl.entities.ner_tokens import token_bounds

REALISTIC = Path(__file__).with_name("data") / "realistic"


def _texts() -> list[str]:
    """Every paragraph of the realistic files (every language; one word to many lines), the first in capitals."""
    paragraphs = [paragraph for path in sorted(REALISTIC.glob("*.txt"))
                  for paragraph in path.read_text(encoding="utf-8").split("\n\n") if paragraph.strip()]
    return [paragraphs[0].upper(), *paragraphs, "Москва", "…"]


def _slovnet_inputs(text: str):
    encoder = natasha_models()[1].infer.encoder
    return encoder.input([encoder.item([text[start:stop] for start, stop in token_bounds(text)])])


def test_emissions_equal_slovnets_bit_for_bit() -> None:
    network, _ = ner_network()
    model = natasha_models()[1].infer.model
    inputs = [_slovnet_inputs(text) for text in _texts()]
    ours = network.emissions([(item.word_id[0], item.shape_id[0]) for item in inputs])
    assert len(ours) == len(inputs) > 30
    for item, emissions in zip(inputs, ours, strict=True):
        expected = model(item.word_id, item.shape_id, item.pad_mask)[0]
        assert emissions.dtype == expected.dtype and np.array_equal(emissions, expected)


def test_decoding_many_texts_equals_slovnet_one_at_a_time() -> None:
    network, _ = ner_network()
    crf = natasha_models()[1].infer.model.head.crf
    rng = np.random.default_rng(23)
    # scores of the network and random ones (ties and sharp turns); lengths 1 to 300 in no order
    emissions = network.emissions([(item.word_id[0], item.shape_id[0])
                                   for item in map(_slovnet_inputs, _texts())])
    emissions += [rng.normal(scale=4, size=(length, 8)).astype(np.float32) for length in (1, 2, 300, 7, 7, 1)]
    emissions.append(np.zeros((5, 8), dtype=np.float32))
    decoded = network.decode(emissions)
    for scores, tags in zip(emissions, decoded, strict=True):
        expected = crf.decode(scores[None], np.ones((1, len(scores)), dtype=bool))[0]
        assert np.array_equal(tags, expected)
