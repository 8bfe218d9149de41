"""Small presentation helpers shared by the pages: Brazilian number and date formats, labels, plain text.

Text that came from a user or an LLM (comments, artist and album names, tag explanations, errors, summaries)
is shown with `plain` (st.text) or inside data tables: never as Markdown or HTML.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import streamlit as st

from shared import clock
from shared.vocabulary import CATEGORY_LABELS, ORIGIN_LABELS, STATUS_LABELS, label

# The artist page (st.page_link takes the path from dashboard/app.py's folder).
ARTIST_PAGE = "views/artista.py"

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
    """An instant as local date and time (configured time zone)."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return clock.as_local(value).strftime("%d/%m/%Y %H:%M")


def category_label(value: str | None) -> str:
    return label(value, CATEGORY_LABELS)


def status_label(value: str | None) -> str:
    return label(value, STATUS_LABELS)


def origin_label(value: str | None) -> str:
    return label(value, ORIGIN_LABELS)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_md(value: object) -> str:
    """Untrusted text made inert inside a Markdown string (st.error, st.caption...): every Markdown and HTML
    special character is backslash-escaped, so a link, image or tag stays literal text."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(value))


def plain(value: str | None, empty: str = "—") -> None:
    """Untrusted text as plain text (no Markdown, no HTML)."""
    st.text(value if value else empty)
