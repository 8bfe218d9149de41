"""Alerts: CRÍTICA and SPAM volume far above its usual level (`detection`), notified once (`notify`), listed for
the API and the dashboard (`listing`). `run_check` is what the scheduler and `flask verificar-alertas` run."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from shared.alerts.detection import Finding, Window, current_window, evaluate, store
from shared.alerts.notify import NotifyReport, send_pending
from shared.db import session_scope
from shared.settings import Settings, get_settings

__all__ = ["CheckReport", "Finding", "Window", "run_check"]


@dataclass
class CheckReport:
    window: Window
    findings: list[Finding]
    created: list[int]
    notified: NotifyReport = field(default_factory=NotifyReport)

    def as_dict(self) -> dict[str, object]:
        return {
            "inicio": self.window.start.isoformat(),
            "fim": self.window.end.isoformat(),
            "acima_do_normal": sum(1 for f in self.findings if f.fires),
            "novos_alertas": len(self.created),
            "emails": self.notified.emails,
            "webhooks": self.notified.webhooks,
            "falhas": len(self.notified.failures),
        }


def run_check(settings: Settings | None = None, now: datetime | None = None, notify: bool = True) -> CheckReport:
    """Evaluate the current window, store the new alerts (once per window and series), then send every
    notification still pending (this run's alerts and earlier failures)."""
    settings = settings or get_settings()
    window = current_window(settings, now)
    with session_scope() as session:
        findings = evaluate(session, window, settings)
        created = store(session, window, findings)
    report = CheckReport(window, findings, created)
    if notify:
        report.notified = send_pending(settings)
    return report
