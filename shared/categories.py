"""The five categories: values, display names and colours. The only place they are defined."""
from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    ELOGIO = "ELOGIO"
    CRITICA = "CRÍTICA"
    SUGESTAO = "SUGESTÃO"
    DUVIDA = "DÚVIDA"
    SPAM = "SPAM"


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


def parse_category(value: str) -> Category:
    """Strict parse of a category value (accents and case as defined); raises ValueError otherwise."""
    try:
        return Category(value)
    except ValueError:
        raise ValueError(
            f"categoria inválida: {value!r}; use uma de {', '.join(CATEGORY_VALUES)}"
        ) from None
