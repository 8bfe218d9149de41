"""What the operations panel and /health show: queue depth and workers, comments per status, LLM usage.

Everything is aggregated where it lives (RQ registries in Redis, counts in PostgreSQL); Python only shapes
the few rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from redis.exceptions import RedisError
from rq import Worker
from rq_scheduler import Scheduler
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from shared import clock
from shared.classification.usage import estimated_cost_usd
from shared.db import session_scope
from shared.models import Classification, Comment
from shared.queue import get_queue
from shared.settings import get_settings
from shared.vocabulary import CommentStatus, LlmOutcome, Origin, Source


@dataclass
class WorkerInfo:
    name: str
    state: str
    last_heartbeat: datetime | None
    current_job_id: str | None
    successful_jobs: int
    failed_jobs: int
    alive: bool


@dataclass
class QueueStats:
    queue: str
    redis_ok: bool
    queued: int = 0  # waiting in the queue
    started: int = 0  # being worked on now
    scheduled: int = 0  # waiting for a retry (RQ Retry intervals)
    failed: int = 0  # RQ jobs that ran out of attempts (their comments are `falhou` or reconciled)
    workers: list[WorkerInfo] = field(default_factory=list)
    scheduler_alive: bool = False
    error: str | None = None

    @property
    def live_workers(self) -> int:
        return sum(1 for w in self.workers if w.alive)


def queue_stats(connection: Any = None) -> QueueStats:
    """Queue depth, failed jobs and live workers. Never raises: a Redis error is reported in `error`."""
    settings = get_settings()
    stats = QueueStats(queue=settings.queue_name, redis_ok=False)
    try:
        queue = get_queue(connection)
        stats.queued = queue.count
        stats.started = queue.started_job_registry.count
        stats.scheduled = queue.scheduled_job_registry.count
        stats.failed = queue.failed_job_registry.count
        now = clock.now()
        for worker in Worker.all(queue=queue):
            beat = worker.last_heartbeat
            if beat is not None and beat.tzinfo is None:
                beat = beat.replace(tzinfo=clock.now().tzinfo)
            alive = beat is not None and (now - beat).total_seconds() <= worker.worker_ttl + 60
            state = worker.get_state()
            stats.workers.append(
                WorkerInfo(
                    name=worker.name,
                    state=str(getattr(state, "value", state)),
                    last_heartbeat=beat,
                    current_job_id=worker.get_current_job_id(),
                    successful_jobs=worker.successful_job_count,
                    failed_jobs=worker.failed_job_count,
                    alive=alive,
                )
            )
        stats.workers.sort(key=lambda w: w.name)
        stats.scheduler_alive = _scheduler_alive(queue.connection)
        stats.redis_ok = True
    except (RedisError, OSError) as exc:
        stats.error = f"{type(exc).__name__}: {exc}"[:300]
    return stats


def _scheduler_alive(conn: Any) -> bool:
    for key in conn.scan_iter(match=Scheduler.redis_scheduler_namespace_prefix + "*", count=100):
        if not conn.hexists(key, "death"):
            return True
    return False


def status_counts(session: Session | None = None, source: Source | None = None) -> dict[str, int]:
    """Comments per status (every status present, zero included), optionally of one source only."""
    if session is None:
        with session_scope() as own:
            return status_counts(own, source)
    stmt = select(Comment.status, func.count()).group_by(Comment.status)
    if source is not None:
        stmt = stmt.where(Comment.source == source)
    rows = session.execute(stmt).all()
    counts = {status.value: 0 for status in CommentStatus}
    counts.update({CommentStatus(status).value: n for status, n in rows})
    return counts


def review_count(session: Session | None = None) -> int:
    """Comments whose current automatic classification is below REVIEW_BELOW_CONFIDENCE ("revisar")."""
    if session is None:
        with session_scope() as own:
            return review_count(own)
    return int(
        session.scalar(
            select(func.count())
            .select_from(Classification)
            .where(
                Classification.is_current,
                Classification.origin != Origin.HUMANO,
                Classification.confidence < get_settings().review_below_confidence,
            )
        )
        or 0
    )


def llm_usage_by_day(session: Session, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """One row per day of the last `days` days (zeros included), in the configured time zone; the cost is
    an estimate (`estimated_cost_usd`)."""
    last = today or clock.today()
    first = last - timedelta(days=days - 1)
    start, end = clock.day_range(first, last)
    rows = session.execute(
        text("""
        WITH usage AS (
          SELECT (created_at AT TIME ZONE :tz)::date AS day,
                 count(*) AS calls,
                 count(*) FILTER (WHERE outcome <> :ok) AS failed_calls,
                 coalesce(sum(items), 0) AS items,
                 coalesce(sum(input_tokens), 0) AS input_tokens,
                 coalesce(sum(output_tokens), 0) AS output_tokens,
                 coalesce(avg(latency_ms), 0) AS mean_latency_ms
          FROM llm_calls
          WHERE created_at >= :start AND created_at < :end
          GROUP BY 1
        )
        SELECT d.day::date AS day, coalesce(u.calls, 0) AS calls, coalesce(u.failed_calls, 0) AS failed_calls,
               coalesce(u.items, 0) AS items, coalesce(u.input_tokens, 0) AS input_tokens,
               coalesce(u.output_tokens, 0) AS output_tokens, coalesce(u.mean_latency_ms, 0) AS mean_latency_ms
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
        LEFT JOIN usage u ON u.day = d.day::date
        ORDER BY d.day
    """),
        {"tz": clock.zone_name(), "start": start, "end": end, "first": first, "last": last, "ok": LlmOutcome.OK.value},
    ).mappings()
    return [
        {
            "dia": r["day"].isoformat(),
            "chamadas": int(r["calls"]),
            "chamadas_com_erro": int(r["failed_calls"]),
            "itens": int(r["items"]),
            "tokens_entrada": int(r["input_tokens"]),
            "tokens_saida": int(r["output_tokens"]),
            "latencia_media_ms": round(float(r["mean_latency_ms"]), 1),
            "custo_estimado_usd": estimated_cost_usd(int(r["input_tokens"]), int(r["output_tokens"])),
        }
        for r in rows
    ]
