"""Alert helpers shared by the pages: the banner of the last 24 h and the alerts table (plain text only)."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import data, ui
from shared.reporting.payloads import Alerta

log = logging.getLogger(__name__)
BANNER_HOURS = 24
PAGE = "views/alertas.py"


def banner() -> None:
    """A warning when alerts were created in the last 24 h, with a link to the Alertas page (no user text)."""
    try:
        recent = data.recent_alerts(BANNER_HOURS)
    except SQLAlchemyError:
        log.exception("alertas indisponíveis")
        return
    if not recent:
        return
    artists = len({a.artista for a in recent if a.artista})
    who = f", {artists} artista(s)" if artists else ""
    with st.container(border=True):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.warning(
            f"{len(recent)} alerta(s) de volume nas últimas {BANNER_HOURS} h{who}: CRÍTICA ou SPAM muito acima do "
            "normal.",
            icon=":material/notifications_active:",
        )
        right.page_link(PAGE, label="Ver alertas", icon=":material/arrow_forward:")


def frame(rows: list[Alerta]) -> pd.DataFrame:
    """The alerts as a table: every value is plain cell text (artist names come from clients)."""
    return pd.DataFrame(
        [
            {
                "criado em": ui.moment(a.criado_em),
                "categoria": a.categoria.value,
                "artista": a.artista or "(todos)",
                "janela": f"{ui.moment(a.inicio)} a {ui.moment(a.fim)[-5:]}",
                "comentários": a.total,
                "linha de base": round(a.linha_base, 1),
                "limiar": round(a.limiar, 1),
                "e-mail": "enviado" if a.email_enviado_em else "pendente",
                "webhook": "enviado" if a.webhook_enviado_em else "—",
            }
            for a in rows
        ]
    )


def table(rows: list[Alerta]) -> None:
    if rows:
        st.dataframe(frame(rows), hide_index=True, width="stretch")
    else:
        st.info("Nenhum alerta neste período.")
