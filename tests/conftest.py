"""Test fixtures: real PostgreSQL and Redis, a fresh database per run, migrations (not create_all).

TEST_DATABASE_URL / TEST_REDIS_URL point at servers to use (CI sets them); when unset the suite starts
the embedded servers itself. A missing service is never skipped: startup fails loudly.
"""
from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from shared import embedded
from shared.db import reset_engines, session_scope
from shared.migrate import upgrade
from shared.models import Base
from shared.settings import reset_settings_cache
from tests.fake_gemini import fake_gemini  # noqa: F401  (fixture: a real local HTTP fake of the Gemini API)


@dataclass
class Services:
    admin_url: str       # server-level URL (to create/drop databases)
    database_url: str    # this run's own database, migrated to head
    redis_url: str


def _base_env(database_url: str, redis_url: str, tmp: Path) -> dict[str, str]:
    return {
        "ALUMUSIC_IGNORE_ENV_FILES": "1",
        "ALUMUSIC_ENV": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET_KEY": secrets.token_urlsafe(48),
        "COOKIE_KEY": secrets.token_urlsafe(48),
        "CLASSIFIER": "local",
        "OUTBOX_DIR": str(tmp / "outbox"),
        "DEMO_DATA": "false",
    }


_CLEARED = ("GEMINI_API_KEY", "GEMINI_BASE_URL", "SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_TO")


@pytest.fixture(scope="session")
def services(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("services")
    stoppers = []
    admin_url = os.environ.get("TEST_DATABASE_URL")
    if not admin_url:
        pg = embedded.start_postgres(tmp / "pgdata")
        stoppers.append(pg.stop)
        admin_url = pg.url("postgres")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        rd = embedded.start_redis(tmp / "redis", persist=False)
        stoppers.append(rd.stop)
        redis_url = rd.url

    db_name = f"alumusic_test_{uuid.uuid4().hex[:10]}"
    database_url = embedded.ensure_database(admin_url, db_name)
    upgrade(database_url)

    saved = {k: os.environ.get(k) for k in (*_CLEARED, *_base_env("", "", tmp))}
    for key in _CLEARED:
        os.environ.pop(key, None)
    os.environ.update(_base_env(database_url, redis_url, tmp))
    reset_settings_cache()
    reset_engines()
    try:
        yield Services(admin_url=admin_url, database_url=database_url, redis_url=redis_url)
    finally:
        reset_engines()
        embedded.drop_database(admin_url, db_name)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        for stop in reversed(stoppers):
            stop()


@pytest.fixture(autouse=True)
def clean_state(services: Services):
    """Every test starts with empty tables and an empty Redis database."""
    from shared.queue import redis_connection

    yield
    reset_settings_cache()
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with session_scope() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    redis_connection().flushdb()


@pytest.fixture
def setenv(monkeypatch):
    """Set environment variables for one test and re-read the settings."""
    def _set(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        reset_settings_cache()

    return _set


@pytest.fixture
def redis_conn(services: Services):
    from shared.queue import redis_connection

    return redis_connection()


@pytest.fixture
def app(services: Services):
    from ingest_api import create_app

    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(services: Services):
    """Create a user straight in the database; returns (email, password)."""
    from shared import users

    def _make(email: str = "curadoria@alumusic.com.br", name: str = "Curadoria",
              password: str = "senha-forte-123") -> tuple[str, str]:
        with session_scope() as session:
            users.create_user(session, email, name, password)
        return email, password

    return _make
