"""One evaluation: dataset -> classifier -> metrics -> gate, as one report dict."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from evals.dataset import load_dataset
from evals.gate import Thresholds, load_thresholds, shortfalls
from evals.metrics import Prices, compute_metrics
from evals.report import CHALLENGE_PATH, GOLDEN_PATH
from evals.runner import run_classifier
from shared.classification.base import Classifier
from shared.settings import ROOT, get_settings


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def gate_section(dataset: Path) -> str:
    """The section of thresholds.toml that applies: golden, challenge, or other (any other CSV)."""
    resolved = dataset.resolve()
    return {GOLDEN_PATH: "golden", CHALLENGE_PATH: "challenge"}.get(resolved, "other")


def evaluate(
    classifier: Classifier,
    dataset: Path,
    batch_size: int,
    limits: Thresholds | None = None,
    progress: bool = True,
) -> dict:
    rows = load_dataset(dataset)
    settings = get_settings()
    section = gate_section(dataset)
    limits = limits or load_thresholds(section)
    run = run_classifier(classifier, rows, batch_size, progress=progress)
    metrics = compute_metrics(
        run.predictions,
        run.calls,
        run.wall_seconds,
        Prices(settings.llm_price_input_per_mtok, settings.llm_price_output_per_mtok),
    )
    problems = shortfalls(metrics, limits)
    return {
        "execucao": {
            "data": datetime.now(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M %Z"),
            "classificador": classifier.name,
            "modelo": classifier.model,
            "versao_prompt": classifier.prompt_version,
            "conjunto": _display_path(dataset),
            "conjunto_dourado": section == "golden",
            "secao_limites": section,
            "tamanho_lote": batch_size,
        },
        "gate": {
            "aprovado": not problems,
            "abaixo_do_limite": problems,
            "limites": {name: value for name, value in vars(limits).items() if value is not None},
        },
        "metricas": metrics,
    }
