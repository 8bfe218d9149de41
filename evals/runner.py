"""Running a classifier over a dataset, batch by batch, keeping every item (failures included)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from tqdm import tqdm

from evals.dataset import EvalRow
from shared.classification.base import ClassificationFailure, Classifier, ClassifierItem
from shared.classification.usage import LlmUsage
from shared.contracts import ClassificationResult


@dataclass(frozen=True)
class Prediction:
    """What the classifier answered for one row: a validated result, or the reason there is none."""

    row: EvalRow
    result: ClassificationResult | None
    error: str | None
    latency_ms: int  # latency of the call that answered the item

    @property
    def correct(self) -> bool:
        return self.result is not None and self.result.categoria == self.row.categoria


@dataclass
class RunOutput:
    predictions: list[Prediction]
    calls: list[LlmUsage]
    wall_seconds: float


def _batches(rows: Sequence[EvalRow], size: int) -> Iterator[Sequence[EvalRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _as_result(answer: object) -> tuple[ClassificationResult | None, str | None]:
    if isinstance(answer, ClassificationResult):
        return answer, None
    if isinstance(answer, ClassificationFailure):
        return None, answer.reason or "falha sem motivo informado"
    if answer is None:
        return None, "o classificador não devolveu resultado para este item"
    try:  # anything else must still pass the contract, or it counts as wrong
        return ClassificationResult.model_validate(answer), None
    except ValidationError as exc:
        return None, f"saída inválida: {exc.errors()[0]['msg']}"


def run_classifier(
    classifier: Classifier, rows: Sequence[EvalRow], batch_size: int, progress: bool = True
) -> RunOutput:
    """Classify every row. An exception in a batch marks its items as failed; nothing is dropped."""
    predictions: list[Prediction] = []
    calls: list[LlmUsage] = []
    started = time.perf_counter()
    with tqdm(total=len(rows), desc=f"classificando ({classifier.name})", unit="coment.", disable=not progress) as bar:
        for batch in _batches(rows, max(1, batch_size)):
            items = [
                ClassifierItem(id=r.id, text=r.texto, artist=r.artista, album=r.album, song=r.musica) for r in batch
            ]
            t0 = time.perf_counter()
            try:
                outcome = classifier.classify(items)
            except Exception as exc:  # noqa: BLE001 - an error is a wrong answer, not a crash of the eval
                elapsed = round((time.perf_counter() - t0) * 1000)
                reason = f"erro: {type(exc).__name__}: {exc}"
                predictions.extend(Prediction(r, None, reason, elapsed) for r in batch)
            else:
                elapsed = round((time.perf_counter() - t0) * 1000)
                calls.extend(outcome.calls)
                for r in batch:
                    result, error = _as_result(outcome.results.get(r.id))
                    predictions.append(Prediction(r, result, error, outcome.latency_ms.get(r.id, elapsed)))
            bar.update(len(batch))
    return RunOutput(predictions, calls, time.perf_counter() - started)
