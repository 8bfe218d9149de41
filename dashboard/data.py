"""The dashboard's data access: thin, cached wrappers over the query functions in `shared/`.

Aggregates (the report, chart data, filter choices) are cached at most `report_cache_seconds` (≤ 60 s),
keyed by their arguments. Comment pages and details are read fresh, so a correction shows at once.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import streamlit as st

from shared import ops, queries, reports
from shared.db import session_scope
from shared.queries import CommentFilter
from shared.settings import get_settings

TTL = get_settings().report_cache_seconds


@st.cache_data(ttl=TTL, show_spinner=False)
def weekly_report(desde: date, ate: date) -> dict[str, Any]:
    with session_scope() as session:
        return reports.weekly_report(session, reports.Period(desde, ate))


@st.cache_data(ttl=TTL, show_spinner=False)
def latest_summary() -> dict[str, Any] | None:
    with session_scope() as session:
        return reports.latest_summary(session)


@st.cache_data(ttl=TTL, show_spinner=False)
def summaries(limit: int = 104) -> list[dict[str, Any]]:
    with session_scope() as session:
        return reports.list_summaries(session, limit=limit)


@st.cache_data(ttl=TTL, show_spinner=False)
def category_distribution(desde: date, ate: date) -> list[dict[str, Any]]:
    with session_scope() as session:
        return reports.category_distribution(session, reports.Period(desde, ate))


@st.cache_data(ttl=TTL, show_spinner=False)
def top_tags(desde: date, ate: date, limit: int = 15) -> list[dict[str, Any]]:
    """Top tags over the whole period (the dashboard's chart; the public report uses the last 48 h)."""
    period = reports.Period(desde, ate)
    start, end = period.bounds()
    until = min(end, datetime.now(start.tzinfo))
    hours = max(int((until - start).total_seconds() // 3600) + 1, 1)
    with session_scope() as session:
        return reports.top_tags(session, hours=hours, limit=limit, until=until)


@st.cache_data(ttl=TTL, show_spinner=False)
def filter_options() -> dict[str, list[str]]:
    with session_scope() as session:
        return ops.filter_options(session)


@st.cache_data(ttl=TTL, show_spinner=False)
def llm_usage(days: int = 30) -> list[dict[str, Any]]:
    with session_scope() as session:
        return ops.llm_usage_by_day(session, days=days)


def comment_page(filtro: CommentFilter, cursor: str | None, limit: int) -> queries.CommentPage:
    with session_scope() as session:
        return queries.list_comments(session, filtro, cursor=cursor, limit=limit)


def comment_count(filtro: CommentFilter) -> int:
    with session_scope() as session:
        return queries.count_comments(session, filtro)


def comment_detail(comment_id: str) -> dict[str, Any] | None:
    with session_scope() as session:
        return queries.get_comment(session, comment_id)


def status_counts() -> dict[str, int]:
    from shared.pipeline import status_counts as _counts

    return _counts()


def clear_caches() -> None:
    """After a change made from the dashboard (correction, import, re-queue): drop cached aggregates."""
    st.cache_data.clear()
