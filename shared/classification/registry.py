"""Which classifier runs: `get_classifier(name)` builds one; `current_classifier()` is this process's, built once
(the local one while the daily LLM budget is used up; it reloads by itself when `make train` / `flask treinar`
points `current.json` at a new model)."""

from __future__ import annotations

import logging

from shared.classification import budget
from shared.classification.base import Classifier
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)

_cache: dict[str, Classifier] = {}
_cache_settings: Settings | None = None


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
    """The configured classifier, built once per settings object (the local model loads once per process); the
    local classifier instead of Gemini while LLM_DAILY_BUDGET_USD is used up.

    Every call (every classify job) lets the classifier notice a newly trained model: for the local one a
    single `stat` of the model pointer, and a reload only when it changed."""
    global _cache_settings
    settings = get_settings()
    if settings is not _cache_settings:
        _cache.clear()
        _cache_settings = settings
    name = settings.classifier_name
    if name == "gemini" and not budget.llm_allowed():
        if "local" not in _cache:
            log.warning("orçamento diário do LLM esgotado: classificando com o modelo local até amanhã")
        name = "local"
    if name not in _cache:
        _cache[name] = get_classifier(name)
    refresh = getattr(_cache[name], "refresh", None)
    if refresh is not None:
        refresh()
    return _cache[name]
