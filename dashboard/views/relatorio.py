"""Public weekly report: headline numbers, six charts and the latest weekly summary. No login."""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import charts, data, ui
from shared import clock
from shared.reporting.payloads import CategoriaTotal, ResumoSemanal, Totais
from shared.reporting.periods import Period

PERIODS = {"Últimos 7 dias": 7, "Últimos 14 dias": 14, "Últimos 28 dias": 28}

log = logging.getLogger(__name__)


st.title("Relatório semanal de comentários")
st.caption("O que os ouvintes estão dizendo sobre artistas, álbuns, clipes e shows — classificado automaticamente.")

choice = (
    st.segmented_control(
        "Período", list(PERIODS), default="Últimos 7 dias", key="rel_periodo", label_visibility="collapsed"
    )
    or "Últimos 7 dias"
)


@st.fragment(run_every=max(data.TTL, 1))
def report(days: int) -> None:
    period = Period.last_days(days)
    try:
        rel = data.weekly_report(period.first, period.last)
        summary = data.latest_summary()
    except SQLAlchemyError:  # plain words for the visitor; details in the server log
        log.exception("relatório indisponível")
        st.error("Não foi possível carregar o relatório agora. Tente novamente em instantes.")
        return
    totais = rel.totais
    st.caption(
        f"De {ui.day(period.first)} a {ui.day(period.last)} ({rel.periodo.fuso_horario}) · "
        f"comparado com {ui.day(rel.periodo_anterior.desde)} a {ui.day(rel.periodo_anterior.ate)}"
        f" · atualizado às {clock.local_now():%H:%M:%S}"
    )

    if totais.total == 0:
        st.info("Ainda não há comentários neste período. " + ui.EMPTY_DATA_HELP)
        _summary_block(summary)
        return

    _headline(totais, rel.distribuicao_categorias)
    if totais.classificados == 0:
        st.info("Os comentários do período ainda estão sendo classificados; os gráficos aparecem em instantes.")
        _summary_block(summary)
        return

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Distribuição por categoria")
        st.altair_chart(charts.chart_category_distribution(charts.frame(rel.distribuicao_categorias)), width="stretch")
    with right:
        st.subheader("Participação de cada categoria")
        st.altair_chart(charts.chart_category_share(charts.frame(rel.distribuicao_categorias)), width="stretch")

    st.subheader("Evolução diária por categoria")
    st.caption("Clique numa categoria da legenda para destacá-la (por exemplo, como a crítica reage a um lançamento).")
    st.altair_chart(charts.chart_daily_evolution(charts.frame(rel.evolucao_diaria)), width="stretch")

    st.subheader("Categorias por artista")
    st.caption("Os artistas mais comentados no período (informados pelo cliente ou reconhecidos no texto).")
    by_artist = rel.categorias_por_artista
    if by_artist:
        _artist_chart(by_artist)
    else:
        st.info("Nenhum comentário com artista identificado no período.")

    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Tags mais citadas nas últimas 48 h")
        tags = rel.top_tags.itens
        if tags:
            st.altair_chart(charts.chart_top_tags(charts.frame(tags)), width="stretch")
        else:
            st.info("Nenhuma tag citada nas últimas 48 horas.")
    with right:
        st.subheader("Confiança média por categoria")
        st.altair_chart(charts.chart_confidence_by_category(charts.frame(rel.confianca_por_categoria)), width="stretch")
        st.caption("Barras: média; traço: mediana da confiança do classificador.")

    _summary_block(summary)


def _artist_chart(by_artist: list) -> None:
    """For a logged-in curator a click on an artist selects it and offers a link to the artist page (a link, not
    a page switch from the click: a switch while the fragment's refresh timer runs could leave the new page
    blank); visitors see the plain chart."""
    if st.session_state.get("usuario") is None:
        st.altair_chart(charts.chart_categories_by_artist(charts.frame(by_artist)), width="stretch")
        return
    event = st.altair_chart(
        charts.chart_categories_by_artist(charts.frame(by_artist), selectable=True),
        width="stretch",
        on_select="rerun",
        key="rel_artista_grafico",
    )
    picked = charts.selected_values(event, charts.SELECT_ARTIST, "artista")
    if picked:
        st.page_link(
            ui.ARTIST_PAGE,
            label=f"Abrir a página de {ui.escape_md(picked[0])}",
            icon=":material/person:",
            query_params={"nome": picked[0]},
        )
    else:
        st.caption("Clique num artista para ver o link da página dele.")


def _headline(totais: Totais, distribuicao: list[CategoriaTotal]) -> None:
    change = totais.variacao_percentual
    c1, c2, c3 = st.columns(3)
    c1.metric(
        "Comentários no período",
        ui.number(totais.total),
        border=True,
        delta=None if change is None else f"{ui.percent(change)} vs. período anterior",
        help="Todos os comentários do período, classificados ou não, comparados com o período anterior "
        "de mesma duração.",
    )
    c2.metric(
        "Classificados",
        ui.number(totais.classificados),
        border=True,
        help="Comentários que já têm uma categoria (os demais estão na fila).",
    )
    c3.metric(
        "Período anterior",
        ui.number(totais.total_anterior),
        border=True,
        help="Comentários no período imediatamente anterior, de mesma duração.",
    )
    cols = st.columns(len(distribuicao))
    for col, row in zip(cols, distribuicao, strict=True):
        col.metric(
            ui.category_label(row.categoria),
            ui.percent(row.percentual),
            border=True,
            help=f"{ui.number(row.total)} comentário(s) classificados como {row.categoria.value}",
        )


def _summary_block(summary: ResumoSemanal | None) -> None:
    st.subheader("Resumo da semana")
    if not summary:
        st.info("Ainda não há resumo semanal. Ele é gerado toda segunda-feira a partir dos números da semana anterior.")
        return
    st.caption(f"Semana {summary.semana} ({ui.day(summary.desde)} a {ui.day(summary.ate)})")
    with st.container(border=True):
        ui.plain(summary.texto)


report(PERIODS[choice])
