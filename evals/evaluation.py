"""One evaluation: dataset -> classifier -> metrics -> gate, as one report dict."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from evals.dataset import load_dataset
from evals.gate import Thresholds, shortfalls
from evals.metrics import Prices, compute_metrics
from evals.report import GOLDEN_PATH
from evals.runner import run_classifier
from shared.classification.base import Classifier
from shared.settings import ROOT, get_settings


def _display_path(path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else str(resolved)


def evaluate(classifier: Classifier, dataset: Path, batch_size: int, limits: Thresholds, progress: bool = True) -> dict:
    rows = load_dataset(dataset)
    settings = get_settings()
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
            "conjunto_dourado": dataset.resolve() == GOLDEN_PATH,
            "tamanho_lote": batch_size,
        },
        "gate": {"aprovado": not problems, "abaixo_do_limite": problems, "limites": vars(limits)},
        "metricas": metrics,
    }
