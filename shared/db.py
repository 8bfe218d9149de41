"""Database engine and sessions. Sessions are short: one `with session_scope() as s:` per unit of work."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg2.errors import QueryCanceled
from sqlalchemy import Engine, String, any_, bindparam, cast, create_engine, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Session, sessionmaker

from shared.settings import get_settings, to_sqlalchemy_url

log = logging.getLogger(__name__)
_lock = threading.Lock()
_factories: dict[str, sessionmaker[Session]] = {}
_autocommit: dict[str, Engine] = {}


def _factory(url: str | None) -> sessionmaker[Session]:
    target = to_sqlalchemy_url(url) if url else get_settings().sqlalchemy_url
    with _lock:
        factory = _factories.get(target)
        if factory is None:
            engine = create_engine(
                target,
                pool_pre_ping=True,
                pool_size=5,
                max_overflow=10,
                connect_args={"connect_timeout": 5, "application_name": "alumusic"},
            )
            factory = _factories[target] = sessionmaker(engine, expire_on_commit=False)
        return factory


def get_engine(url: str | None = None) -> Engine:
    return _factory(url).kw["bind"]


def autocommit_engine(url: str | None = None) -> Engine:
    """An engine for hot single-statement paths (the intake): each statement is its own transaction, so one
    statement costs one round trip (no BEGIN, no separate COMMIT), and connections are not pinged on checkout
    (a ping is one more round trip per request). Its own pool; a caller retries once on a connection found dead
    (`DBAPIError.connection_invalidated`), which is what the ping would have caught."""
    target = to_sqlalchemy_url(url) if url else get_settings().sqlalchemy_url
    engine = _autocommit.get(target)
    if engine is None:
        with _lock:
            engine = _autocommit.get(target)
            if engine is None:
                engine = _autocommit[target] = create_engine(
                    target,
                    isolation_level="AUTOCOMMIT",
                    pool_size=5,
                    max_overflow=10,
                    connect_args={"connect_timeout": 5, "application_name": "alumusic"},
                )
    return engine


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on error."""
    with _factory(url)() as session, session.begin():
        yield session


@contextmanager
def read_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction for a read query of the API or the dashboard, stopped after QUERY_TIMEOUT_MS."""
    with session_scope(url) as session:
        session.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": str(get_settings().query_timeout_ms)}
        )
        yield session


def is_query_timeout(exc: BaseException) -> bool:
    """Whether a database error is a statement stopped by its timeout."""
    return isinstance(getattr(exc, "orig", None), QueryCanceled)


def reset_engines() -> None:
    """Dispose every pool and forget engines (tests; after fork in pre-fork servers)."""
    with _lock:
        for factory in _factories.values():
            factory.kw["bind"].dispose()
        _factories.clear()
        for engine in _autocommit.values():
            engine.dispose()
        _autocommit.clear()


def as_uuids(values: Iterable[Any]) -> list[uuid.UUID]:
    """Distinct UUIDs from ids given as UUIDs or strings, in order; invalid ones are logged and skipped."""
    out: dict[uuid.UUID, None] = {}
    for value in values:
        try:
            out.setdefault(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)), None)
        except ValueError:
            log.warning("id inválido ignorado: %r", value)
    return list(out)


def any_uuid(column: Any, ids: Sequence[uuid.UUID | str]) -> Any:
    """`column = ANY(CAST(:ids AS uuid[]))`: one array parameter instead of an IN list of N parameters
    (one cached SQL string, less work per statement)."""
    array = bindparam(None, [str(i) for i in ids], type_=ARRAY(String))
    return column == any_(cast(array, ARRAY(PG_UUID(as_uuid=True))))
