"""One artist: weekly category trend, top tags in CRÍTICA and in ELOGIO, recent quotes (plain text, never SPAM)
and the artist's alerts. `/artista?nome=<artista>`; reached from the Comentários page (artist filter), the Alertas page
and, for a logged-in curator, a click on the report's artist chart.
Login required."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import alerts, charts, data, ui
from shared.reporting.artist import TAG_DAYS, TREND_WEEKS

log = logging.getLogger(__name__)
KEY = "art_nome"

st.title("Artista")


def _choose() -> None:
    chosen = st.session_state.get(KEY)
    if chosen:
        st.query_params["nome"] = chosen
    else:
        st.query_params.pop("nome", None)


try:
    options = list(data.filter_options()["artistas"])
    requested = st.query_params.get("nome")
    artist = data.resolve_artist(requested) if requested else None
except SQLAlchemyError:
    log.exception("página do artista indisponível")
    st.error("Não foi possível carregar os dados agora. Tente novamente em instantes.")
    st.stop()

if artist and artist not in options:
    options = [artist, *options]
if artist and st.session_state.get(KEY) != artist:
    st.session_state[KEY] = artist
st.selectbox("Artista", options, index=None, placeholder="Escolha um artista", key=KEY, on_change=_choose)

if requested and artist is None:
    st.warning("Artista não encontrado. Escolha um nome da lista acima.", icon=":material/person_off:")
    st.caption("Nome pedido:")
    ui.plain(requested[:200])
    st.stop()
if artist is None:
    st.info("Escolha um artista para ver a evolução das categorias, as tags mais citadas e comentários recentes.")
    st.stop()

try:
    overview = data.artist_overview(artist)
    artist_alerts = data.recent_alerts(24 * 30, artist=artist)
except SQLAlchemyError:
    log.exception("página do artista indisponível")
    st.error("Não foi possível carregar os dados deste artista agora. Tente novamente em instantes.")
    st.stop()

if artist_alerts:
    st.warning(f"{len(artist_alerts)} alerta(s) de volume nos últimos 30 dias.", icon=":material/notifications_active:")

st.subheader(f"Comentários por categoria, semana a semana (últimas {TREND_WEEKS} semanas)")
trend = overview["tendencia"]
if any(r["total"] for r in trend):
    st.altair_chart(charts.chart_weekly_trend(charts.frame(trend)), width="stretch")
else:
    st.info("Nenhum comentário classificado deste artista nas últimas semanas.")

left, right = st.columns(2, gap="large")
for column, key, title in (
    (left, "tags_critica", "Tags mais citadas nas críticas"),
    (right, "tags_elogio", "Tags mais citadas nos elogios"),
):
    with column:
        st.subheader(title)
        st.caption(f"Últimos {TAG_DAYS} dias.")
        if overview[key]:
            st.altair_chart(charts.chart_top_tags(charts.frame(overview[key])), width="stretch")
        else:
            st.info("Nenhuma tag citada no período.")

st.subheader("Comentários recentes")
st.caption("Os mais recentes que podem ser citados: nunca SPAM, sem links, perfis, e-mails ou telefones.")
if overview["citacoes"]:
    for quote in overview["citacoes"]:
        with st.container(border=True):
            st.caption(f"{ui.moment(quote['quando'])} · {quote['categoria']}")
            ui.plain(quote["texto"])
else:
    st.info("Nenhum comentário recente para citar.")

st.subheader("Alertas deste artista (últimos 30 dias)")
alerts.table(artist_alerts)
