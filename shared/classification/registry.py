"""Which classifier runs: `get_classifier(name)` builds one; `current_classifier()` is this process's, built once
(the local one reloads by itself when `make train` / `flask treinar` points `current.json` at a new model)."""

from __future__ import annotations

from shared.classification.base import Classifier
from shared.settings import Settings, get_settings

_cache: tuple[Settings, Classifier] | None = None


def get_classifier(name: str | None = None) -> Classifier:
    """`name` ("gemini" or "local"), else the configured one (CLASSIFIER, else Gemini when GEMINI_API_KEY is set)."""
    choice = name or get_settings().classifier_name
    if choice == "gemini":
        from shared.classification.gemini import GeminiClassifier  # google-genai loads only when used

        return GeminiClassifier()
    if choice == "local":
        from shared.classification.local import LocalClassifier  # scikit-learn loads only when used

        return LocalClassifier()
    raise ValueError(f"classificador desconhecido: {choice!r} (use 'gemini' ou 'local')")


def current_classifier() -> Classifier:
    """The configured classifier, built once per settings object (the local model loads once per process).

    Every call (every classify job) lets the classifier notice a newly trained model: for the local one a
    single `stat` of the model pointer, and a reload only when it changed."""
    global _cache
    settings = get_settings()
    if _cache is None or _cache[0] is not settings:
        _cache = (settings, get_classifier(settings.classifier_name))
    refresh = getattr(_cache[1], "refresh", None)
    if refresh is not None:
        refresh()
    return _cache[1]
