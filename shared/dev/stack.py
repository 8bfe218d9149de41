"""The development stack: the PostgreSQL and Redis servers that `make run`, `make test` and the benchmarks
use, given by URL or started embedded (`shared.dev.embedded`) when no URL is given.

    with dev_stack(data_dir, postgres_url=None, redis_url=None) as stack:
        database_url = stack.database("alumusic")   # created if missing
        ... stack.redis_url ...
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shared.db import reset_engines
from shared.dev import embedded
from shared.settings import reset_settings_cache


@dataclass
class DevStack:
    admin_url: str  # a server-level PostgreSQL URL (any database; used to create/drop databases)
    redis_url: str
    started: list[str] = field(default_factory=list)  # which servers this stack started ("PostgreSQL", "Redis")
    _stoppers: list[Callable[[], None]] = field(default_factory=list)

    def database(self, name: str) -> str:
        """The URL of database `name`, created when missing."""
        return embedded.ensure_database(self.admin_url, name)

    def drop(self, name: str) -> None:
        embedded.drop_database(self.admin_url, name)

    def stop(self) -> None:
        while self._stoppers:
            self._stoppers.pop()()


def start_stack(
    data_dir: Path, postgres_url: str | None = None, redis_url: str | None = None, persist: bool = True
) -> DevStack:
    """Servers for what is not given: PostgreSQL data in `data_dir/pgdata`, Redis in `data_dir/redis`
    (`persist` keeps Redis's append-only file)."""
    stack = DevStack(admin_url=postgres_url or "", redis_url=redis_url or "")
    try:
        if not postgres_url:
            pg = embedded.start_postgres(data_dir / "pgdata")
            stack._stoppers.append(pg.stop)
            stack.started.append("PostgreSQL")
            stack.admin_url = pg.url("postgres")
        if not redis_url:
            rd = embedded.start_redis(data_dir / "redis", persist=persist)
            stack._stoppers.append(rd.stop)
            stack.started.append("Redis")
            stack.redis_url = rd.url
    except BaseException:
        stack.stop()
        raise
    return stack


@contextmanager
def dev_stack(
    data_dir: Path, postgres_url: str | None = None, redis_url: str | None = None, persist: bool = True
) -> Iterator[DevStack]:
    stack = start_stack(data_dir, postgres_url, redis_url, persist)
    try:
        yield stack
    finally:
        stack.stop()


# The settings a scratch process (benchmark, evaluation) runs with, whatever .env or the shell say.
SCRATCH_SETTINGS = {
    "ALUMUSIC_IGNORE_ENV_FILES": "1",
    "ALUMUSIC_ENV": "development",
    "CLASSIFIER": "local",
    "DEMO_DATA": "false",
}


@contextmanager
def scratch_environment(**settings: str) -> Iterator[dict[str, str]]:
    """This process's settings point at a scratch setup: SCRATCH_SETTINGS, fresh secrets, no Gemini key, plus
    `settings`; cached settings and database engines are reset on the way in and out, and the environment is
    restored afterwards. Yields the environment (for the processes the caller starts)."""
    saved = dict(os.environ)
    try:
        for key in ("GEMINI_API_KEY", "GEMINI_BASE_URL"):
            os.environ.pop(key, None)
        os.environ.update(
            {
                **SCRATCH_SETTINGS,
                "JWT_SECRET_KEY": secrets.token_urlsafe(48),
                "COOKIE_KEY": secrets.token_urlsafe(48),
                **{key.upper(): str(value) for key, value in settings.items()},
            }
        )
        reset_settings_cache()
        reset_engines()
        yield dict(os.environ)
    finally:
        reset_engines()
        os.environ.clear()
        os.environ.update(saved)
        reset_settings_cache()
