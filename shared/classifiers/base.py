"""The classifier interface shared by the worker, the evals and the benchmarks.

A classifier takes a batch of items and returns, for every item id, either a validated
`ClassificationResult` or a `ClassificationFailure` (never silently drops an id).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.contracts import ClassificationResult, Origin


@dataclass(frozen=True)
class ClassifierItem:
    id: str
    texto: str
    artista: str | None = None
    album: str | None = None
    musica: str | None = None


@dataclass(frozen=True)
class ClassificationFailure:
    """Why an item got no valid result. `transient` failures (429, 5xx, timeouts) are worth retrying later."""
    reason: str
    transient: bool


@dataclass(frozen=True)
class LlmUsage:
    """One LLM call made while classifying; the caller stores it in `llm_calls` (the classifier has no DB)."""
    model: str
    prompt_version: str
    item_ids: tuple[str, ...]
    input_tokens: int
    output_tokens: int
    latency_ms: int
    outcome: str  # ok | invalid | error
    error: str | None = None


@dataclass
class ClassifierOutcome:
    results: dict[str, ClassificationResult | ClassificationFailure] = field(default_factory=dict)
    calls: list[LlmUsage] = field(default_factory=list)  # empty for the local classifier
    latency_ms: dict[str, int] = field(default_factory=dict)  # per item: latency of the call that answered it
    # per item: index in `calls` of the call whose answer was used (set even when that call's outcome is
    # "invalid" because of OTHER items, e.g. an extra or missing id); absent for the local classifier
    answered_by: dict[str, int] = field(default_factory=dict)


class Classifier(ABC):
    name: str            # "gemini" | "local"
    model: str           # stored with every result, e.g. "gemini-2.5-flash" or "local-tfidf-<hash>"
    prompt_version: str  # stored with every result; a change triggers re-classification
    origin: Origin

    @abstractmethod
    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        """Classify a batch; every input id appears in `results`."""


def get_classifier(name: str | None = None) -> Classifier:
    """The configured classifier (CLASSIFIER, else Gemini when GEMINI_API_KEY is set, else local)."""
    from shared.settings import get_settings

    choice = name or get_settings().classifier_name
    if choice == "gemini":
        from shared.classifiers.gemini import GeminiClassifier
        return GeminiClassifier()
    if choice == "local":
        from shared.classifiers.local import LocalClassifier
        return LocalClassifier()
    raise ValueError(f"classificador desconhecido: {choice!r} (use 'gemini' ou 'local')")
