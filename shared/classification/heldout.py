"""The evaluation sets are never trained on: what counts as "the same text" as a held-out comment.

The golden set (`evals/golden.csv`) and the challenge set (`evals/challenge.csv`) measure the classifiers; a
training text equal to one of them, or nearly equal, would make those numbers lie. Three checks, the same ones
`tests/test_evals_golden.py` applies to the corpus:

- `normalize_text`: the same text up to case and spaces;
- `loose_key`: the same words ignoring accents, punctuation, emojis and stretched letters ("amooo!!" == "amo");
- near duplicate: character 3-5 gram TF-IDF cosine >= NEAR_DUPLICATE_SIMILARITY (a slightly reworded comment).

`HeldOutFilter` applies them to texts coming from outside the corpus (the curators' corrections).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from pathlib import Path

from shared.settings import ROOT
from shared.text import normalize_text, strip_accents

EVALS_DIR = ROOT / "evals"
HELD_OUT_PATHS = (EVALS_DIR / "golden.csv", EVALS_DIR / "challenge.csv")
# Character n-gram TF-IDF cosine at or above this means "the same comment, slightly reworded".
NEAR_DUPLICATE_SIMILARITY = 0.70


def loose_key(text: str) -> str:
    """Same text ignoring case, accents, punctuation, emojis and stretched letters ("amooo" == "amo!")."""
    normalized = normalize_text(text)
    words = " ".join(re.findall(r"[a-z0-9]+", strip_accents(normalized)))
    return re.sub(r"(.)\1+", r"\1", words) or re.sub(r"\s+", "", normalized)


def held_out_texts(paths: Sequence[Path] = HELD_OUT_PATHS) -> list[str]:
    """Every `texto` of the evaluation sets that exist (a production image may ship without them)."""
    texts: list[str] = []
    for path in paths:
        if path.is_file():
            with path.open(encoding="utf-8-sig", newline="") as fh:
                texts += [(row.get("texto") or "").strip() for row in csv.DictReader(fh)]
    return [t for t in texts if t]


class HeldOutFilter:
    """Tells which texts repeat (exactly, loosely or nearly) a held-out text."""

    def __init__(self, texts: Sequence[str] | None = None):
        self.texts = list(held_out_texts() if texts is None else texts)
        self._exact = {normalize_text(t) for t in self.texts}
        self._loose = {loose_key(t) for t in self.texts}

    def matches(self, candidates: Sequence[str]) -> list[bool]:
        """For every candidate: True when it is the same as, or a near duplicate of, a held-out text."""
        flags = [normalize_text(t) in self._exact or loose_key(t) in self._loose for t in candidates]
        rest = [i for i, flagged in enumerate(flags) if not flagged]
        if rest and self.texts:
            from sklearn.feature_extraction.text import TfidfVectorizer  # heavy import, only when needed
            from sklearn.metrics.pairwise import cosine_similarity

            others = [candidates[i] for i in rest]
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=normalize_text)
            vectorizer.fit(self.texts + others)
            similarity = cosine_similarity(vectorizer.transform(others), vectorizer.transform(self.texts))
            for i, row_max in zip(rest, similarity.max(axis=1), strict=True):
                flags[i] = bool(row_max >= NEAR_DUPLICATE_SIMILARITY)
        return flags
