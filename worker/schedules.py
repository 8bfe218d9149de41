"""Periodic jobs registered with rq-scheduler: the weekly summary (cron in the configured time zone) and
the reconciler (fixed interval).

Fixed job ids make registration idempotent: starting the scheduler N times leaves exactly one of each.
rq-scheduler creates jobs with its own `Job` class, so `JsonJob` makes them use the JSON serializer the
workers expect; `ZonedScheduler` computes cron times in `settings.timezone` (rq-scheduler itself only knows
UTC or the machine's local time).
"""
from __future__ import annotations

import logging
import warnings
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter
from redis import Redis
from rq.job import Job
from rq.serializers import JSONSerializer
from rq_scheduler import Scheduler

from shared.settings import Settings

log = logging.getLogger(__name__)

WEEKLY_SUMMARY_JOB_ID = "alumusic-resumo-semanal"
RECONCILE_JOB_ID = "alumusic-reconciliador"
WEEKLY_SUMMARY_FUNC = "worker.jobs.weekly_summary"
RECONCILE_FUNC = "worker.jobs.reconcile"
FIXED_JOB_IDS = (WEEKLY_SUMMARY_JOB_ID, RECONCILE_JOB_ID)
# How often the scheduler loop looks for due jobs (seconds).
POLL_SECONDS = 30
WEEKLY_SUMMARY_TIMEOUT = 600
# A failed weekly run (SMTP or database down) is retried after these waits, seconds; it is idempotent.
SUMMARY_RETRY_INTERVALS = [300, 1800, 7200]


class JsonJob(Job):
    """An RQ job that defaults to the JSON serializer (rq-scheduler passes none)."""

    def __init__(self, id: str | None = None, connection: Redis | None = None, serializer=None):
        super().__init__(id=id, connection=connection, serializer=serializer or JSONSerializer)


def next_cron_time(cron_string: str, tz: str, now: datetime | None = None) -> datetime:
    """The next time `cron_string` fires, evaluated in time zone `tz`; returned in UTC."""
    zone = ZoneInfo(tz)
    base = (now or datetime.now(timezone.utc)).astimezone(zone)
    return croniter(cron_string, base).get_next(datetime).astimezone(timezone.utc)


class ZonedScheduler(Scheduler):
    job_class = JsonJob

    def __init__(self, *args, settings: Settings | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.settings = settings

    def enqueue_jobs(self):
        """Each loop, under the scheduler lock: put our periodic jobs back if Redis lost them (FLUSHALL,
        a new empty Redis), then move due jobs to their queues."""
        if self.settings is not None and not all(job_id in self for job_id in FIXED_JOB_IDS):
            self.log.warning("agendamentos ausentes no Redis; registrando de novo")
            register_schedules(self, self.settings)
        return super().enqueue_jobs()

    def cron_in_zone(self, cron_string: str, func: str, tz: str, **kwargs) -> Job:
        """Like `cron`, with the schedule evaluated in `tz` (DST-aware) for this and every later run.
        `meta={"retry_intervals": [...]}` gives every run its own RQ retries."""
        croniter(cron_string)  # raises on an invalid expression before anything is written
        meta = dict(kwargs.pop("meta", None) or {}, cron_timezone=tz)
        with warnings.catch_warnings():  # rq-scheduler's first estimate uses `crontab`, which warns; replaced below
            warnings.simplefilter("ignore")
            job = self.cron(cron_string, func, meta=meta, **kwargs)
        self.connection.zadd(self.scheduled_jobs_key, {job.id: next_cron_time(cron_string, tz).timestamp()})
        return job

    def enqueue_job(self, job: Job) -> None:
        cron_string, tz = job.meta.get("cron_string"), job.meta.get("cron_timezone")
        if not (cron_string and tz):
            return super().enqueue_job(job)
        self.log.info("enfileirando %s (%s)", job.func_name, job.id)
        intervals = list(job.meta.get("retry_intervals") or [])
        job.retries_left, job.retry_intervals = (len(intervals), intervals) if intervals else (None, [])
        self.get_queue_for_job(job).enqueue_job(job, at_front=bool(job.enqueue_at_front))
        self.connection.zadd(self.scheduled_jobs_key, {job.id: next_cron_time(cron_string, tz).timestamp()})


def make_scheduler(connection: Redis, settings: Settings) -> ZonedScheduler:
    poll = max(1, min(POLL_SECONDS, settings.reconcile_every_seconds))
    return ZonedScheduler(queue_name=settings.queue_name, connection=connection, interval=poll, settings=settings)


def register_schedules(scheduler: ZonedScheduler, settings: Settings) -> list[Job]:
    """(Re)register the periodic jobs under fixed ids: safe to call on every start."""
    weekly = scheduler.cron_in_zone(
        settings.summary_cron, WEEKLY_SUMMARY_FUNC, settings.timezone, id=WEEKLY_SUMMARY_JOB_ID,
        meta={"retry_intervals": SUMMARY_RETRY_INTERVALS},
        queue_name=settings.queue_name, timeout=WEEKLY_SUMMARY_TIMEOUT,
        description=f"resumo semanal ({settings.summary_cron}, {settings.timezone})",
    )
    reconcile = scheduler.schedule(
        datetime.now(timezone.utc) + timedelta(seconds=1), RECONCILE_FUNC, id=RECONCILE_JOB_ID,
        interval=max(settings.reconcile_every_seconds, 1), queue_name=settings.queue_name,
        description=f"reconciliador (a cada {settings.reconcile_every_seconds} s)",
    )
    when = datetime.fromtimestamp(scheduler.connection.zscore(scheduler.scheduled_jobs_key, weekly.id),
                                  ZoneInfo(settings.timezone))
    log.info("agendado: resumo semanal (próximo em %s) e reconciliador a cada %d s",
             when.isoformat(timespec="minutes"), settings.reconcile_every_seconds)
    return [weekly, reconcile]
