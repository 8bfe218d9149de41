"""`python -m evals --cv`: stratified k-fold cross-validation of the local model on its training corpus.

Each fold trains the same pipeline as `make train` (same parameters, cues and weights) on the other folds and
classifies the held-out fold; the out-of-fold answers are measured with the same metrics as the evaluation sets
(macro-F1, worst category, SPAM recall, calibration, confident errors). The corpus only: curators' corrections
are not part of it.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sklearn.model_selection import StratifiedKFold

from evals.dataset import EvalRow
from evals.metrics import Prices, compute_metrics
from evals.runner import Prediction
from shared.classification import local_model, training
from shared.contracts import ClassificationResult
from shared.settings import get_settings
from shared.vocabulary import Category


def cross_validate(corpus_dir: Path = training.CORPUS_DIR, folds: int = 5, progress=None) -> dict:
    """The CV report (same shape as an evaluation report, without the gate)."""
    texts, labels = training.load_corpus(corpus_dir)
    y = np.array(labels)
    if min(np.unique(y, return_counts=True)[1]) < folds:
        raise ValueError(f"o corpus precisa de pelo menos {folds} exemplos de cada categoria para {folds} partes")
    started = time.perf_counter()
    predicted: list[tuple[str, float]] = [("", 0.0)] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=local_model.PARAMS.random_state)
    for number, (train_idx, test_idx) in enumerate(splitter.split(texts, y), start=1):
        pipeline = local_model.fit_pipeline([texts[i] for i in train_idx], y[train_idx])
        probabilities = local_model.sharpen(
            pipeline.predict_proba([texts[i] for i in test_idx]), local_model.PARAMS.temperature
        )
        classes = list(pipeline.classes_)
        for i, row in zip(test_idx, probabilities, strict=True):
            best = int(np.argmax(row))
            predicted[i] = (classes[best], float(row[best]))
        if progress:
            progress(number, folds)
    seconds = time.perf_counter() - started
    predictions = [
        Prediction(
            EvalRow(id=f"corpus-{i}", texto=text, categoria=Category(label)),
            ClassificationResult(categoria=Category(category), confianca=round(confidence, 4)),
            None,
            0,
        )
        for i, (text, label, (category, confidence)) in enumerate(zip(texts, labels, predicted, strict=True))
    ]
    metrics = compute_metrics(predictions, [], seconds, Prices(0.0, 0.0))
    metrics.pop("erros_de_classificacao")  # the corpus is not an evaluation set: no list of rows
    settings = get_settings()
    return {
        "execucao": {
            "data": datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
            "classificador": "local",
            "modelo": f"local-tfidf-{training.model_hash(corpus_dir)}",
            "conjunto": "validação cruzada no corpus de treino",
            "partes": folds,
            "exemplos": len(texts),
            "duracao_s": round(seconds, 1),
        },
        "metricas": metrics,
    }
