"""Classifiers: one interface (`Classifier`), two implementations (Gemini, local). See base.py."""
from shared.classifiers.base import (
    ClassificationFailure, ClassifierItem, Classifier, ClassifierOutcome, LlmUsage, get_classifier,
)

__all__ = ["ClassificationFailure", "ClassifierItem", "Classifier", "ClassifierOutcome", "LlmUsage", "get_classifier"]
