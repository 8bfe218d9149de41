"""Periodic jobs registered with rq-scheduler through its documented API: the weekly summary
(`Scheduler.cron`, in the configured time zone), the reconciler and the alert check (`Scheduler.schedule` with
an interval).

- Fixed job ids make registration idempotent: starting the scheduler N times leaves exactly one of each.
- rq-scheduler evaluates cron strings in the process's local time, so the scheduler process runs with its
  TZ set to TIMEZONE (`use_zone`): "0 9 * * 1" is Monday 09:00 in that zone, daylight saving included.
- rq-scheduler creates jobs with its own `Job` class: `JsonJob` makes them use the JSON serializer the
  workers expect.
- If Redis loses the schedules (FLUSHALL, a new empty Redis), the scheduler registers them again on its next
  loop.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime, timedelta

from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

from shared.settings import Settings

log = logging.getLogger(__name__)

WEEKLY_SUMMARY_JOB_ID = "alumusic-resumo-semanal"
RECONCILE_JOB_ID = "alumusic-reconciliador"
WEEKLY_SUMMARY_TRIGGER = "worker.jobs.start_weekly_summary"
RECONCILE_FUNC = "worker.jobs.reconcile"
ALERTS_JOB_ID = "alumusic-alertas"
ALERTS_FUNC = "worker.jobs.check_alerts"
FIXED_JOB_IDS = (WEEKLY_SUMMARY_JOB_ID, RECONCILE_JOB_ID, ALERTS_JOB_ID)
# How often the scheduler loop looks for due jobs (seconds).
POLL_SECONDS = 30


class JsonJob(Job):
    """An RQ job that defaults to the JSON serializer (rq-scheduler passes none)."""

    def __init__(self, id: str | None = None, connection: Redis | None = None, serializer=None):
        super().__init__(id=id, connection=connection, serializer=serializer or JSONSerializer)


class SelfHealingScheduler(Scheduler):
    settings: Settings | None = None

    def enqueue_jobs(self):
        """Each loop, under the scheduler lock: register our periodic jobs again if Redis lost them, then move
        due jobs to their queues."""
        if self.settings is not None and not all(job_id in self for job_id in FIXED_JOB_IDS):
            log.warning("agendamentos ausentes no Redis; registrando de novo")
            register_schedules(self, self.settings)
        return super().enqueue_jobs()


def use_zone(name: str) -> None:
    """Make `name` this process's local time zone (what rq-scheduler evaluates cron strings in)."""
    os.environ["TZ"] = name
    time.tzset()


def make_scheduler(connection: Redis, settings: Settings) -> SelfHealingScheduler:
    use_zone(settings.timezone)
    poll = max(1, min(POLL_SECONDS, settings.reconcile_every_seconds, settings.alert_every_seconds))
    scheduler = SelfHealingScheduler(
        queue_name=settings.queue_name, connection=connection, interval=poll, job_class=JsonJob
    )
    scheduler.settings = settings
    return scheduler


def register_schedules(scheduler: Scheduler, settings: Settings) -> list[Job]:
    """(Re)register the periodic jobs under fixed ids: safe to call on every start."""
    weekly = scheduler.cron(
        settings.summary_cron,
        WEEKLY_SUMMARY_TRIGGER,
        id=WEEKLY_SUMMARY_JOB_ID,
        queue_name=settings.queue_name,
        use_local_timezone=True,
        description=f"resumo semanal ({settings.summary_cron}, {settings.timezone})",
    )
    reconcile = scheduler.schedule(
        datetime.now(UTC) + timedelta(seconds=1),
        RECONCILE_FUNC,
        id=RECONCILE_JOB_ID,
        interval=max(settings.reconcile_every_seconds, 1),
        queue_name=settings.queue_name,
        description=f"reconciliador (a cada {settings.reconcile_every_seconds} s)",
    )
    alerts = scheduler.schedule(
        datetime.now(UTC) + timedelta(seconds=1),
        ALERTS_FUNC,
        id=ALERTS_JOB_ID,
        interval=max(settings.alert_every_seconds, 1),
        queue_name=settings.queue_name,
        description=f"verificação de alertas (a cada {settings.alert_every_seconds} s)",
    )
    log.info(
        "agendado: resumo semanal (%s, %s), reconciliador a cada %d s e alertas a cada %d s",
        settings.summary_cron,
        settings.timezone,
        settings.reconcile_every_seconds,
        settings.alert_every_seconds,
    )
    return [weekly, reconcile, alerts]
