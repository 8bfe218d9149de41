"""Test fixtures: real PostgreSQL and Redis, a fresh database per run, migrations (not create_all).

TEST_DATABASE_URL / TEST_REDIS_URL point at servers to use (CI sets them); when unset the suite starts
the embedded servers itself (`shared.dev.stack`). A missing service is never skipped: startup fails loudly.

Settings: the session's base configuration (its database, Redis, generated secrets, the local classifier) is
the environment of the run, which subprocesses (workers, the API server) inherit. A test that needs other values
asks `use_settings(field=value, ...)`: they become this process's settings (`shared.settings.configure`) and
`settings_env()` hands them to the subprocesses the test starts.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import text

from ingest_api import create_app
from shared import users
from shared.classification import budget
from shared.db import reset_engines, session_scope
from shared.dev.stack import dev_stack
from shared.migrate import upgrade
from shared.models import Base
from shared.queue import redis_connection
from shared.settings import configure, load_settings, reset_settings_cache

pytest_plugins = ["tests.fake_gemini", "tests.api_fixtures"]


@dataclass
class Services:
    admin_url: str  # server-level URL (to create/drop databases)
    database_url: str  # this run's own database, migrated to head
    redis_url: str


def _base_env(database_url: str, redis_url: str, tmp) -> dict[str, str]:
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
    postgres, redis = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    with dev_stack(tmp, postgres_url=postgres, redis_url=redis, persist=False) as stack:
        db_name = f"alumusic_test_{uuid.uuid4().hex[:10]}"
        database_url = stack.database(db_name)
        upgrade(database_url)
        saved = {k: os.environ.get(k) for k in (*_CLEARED, *_base_env("", "", tmp))}
        for key in _CLEARED:
            os.environ.pop(key, None)
        os.environ.update(_base_env(database_url, stack.redis_url, tmp))
        reset_settings_cache()
        reset_engines()
        try:
            yield Services(admin_url=stack.admin_url, database_url=database_url, redis_url=stack.redis_url)
        finally:
            reset_engines()
            stack.drop(db_name)
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture(autouse=True)
def clean_state(services: Services):
    """Every test starts with empty tables, an empty Redis database and the base settings."""
    yield
    reset_settings_cache()
    budget.forget()
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with session_scope() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    redis_connection().flushdb()


class SettingsOverride:
    """The settings a test asked for, on top of the session's base configuration."""

    active: SettingsOverride | None = None  # the current test's, for helpers that start subprocesses

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def __call__(self, **fields: object):
        self.values.update({name.lower(): value for name, value in fields.items()})
        settings = load_settings(**self.values)
        configure(settings)
        return settings

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a subprocess: the run's environment plus these settings (and `extra`)."""
        overrides = {name.upper(): "" if value is None else str(value) for name, value in self.values.items()}
        return {**os.environ, **overrides, **extra}


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a subprocess started by a test: the run's, the test's settings, and `extra`."""
    override = SettingsOverride.active or SettingsOverride()
    return override.env(PYTHONUNBUFFERED="1", **extra)


@pytest.fixture
def use_settings(services: Services):
    """`use_settings(max_batch_items=2)`: run the test with these settings (subprocesses get them too)."""
    SettingsOverride.active = override = SettingsOverride()
    yield override
    SettingsOverride.active = None


@pytest.fixture
def redis_conn(services: Services):
    return redis_connection()


@pytest.fixture
def app(services: Services):
    return create_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(services: Services):
    """Create a user straight in the database; returns (email, password)."""

    def _make(
        email: str = "curadoria@alumusic.com.br", name: str = "Curadoria", password: str = "senha-forte-123"
    ) -> tuple[str, str]:
        with session_scope() as session:
            users.create_user(session, email, name, password)
        return email, password

    return _make
