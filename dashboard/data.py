"""The dashboard's data access: thin, cached wrappers over the query functions in `shared/`.

Aggregates (the report, chart data, filter choices) are cached at most `report_cache_seconds` (≤ 60 s),
keyed by their arguments. Comment pages and details are read fresh, so a correction shows at once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from shared import clock, operations
from shared.alerts import listing as alert_listing
from shared.classification import budget
from shared.db import read_scope
from shared.reporting import artist as artist_page
from shared.reporting import queries, reports
from shared.reporting.filters import CommentFilter
from shared.reporting.filters import filter_options as _filter_options
from shared.reporting.payloads import (
    Alerta,
    ComentarioDetalhe,
    ListaAlertas,
    PaginaComentarios,
    Relatorio,
    ResumoSemanal,
    TagTotal,
)
from shared.reporting.periods import Period
from shared.reporting.summary.archive import latest_summary as _latest_summary
from shared.reporting.summary.archive import recent_summaries
from shared.settings import get_settings
from shared.vocabulary import Category

TTL = get_settings().report_cache_seconds


@st.cache_data(ttl=TTL, show_spinner=False)
def weekly_report(first: date, last: date) -> Relatorio:
    with read_scope() as session:
        return reports.weekly_report(session, Period(first, last))


@st.cache_data(ttl=TTL, show_spinner=False)
def latest_summary() -> ResumoSemanal | None:
    with read_scope() as session:
        return _latest_summary(session)


@st.cache_data(ttl=TTL, show_spinner=False)
def summaries(limit: int = 104) -> list[ResumoSemanal]:
    with read_scope() as session:
        return recent_summaries(session, limit=limit, weeks=None)


@st.cache_data(ttl=TTL, show_spinner=False)
def category_distribution(first: date, last: date) -> list[dict[str, Any]]:
    with read_scope() as session:
        return [r.model_dump(mode="json") for r in reports.category_distribution(session, Period(first, last))]


@st.cache_data(ttl=TTL, show_spinner=False)
def top_tags(first: date, last: date, limit: int = 15) -> list[TagTotal]:
    """Top tags over the whole period (the dashboard's chart; the public report uses the last 48 h)."""
    start, end = Period(first, last).bounds()
    until = min(end, clock.now())
    hours = max(int((until - start).total_seconds() // 3600) + 1, 1)
    with read_scope() as session:
        return reports.top_tags(session, hours=hours, limit=limit, until=until)


@st.cache_data(ttl=TTL, show_spinner=False)
def filter_options() -> dict[str, list[str]]:
    with read_scope() as session:
        return _filter_options(session)


@st.cache_data(ttl=TTL, show_spinner=False)
def llm_usage(days: int = 30) -> list[dict[str, Any]]:
    with read_scope() as session:
        return operations.llm_usage_by_day(session, days=days)


@st.cache_data(ttl=TTL, show_spinner=False)
def recent_alerts(hours: int = 24, artist: str | None = None) -> list[Alerta]:
    with read_scope() as session:
        return alert_listing.recent_alerts(session, hours=hours, artist=artist)


@st.cache_data(ttl=TTL, show_spinner=False)
def alerts(first: date, last: date, category: str | None = None, artist: str | None = None) -> ListaAlertas:
    with read_scope() as session:
        return alert_listing.list_alerts(session, Period(first, last), category=category, artist=artist)


@st.cache_data(ttl=TTL, show_spinner=False)
def resolve_artist(name: str | None) -> str | None:
    with read_scope() as session:
        return artist_page.resolve_artist(session, name)


@st.cache_data(ttl=TTL, show_spinner=False)
def artist_overview(artist: str) -> dict[str, Any]:
    """Everything the artist page shows (one transaction): weekly trend, top tags, quotes."""
    with read_scope() as session:
        return {
            "tendencia": artist_page.weekly_trend(session, artist),
            "tags_critica": artist_page.top_tags(session, artist, Category.CRITICA),
            "tags_elogio": artist_page.top_tags(session, artist, Category.ELOGIO),
            "citacoes": artist_page.recent_quotes(session, artist),
        }


def comment_page(filtro: CommentFilter, cursor: str | None, limit: int) -> PaginaComentarios:
    with read_scope() as session:
        return queries.list_comments(session, filtro, cursor=cursor, limit=limit)


def comment_count(filtro: CommentFilter) -> int:
    with read_scope() as session:
        return queries.count_comments(session, filtro)


def comment_detail(comment_id: str) -> ComentarioDetalhe | None:
    with read_scope() as session:
        return queries.get_comment(session, comment_id)


def status_counts() -> dict[str, int]:
    return operations.status_counts()


def review_count() -> int:
    with read_scope() as session:
        return operations.review_count(session)


def llm_budget() -> budget.BudgetState:
    return budget.budget_state()


def clear_caches() -> None:
    """After a change made from the dashboard (correction, import, re-queue): drop cached aggregates."""
    st.cache_data.clear()
