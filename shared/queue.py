"""Redis/RQ helpers shared by the API (enqueue), the worker (consume) and the dashboard (operations panel).

Jobs carry comment ids only (JSON serializer); the worker re-reads the rows from PostgreSQL.
Redis holds only work that can be rebuilt from PostgreSQL (the reconciler does that).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from uuid import UUID

from redis import Redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from shared.settings import get_settings

log = logging.getLogger(__name__)

# Job functions are referenced by dotted path, so the API never imports the worker package.
CLASSIFY_JOB = "worker.jobs.classify_comments"
# Growing intervals between attempts for transient errors (LLM 429/5xx/timeouts, database blips).
RETRY_INTERVALS = [10, 30, 120, 300]
# A classify job of 100 Gemini comments is 5 calls, each with bounded SDK retries; 15 min is a generous cap.
CLASSIFY_JOB_TIMEOUT_SECONDS = 900


def redis_connection(url: str | None = None) -> Redis:
    target = url or get_settings().redis_url
    if not target:
        raise RuntimeError("REDIS_URL não está definido. Rode `make run` ou defina REDIS_URL=redis://host:6379/0.")
    return Redis.from_url(target, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def get_queue(connection: Redis | None = None, name: str | None = None) -> Queue:
    return Queue(
        name or get_settings().queue_name, connection=connection or redis_connection(), serializer=JSONSerializer
    )


def chunked(ids: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def job_retry() -> Retry:
    attempts = max(get_settings().job_max_attempts - 1, 0)
    return Retry(max=attempts, interval=RETRY_INTERVALS[: max(attempts, 1)])


def enqueue_classification(
    comment_ids: Sequence[UUID | str], queue: Queue | None = None, chunk_size: int | None = None
) -> int:
    """Enqueue classify jobs for these ids, in chunks (so a big batch spreads over all workers).

    Uses one Redis pipeline for all chunks. Returns the number of jobs. Raises redis errors: callers
    that must not fail (the API after a commit) catch them; the reconciler re-enqueues later.
    """
    ids = [str(i) for i in comment_ids]
    if not ids:
        return 0
    queue = queue or get_queue()
    size = chunk_size or get_settings().classify_chunk_size
    retry = job_retry()
    jobs = [
        Queue.prepare_data(
            CLASSIFY_JOB,
            args=(chunk,),
            retry=retry,
            timeout=CLASSIFY_JOB_TIMEOUT_SECONDS,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            description=f"classificar {len(chunk)} comentário(s)",
        )
        for chunk in chunked(ids, size)
    ]
    with queue.connection.pipeline() as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()
    return len(jobs)
