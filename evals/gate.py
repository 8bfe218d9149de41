"""The quality gate: limits read from `evals/thresholds.toml` (their only home, one section per dataset), and
what fell short."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from shared.vocabulary import CATEGORY_VALUES

THRESHOLDS_PATH = Path(__file__).resolve().parent / "thresholds.toml"
SECTIONS = ("golden", "challenge", "other")
CONFIDENT = 0.9  # an answer with at least this confidence is a "confident" one


@dataclass(frozen=True)
class Thresholds:
    macro_f1: float
    spam_recall: float
    category_f1: float
    confident_error_rate: float | None = None  # at most; None = not gated
    ece: float | None = None  # at most; None = not gated


def load_thresholds(section: str = "other", path: Path = THRESHOLDS_PATH) -> Thresholds:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    if section not in data:
        raise ValueError(f"{path.name}: falta a seção [{section}]")
    gate = data[section]
    required = {f.name for f in fields(Thresholds) if f.default is not None}
    allowed = {f.name for f in fields(Thresholds)}
    if not required <= set(gate) <= allowed:
        raise ValueError(
            f"{path.name}: a seção [{section}] deve ter {', '.join(sorted(required))} "
            f"(opcionais: {', '.join(sorted(allowed - required))})"
        )
    values = {name: float(value) for name, value in gate.items()}
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
    confident = metrics.get("erros_confiantes")
    if limits.confident_error_rate is not None and confident and confident["taxa"] > limits.confident_error_rate:
        problems.append(
            f"erros com confiança ≥ {confident['limiar']:.1f}: {confident['taxa']:.3f} "
            f"({confident['quantidade']}) > {limits.confident_error_rate:.2f}"
        )
    ece = metrics.get("calibracao", {}).get("ece")
    if limits.ece is not None:
        if ece is None:
            problems.append("ECE não medido: nenhum resultado válido")
        elif ece > limits.ece:
            problems.append(f"ECE {ece:.3f} > {limits.ece:.2f}")
    return problems


def load_qa_pass_rate(path: Path = THRESHOLDS_PATH) -> float:
    """The Q&A eval's limit: the minimum share of questions answered with every expected fact (`[qa]`)."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    value = data.get("qa", {}).get("pass_rate")
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{path.name}: a seção [qa] deve ter pass_rate entre 0 e 1")
    return float(value)
