"""LocalClassifier: offline, deterministic, no network.

A scikit-learn pipeline trained on every CSV in `shared/data/corpus/` (columns `texto,categoria`):
word 1-2 gram and character 2-5 gram TF-IDF over folded text (lower case, no accents, long letter runs
squeezed, links and numbers replaced by tokens) plus hand-written cue features (cues.py:
praise/complaint words with negation, sarcasm, question, suggestion and spam cues) into a linear SVM
whose scores are calibrated into probabilities (sigmoid, cross-validated): the top probability is the
`confianca`. Tags come from the lexicon (shared.classification.tags); `artista`/`album` from the input
fields, else from the catalogue.

Training is a command (`python -m shared.classification.local train`, `make train`). The model is cached,
git-ignored, in `.local/models/local-<hash>.joblib`, where the hash covers the corpus files and the
parameters below; at first use a missing model is trained automatically (a few seconds). Nothing opaque
is committed. The model name stored with every result is `local-tfidf-<hash>`, so a change of corpus or
parameters is a new model (and `reclassificar` can redo old results).

To tune: change PARAMS (or `preprocess`, then bump PREPROCESS_VERSION) and run `make train` + `make evals`.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import importlib
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import joblib
import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from shared.catalog import match_artist
from shared.classification.base import Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.cues import CUES_VERSION, cue_features
from shared.classification.tags import find_tags
from shared.contracts import ClassificationResult
from shared.settings import LOCAL_DIR, ROOT
from shared.text import HANDLE, URL, fold, normalize_text
from shared.vocabulary import Category, Origin, parse_category

log = logging.getLogger(__name__)

CORPUS_DIR = ROOT / "shared" / "data" / "corpus"
MODEL_DIR = LOCAL_DIR / "models"
PROMPT_VERSION = "local-v1"  # the local "prompt": preprocessing + lexicon + rules; bump when they change
PREPROCESS_VERSION = 1  # part of the model hash: bump when `preprocess` changes
HASH_CHARS = 12


@dataclass(frozen=True)
class ModelParams:
    """Every tunable knob of the local model, in one place (part of the model hash)."""

    word_ngrams: tuple[int, int] = (1, 2)
    word_min_df: int = 1
    char_ngrams: tuple[int, int] = (2, 5)
    char_min_df: int = 2
    sublinear_tf: bool = True
    svm_c: float = 1.0
    calibration: str = "sigmoid"  # sigmoid | isotonic
    calibration_folds: int = 5
    cue_weight: float = 0.3  # scale of the hand-written cue features (cues.py); 0 disables them
    spam_weight: float = 1.3  # training weight of SPAM examples: a missed SPAM costs more (gate: recall >= 0.90)
    random_state: int = 0


PARAMS = ModelParams()

_NUMBER = re.compile(r"\d+")


@lru_cache(maxsize=8192)  # both vectorizers preprocess the same texts of a batch
def preprocess(text: str) -> str:
    """Folded text with links, @handles and numbers replaced by stable tokens."""
    text = fold(text)
    text = URL.sub(" urltoken ", text)
    text = HANDLE.sub(" arrobatoken ", text)
    return _NUMBER.sub(" 0 ", text)


# --- corpus


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    files = sorted(corpus_dir.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"nenhum CSV de treino em {corpus_dir}")
    return files


def load_corpus(corpus_dir: Path = CORPUS_DIR) -> tuple[list[str], list[str]]:
    """Texts and category values from every CSV; the first label of a repeated text wins."""
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    for path in corpus_files(corpus_dir):
        with path.open(encoding="utf-8", newline="") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                text = (row.get("texto") or "").strip()
                try:
                    category = parse_category((row.get("categoria") or "").strip())
                except ValueError as exc:
                    raise ValueError(f"{path.name}, linha {line}: {exc}") from None
                key = normalize_text(text)
                if not text or key in seen:
                    continue
                seen.add(key)
                texts.append(text)
                labels.append(category.value)
    return texts, labels


def model_hash(corpus_dir: Path = CORPUS_DIR, params: ModelParams = PARAMS) -> str:
    digest = hashlib.sha256()
    for path in corpus_files(corpus_dir):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    # The module is part of the identity: the pickled pipeline refers to `preprocess` by its import path.
    digest.update(
        json.dumps(
            {"params": asdict(params), "preprocess": PREPROCESS_VERSION, "cues": CUES_VERSION, "module": __name__},
            sort_keys=True,
        ).encode()
    )
    return digest.hexdigest()[:HASH_CHARS]


def model_path(digest: str, model_dir: Path | None = None) -> Path:
    return (model_dir or MODEL_DIR) / f"local-{digest}.joblib"


# --- training


def build_pipeline(params: ModelParams = PARAMS) -> Pipeline:
    features = FeatureUnion(
        [
            (
                "word",
                TfidfVectorizer(
                    preprocessor=preprocess,
                    ngram_range=params.word_ngrams,
                    min_df=params.word_min_df,
                    sublinear_tf=params.sublinear_tf,
                    token_pattern=r"(?u)\b\w+\b|[^\w\s]",  # noqa: S106 - a regex, not a password
                ),
            ),
            (
                "char",
                TfidfVectorizer(
                    preprocessor=preprocess,
                    analyzer="char_wb",
                    ngram_range=params.char_ngrams,
                    min_df=params.char_min_df,
                    sublinear_tf=params.sublinear_tf,
                ),
            ),
        ]
    )
    if params.cue_weight:
        features.transformer_list.append(
            ("cues", FunctionTransformer(cue_features, kw_args={"weight": params.cue_weight}))
        )
    svm = LinearSVC(C=params.svm_c, random_state=params.random_state)
    model = CalibratedClassifierCV(svm, method=params.calibration, cv=params.calibration_folds, ensemble=False)
    return Pipeline([("features", features), ("model", model)])


def train(corpus_dir: Path = CORPUS_DIR, model_dir: Path | None = None, params: ModelParams = PARAMS) -> Path:
    """Fit on the whole corpus and write the model file atomically; returns its path."""
    started = time.perf_counter()
    texts, labels = load_corpus(corpus_dir)
    digest = model_hash(corpus_dir, params)
    weights = np.where(np.array(labels) == Category.SPAM.value, params.spam_weight, 1.0)
    pipeline = build_pipeline(params).fit(texts, labels, model__sample_weight=weights)
    target = model_path(digest, model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    bundle = {
        "pipeline": pipeline,
        "hash": digest,
        "params": asdict(params),
        "examples": len(texts),
        "classes": list(pipeline.classes_),
    }
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(bundle, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    log.info(
        "local model %s trained on %d examples in %.1fs -> %s",
        digest,
        len(texts),
        time.perf_counter() - started,
        target,
    )
    return target


_loaded: dict[Path, dict] = {}
_load_lock = threading.Lock()


def load_model(corpus_dir: Path = CORPUS_DIR, model_dir: Path | None = None) -> dict:
    """The model for the current corpus and parameters: from memory, the cache file, or trained now.

    Concurrent first uses (several workers) train once: the others wait on a file lock.
    """
    digest = model_hash(corpus_dir)
    path = model_path(digest, model_dir)
    with _load_lock:
        if path in _loaded:
            return _loaded[path]
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path.parent / f".train-{digest}.lock", "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                if not path.exists():
                    log.info("local model %s not cached: training it now", digest)
                    train(corpus_dir, model_dir)
        bundle = joblib.load(path)
        _loaded[path] = bundle
        return bundle


# --- the classifier


class LocalClassifier(Classifier):
    name = "local"
    origin = Origin.LOCAL
    prompt_version = PROMPT_VERSION

    def __init__(self, corpus_dir: Path = CORPUS_DIR, model_dir: Path | None = None):
        bundle = load_model(corpus_dir, model_dir)
        self.pipeline: Pipeline = bundle["pipeline"]
        self.model = f"local-tfidf-{bundle['hash']}"
        self.classes = [Category(value) for value in bundle["classes"]]

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        outcome = ClassifierOutcome()
        if not items:
            return outcome
        started = time.perf_counter()
        probabilities = self.pipeline.predict_proba([item.text for item in items])
        latency = max(1, int((time.perf_counter() - started) * 1000 / len(items)))
        for item, row in zip(items, probabilities, strict=True):
            best = int(np.argmax(row))
            outcome.results[item.id] = self._result(item, self.classes[best], float(row[best]))
            outcome.latency_ms[item.id] = latency
        return outcome

    def _result(self, item: ClassifierItem, category: Category, confidence: float) -> ClassificationResult:
        tags = [] if category == Category.SPAM else find_tags(item.text)
        artist, album = item.artist, item.album
        if not artist:
            found_artist, found_album = match_artist(item.text)
            artist = found_artist
            album = album or found_album
        return ClassificationResult(
            categoria=category,
            confianca=round(min(max(confidence, 0.0), 1.0), 4),
            tags_funcionalidades=tags,
            artista=artist,
            album=album,
        )


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if argv[:1] != ["train"]:
        print("uso: python -m shared.classification.local train", file=sys.stderr)
        return 2
    # Train through the imported module, not `__main__`, so the pickled pipeline refers to
    # `shared.classification.local.preprocess` and loads from any process.
    module = importlib.import_module("shared.classification.local")
    started = time.perf_counter()
    path = module.train()
    texts, labels = module.load_corpus()
    counts = {c.value: labels.count(c.value) for c in Category}
    print(
        f"modelo local treinado: {path} ({len(texts)} exemplos: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
        + f") em {time.perf_counter() - started:.1f}s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
