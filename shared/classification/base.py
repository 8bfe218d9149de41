"""The classifier interface shared by the worker, the evals and the benchmarks.

A classifier takes a batch of items and returns, for every item id, either a validated
`ClassificationResult` or a `ClassificationFailure` (never silently drops an id). Implementations:
`shared.classification.gemini` and `shared.classification.local`; `shared.classification.registry` picks one.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.classification.usage import LlmUsage
from shared.contracts import ClassificationResult
from shared.vocabulary import Origin


@dataclass(frozen=True)
class ClassifierItem:
    id: str
    text: str
    artist: str | None = None
    album: str | None = None
    song: str | None = None


@dataclass(frozen=True)
class ClassificationFailure:
    """Why an item got no valid result. `transient` failures (429, 5xx, timeouts) are worth retrying later."""

    reason: str
    transient: bool


@dataclass
class ClassifierOutcome:
    results: dict[str, ClassificationResult | ClassificationFailure] = field(default_factory=dict)
    calls: list[LlmUsage] = field(default_factory=list)  # empty for the local classifier
    latency_ms: dict[str, int] = field(default_factory=dict)  # per item: latency of the call that answered it
    # per item: index in `calls` of the call whose answer was used (the pipeline links the stored
    # classification to that `llm_calls` row, even when the call's outcome is "invalid" because of OTHER items)
    answered_by: dict[str, int] = field(default_factory=dict)


class Classifier(ABC):
    name: str  # "gemini" | "local"
    model: str  # stored with every result, e.g. "gemini-2.5-flash" or "local-tfidf-<hash>"
    prompt_version: str  # stored with every result; a change triggers re-classification
    origin: Origin

    @abstractmethod
    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        """Classify a batch; every input id appears in `results`."""
