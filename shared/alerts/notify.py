"""Each alert goes out once by e-mail (MAIL_TO, like the weekly summary) and once to ALERT_WEBHOOK_URL.

Every pending alert of the last NOTIFY_WITHIN_HOURS is handled in its own short transaction, under its row lock
(`FOR UPDATE SKIP LOCKED`: a concurrent run leaves it alone): each channel still pending is tried, and the moment
it went out is recorded in the same transaction. A failed channel stays pending (the error is kept in
`last_error`) and the next run tries it again; a channel already sent is never sent again.

Texts are plain text (no HTML, no Markdown); the webhook URL may hold a token, so only its host is logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared import clock, mail
from shared.db import session_scope
from shared.models import Alert
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)

NOTIFY_WITHIN_HOURS = 24  # older alerts are not sent any more (a webhook configured today gets no backlog)
MAX_ERROR_CHARS = 300


@dataclass
class NotifyReport:
    emails: int = 0
    webhooks: int = 0
    failures: list[str] = field(default_factory=list)


def one_line(value: object, limit: int = 120) -> str:
    """A client-sent name fit for a header or a line: control characters and line breaks become spaces."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    return " ".join(text.split())[:limit]


def describe_series(alert: Alert) -> str:
    return f"{alert.category.value} sobre {one_line(alert.artist)}" if alert.artist else f"{alert.category.value}"


def subject(alert: Alert) -> str:
    return f"[AluMusic] Alerta: {alert.count} comentários {describe_series(alert)} em {_minutes(alert)} min"


def _minutes(alert: Alert) -> int:
    return int((alert.window_end - alert.window_start).total_seconds() // 60)


def body(alert: Alert, settings: Settings) -> str:
    start, end = clock.as_local(alert.window_start), clock.as_local(alert.window_end)
    who = one_line(alert.artist) if alert.artist else "todos os comentários"
    return "\n".join(
        [
            "Alerta de volume de comentários (AluMusic)",
            "",
            f"Categoria: {alert.category.value}",
            f"Artista: {who}",
            f"Janela: {start:%d/%m/%Y %H:%M} a {end:%H:%M} ({settings.timezone})",
            f"Comentários na janela: {alert.count}",
            f"Linha de base: {alert.baseline:.1f} (média da mesma janela nas {settings.alert_baseline_weeks} "
            "semanas anteriores)",
            f"Limiar para alertar: {alert.threshold:.1f}",
            "",
            "Veja os comentários no painel da curadoria (página Alertas e página do artista).",
            f"Alerta nº {alert.id}, registrado em {clock.as_local(alert.created_at):%d/%m/%Y %H:%M}.",
        ]
    )


def webhook_payload(alert: Alert, settings: Settings) -> dict[str, object]:
    return {
        "id": alert.id,
        "categoria": alert.category.value,
        "artista": alert.artist,
        "inicio": alert.window_start.isoformat(),
        "fim": alert.window_end.isoformat(),
        "total": alert.count,
        "linha_base": alert.baseline,
        "limiar": alert.threshold,
        "criado_em": alert.created_at.isoformat(),
        "fuso_horario": settings.timezone,
        "texto": body(alert, settings),
    }


def webhook_host(url: str) -> str:
    """What the logs may say about the webhook: its host (the path or query may carry a token)."""
    return urlsplit(url).hostname or "?"


def post_webhook(url: str, payload: dict[str, object], timeout: float) -> int:
    """POST the payload as JSON; the HTTP status (2xx) or an exception (network error, non-2xx status)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("ALERT_WEBHOOK_URL deve começar com http:// ou https://")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "AluMusic-alertas/1"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
        return response.status


def _error(channel: str, exc: BaseException, settings: Settings) -> str:
    message = f"{channel}: {type(exc).__name__}: {exc}"
    if settings.alert_webhook_url:
        message = message.replace(settings.alert_webhook_url, "<ALERT_WEBHOOK_URL>")
    return message[:MAX_ERROR_CHARS]


def _pending_ids(session: Session, settings: Settings) -> list[int]:
    pending = [Alert.email_sent_at.is_(None)]
    if settings.alert_webhook_url:
        pending.append(Alert.webhook_sent_at.is_(None))
    since = clock.now() - timedelta(hours=NOTIFY_WITHIN_HOURS)
    stmt = select(Alert.id).where(Alert.created_at >= since, or_(*pending)).order_by(Alert.id)
    return list(session.scalars(stmt))


def _send_one(session: Session, alert: Alert, settings: Settings, report: NotifyReport) -> None:
    errors = []
    if alert.email_sent_at is None:
        try:
            recipients = list(settings.mail_to)
            message = mail.build_message(subject(alert), body(alert, settings), None, recipients, settings)
            mail.send(message, recipients, settings)
            alert.email_sent_at = func.now()
            report.emails += 1
        except Exception as exc:  # noqa: BLE001 - any failure leaves the channel pending, never undoes another
            errors.append(_error("e-mail", exc, settings))
    url = settings.alert_webhook_url
    if url and alert.webhook_sent_at is None:
        try:
            post_webhook(url, webhook_payload(alert, settings), settings.alert_webhook_timeout_seconds)
            alert.webhook_sent_at = func.now()
            report.webhooks += 1
            log.info("alerta %d enviado ao webhook (%s)", alert.id, webhook_host(url))
        except Exception as exc:  # noqa: BLE001 - any failure leaves the channel pending, never undoes another
            errors.append(_error("webhook", exc, settings))
    if errors:
        alert.attempts += 1
        alert.last_error = "; ".join(errors)[:MAX_ERROR_CHARS]
        report.failures.extend(f"alerta {alert.id}: {e}" for e in errors)
        log.warning("alerta %d: envio falhou, nova tentativa na próxima verificação: %s", alert.id, alert.last_error)
    elif alert.last_error:
        alert.last_error = None


def send_pending(settings: Settings | None = None) -> NotifyReport:
    """Send every channel still pending of the recent alerts (each alert in its own transaction)."""
    settings = settings or get_settings()
    report = NotifyReport()
    with session_scope() as session:
        ids = _pending_ids(session, settings)
    for alert_id in ids:
        with session_scope() as session:
            stmt = select(Alert).where(Alert.id == alert_id).with_for_update(skip_locked=True)
            alert = session.scalar(stmt)
            if alert is not None:
                _send_one(session, alert, settings, report)
    return report
