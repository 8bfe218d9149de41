"""Build (once), store and e-mail (once) the summary of an ISO week.

Idempotent per ISO week: the text is built once and stored with the aggregates it came from; the e-mail is
sent under a row lock and `sent_at` recorded, so a retried or repeated job never sends twice (`resend=True`
sends again on purpose). Only aggregates and a few short quotes reach the LLM, never the week's raw text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared import clock, mail
from shared.db import session_scope
from shared.models import WeeklySummary
from shared.reporting.summary.aggregates import build_aggregates, week_period
from shared.reporting.summary.writing import email_bodies, subject, write_text
from shared.settings import get_settings

log = logging.getLogger(__name__)


class SummaryError(ValueError):
    """Bad input for a summary (message in Portuguese, shown by the CLI)."""


@dataclass
class SummaryOutcome:
    iso_week: str
    created: bool  # the text was built by this call
    sent: bool  # an e-mail went out (or was written to the outbox) in this call
    model: str
    transport: str | None = None
    path: Path | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "semana": self.iso_week,
            "criado": self.created,
            "enviado": self.sent,
            "modelo": self.model,
            "transporte": self.transport,
            "arquivo": str(self.path) if self.path else None,
        }


def _check_week(iso_week: str) -> None:
    try:
        clock.parse_iso_week(iso_week)
    except clock.WeekError as exc:
        raise SummaryError(str(exc)) from None


def _load(session: Session, iso_week: str, lock: bool = False) -> WeeklySummary | None:
    stmt = select(WeeklySummary).where(WeeklySummary.iso_week == iso_week)
    return session.scalar(stmt.with_for_update() if lock else stmt)


def ensure_summary(iso_week: str, rebuild: bool = False) -> tuple[bool, str]:
    """Build and store the week's summary unless it exists (or `rebuild`). Returns (created, model)."""
    with session_scope() as session:
        existing = _load(session, iso_week)
        if existing is not None and not rebuild:
            return False, existing.model
        agg = build_aggregates(session, iso_week)
    body, model, version = write_text(agg)  # outside any transaction (may call the LLM)
    period = week_period(iso_week)
    values = {
        "iso_week": iso_week,
        "period_start": period.first,
        "period_end": period.last,
        "text": body,
        "aggregates": agg,
        "model": model,
        "prompt_version": version,
    }
    with session_scope() as session:
        stmt = insert(WeeklySummary).values(**values)
        if rebuild:
            stmt = stmt.on_conflict_do_update(
                index_elements=[WeeklySummary.iso_week], set_={k: v for k, v in values.items() if k != "iso_week"}
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=[WeeklySummary.iso_week])
        created = session.execute(stmt.returning(WeeklySummary.id)).first() is not None
    if created:
        log.info("resumo semanal %s criado (%s, %d palavras)", iso_week, model, len(body.split()))
    return created, model


def send_summary(iso_week: str, resend: bool = False) -> tuple[bool, mail.Delivery | None]:
    """E-mail the stored summary once: under a row lock, skipped when `sent_at` is set (unless `resend`)."""
    settings = get_settings()
    with session_scope() as session:
        row = _load(session, iso_week, lock=True)
        if row is None:
            raise SummaryError(f"não há resumo para a semana {iso_week}")
        if row.sent_at is not None and not resend:
            log.info("resumo semanal %s já enviado em %s; nada a fazer", iso_week, row.sent_at.isoformat())
            return False, None
        plain, page = email_bodies(row.text, row.aggregates)
        recipients = list(settings.mail_to)
        message = mail.build_message(subject(row.aggregates), plain, page, recipients, settings)
        delivery = mail.send(message, recipients, settings)
        session.execute(
            update(WeeklySummary).where(WeeklySummary.id == row.id).values(sent_at=text("now()"), recipients=recipients)
        )
    return True, delivery


def build_weekly_summary(
    iso_week: str, resend: bool = False, rebuild: bool = False, send: bool = True
) -> SummaryOutcome:
    """Build (once), store and e-mail (once) the summary of `iso_week` (e.g. "2026-W47")."""
    _check_week(iso_week)
    created, model = ensure_summary(iso_week, rebuild=rebuild)
    sent, delivery = send_summary(iso_week, resend=resend) if send else (False, None)
    return SummaryOutcome(
        iso_week, created, sent, model, delivery.transport if delivery else None, delivery.path if delivery else None
    )


def backfill(weeks: int, send: bool = False, today: date | None = None) -> list[SummaryOutcome]:
    """Build the missing summaries of the last `weeks` complete weeks, oldest first. Past weeks are not
    e-mailed unless `send` (the stakeholders get the current week by the schedule)."""
    if weeks < 1:
        raise SummaryError("informe um número de semanas maior que zero")
    last_monday, _ = clock.week_days(clock.previous_iso_week(today))
    targets = [clock.iso_week_of(last_monday - timedelta(weeks=n)) for n in range(weeks - 1, -1, -1)]
    return [build_weekly_summary(week, send=send) for week in targets]
