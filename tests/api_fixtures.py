"""Fixtures for the API tests: a user with a valid access token, and helpers to read the queue and tables."""

from __future__ import annotations

import socket
import uuid

import pytest
from sqlalchemy import func, select

from shared.db import session_scope
from shared.models import Comment


@pytest.fixture
def user(make_user) -> tuple[str, str]:
    return make_user()


@pytest.fixture
def token(app, user) -> str:
    from flask_jwt_extended import create_access_token

    with app.app_context():
        return create_access_token(identity=user[0], additional_claims={"ver": 0})


@pytest.fixture
def auth(token) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def closed_port_url(scheme: str) -> str:
    """A URL on this machine where nothing listens (the port was just free)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    if scheme == "redis":
        return f"redis://127.0.0.1:{port}/0"
    return f"postgresql://postgres@127.0.0.1:{port}/alumusic"


def comment_count() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(Comment))


def new_item(texto: str = "Adorei o novo single", **extra) -> dict:
    return {"id": str(uuid.uuid4()), "texto": texto, **extra}


def queued_jobs(redis_conn) -> list:
    """The classify jobs waiting in the queue (real RQ, JSON serializer)."""
    from shared.queue import get_queue

    queue = get_queue(redis_conn)
    return [queue.fetch_job(job_id) for job_id in queue.job_ids]


def queued_ids(redis_conn) -> list[str]:
    """Every comment id handed to the workers: in classify jobs waiting in the queue, then in the dispatcher's
    list (small enqueues, `shared.dispatch`)."""
    from shared.dispatch import Dispatcher
    from shared.queue import CLASSIFY_JOB, get_queue

    queue = get_queue(redis_conn)
    ids = [i for job in queued_jobs(redis_conn) if job.func_name == CLASSIFY_JOB for i in job.args[0]]
    return ids + Dispatcher.of(queue).waiting_ids()
