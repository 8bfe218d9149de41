"""Fixed-window counters for every limit the system enforces: login attempts, questions per user, comments
ingested per user. In Redis (shared by every process); in this process's memory while Redis is down, so a
limit never silently disappears.

    quotas.spend("perguntas", user_email, "10 per minute")   # raises QuotaExceeded(retry_after)

A limit string is `limits`' notation, several separated by ";" ("10 per minute; 200 per day"); "" disables it.
In Redis, one script checks every window and counts the cost in all of them only when it fits in all: one
round trip per call, and a refused call counts nothing. A window starts at its first use and lasts its period.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from shared.queue import redis_connection
from shared.settings import get_settings

log = logging.getLogger(__name__)

PREFIX = "alumusic-cota"

# KEYS: one counter per window. ARGV: [1] cost, then (limit, seconds) per window.
# Returns 0 when counted, else the seconds until the fullest window resets.
_SPEND = """
local cost = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local used = tonumber(redis.call('GET', key) or '0')
  if used + cost > tonumber(ARGV[2 * i]) then
    local ms = redis.call('PTTL', key)
    local ttl = tonumber(ARGV[2 * i + 1])
    if ms >= 0 then ttl = math.max(math.ceil(ms / 1000), 1) end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCRBY', key, cost) == cost then redis.call('EXPIRE', key, ARGV[2 * i + 1]) end
end
return 0
"""


class QuotaExceeded(Exception):
    """A limit was reached; `retry_after` seconds until its window resets."""

    def __init__(self, retry_after: int, what: str):
        super().__init__(f"limite de {what} atingido; tente de novo em {retry_after} s")
        self.retry_after, self.what = retry_after, what


@functools.lru_cache(maxsize=64)
def _windows(limit: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit))


_memory = FixedWindowRateLimiter(MemoryStorage())
_scripts: dict[str, object] = {}
_lock = threading.Lock()


def _redis_spend(url: str, items: tuple[RateLimitItem, ...], kind: str, key: str, cost: int) -> int:
    with _lock:
        script = _scripts.get(url)
        if script is None:
            script = _scripts[url] = redis_connection(url).register_script(_SPEND)
    args: list[int] = [cost]
    for item in items:
        args += [item.amount, item.get_expiry()]
    return int(script(keys=[item.key_for(PREFIX, kind, key) for item in items], args=args))


def _memory_spend(items: tuple[RateLimitItem, ...], kind: str, key: str, cost: int) -> int:
    """The same rule in this process's memory (`limits`' fixed window), for while Redis is down."""
    wait = 0
    for item in items:
        if not _memory.test(item, PREFIX, kind, key, cost=cost):
            reset = _memory.get_window_stats(item, PREFIX, kind, key).reset_time
            wait = max(wait, int(reset - time.time()) + 1, 1)
    if not wait:
        for item in items:
            _memory.hit(item, PREFIX, kind, key, cost=cost)
    return wait


def spend(kind: str, key: str, limit: str, cost: int = 1, what: str | None = None) -> None:
    """Count `cost` units of `kind` for `key` against `limit`; `QuotaExceeded` when any window is full."""
    if not limit.strip() or cost <= 0:
        return
    items = _windows(limit)
    try:
        wait = _redis_spend(get_settings().redis_url, items, kind, key, cost)
    except (RedisError, OSError) as exc:
        log.warning("limite '%s' sem Redis (%s); contando na memória deste processo", kind, type(exc).__name__)
        wait = _memory_spend(items, kind, key, cost)
    if wait:
        raise QuotaExceeded(wait, what or kind)
