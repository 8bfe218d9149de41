"""The golden and challenge sets are valid, big enough, and share no text (exactly or nearly) with the training
corpus: they are never trained on."""

from __future__ import annotations

import csv
import re
from collections import Counter

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from evals.dataset import load_dataset
from evals.report import CHALLENGE_PATH, GOLDEN_PATH
from shared.settings import ROOT
from shared.text import normalize_text, strip_accents
from shared.vocabulary import CATEGORY_VALUES

CORPUS_DIR = ROOT / "shared" / "data" / "corpus"
# Character n-gram TF-IDF cosine at or above this means "the same comment, slightly reworded".
NEAR_DUPLICATE_SIMILARITY = 0.70


HELD_OUT = {"dourado": GOLDEN_PATH, "desafio": CHALLENGE_PATH}


def held_out_texts(name: str) -> list[str]:
    return [row.texto for row in load_dataset(HELD_OUT[name])]


def corpus_texts() -> list[str]:
    files = sorted(CORPUS_DIR.glob("*.csv"))
    assert files, "corpus de treino não encontrado"
    texts = []
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            texts += [row["texto"] for row in csv.DictReader(fh)]
    return texts


def loose_key(text: str) -> str:
    """Same text ignoring case, accents, punctuation, emojis and stretched letters ("amooo" == "amo!")."""
    normalized = normalize_text(text)
    words = " ".join(re.findall(r"[a-z0-9]+", strip_accents(normalized)))
    return re.sub(r"(.)\1+", r"\1", words) or re.sub(r"\s+", "", normalized)


def test_golden_set_has_300_rows_and_50_per_category():
    rows = load_dataset(GOLDEN_PATH)
    counts = Counter(row.categoria.value for row in rows)
    assert len(rows) >= 300
    assert {c: counts[c] >= 50 for c in CATEGORY_VALUES} == {c: True for c in CATEGORY_VALUES}


def test_challenge_set_has_400_rows_and_80_per_category():
    rows = load_dataset(CHALLENGE_PATH)
    counts = Counter(row.categoria.value for row in rows)
    assert len(rows) >= 400
    assert {c: counts[c] >= 80 for c in CATEGORY_VALUES} == {c: True for c in CATEGORY_VALUES}


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_held_out_text_appears_in_the_training_corpus(name):
    corpus = {normalize_text(t) for t in corpus_texts()}
    assert [t for t in held_out_texts(name) if normalize_text(t) in corpus] == []


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_held_out_text_appears_in_the_corpus_ignoring_punctuation_emojis_and_stretched_letters(name):
    corpus = {loose_key(t) for t in corpus_texts()}
    assert [t for t in held_out_texts(name) if loose_key(t) in corpus] == []


@pytest.mark.parametrize("name", HELD_OUT)
def test_no_training_text_is_a_near_duplicate_of_a_held_out_text(name):
    golden, corpus = held_out_texts(name), corpus_texts()
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalize_text)
    vectorizer.fit(golden + corpus)
    similarity = cosine_similarity(vectorizer.transform(golden), vectorizer.transform(corpus))
    pairs = [
        (golden[g], corpus[c], round(float(similarity[g, c]), 3))
        for g, c in zip(*(similarity >= NEAR_DUPLICATE_SIMILARITY).nonzero(), strict=True)
    ]
    assert pairs == []


def test_loose_key_catches_the_near_duplicates_it_is_meant_to():
    assert loose_key("Maravilhosoooo!!! 😍") == loose_key("maravilhoso")
    assert loose_key("DATA?") == loose_key("data")
    assert loose_key("🔥🔥🔥") == loose_key("🔥 🔥🔥") != loose_key("😡")
    assert loose_key("show bom") != loose_key("show ruim")
