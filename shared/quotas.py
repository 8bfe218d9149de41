"""Fixed-window counters for every limit the system enforces: login attempts, questions per user, comments
ingested per user. In Redis (shared by every process); in this process's memory while Redis is down, so a
limit never silently disappears.

    quotas.spend("perguntas", user_email, "10 per minute")   # raises QuotaExceeded(retry_after)

A limit string is `limits`' notation, several separated by ";" ("10 per minute; 200 per day"); "" disables it.
"""

from __future__ import annotations

import logging
import threading
import time

from limits import parse_many
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from shared.settings import get_settings

log = logging.getLogger(__name__)

PREFIX = "alumusic-cota"


class QuotaExceeded(Exception):
    """A limit was reached; `retry_after` seconds until its window resets."""

    def __init__(self, retry_after: int, what: str):
        super().__init__(f"limite de {what} atingido; tente de novo em {retry_after} s")
        self.retry_after, self.what = retry_after, what


_strategies: dict[str, FixedWindowRateLimiter] = {}
_lock = threading.Lock()


def _strategy(url: str | None) -> FixedWindowRateLimiter:
    key = url or "memory"
    with _lock:
        if key not in _strategies:
            storage = RedisStorage(url, socket_connect_timeout=1, socket_timeout=2) if url else MemoryStorage()
            _strategies[key] = FixedWindowRateLimiter(storage)
        return _strategies[key]


def _spend(strategy: FixedWindowRateLimiter, limit: str, kind: str, key: str, cost: int) -> int | None:
    """Seconds to wait when `cost` does not fit in every window (nothing is counted then), else None (counted)."""
    items = parse_many(limit)
    wait = None
    for item in items:
        if not strategy.test(item, PREFIX, kind, key, cost=cost):
            reset = strategy.get_window_stats(item, PREFIX, kind, key).reset_time
            wait = max(wait or 0, max(int(reset - time.time()) + 1, 1))
    if wait is None:
        for item in items:
            strategy.hit(item, PREFIX, kind, key, cost=cost)
    return wait


def spend(kind: str, key: str, limit: str, cost: int = 1, what: str | None = None) -> None:
    """Count `cost` units of `kind` for `key` against `limit`; `QuotaExceeded` when any window is full."""
    if not limit.strip() or cost <= 0:
        return
    url = get_settings().redis_url
    try:
        wait = _spend(_strategy(url), limit, kind, key, cost)
    except (RedisError, OSError) as exc:
        log.warning("limite '%s' sem Redis (%s); contando na memória deste processo", kind, type(exc).__name__)
        wait = _spend(_strategy(None), limit, kind, key, cost)
    if wait is not None:
        raise QuotaExceeded(wait, what or kind)
