"""Stored alerts for `GET /api/alertas`, the dashboard's banner and pages: newest first, by creation day."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from shared import clock
from shared.models import Alert
from shared.reporting.payloads import Alerta, ListaAlertas
from shared.reporting.periods import Period

MAX_ITEMS = 500


def _payload(row: Alert) -> Alerta:
    return Alerta(
        id=row.id,
        categoria=row.category,
        artista=row.artist,
        inicio=row.window_start,
        fim=row.window_end,
        total=row.count,
        linha_base=row.baseline,
        limiar=row.threshold,
        criado_em=row.created_at,
        email_enviado_em=row.email_sent_at,
        webhook_enviado_em=row.webhook_sent_at,
    )


def _filtered(stmt: Select, start: datetime, end: datetime, category: str | None, artist: str | None) -> Select:
    stmt = stmt.where(Alert.created_at >= start, Alert.created_at < end)
    if category:
        stmt = stmt.where(Alert.category == category)
    if artist:
        stmt = stmt.where(func.lower(Alert.artist) == artist.lower())
    return stmt


def list_alerts(
    session: Session,
    period: Period,
    category: str | None = None,
    artist: str | None = None,
    limit: int = MAX_ITEMS,
) -> ListaAlertas:
    """Alerts created on the period's days (configured time zone), newest first; `artist` case-insensitive."""
    start, end = period.bounds()
    total = session.scalar(_filtered(select(func.count()).select_from(Alert), start, end, category, artist))
    rows = session.scalars(
        _filtered(select(Alert), start, end, category, artist)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .limit(limit)
    ).all()
    return ListaAlertas(
        periodo=period.as_dict(),
        fuso_horario=clock.zone_name(),
        total=int(total or 0),
        limite=limit,
        itens=[_payload(r) for r in rows],
    )


def recent_alerts(session: Session, hours: int = 24, artist: str | None = None) -> list[Alerta]:
    """Alerts created in the last `hours` hours (the dashboard's banner), newest first."""
    since = clock.now() - timedelta(hours=hours)
    stmt = select(Alert).where(Alert.created_at >= since)
    if artist:
        stmt = stmt.where(func.lower(Alert.artist) == artist.lower())
    rows = session.scalars(stmt.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(MAX_ITEMS)).all()
    return [_payload(r) for r in rows]
