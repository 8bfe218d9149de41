"""Validation shared by every input path: the accepted date range, NUL and timestamp checks, and the one
table that turns pydantic errors into Portuguese messages (`[{"indice", "campo", "mensagem"}]`), used by the
API's 422 answers and the CSV upload report.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from shared import clock

# Dates accepted from clients (comment dates, report periods, search filters); anything else is a typo.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
# Real UTC offsets lie within ±14 h (PostgreSQL refuses some larger ones).
MAX_UTC_OFFSET = timedelta(hours=14)

_DATETIME = (
    "data/hora inválida; use AAAA-MM-DD ou AAAA-MM-DDTHH:MM[:SS] com fuso opcional (ex.: 2026-11-20T14:30-03:00)"
)
# Messages per pydantic error type; `{...}` placeholders come from the error's `ctx`.
_MESSAGES: dict[str, str] = {
    "missing": "campo obrigatório",
    "extra_forbidden": "campo não permitido",
    "uuid_parsing": "UUID inválido",
    "uuid_type": "UUID inválido",
    "uuid_version": "UUID inválido",
    "string_type": "deve ser um texto",
    "string_too_short": "não pode ser vazio",
    "string_too_long": "no máximo {max_length} caracteres",
    "string_unicode": "texto com caracteres inválidos",
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_object_invalid": "data/hora inválida",
    "date_parsing": "data inválida; use AAAA-MM-DD",
    "date_from_datetime_parsing": "data inválida; use AAAA-MM-DD",
    "date_from_datetime_inexact": "data inválida; use AAAA-MM-DD",
    "date_type": "data inválida; use AAAA-MM-DD",
    "model_type": "deve ser um objeto JSON",
    "model_attributes_type": "deve ser um objeto JSON",
    "dict_type": "deve ser um objeto JSON",
    "list_type": "deve ser uma lista",
    "int_parsing": "deve ser um número inteiro",
    "int_type": "deve ser um número inteiro",
    "int_from_float": "deve ser um número inteiro",
    "float_parsing": "deve ser um número",
    "float_type": "deve ser um número",
    "finite_number": "deve ser um número finito",
    "greater_than_equal": "deve ser maior ou igual a {ge}",
    "less_than_equal": "deve ser menor ou igual a {le}",
    "greater_than": "deve ser maior que {gt}",
    "less_than": "deve ser menor que {lt}",
    "enum": "valor inválido; use um de: {expected}",
    "literal_error": "valor inválido; use um de: {expected}",
    "bool_parsing": "deve ser verdadeiro ou falso",
    "bool_type": "deve ser verdadeiro ou falso",
    "too_long": "no máximo {max_length} itens",
    "too_short": "pelo menos {min_length} item(ns)",
    "json_invalid": "JSON inválido",
}


NUL_MESSAGE = "contém o caractere nulo (\\u0000), que não é aceito"


def reject_nul(value: object) -> object:
    """PostgreSQL text cannot hold NUL: refuse it as a validation error instead of failing at the database."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_MESSAGE)
    return value


def check_date(value: date) -> date:
    """`value` when it lies in [DATE_MIN, DATE_MAX]; ValueError otherwise."""
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(f"data fora do intervalo aceito ({DATE_MIN.isoformat()} a {DATE_MAX.isoformat()})")
    return value


def check_timestamp(value: datetime | None) -> datetime | None:
    """An aware timestamp within the accepted dates; a naive one is read in the configured time zone."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        value = clock.as_local(value)
    elif abs(value.utcoffset()) > MAX_UTC_OFFSET:
        raise ValueError("fuso horário inválido; use um deslocamento entre -14:00 e +14:00")
    return check_date(value)


def message(error: dict[str, Any]) -> str:
    """The Portuguese message of one pydantic error (an entry of `ValidationError.errors()`)."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error"):
        original = ctx.get("error")
        return str(original) if original is not None else error.get("msg", "valor inválido")
    template = _MESSAGES.get(kind)
    if template is None:
        return "valor inválido"
    try:
        return template.format(**{k: v for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        return template.split(":")[0].split("{")[0].strip() or "valor inválido"


def field_name(loc: tuple[Any, ...]) -> str | None:
    """The field of an error location ("data", "tags_funcionalidades.0.codigo"), without list indexes."""
    parts = [str(p) for p in loc if not isinstance(p, int)]
    # Union / function-validator branches add their type names to `loc`; keep the field names only.
    parts = [p for p in parts if not p.startswith("function-") and "[" not in p]
    return ".".join(parts) or None


def error_details(exc: ValidationError, indexed: bool = False) -> list[dict[str, Any]]:
    """One entry per problem. With `indexed`, the first element of each location is the item's index in a
    list (a batch) and becomes `indice`; otherwise `indice` is left out."""
    details = []
    for error in exc.errors(include_url=False):
        loc = tuple(error.get("loc") or ())
        entry: dict[str, Any] = {}
        if indexed:
            entry["indice"] = loc[0] if loc and isinstance(loc[0], int) else None
            loc = loc[1:] if loc and isinstance(loc[0], int) else loc
        entry["campo"] = field_name(loc)
        entry["mensagem"] = message(error)
        details.append(entry)
    return details
