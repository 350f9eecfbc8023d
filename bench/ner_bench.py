"""NER benchmark: exact-span P/R/F1 per type of etl.entities on three public gold sets.

Run from the project root:
    .venv/bin/python bench/ner_bench.py [--benchmarks /work/shared/benchmarks] [--limit N] [--only ru,kk,en]

- factRuEval-2016 (ru, test set): Person -> PER, Org -> ORG, Location and LocOrg -> LOC (our choice: a
  geographic name used as an organisation is still a place name for this pipeline). Mention extent is
  min(start)..max(start+length) over its spans.
- KazNERD (kk, test split): PERSON -> PER, ORGANISATION -> ORG, GPE + LOCATION -> LOC; also untyped
  (span only) over those classes. Sentences are joined with newlines into pseudo-documents of 40.
- CoNLL++ (en, corrected CoNLL-2003 test): PER, ORG, LOC; MISC is ignored.
Alongside the pipeline, raw natasha is scored on ru (and on kk, to show why it is not used there).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from etl.entities.extract import extract_entities
from etl.entities.models import natasha_spans

DEFAULT_BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
TYPES = ("PER", "ORG", "LOC")
OUR_TYPES = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC"}
Span = tuple[int, int, str]


@dataclass(frozen=True)
class GoldDoc:
    """One benchmark document with its gold spans (start, end, type)."""

    doc_id: str
    text: str
    spans: frozenset[Span]


# ---------------------------------------------------------------- loaders

def load_factrueval(root: Path) -> Iterator[GoldDoc]:
    """factRuEval-2016 test set, one document per book."""
    folder = root / "factrueval-2016-ru" / "testset"
    mapping = {"Person": "PER", "Org": "ORG", "Location": "LOC", "LocOrg": "LOC"}
    for txt in sorted(folder.glob("book_*.txt")):
        with open(txt, encoding="utf-8", newline="") as fh:
            text = fh.read()
        offsets: dict[str, tuple[int, int]] = {}
        for line in txt.with_suffix(".spans").read_text(encoding="utf-8").splitlines():
            fields = line.split("#")[0].split()
            if len(fields) >= 4:
                offsets[fields[0]] = (int(fields[2]), int(fields[2]) + int(fields[3]))
        spans = set()
        for line in txt.with_suffix(".objects").read_text(encoding="utf-8").splitlines():
            fields = line.split("#")[0].split()
            if len(fields) < 3 or fields[1] not in mapping:
                continue
            parts = [offsets[s] for s in fields[2:] if s in offsets]
            if parts:
                spans.add((min(p[0] for p in parts), max(p[1] for p in parts), mapping[fields[1]]))
        yield GoldDoc(txt.stem, text, frozenset(spans))


def _iob_docs(sentences: list[list[tuple[str, str]]], mapping: dict[str, str], prefix: str,
              per_doc: int) -> Iterator[GoldDoc]:
    for i in range(0, len(sentences), per_doc):
        text_parts: list[str] = []
        spans: set[Span] = set()
        pos = 0
        for sentence in sentences[i:i + per_doc]:
            current: list[int] | None = None
            for j, (token, tag) in enumerate(sentence):
                start = pos
                text_parts.append(token)
                pos += len(token)
                if j < len(sentence) - 1:
                    text_parts.append(" ")
                    pos += 1
                kind = mapping.get(tag[2:]) if tag != "O" else None
                if tag.startswith("B-") or (tag.startswith("I-") and current is None) or kind is None:
                    if current is not None:
                        spans.add((current[0], current[1], current[2]))
                        current = None
                    if kind is not None:
                        current = [start, start + len(token), kind]
                else:
                    current[1] = start + len(token)
            if current is not None:
                spans.add((current[0], current[1], current[2]))
            text_parts.append("\n")
            pos += 1
        yield GoldDoc(f"{prefix}{i // per_doc}", "".join(text_parts), frozenset(spans))


def _read_conll(path: Path, column: int) -> Iterator[tuple[bool, list[tuple[str, str]]]]:
    """(starts_new_document, sentence) pairs from a CoNLL file."""
    sentence: list[tuple[str, str]] = []
    new_doc = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            new_doc = True
            continue
        if not line.strip():
            if sentence:
                yield new_doc, sentence
                sentence, new_doc = [], False
            continue
        cols = line.split(" ")
        sentence.append((cols[0], cols[column]))
    if sentence:
        yield new_doc, sentence


def load_kaznerd(root: Path, per_doc: int = 40) -> Iterator[GoldDoc]:
    """KazNERD test split, sentences grouped into pseudo-documents."""
    sentences = [s for _, s in _read_conll(root / "kaznerd-kk" / "IOB2_test.txt", 1)]
    mapping = {"PERSON": "PER", "ORGANISATION": "ORG", "GPE": "LOC", "LOCATION": "LOC"}
    yield from _iob_docs(sentences, mapping, "kaznerd-", per_doc)


def load_conllpp(root: Path) -> Iterator[GoldDoc]:
    """CoNLL++ test set, one document per -DOCSTART- block."""
    docs: list[list[list[tuple[str, str]]]] = []
    for new_doc, sentence in _read_conll(root / "conllpp-en" / "conllpp_test.txt", 3):
        if new_doc or not docs:
            docs.append([])
        docs[-1].append(sentence)
    mapping = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
    for n, sentences in enumerate(docs):
        yield from _iob_docs(sentences, mapping, f"conllpp-{n}-", len(sentences))


# ---------------------------------------------------------------- systems

def pipeline(lang: str) -> Callable[[GoldDoc], set[Span]]:
    def run(doc: GoldDoc) -> set[Span]:
        return {(e.start, e.end, OUR_TYPES[e.entity_type]) for e in extract_entities(doc.doc_id, doc.text, lang)
                if e.entity_type in OUR_TYPES}
    return run


def raw_natasha(doc: GoldDoc) -> set[Span]:
    return {(s, e, t) for s, e, t in natasha_spans(doc.text) if t in TYPES}


# ---------------------------------------------------------------- scoring

def score(docs: list[GoldDoc], system: Callable[[GoldDoc], set[Span]]) -> tuple[dict, float]:
    counts: dict[str, Counter] = defaultdict(Counter)
    started = time.perf_counter()
    for doc in docs:
        pred = system(doc)
        for name, keep in (("typed", lambda s: s), ("untyped", lambda s: (s[0], s[1], "ANY"))):
            p = {keep(s) for s in pred}
            g = {keep(s) for s in doc.spans}
            types = TYPES if name == "typed" else ("ANY",)
            for t in types:
                pt = {s for s in p if s[2] == t}
                gt = {s for s in g if s[2] == t}
                counts[t].update(tp=len(pt & gt), pred=len(pt), gold=len(gt))
    elapsed = time.perf_counter() - started
    micro = Counter()
    for t in TYPES:
        micro.update(counts[t])
    counts["micro"] = micro
    return counts, len(docs) / elapsed if elapsed else float("inf")


def prf(c: Counter) -> tuple[float, float, float]:
    p = c["tp"] / c["pred"] if c["pred"] else 0.0
    r = c["tp"] / c["gold"] if c["gold"] else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def report(title: str, counts: dict, docs_per_s: float) -> None:
    print(f"\n{title}  ({docs_per_s:.1f} docs/s)")
    print(f"  {'type':8} {'P':>6} {'R':>6} {'F1':>6} {'pred':>6} {'gold':>6}")
    for t in (*TYPES, "micro", "ANY"):
        if t in counts:
            p, r, f = prf(counts[t])
            label = "untyped" if t == "ANY" else t
            print(f"  {label:8} {100 * p:6.1f} {100 * r:6.1f} {100 * f:6.1f} {counts[t]['pred']:6d} {counts[t]['gold']:6d}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--limit", type=int, default=0, help="first N documents of each set (0 = all)")
    parser.add_argument("--only", default="ru,kk,en")
    args = parser.parse_args()
    only = set(args.only.split(","))
    pipeline("ru")(GoldDoc("warm-up", "Ержан Ашикбаев посетил Женеву.", frozenset()))  # load models once
    sets = {
        "ru": ("factRuEval-2016 test (ru)", load_factrueval, [("pipeline (etl.entities)", pipeline("ru")),
                                                              ("raw natasha", raw_natasha)]),
        "kk": ("KazNERD test (kk)", load_kaznerd, [("pipeline (etl.entities)", pipeline("kk")),
                                                   ("raw natasha on Kazakh", raw_natasha)]),
        "en": ("CoNLL++ test (en)", load_conllpp, [("pipeline (etl.entities)", pipeline("en"))]),
    }
    for key, (title, loader, systems) in sets.items():
        if key not in only:
            continue
        docs = list(loader(args.benchmarks))
        if args.limit:
            docs = docs[: args.limit]
        for name, system in systems:
            counts, speed = score(docs, system)
            report(f"{title}: {name}, {len(docs)} docs", counts, speed)


if __name__ == "__main__":
    main()
