"""Redis/RQ helpers shared by the API (enqueue), the worker (consume) and the dashboard (operations panel).

Jobs carry comment ids only (JSON serializer); the worker re-reads the rows from PostgreSQL.
Redis holds only work that can be rebuilt from PostgreSQL (the reconciler does that).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from datetime import timedelta
from uuid import UUID

from redis import Redis
from rq import Queue, Retry
from rq.serializers import JSONSerializer

from shared.dispatch import Dispatcher
from shared.settings import get_settings

log = logging.getLogger(__name__)

# Job functions are referenced by dotted path, so the API never imports the worker package.
CLASSIFY_JOB = "worker.jobs.classify_comments"
# Growing intervals between attempts for transient errors (LLM 429/5xx/timeouts, database blips).
RETRY_INTERVALS = [10, 30, 120, 300]
# A classify job of 100 Gemini comments is 5 calls, each with bounded SDK retries; 15 min is a generous cap.
CLASSIFY_JOB_TIMEOUT_SECONDS = 900


_clients: dict[tuple[int, str], Redis] = {}
_clients_lock = threading.Lock()
_reuse = False


def reuse_connections(enabled: bool = True) -> None:
    """From now on `redis_connection()` hands out one client (one connection pool) per process and URL instead of
    a new client per call. The API (`create_app`) and the workers turn it on: the token check in `shared.auth`
    asks for a client on every request, and a new one costs a TCP connect plus the client handshake (~2 ms).
    Other processes (the dashboard) keep a client per call."""
    global _reuse
    _reuse = enabled


def redis_connection(url: str | None = None) -> Redis:
    target = url or get_settings().redis_url
    if not target:
        raise RuntimeError("REDIS_URL não está definido. Rode `make run` ou defina REDIS_URL=redis://host:6379/0.")
    if not _reuse:
        return _new_client(target)
    key = (os.getpid(), target)
    client = _clients.get(key)
    if client is None:
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = _new_client(target)
    return client


def _new_client(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


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
    comment_ids: Sequence[UUID | str],
    queue: Queue | None = None,
    chunk_size: int | None = None,
    dispatch: bool | None = None,
) -> int:
    """Hand these ids to the workers: a few ids (at most DISPATCH_THRESHOLD, and no explicit `chunk_size`) go
    to the dispatcher (`shared.dispatch`: grouped with other small enqueues); more make their own classify jobs,
    in chunks (so a big batch spreads over all workers). `dispatch` forces one way or the other.

    One Redis round trip either way. Returns the number of jobs created. Raises redis errors: callers that must
    not fail (the API after a commit) catch them; the reconciler re-enqueues later.
    """
    ids = [str(i) for i in comment_ids]
    if not ids:
        return 0
    queue = queue or get_queue()
    settings = get_settings()
    if dispatch is None:
        dispatch = chunk_size is None and len(ids) <= settings.dispatch_threshold
    if dispatch:
        return Dispatcher.of(queue).push(ids)
    size = chunk_size or settings.classify_chunk_size
    jobs = [classify_job_data(chunk) for chunk in chunked(ids, size)]
    with queue.connection.pipeline(transaction=False) as pipe:
        queue.enqueue_many(jobs, pipeline=pipe)
        pipe.execute()
    return len(jobs)


def classify_job_data(ids: list[str]):
    return Queue.prepare_data(
        CLASSIFY_JOB,
        args=(ids,),
        retry=job_retry(),
        timeout=CLASSIFY_JOB_TIMEOUT_SECONDS,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"classificar {len(ids)} comentário(s)",
    )


def enqueue_retry(comment_ids: Sequence[str], queue: Queue | None = None) -> None:
    """A classify job for ids a drain job could not finish (transient failure, database down), after the first
    retry interval, with the usual retries. Raises redis errors (the reconciler covers the ids then)."""
    ids = list(comment_ids)
    (queue or get_queue()).enqueue_in(
        timedelta(seconds=RETRY_INTERVALS[0]),
        CLASSIFY_JOB,
        ids,
        retry=job_retry(),
        job_timeout=CLASSIFY_JOB_TIMEOUT_SECONDS,
        result_ttl=3600,
        failure_ttl=7 * 24 * 3600,
        description=f"classificar {len(ids)} comentário(s) (nova tentativa do despacho)",
    )
