"""Outgoing e-mail: smtplib with the SMTP_* settings, or an `.eml` file in OUTBOX_DIR when no host is set."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from shared.settings import Settings, get_settings
from shared.text import slug

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Delivery:
    transport: str  # "smtp" | "arquivo"
    recipients: list[str]
    path: Path | None = None  # the .eml file, when written to the outbox


def build_message(
    subject: str, text: str, html: str | None, recipients: list[str], settings: Settings | None = None
) -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second; without `html`, plain text only."""
    settings = settings or get_settings()
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail_from
    message["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="alumusic.local")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send(message: EmailMessage, recipients: list[str], settings: Settings | None = None) -> Delivery:
    """Deliver by SMTP when SMTP_HOST and recipients are set; otherwise write an `.eml` file to the outbox.

    SMTP errors propagate (the caller records nothing as sent, so a retry sends it)."""
    settings = settings or get_settings()
    if not settings.smtp_host or not recipients:
        return _write_outbox(message, recipients, settings)
    context = ssl.create_default_context()
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=context)
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password or "")
        client.send_message(message, to_addrs=recipients)
    log.info(
        "e-mail enviado por SMTP (%s:%s) para %d destinatário(s): %s",
        settings.smtp_host,
        settings.smtp_port,
        len(recipients),
        message["Subject"],
    )
    return Delivery("smtp", list(recipients))


def _write_outbox(message: EmailMessage, recipients: list[str], settings: Settings) -> Delivery:
    outbox = Path(settings.outbox_dir)
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    path = outbox / f"{stamp}-{slug(str(message['Subject']))[:60]}.eml"
    path.write_bytes(bytes(message))
    reason = "SMTP_HOST não definido" if not settings.smtp_host else "MAIL_TO vazio"
    log.warning("%s: e-mail gravado em %s (%s)", reason, path, message["Subject"])
    return Delivery("arquivo", list(recipients), path)
