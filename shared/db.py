"""Database engine and sessions. Sessions are short: one `with session_scope() as s:` per unit of work."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from shared.settings import get_settings, to_sqlalchemy_url

_lock = threading.Lock()
_factories: dict[str, sessionmaker[Session]] = {}


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


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on error."""
    with _factory(url)() as session, session.begin():
        yield session


def reset_engines() -> None:
    """Dispose every pool and forget engines (tests; after fork in pre-fork servers)."""
    with _lock:
        for factory in _factories.values():
            factory.kw["bind"].dispose()
        _factories.clear()
