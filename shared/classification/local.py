"""LocalClassifier: offline, deterministic, no network.

Classifies with the current local model (`training.load_model`: the one `current.json` points to, else the
corpus-only model): the top calibrated probability is the `confianca`. Tags come from the lexicon
(shared.classification.tags); `artista`/`album` from the input fields, else from the catalogue. Workers notice a
newly trained model (one `stat` of the pointer per job, `refresh`) and reload.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline

from shared.catalog import match_artist
from shared.classification import training
from shared.classification.base import Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.local_model import sharpen
from shared.classification.tags import find_tags
from shared.contracts import ClassificationResult
from shared.vocabulary import Category, Origin

log = logging.getLogger(__name__)

PROMPT_VERSION = "local-v1"  # the local "prompt": preprocessing + lexicon + rules; bump when they change


class LocalClassifier(Classifier):
    name = "local"
    origin = Origin.LOCAL
    prompt_version = PROMPT_VERSION

    def __init__(self, corpus_dir: Path = training.CORPUS_DIR, model_dir: Path | None = None):
        self.corpus_dir, self.model_dir = corpus_dir, model_dir
        self._load()

    def _load(self) -> None:
        self._stamp = training.pointer_stamp(self.model_dir)
        bundle = training.load_model(self.corpus_dir, self.model_dir)
        self.pipeline: Pipeline = bundle["pipeline"]
        self.temperature = float(bundle.get("temperature", 1.0))
        self.model = f"local-tfidf-{bundle['hash']}"
        self.classes = [Category(value) for value in bundle["classes"]]

    def refresh(self) -> bool:
        """Reload when `current.json` changed since the model was loaded (one `stat`); True if reloaded."""
        if training.pointer_stamp(self.model_dir) == self._stamp:
            return False
        previous = self.model
        self._load()
        if self.model != previous:
            log.info("modelo local recarregado: %s -> %s", previous, self.model)
        return True

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return sharpen(self.pipeline.predict_proba(list(texts)), self.temperature)

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        outcome = ClassifierOutcome()
        if not items:
            return outcome
        started = time.perf_counter()
        probabilities = self.predict_proba([item.text for item in items])
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
