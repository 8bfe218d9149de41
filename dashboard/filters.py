"""The filter widgets of the Comentários page: they build the `CommentFilter` every query of the page uses."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st
from pydantic import ValidationError

from dashboard import charts, data
from shared import clock
from shared.reporting.filters import CommentFilter
from shared.reporting.periods import MAX_PERIOD_DAYS
from shared.vocabulary import CATEGORY_VALUES, STATUS_LABELS, CommentStatus

DEFAULT_DAYS = 30
KEYS = ("f_periodo", "f_categoria", "f_tag", "f_status", "f_artista", "f_album", "f_confianca", "f_q", "f_revisar")
CATEGORY_KEY, TAG_KEY, ARTIST_KEY = "f_categoria", "f_tag", "f_artista"


def default_period() -> tuple[date, date]:
    today = clock.today()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def clear() -> None:
    for key in KEYS:
        st.session_state.pop(key, None)


def on_chart_select(chart_key: str, selection: str, field: str, target: str) -> None:
    """Chart click -> filter widget (callbacks run before the script, so widget state may change here)."""
    values = charts.selected_values(st.session_state.get(chart_key), selection, field)
    st.session_state[target] = values[0] if values else None


def _period() -> tuple[date, date]:
    value = st.session_state.get("f_periodo") or default_period()
    if isinstance(value, (list, tuple)):
        start = value[0] if value else default_period()[0]
        end = value[1] if len(value) > 1 else start
    else:
        start = end = value
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        start = end - timedelta(days=MAX_PERIOD_DAYS - 1)
    return start, end


def _with_current(options: list[str], key: str) -> list[str]:
    """The options plus the value selected now (a chart click may pick one the list does not have)."""
    chosen = st.session_state.get(key)
    return [chosen, *options] if chosen and chosen not in options else options


def comment_filter() -> CommentFilter:
    """Draw the filters and return what they select (the page stops with a plain message when invalid)."""
    options = data.filter_options()
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
        c1.date_input(
            "Período",
            value=default_period(),
            key="f_periodo",
            format="DD/MM/YYYY",
            max_value=clock.today() + timedelta(days=1),
        )
        c2.selectbox("Categoria", CATEGORY_VALUES, index=None, placeholder="Todas", key=CATEGORY_KEY)
        c3.selectbox("Tag", _with_current(list(options["tags"]), TAG_KEY), index=None, placeholder="Todas", key=TAG_KEY)
        c4.selectbox(
            "Status",
            [s.value for s in CommentStatus],
            index=None,
            placeholder="Todos",
            key="f_status",
            format_func=lambda v: STATUS_LABELS[CommentStatus(v)],
        )
        c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
        c1.text_input(
            "Busca no texto",
            key="f_q",
            placeholder="ex.: autotune, ingresso caro, atraso",
            help="Busca textual em português: encontra variações da palavra ('atrasou' encontra 'atraso').",
        )
        c2.selectbox(
            "Artista",
            _with_current(list(options["artistas"]), ARTIST_KEY),
            index=None,
            placeholder="Todos",
            key=ARTIST_KEY,
        )
        c3.selectbox("Álbum", options["albuns"], index=None, placeholder="Todos", key="f_album")
        c4.slider("Confiança (%)", 0, 100, (0, 100), step=5, key="f_confianca")
        left, right = st.columns([3, 1])
        left.toggle(
            "Só os que precisam de revisão",
            key="f_revisar",
            help="Classificações automáticas com confiança baixa (abaixo de REVIEW_BELOW_CONFIDENCE).",
        )
        right.button("Limpar filtros", on_click=clear, type="tertiary", icon=":material/close:")

    first, last = _period()
    low, high = (v / 100 for v in (st.session_state.get("f_confianca") or (0, 100)))
    try:
        return CommentFilter(
            desde=first,
            ate=last,
            categoria=st.session_state.get(CATEGORY_KEY),
            tag=st.session_state.get(TAG_KEY),
            status=st.session_state.get("f_status"),
            artista=st.session_state.get(ARTIST_KEY),
            album=st.session_state.get("f_album"),
            q=st.session_state.get("f_q") or None,
            confianca_min=low if low > 0 else None,
            confianca_max=high if high < 1 else None,
            revisar=True if st.session_state.get("f_revisar") else None,
        )
    except ValidationError as exc:
        st.error("Filtro inválido: " + "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))
        st.stop()
