"""Language-ID benchmark: accuracy of etl.language.detect_language on four public sets.

Run from the project root:
    .venv/bin/python bench/langid_bench.py [--benchmarks /work/shared/benchmarks] [--limit N]
        [--detector etl|cld2|cld2+fasttext]
Prints accuracy per language, script and set, the macro over kk ky uz tg ru en tr, how often the
neighbours tt ba mn az are called one of ours, synthetic-page accuracy, and throughput.
"""

from __future__ import annotations

import argparse
import random
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"

# Languages the pipeline targets (macro average) and the neighbours that must not be mistaken for them.
TARGET_LANGS = ("kk", "ky", "uz", "tg", "ru", "en", "tr")
NEIGHBOUR_LANGS = ("tt", "ba", "mn", "az")

ISO3_TO_ISO1 = {
    "kaz": "kk", "kir": "ky", "uzb": "uz", "uzn": "uz", "tgk": "tg", "rus": "ru", "eng": "en",
    "tur": "tr", "tat": "tt", "bak": "ba", "khk": "mn", "mon": "mn", "azj": "az", "aze": "az",
}
NTREX_FILES = {
    "newstest2019-ref.kaz.txt": ("kk", "Cyrl"), "newstest2019-ref.kir.txt": ("ky", "Cyrl"),
    "newstest2019-ref.uzb.txt": ("uz", "Latn"), "newstest2019-ref.tgk-Cyrl.txt": ("tg", "Cyrl"),
    "newstest2019-ref.rus.txt": ("ru", "Cyrl"), "newstest2019-src.eng.txt": ("en", "Latn"),
    "newstest2019-ref.tur.txt": ("tr", "Latn"), "newstest2019-ref.tat.txt": ("tt", "Cyrl"),
    "newstest2019-ref.bak.txt": ("ba", "Cyrl"), "newstest2019-ref.mon.txt": ("mn", "Cyrl"),
    "newstest2019-ref.aze-Latn.txt": ("az", "Latn"),
}
# Tatoeba's own script tags; a bare code is the language's usual script.
TATOEBA_DEFAULT_SCRIPT = {"rus": "Cyrl", "eng": "Latn", "tur": "Latn", "tat": "Cyrl", "mon": "Cyrl"}
UDHR_NS = "{http://www.unhchr.ch/udhr}"


@dataclass(frozen=True)
class Sample:
    """One gold-labelled sentence or paragraph."""

    dataset: str
    lang: str
    script: str
    text: str


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def load_flores(root: Path) -> Iterator[Sample]:
    """Yield FLORES-200 devtest lines labelled by file name."""
    for path in sorted((root / "langid-flores200" / "devtest").glob("*.devtest")):
        iso3, script = path.stem.split("_")
        for line in _lines(path):
            if line.strip():
                yield Sample("flores", ISO3_TO_ISO1[iso3], script, line)


def load_ntrex(root: Path) -> Iterator[Sample]:
    """Yield NTREX-128 lines for the files we label."""
    folder = root / "langid-ntrex128" / "NTREX-128"
    for name, (lang, script) in sorted(NTREX_FILES.items()):
        for line in _lines(folder / name):
            if line.strip():
                yield Sample("ntrex", lang, script, line)


def load_tatoeba(root: Path) -> Iterator[Sample]:
    """Yield Tatoeba lines with their per-line labels (e.g. uzb_Cyrl)."""
    for labels_path in sorted((root / "langid-tatoeba").glob("*/*.labels")):
        text_path = labels_path.with_suffix("")
        for label, line in zip(_lines(labels_path), _lines(text_path), strict=True):
            iso3, _, script = label.partition("_")
            if line.strip():
                yield Sample("tatoeba", ISO3_TO_ISO1[iso3], script or TATOEBA_DEFAULT_SCRIPT[iso3], line)


def load_udhr(root: Path) -> Iterator[Sample]:
    """Yield one UDHR <para> per sample, labelled from the root attributes."""
    for path in sorted((root / "langid-udhr" / "data" / "udhr").glob("udhr_*.xml")):
        tree = ET.parse(path).getroot()
        lang = ISO3_TO_ISO1[tree.attrib["iso639-3"]]
        script = tree.attrib["iso15924"]
        for para in tree.iter(f"{UDHR_NS}para"):
            text = " ".join("".join(para.itertext()).split())
            if text:
                yield Sample("udhr", lang, script, text)


LOADERS: dict[str, Callable[[Path], Iterator[Sample]]] = {
    "flores": load_flores, "ntrex": load_ntrex, "tatoeba": load_tatoeba, "udhr": load_udhr,
}


def load_all(root: Path, limit: int | None = None) -> list[Sample]:
    """All samples of the four sets, at most `limit` per (dataset, lang, script)."""
    samples: list[Sample] = []
    seen: dict[tuple[str, str, str], int] = defaultdict(int)
    for loader in LOADERS.values():
        for sample in loader(root):
            key = (sample.dataset, sample.lang, sample.script)
            if limit is None or seen[key] < limit:
                seen[key] += 1
                samples.append(sample)
    return samples


def evaluate(samples: list[Sample], detect: Callable[[str], str | None]) -> tuple[dict, float]:
    """Predictions per (dataset, lang, script) and the elapsed seconds."""
    predictions: dict[tuple[str, str, str], list[str | None]] = defaultdict(list)
    started = time.perf_counter()
    for sample in samples:
        predictions[(sample.dataset, sample.lang, sample.script)].append(detect(sample.text))
    return predictions, time.perf_counter() - started


def report(predictions: dict, elapsed: float, n_samples: int) -> None:
    """Print per-language accuracy, macro per set, and neighbour confusion."""
    datasets = list(LOADERS)
    print(f"{'lang':<10}" + "".join(f"{d:>10}" for d in datasets))
    for lang in TARGET_LANGS:
        scripts = sorted({s for (_, l, s) in predictions if l == lang})
        for script in scripts:
            row = f"{lang + ' ' + script:<10}"
            for dataset in datasets:
                preds = predictions.get((dataset, lang, script))
                row += f"{100 * sum(p == lang for p in preds) / len(preds):>9.1f}%" if preds else f"{'-':>10}"
            print(row)
    row = f"{'macro':<10}"
    macros = []
    for dataset in datasets:
        accs = []
        for lang in TARGET_LANGS:
            preds = [p for (d, l, _), ps in predictions.items() if d == dataset and l == lang for p in ps]
            if preds:
                accs.append(sum(p == lang for p in preds) / len(preds))
        macro = 100 * sum(accs) / len(accs)
        macros.append(macro)
        row += f"{macro:>9.1f}%"
    print(row)
    print("\nneighbours: share mis-called as one of " + "/".join(TARGET_LANGS) + " (top wrong calls)")
    for lang in NEIGHBOUR_LANGS:
        for (dataset, l, script), preds in sorted(predictions.items()):
            if l != lang:
                continue
            wrong = [p for p in preds if p in TARGET_LANGS]
            counts: dict[str, int] = defaultdict(int)
            for p in wrong:
                counts[p] += 1
            top = ", ".join(f"{k}:{v}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])[:4])
            correct = sum(p == lang for p in preds)
            share_wrong = 100 * len(wrong) / len(preds)
            print(f"  {lang} {script} {dataset:<8} n={len(preds):<4} mis-called {share_wrong:5.1f}%"
                  f"  correct {100 * correct / len(preds):5.1f}%  [{top}]")
    print(f"\nthroughput: {n_samples / elapsed:,.0f} samples/s ({n_samples} samples, {elapsed:.1f} s)")
    print("macro (" + " ".join(TARGET_LANGS) + "): " + " / ".join(f"{m:.1f}" for m in macros)
          + " (" + " / ".join(datasets) + ")")


def build_pages(samples: list[Sample], sentences_per_page: int = 1, seed: int = 0) -> list[Sample]:
    """Synthetic pages: a few same-language sentences between short crumbs and footers in other languages."""
    rng = random.Random(seed)
    pool: dict[str, list[str]] = defaultdict(list)
    for sample in samples:
        pool[sample.lang].append(sample.text)
    langs = sorted(pool)
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for sample in samples:
        if sample.lang in TARGET_LANGS and sample.dataset != "tatoeba":
            groups[(sample.dataset, sample.lang, sample.script)].append(sample.text)
    pages = []
    for (dataset, lang, script), texts in sorted(groups.items()):
        others = [other for other in langs if other != lang]
        for start in range(0, len(texts) - sentences_per_page + 1, sentences_per_page):
            crumbs = [" ".join(rng.choice(pool[rng.choice(others)]).split()[: rng.randint(1, 3)])
                      for _ in range(rng.randint(0, 6))]
            footer = [" ".join(rng.choice(pool[rng.choice(others)]).split()[: rng.randint(3, 10)])
                      for _ in range(rng.randint(0, 2))]
            body = texts[start:start + sentences_per_page]
            pages.append(Sample(dataset, lang, script, "\n".join(crumbs + body + footer)))
    return pages


def report_pages(predictions: dict, elapsed: float, n_pages: int) -> None:
    """Print page-level accuracy per language and script."""
    print(f"\npages ({n_pages} synthetic pages: one sentence between up to 6 crumbs and 2 footers in other "
          "languages; a long footer can outweigh the sentence, so 100% is not reachable):")
    per_label: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for (_, lang, script), preds in predictions.items():
        per_label[(lang, script)].extend(p == lang for p in preds)
    print("  " + "  ".join(f"{lang} {script}: {100 * sum(ok) / len(ok):.1f}%"
                           for (lang, script), ok in sorted(per_label.items())))
    print(f"  throughput: {n_pages / elapsed:,.0f} pages/s")


def detectors() -> dict[str, Callable[[str], str | None]]:
    """Ours, and the reference points: CLD2 best-effort alone, and with fastText when CLD2 is empty or Slavic."""
    import pycld2

    from etl.language import _clean, _fasttext_detector, detect_language

    def etl(text: str) -> str | None:
        return detect_language(text).lang

    def cld2(text: str) -> str | None:
        code = pycld2.detect(_clean(text), bestEffort=True)[2][0][1]
        return None if code == "un" else code

    def cld2_fasttext(text: str) -> str | None:
        code = cld2(text)
        if code is None or code in {"ru", "uk", "be", "bg", "sr", "mk"}:
            return str(_fasttext_detector().detect(_clean(text), model="lite", k=1)[0]["lang"])
        return code

    return {"etl": etl, "cld2": cld2, "cld2+fasttext": cld2_fasttext}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", type=Path, default=DEFAULT_BENCHMARKS)
    parser.add_argument("--limit", type=int, default=None, help="at most N samples per set and label")
    parser.add_argument("--detector", choices=["etl", "cld2", "cld2+fasttext"], default="etl",
                        help="etl.language.detect_language (default) or a baseline")
    args = parser.parse_args()

    detect = detectors()[args.detector]
    samples = load_all(args.benchmarks, args.limit)
    detect("warm up the models")
    predictions, elapsed = evaluate(samples, detect)
    report(predictions, elapsed, len(samples))
    pages = build_pages(samples)
    page_predictions, page_elapsed = evaluate(pages, detect)
    report_pages(page_predictions, page_elapsed, len(pages))


if __name__ == "__main__":
    main()
