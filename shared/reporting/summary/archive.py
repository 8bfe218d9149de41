"""Stored weekly summaries, newest first (public report, dashboard archive)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import clock
from shared.models import WeeklySummary
from shared.reporting.payloads import ResumoSemanal


def _payload(row: WeeklySummary) -> ResumoSemanal:
    return ResumoSemanal(
        semana=row.iso_week,
        desde=row.period_start,
        ate=row.period_end,
        texto=row.text,
        modelo=row.model,
        versao_prompt=row.prompt_version,
        criado_em=row.created_at,
        enviado_em=row.sent_at,
        destinatarios=list(row.recipients or []),
    )


def recent_summaries(session: Session, limit: int = 3, weeks: int | None = 8) -> list[ResumoSemanal]:
    """The `limit` most recent weekly summaries, newest first; only those ending in the last `weeks` weeks."""
    stmt = select(WeeklySummary)
    if weeks is not None:
        stmt = stmt.where(WeeklySummary.period_end >= clock.today() - timedelta(weeks=weeks))
    rows = session.scalars(
        stmt.order_by(WeeklySummary.period_end.desc(), WeeklySummary.iso_week.desc()).limit(limit)
    ).all()
    return [_payload(r) for r in rows]


def latest_summary(session: Session) -> ResumoSemanal | None:
    """The most recent weekly summary (by period), or None when none exists yet."""
    rows = recent_summaries(session, limit=1, weeks=None)
    return rows[0] if rows else None
