"""Tests for bench/corpus.py: size, distinctness, determinism, language mix and layout of the generated corpus."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(os.environ.get("ETL_BENCHMARKS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "benchmarks")
CORPUS_SCRIPT = PROJECT / "bench" / "corpus.py"
SAMPLE_DOCS = 200

needs_benchmarks = pytest.mark.skipif(
    not (BENCHMARKS / "factrueval-2016-ru").is_dir() or not (BENCHMARKS / "conllpp-en").is_dir()
    or not (BENCHMARKS / "kaznerd-kk").is_dir(),
    reason=f"shared benchmarks not found at {BENCHMARKS} (set ETL_BENCHMARKS_DIR)",
)


def _load_corpus_module():
    if "bench_corpus" in sys.modules:
        return sys.modules["bench_corpus"]
    spec = importlib.util.spec_from_file_location("bench_corpus", CORPUS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module runs
    spec.loader.exec_module(module)
    return module


corpus = _load_corpus_module()


def _texts(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.txt"))}


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[dict, dict[str, str]]:
    """A 200-document corpus (seed 3) with 50 files per folder: (returned counts, texts by relative path)."""
    folder = tmp_path_factory.mktemp("corpus") / "out"
    saved = corpus.FILES_PER_FOLDER
    corpus.FILES_PER_FOLDER = 50
    try:
        counts = corpus.build_corpus(SAMPLE_DOCS, folder, seed=3, benchmarks_dir=BENCHMARKS)
    finally:
        corpus.FILES_PER_FOLDER = saved
    return counts, _texts(folder)


# --------------------------------------------------------------------------- whole corpus


@needs_benchmarks
def test_writes_the_requested_number_of_files_in_small_folders(sample):
    counts, texts = sample
    assert counts["docs"] == len(texts) == SAMPLE_DOCS
    per_folder: dict[str, int] = {}
    for path in texts:
        folder, name = path.split("/")
        assert re.fullmatch(r"\d{4}", folder) and re.fullmatch(r"\d{6}\.txt", name)
        per_folder[folder] = per_folder.get(folder, 0) + 1
    assert sorted(per_folder.values()) == [50, 50, 50, 50]
    assert counts["bytes"] == sum(len(t.encode("utf-8")) for t in texts.values())


@needs_benchmarks
def test_every_document_is_distinct(sample):
    _, texts = sample
    assert len(set(texts.values())) == SAMPLE_DOCS
    # the pipeline hashes text without trailing spaces; distinct after that too
    stripped = {"\n".join(line.rstrip() for line in t.split("\n")).strip() for t in texts.values()}
    assert len(stripped) == SAMPLE_DOCS


@needs_benchmarks
def test_same_seed_same_files_other_seed_other_files(tmp_path):
    first = corpus.build_corpus(40, tmp_path / "a", seed=11, benchmarks_dir=BENCHMARKS)
    again = corpus.build_corpus(40, tmp_path / "b", seed=11, benchmarks_dir=BENCHMARKS)
    other = corpus.build_corpus(40, tmp_path / "c", seed=12, benchmarks_dir=BENCHMARKS)
    assert first == again
    assert _texts(tmp_path / "a") == _texts(tmp_path / "b")
    other_texts = _texts(tmp_path / "c")
    assert other["docs"] == 40
    assert sum(other_texts[p] != t for p, t in _texts(tmp_path / "a").items()) >= 38


def _script_language(text: str) -> str:
    kazakh = len(re.findall(r"[әғқңөұүһі]", text.lower()))
    cyrillic = len(re.findall(r"[а-яё]", text.lower()))
    latin = len(re.findall(r"[a-z]", text.lower()))
    if latin > cyrillic + kazakh:
        return "en"
    return "kk" if kazakh > 0.02 * (cyrillic + kazakh) else "ru"


@needs_benchmarks
def test_language_mix_matches_the_intended_shares(sample):
    counts, texts = sample
    assert counts["by_source"] == {"factrueval-ru": 70, "conllpp-en": 60, "kaznerd-kk": 50, "seeds": 20}
    by_script: dict[str, int] = {}
    for text in texts.values():
        lang = _script_language(text)
        by_script[lang] = by_script.get(lang, 0) + 1
    assert by_script["kk"] == counts["by_lang"]["kk"] == 50
    # the seeds are English or Russian
    assert by_script["ru"] == counts["by_lang"]["ru"] and 70 <= by_script["ru"] <= 90
    assert by_script["en"] == counts["by_lang"]["en"] and 60 <= by_script["en"] <= 80


_HEADLINE = re.compile(r"^(?=.{20,200}$)(?:\S+\s+){2,39}\S*[^.\s]$")


@needs_benchmarks
def test_every_document_has_a_title_line_and_a_body(sample):
    _, texts = sample
    for path, text in texts.items():
        lines = [line for line in text.split("\n") if line.strip()]
        assert any(_HEADLINE.match(line) for line in lines[:3]), (path, lines[:3])
        body = text.split("\n\n", 2)[-1]
        assert any(len(line.split()) >= 5 for line in body.split("\n")), (path, text[:300])
        assert text.endswith("\n") and "\r" not in text


@needs_benchmarks
def test_benchmark_documents_open_with_title_then_date(sample):
    _, texts = sample
    dated = 0
    for text in texts.values():
        lines = [line for line in text.split("\n") if line.strip()]
        if re.search(r"(?:19|20)\d\d", " ".join(lines[1:3])):
            dated += 1
    assert dated >= 0.85 * SAMPLE_DOCS


@needs_benchmarks
def test_some_documents_carry_a_repatriation_fact(sample):
    _, texts = sample
    with_fact = [t for t in texts.values() if re.search(r"Жусан|Zhusan|Мехр|Mehr|Мээрим|Meerim|Мейірім", t)]
    assert 0.2 * SAMPLE_DOCS <= len(with_fact) <= 0.6 * SAMPLE_DOCS


@needs_benchmarks
def test_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(FileExistsError):
        corpus.build_corpus(3, tmp_path, benchmarks_dir=BENCHMARKS)


def test_missing_benchmarks_name_the_missing_source(tmp_path):
    with pytest.raises(FileNotFoundError, match="factrueval"):
        corpus.build_corpus(3, tmp_path / "out", benchmarks_dir=tmp_path / "nowhere")


@needs_benchmarks
def test_cli_prints_one_json_line_of_counts(tmp_path, capsys):
    assert corpus.main(["--docs", "7", "--out", str(tmp_path / "out"), "--seed", "5",
                        "--benchmarks", str(BENCHMARKS)]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 1
    counts = json.loads(lines[0])
    assert counts["docs"] == 7 and sum(counts["by_source"].values()) == 7 and sum(counts["by_lang"].values()) == 7


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("tokens, expected", [
    (["He", "said", ",", '"', "no", ".", '"'], 'He said, "no."'),
    (["The", "(", "$", "12", ")", "U.S.", "firm", "'s", "deal", "."], "The ($12) U.S. firm's deal."),
    (["«", "Атырау", "»", "ықшамауданы", "50", "%-ке", "өсті", "."], "«Атырау» ықшамауданы 50%-ке өсті."),
])
def test_detokenize(tokens, expected):
    assert corpus.detokenize(tokens) == expected


def test_a_quotation_spans_sentences():
    sentences = [["He", "said", ":", '"', "Yes", "."], ["We", "go", ".", '"'], ["Then", "he", "left", "."]]
    assert corpus.detokenize_sentences(sentences) == ['He said: "Yes.', 'We go."', "Then he left."]


@pytest.mark.parametrize("text", [
    "В 2019 году 12.03.2019 в 14:30 вернули 412 человек (130 женщин и 282 ребенка).",
    "On 1996-12-06 Japan beat Syria 2-1 before 10,000 fans.",
])
def test_vary_numbers_keeps_years_dates_times_and_digit_counts(text):
    varied = corpus.vary_numbers(text, random.Random(1), share=1.0)
    for kept in re.findall(r"\b(?:19|20)\d\d\b|\d\d\.\d\d\.\d{4}|\d\d:\d\d|\d{4}-\d\d-\d\d", text):
        assert kept in varied
    assert [len(n) for n in re.findall(r"\d+", varied)] == [len(n) for n in re.findall(r"\d+", text)]
    assert varied != text


@pytest.mark.parametrize("word, tail", [
    ("Медведевым", "ым"), ("Петрова", "а"), ("Назарбаевтың", "тың"), ("Вертинский", None),
])
def test_surname_swap_keeps_the_case_ending(word, tail):
    swapped = corpus.NameSwapper(random.Random(0), "kk" if tail == "тың" else "ru").cyrillic(word)
    if tail is None:
        assert swapped == word
    else:
        assert swapped != word and swapped.endswith(tail) and swapped[: -len(tail)] in {
            name for pool in corpus._SURNAMES.values() for names in pool.values() for name in names}


@pytest.mark.parametrize("sentence, expected", [
    ("Дмитрий Медведев доверил пост руководителя иннограда миллиардеру Виктору Вексельбергу.",
     "Дмитрий Медведев доверил пост руководителя иннограда миллиардеру Виктору Вексельбергу"),
    ("One two three four five six seven eight nine ten eleven twelve thirteen fourteen.",
     "One two three four five six seven eight nine ten eleven twelve"),
    ("Too short.", None),
])
def test_headline_from_a_lead_sentence(sentence, expected):
    assert corpus.headline_from(sentence) == expected


@pytest.mark.parametrize("lang", ["ru", "en", "kk"])
def test_repatriation_sentence_parts_add_up(lang):
    for seed in range(30):
        sentence = corpus.repatriation_sentence(lang, random.Random(seed))
        numbers = [int(n) for n in re.findall(r"\d+", sentence) if not re.fullmatch(r"20\d\d", n)]
        assert numbers
        if len(numbers) == 3:
            assert numbers[0] == numbers[1] + numbers[2]
