"""Alerts: windows where CRÍTICA or SPAM (overall or for one artist) ran far above the usual volume. Login required."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import alerts, data, ui
from shared import clock
from shared.settings import get_settings
from shared.vocabulary import WATCHED_CATEGORIES

PERIODS = {"Últimas 24 h": 1, "Últimos 7 dias": 7, "Últimos 30 dias": 30}

st.title("Alertas")
settings = get_settings()
st.caption(
    f"Verificados a cada {settings.alert_every_seconds} s: os últimos {settings.alert_window_minutes} minutos de "
    f"CRÍTICA e SPAM (geral e por artista) comparados com a mesma janela nas {settings.alert_baseline_weeks} "
    "semanas anteriores. Cada alerta é enviado uma vez por e-mail (e ao webhook, se configurado)."
)
c1, c2 = st.columns([2, 1])
choice = c1.segmented_control("Período", list(PERIODS), default="Últimos 7 dias", key="al_periodo") or "Últimos 7 dias"
category = c2.selectbox(
    "Categoria", [c.value for c in WATCHED_CATEGORIES], index=None, placeholder="Todas", key="al_categoria"
)
last = clock.today()
first = last - timedelta(days=PERIODS[choice] - 1)
try:
    result = data.alerts(first, last, category=category)
except SQLAlchemyError:
    st.error("Não foi possível carregar os alertas agora. Tente novamente em instantes.")
    st.stop()
st.caption(f"{result.total} alerta(s) criados de {first:%d/%m/%Y} a {last:%d/%m/%Y} ({result.fuso_horario}).")
alerts.table(list(result.itens))
artists = sorted({a.artista for a in result.itens if a.artista}, key=str.casefold)
if artists:
    st.subheader("Páginas dos artistas com alerta")
    for name in artists:
        st.page_link(ui.ARTIST_PAGE, label=ui.escape_md(name), icon=":material/person:", query_params={"nome": name})
