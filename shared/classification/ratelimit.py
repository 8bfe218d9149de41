"""Requests per minute to an outside service, for every process together: `RequestRate(rpm, burst).acquire()`.

A generic cell rate algorithm (GCRA): calls are spaced 60/rpm seconds apart on average, and up to `burst` may
start at once; in any minute at most about `rpm + burst` start. The schedule (one timestamp) lives in Redis,
updated by one Lua script per call with Redis's own clock, so every worker shares one budget. Without Redis (no
REDIS_URL, or Redis down) each process keeps its own schedule: still limited, per process.
"""

from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import RedisError

from shared.settings import Settings

log = logging.getLogger(__name__)

GEMINI_KEY = "alumusic:gemini:rpm"

# KEYS[1]: the theoretical arrival time (ms). ARGV: [1] interval ms, [2] burst tolerance ms. Returns the wait (ms).
_RESERVE = """
redis.replicate_commands()
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - tonumber(ARGV[2]) - now
if wait < 0 then wait = 0 end
local next_tat = tat + tonumber(ARGV[1])
redis.call('SET', KEYS[1], next_tat, 'PX', math.ceil(next_tat - now) + 1000)
return wait
"""


class RequestRate:
    """`acquire()` blocks until this call may start; no limit when `rpm` is 0."""

    def __init__(self, rpm: int, burst: int = 1, key: str = GEMINI_KEY, redis_url: str | None = None):
        self.rpm = max(0, rpm)
        self.interval_ms = 60_000 / self.rpm if self.rpm else 0.0
        self.tolerance_ms = self.interval_ms * max(0, burst - 1)
        self.key = key
        self.redis_url = redis_url
        self._script = None
        self._lock = threading.Lock()
        self._local_tat = 0.0  # the same schedule in this process's clock (ms), when Redis cannot be used
        self._warned = False

    @classmethod
    def for_gemini(cls, settings: Settings) -> RequestRate:
        return cls(settings.gemini_rpm, settings.gemini_concurrency, GEMINI_KEY, settings.redis_url)

    def acquire(self) -> float:
        """Wait for this call's turn; returns the seconds waited."""
        if not self.rpm:
            return 0.0
        wait_ms = self._reserve()
        if wait_ms > 0:
            time.sleep(wait_ms / 1000)
        return wait_ms / 1000

    def _reserve(self) -> float:
        if self.redis_url:
            try:
                return float(self._shared()(keys=[self.key], args=[self.interval_ms, self.tolerance_ms]))
            except (RedisError, OSError) as exc:
                if not self._warned:
                    log.warning("limite de chamadas por minuto só neste processo (Redis indisponível: %s)", exc)
                    self._warned = True
        return self._local()

    def _shared(self):
        if self._script is None:
            from shared.queue import redis_connection

            self._script = redis_connection(self.redis_url).register_script(_RESERVE)
        return self._script

    def _local(self) -> float:
        with self._lock:
            now = time.monotonic() * 1000
            tat = max(self._local_tat, now)
            self._local_tat = tat + self.interval_ms
            return max(0.0, tat - self.tolerance_ms - now)
