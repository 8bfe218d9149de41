"""Small presentation helpers shared by the pages (Brazilian number and date formats, messages)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from shared.categories import CATEGORY_LABELS, Category
from shared.settings import get_settings

EMPTY_DATA_HELP = (
    "Envie comentários pela API (`POST /api/comentarios`), importe um CSV na página **Importar CSV** "
    "(requer login) ou carregue a demonstração com `flask --app ingest_api carregar-demo`."
)


def number(value: int | float | None, decimals: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float | None, decimals: int = 1) -> str:
    return "—" if value is None else f"{number(value, decimals)}%"


def day(value: date | str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | str | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    zone = ZoneInfo(get_settings().timezone)
    if value.tzinfo is not None:
        value = value.astimezone(zone)
    return value.strftime("%d/%m/%Y %H:%M")


def category_label(value: str | None) -> str:
    if not value:
        return "—"
    try:
        return CATEGORY_LABELS[Category(value)]
    except ValueError:
        return value


STATUS_LABELS = {
    "pendente": "Pendente", "processando": "Processando", "classificado": "Classificado", "falhou": "Falhou",
}
ORIGIN_LABELS = {"llm": "LLM", "local": "Modelo local", "humano": "Curadoria (humano)"}
