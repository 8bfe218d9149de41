"""The system's vocabulary: every enumerated value, with its Portuguese label. The only place they are defined.

Values are part of the public contract (the API and the database store them as written here); code refers to
the enum members, never to bare strings.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    ELOGIO = "ELOGIO"
    CRITICA = "CRÍTICA"
    SUGESTAO = "SUGESTÃO"
    DUVIDA = "DÚVIDA"
    SPAM = "SPAM"


# Canonical order (charts, tables, reports).
CATEGORY_VALUES: tuple[str, ...] = tuple(c.value for c in Category)

CATEGORY_LABELS: dict[Category, str] = {
    Category.ELOGIO: "Elogio",
    Category.CRITICA: "Crítica",
    Category.SUGESTAO: "Sugestão",
    Category.DUVIDA: "Dúvida",
    Category.SPAM: "Spam",
}

# One fixed colour per category, used by every chart (colour-blind friendly palette).
CATEGORY_COLORS: dict[Category, str] = {
    Category.ELOGIO: "#1b9e77",
    Category.CRITICA: "#d95f02",
    Category.SUGESTAO: "#7570b3",
    Category.DUVIDA: "#e6ab02",
    Category.SPAM: "#7f7f7f",
}

# Categories whose sudden growth deserves attention (weekly summary, alerts).
WATCHED_CATEGORIES: tuple[Category, ...] = (Category.CRITICA, Category.SPAM)


def parse_category(value: str) -> Category:
    """Strict parse of a category value (accents and case as defined); raises ValueError otherwise."""
    try:
        return Category(value)
    except ValueError:
        raise ValueError(f"categoria inválida: {value!r}; use uma de {', '.join(CATEGORY_VALUES)}") from None


class CommentStatus(StrEnum):
    PENDENTE = "pendente"
    PROCESSANDO = "processando"
    CLASSIFICADO = "classificado"
    FALHOU = "falhou"


STATUS_LABELS: dict[CommentStatus, str] = {
    CommentStatus.PENDENTE: "Pendente",
    CommentStatus.PROCESSANDO: "Processando",
    CommentStatus.CLASSIFICADO: "Classificado",
    CommentStatus.FALHOU: "Falhou",
}


class Origin(StrEnum):
    """Who produced a classification."""

    LLM = "llm"
    LOCAL = "local"
    HUMANO = "humano"


ORIGIN_LABELS: dict[Origin, str] = {
    Origin.LLM: "LLM",
    Origin.LOCAL: "Modelo local",
    Origin.HUMANO: "Curadoria (humano)",
}


class Source(StrEnum):
    """How a comment entered the system."""

    API = "api"
    CSV = "csv"
    DEMO = "demo"


class IntakeStatus(StrEnum):
    """What intake did with one submitted comment."""

    ENFILEIRADO = "enfileirado"  # new comment, stored (and queued unless Redis was down)
    DUPLICADO = "duplicado"  # same id, same text: nothing new, no new job
    CONFLITO = "conflito"  # same id, different text: nothing changed


class LlmPurpose(StrEnum):
    """Why an LLM call was made (`llm_calls.purpose`)."""

    CLASSIFY = "classify"
    SUMMARY = "summary"
    INSIGHT = "insight"


class LlmOutcome(StrEnum):
    """How an LLM call ended (`llm_calls.outcome`)."""

    OK = "ok"
    INVALID = "invalid"  # an answer came back but did not pass validation
    ERROR = "error"  # no answer (HTTP error, timeout)


def label(value: StrEnum | str | None, labels: dict) -> str:
    """The label of an enum value from one of the tables above ("—" for none; unknown values as they are)."""
    if value is None or value == "":
        return "—"
    for member, text in labels.items():
        if member == value:
            return text
    return str(value)
