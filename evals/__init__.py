"""Classifier quality: golden dataset, metrics, Markdown/JSON report and the CI gate (`python -m evals`)."""
