"""natasha's NER network (slovnet's ``exec.model.NER``) run on plain numpy arrays, and its CRF decoding.

The forward pass does slovnet's float32 operations on the same operands in the same order (the convolution as one
matrix product over the windows of each word, ReLU, batch norm, the tag projection), so each text's emissions equal
slovnet's bit for bit; what it leaves out is slovnet's copying: the activations stay one word per row, so a layer's
windows are three slices of the previous output instead of a padded transposed copy gathered again, and the word
embeddings of a group of texts are looked up once per distinct word. The Viterbi decoding of many texts runs one
step per word position for all of them and follows the back-pointers of all of them at once.
tests/test_ner_network.py checks both against slovnet; the pin of slovnet in pyproject.toml keeps the network the
one read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Encoded = tuple[np.ndarray, np.ndarray]  # (word ids, shape ids) of a text's tokens


@dataclass(frozen=True)
class ConvLayer:
    """One CNN encoder layer: Conv1d (kernel 3, padding 1), ReLU, BatchNorm1d."""

    weight: np.ndarray  # filters x (input channels * kernel), slovnet's im2col order: channel-major
    bias: np.ndarray
    in_channels: int
    kernel: int
    mean: np.ndarray
    std: np.ndarray
    norm_weight: np.ndarray
    norm_bias: np.ndarray

    def __call__(self, padded: np.ndarray, words: int, pad_rows: np.ndarray) -> np.ndarray:
        """The layer's output, padded with a zero row either side, of padded (words + 2 rows, one word a row)."""
        windows = np.empty((words, self.in_channels, self.kernel), dtype=padded.dtype)
        for shift in range(self.kernel):
            windows[:, :, shift] = padded[shift:shift + words]
        out_padded = np.empty((words + 2, self.weight.shape[0]), dtype=padded.dtype)
        out_padded[0] = out_padded[-1] = 0
        out = out_padded[1:-1]
        np.matmul(windows.reshape(words, self.in_channels * self.kernel), self.weight.T, out=out)
        out += self.bias
        np.maximum(out, 0, out=out)
        out -= self.mean
        out /= self.std
        out *= self.norm_weight
        out += self.norm_bias
        if pad_rows.size:  # slovnet zeroes padding words after each layer
            out[pad_rows] = 0
        return out_padded


@dataclass(frozen=True)
class NerNetwork:
    """The arrays of natasha's NER model, and its forward pass and decoding over them."""

    codes: np.ndarray  # navec's product-quantized word vectors: (subvector, centroid) rows of subvector values
    code_offsets: np.ndarray  # first row of each subvector's centroids in codes
    word_centroids: np.ndarray  # word id x subvector -> centroid
    shape_weight: np.ndarray
    layers: tuple[ConvLayer, ...]
    proj_weight: np.ndarray
    proj_bias: np.ndarray
    transitions: np.ndarray
    pad_word_id: int

    @classmethod
    def of(cls, tagger) -> NerNetwork:
        """The network of natasha's NewsNERTagger (its slovnet NER model)."""
        model = tagger.infer.model
        word = model.emb.word
        subvectors, centroids, width = word.codes.shape
        layers = []
        for layer in model.encoder.layers:
            filters, in_channels, kernel = layer.conv.weight.shape
            if layer.conv.padding != kernel // 2:
                raise ValueError(f"NER convolution with padding {layer.conv.padding} for kernel {kernel}")
            layers.append(ConvLayer(layer.conv.weight.array.reshape(filters, in_channels * kernel),
                                    layer.conv.bias.array, in_channels, kernel, layer.norm.mean.array,
                                    layer.norm.std.array, layer.norm.weight.array, layer.norm.bias.array))
        return cls(codes=word.codes.array.reshape(subvectors * centroids, width),
                   code_offsets=np.arange(subvectors, dtype=np.intp) * centroids,
                   word_centroids=word.indexes.array, shape_weight=model.emb.shape.weight.array,
                   layers=tuple(layers), proj_weight=model.head.proj.weight.array,
                   proj_bias=model.head.proj.bias.array, transitions=model.head.crf.transitions.array,
                   pad_word_id=tagger.infer.encoder.words_vocab.pad_id)

    def emissions(self, texts: Sequence[Encoded]) -> list[np.ndarray]:
        """Tag scores (words x tags) of each text, each read alone as slovnet reads a batch of one."""
        if not texts:
            return []
        distinct, rows = np.unique(np.concatenate([word_ids for word_ids, _ in texts]), return_inverse=True)
        vectors = self.codes[self.word_centroids[distinct].astype(np.intp) + self.code_offsets]
        vectors = vectors.reshape(len(distinct), -1)
        word_width, shape_width = vectors.shape[1], self.shape_weight.shape[1]
        found, first = [], 0
        for word_ids, shape_ids in texts:
            words = len(word_ids)
            padded = np.empty((words + 2, word_width + shape_width), dtype=vectors.dtype)
            padded[0] = padded[-1] = 0
            padded[1:-1, :word_width] = vectors[rows[first:first + words]]
            padded[1:-1, word_width:] = self.shape_weight[shape_ids]
            first += words
            pad_rows = np.flatnonzero(word_ids == self.pad_word_id)
            for layer in self.layers:
                padded = layer(padded, words, pad_rows)
            scores = np.matmul(padded[1:-1], self.proj_weight)
            scores += self.proj_bias
            found.append(scores)
        return found

    def decode(self, emissions: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The CRF's best tag ids of each text's emissions (non-empty), as slovnet's ``CRF.decode`` finds them one
        text at a time: the same float32 sums, ties to the first tag."""
        lengths = np.array([len(scores) for scores in emissions])
        rows = len(emissions)
        order = np.argsort(-lengths, kind="stable")
        longest = int(lengths[order[0]])
        tags_count = self.transitions.shape[0]
        stacked = np.zeros((longest, rows, tags_count), dtype=emissions[0].dtype)  # position-major, longest first
        for row, index in enumerate(order):
            stacked[:lengths[index], row] = emissions[index]
        active = (lengths[order][None, :] > np.arange(longest)[:, None]).sum(1)  # rows longer than each position
        score = stacked[0].copy()
        back = []  # per position, the best previous tag for each tag of the rows still going
        for position in range(1, longest):
            going = active[position]
            candidates = score[:going, :, None] + self.transitions
            candidates += stacked[position, :going, None, :]
            back.append(candidates.argmax(1))
            score[:going] = candidates.max(1)  # the value slovnet gathers at the argmax
        best = score.argmax(1)
        path = np.empty((rows, longest), dtype=np.intp)
        for position in range(longest - 1, 0, -1):
            going = active[position]
            path[:going, position] = best[:going]
            best[:going] = back[position - 1][np.arange(going), best[:going]]
        path[:, 0] = best
        tags: list[np.ndarray] = [np.empty(0, dtype=np.intp)] * rows
        for row, index in enumerate(order):
            tags[index] = path[row, :lengths[index]]
        return tags
