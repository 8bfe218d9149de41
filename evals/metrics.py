"""Quality metrics of a run, computed with scikit-learn. A failure is a wrong answer (predicted label ERRO)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from sklearn.preprocessing import MultiLabelBinarizer

from evals.gate import CONFIDENT
from evals.runner import Prediction
from shared.classification.usage import LlmUsage
from shared.vocabulary import CATEGORY_VALUES, Category

ERROR_LABEL = "ERRO"  # the "prediction" of an item that got no valid result
# Confidence buckets for calibration: ten equal-width bins over [0, 1] (the last one includes 1.0).
BUCKET_EDGES = np.round(np.linspace(0.0, 1.0, 11), 10)
_SPAM = Category.SPAM.value


@dataclass(frozen=True)
class Prices:
    """Estimated US$ per million tokens (settings LLM_PRICE_INPUT_PER_MTOK / LLM_PRICE_OUTPUT_PER_MTOK)."""

    input_per_mtok: float
    output_per_mtok: float


def _r(value: float) -> float:
    return round(float(value), 4)


def predicted_label(p: Prediction) -> str:
    return p.result.categoria.value if p.result is not None else ERROR_LABEL


def category_metrics(predictions: Sequence[Prediction]) -> dict:
    labels = list(CATEGORY_VALUES)
    y_true = [p.row.categoria.value for p in predictions]
    y_pred = [predicted_label(p) for p in predictions]
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=[*labels, ERROR_LABEL])[: len(labels)]
    present = [label for label in labels if label in set(y_true)]  # macro over the categories in the dataset
    return {
        "acuracia": _r(accuracy_score(y_true, y_pred)),
        "macro_f1": _r(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "recall_spam": (
            _r(recall_score(y_true, y_pred, labels=[_SPAM], average="macro", zero_division=0))
            if _SPAM in present
            else None
        ),
        "por_categoria": {
            label: {"precisao": _r(p), "recall": _r(r), "f1": _r(f), "suporte": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "matriz_confusao": {
            "linhas_esperado": labels,
            "colunas_previsto": [*labels, ERROR_LABEL],
            "valores": matrix.astype(int).tolist(),
        },
    }


def tag_metrics(predictions: Sequence[Prediction]) -> dict:
    """Micro recall (and precision) of tag codes over the rows that list expected tags."""
    rows = [p for p in predictions if p.row.tags_esperadas]
    if not rows:
        return {"linhas_com_tags": 0, "tags_esperadas": 0, "tags_encontradas": 0, "recall": None, "precisao": None}
    expected = [set(p.row.tags_esperadas) for p in rows]
    found = [{t.codigo for t in p.result.tags_funcionalidades} if p.result else set() for p in rows]
    binarizer = MultiLabelBinarizer(classes=sorted(set().union(*expected, *found)))
    y_true, y_pred = binarizer.fit_transform(expected), binarizer.transform(found)
    return {
        "linhas_com_tags": len(rows),
        "tags_esperadas": int(y_true.sum()),
        "tags_encontradas": int((y_true & y_pred).sum()),
        "recall": _r(recall_score(y_true, y_pred, average="micro", zero_division=0)),
        "precisao": _r(precision_score(y_true, y_pred, average="micro", zero_division=0)),
    }


def calibration_metrics(predictions: Sequence[Prediction]) -> dict:
    """Accuracy per confidence bucket and the expected calibration error (items without a result have no
    confidence: they are counted apart, and still count as wrong in every other metric)."""
    scored = [p for p in predictions if p.result is not None]
    if not scored:
        return {"faixas": [], "ece": None, "sem_confianca": len(predictions)}
    confidence = np.array([p.result.confianca for p in scored])
    y_true = np.array([p.row.categoria.value for p in scored])
    y_pred = np.array([predicted_label(p) for p in scored])
    bucket = np.digitize(confidence, BUCKET_EDGES[1:-1])
    buckets, ece = [], 0.0
    for b in sorted(set(bucket.tolist())):
        mask = bucket == b
        accuracy = accuracy_score(y_true[mask], y_pred[mask])
        mean_conf = float(confidence[mask].mean())
        ece += mask.sum() / len(scored) * abs(accuracy - mean_conf)
        buckets.append(
            {
                "de": float(BUCKET_EDGES[b]),
                "ate": float(BUCKET_EDGES[b + 1]),
                "itens": int(mask.sum()),
                "confianca_media": _r(mean_conf),
                "acuracia": _r(accuracy),
            }
        )
    return {"faixas": buckets, "ece": _r(ece), "sem_confianca": len(predictions) - len(scored)}


def confident_errors(predictions: Sequence[Prediction], threshold: float = CONFIDENT) -> dict:
    """Answers that are wrong with confidence >= threshold, as a count and as a share of ALL answers."""
    wrong = [p for p in predictions if p.result is not None and not p.correct and p.result.confianca >= threshold]
    return {"limiar": threshold, "quantidade": len(wrong), "taxa": _r(len(wrong) / len(predictions))}


def latency_metrics(predictions: Sequence[Prediction], wall_seconds: float) -> dict:
    latencies = np.array([p.latency_ms for p in predictions], dtype=float)
    p50, p95 = np.percentile(latencies, [50, 95])
    return {
        "p50_ms": _r(p50),
        "p95_ms": _r(p95),
        "duracao_total_s": _r(wall_seconds),
        "itens_por_segundo": _r(len(predictions) / wall_seconds) if wall_seconds > 0 else None,
    }


def llm_metrics(calls: Sequence[LlmUsage], prices: Prices) -> dict:
    tokens_in = sum(c.input_tokens for c in calls)
    tokens_out = sum(c.output_tokens for c in calls)
    return {
        "chamadas": len(calls),
        "por_resultado": dict(Counter(c.outcome for c in calls)),
        "tokens_entrada": tokens_in,
        "tokens_saida": tokens_out,
        "custo_estimado_usd": round(
            tokens_in / 1e6 * prices.input_per_mtok + tokens_out / 1e6 * prices.output_per_mtok, 6
        ),
    }


def misclassified(predictions: Sequence[Prediction]) -> list[dict]:
    return [
        {
            "id": p.row.id,
            "texto": p.row.texto,
            "esperado": p.row.categoria.value,
            "previsto": predicted_label(p),
            "confianca": p.result.confianca if p.result else None,
            "erro": p.error,
            "nota": p.row.nota,
        }
        for p in predictions
        if not p.correct
    ]


def compute_metrics(
    predictions: Sequence[Prediction], calls: Sequence[LlmUsage], wall_seconds: float, prices: Prices
) -> dict:
    if not predictions:
        raise ValueError("nenhuma previsão para medir")
    return {
        "itens": len(predictions),
        "falhas": sum(p.result is None for p in predictions),
        **category_metrics(predictions),
        "tags": tag_metrics(predictions),
        "calibracao": calibration_metrics(predictions),
        "erros_confiantes": confident_errors(predictions),
        "latencia": latency_metrics(predictions, wall_seconds),
        "llm": llm_metrics(calls, prices),
        "erros_de_classificacao": misclassified(predictions),
    }
