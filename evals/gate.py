"""The quality gate: limits read from `evals/thresholds.toml` (their only home), and what fell short."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from shared.vocabulary import CATEGORY_VALUES

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.toml"


@dataclass(frozen=True)
class Thresholds:
    macro_f1: float
    spam_recall: float
    category_f1: float


def load_thresholds(path: Path = THRESHOLDS_PATH) -> Thresholds:
    with path.open("rb") as fh:
        gate = tomllib.load(fh).get("gate", {})
    names = {f.name for f in fields(Thresholds)}
    if set(gate) != names:
        raise ValueError(f"{path.name}: a seção [gate] deve ter exatamente {', '.join(sorted(names))}")
    values = {name: float(gate[name]) for name in names}
    if not all(0.0 <= v <= 1.0 for v in values.values()):
        raise ValueError(f"{path.name}: limites devem estar entre 0 e 1")
    return Thresholds(**values)


def shortfalls(metrics: dict, limits: Thresholds) -> list[str]:
    """Every limit the run did not reach, in plain Portuguese (empty list: the gate holds)."""
    problems = []
    if metrics["macro_f1"] < limits.macro_f1:
        problems.append(f"macro-F1 {metrics['macro_f1']:.3f} < {limits.macro_f1:.2f}")
    if metrics["recall_spam"] is None:
        problems.append("recall de SPAM não medido: o conjunto não tem exemplos de SPAM")
    elif metrics["recall_spam"] < limits.spam_recall:
        problems.append(f"recall de SPAM {metrics['recall_spam']:.3f} < {limits.spam_recall:.2f}")
    for category in CATEGORY_VALUES:
        row = metrics["por_categoria"][category]
        if row["suporte"] == 0:
            problems.append(f"F1 de {category} não medido: o conjunto não tem exemplos dessa categoria")
        elif row["f1"] < limits.category_f1:
            problems.append(f"F1 de {category} {row['f1']:.3f} < {limits.category_f1:.2f}")
    return problems
