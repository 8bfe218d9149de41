"""Helpers shared by the pipeline, worker and summary tests: a small real classifier and data builders."""

from __future__ import annotations

import email
import email.policy
import uuid
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime

import psycopg2
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from shared.classification.base import ClassificationFailure, Classifier, ClassifierItem, ClassifierOutcome
from shared.contracts import ClassificationResult, CommentIn, Tag
from shared.db import session_scope
from shared.ingest.intake import store_comments
from shared.models import Classification, Comment
from shared.vocabulary import Origin, Source
from tests.fake_gemini import derive_category


class KeywordClassifier(Classifier):
    """A tiny deterministic classifier (a real implementation of the interface, for tests).

    `failures` maps a text fragment to the failure every comment containing it gets."""

    name = "palavras"
    origin = Origin.LOCAL

    def __init__(
        self,
        model: str = "palavras-1",
        prompt_version: str = "t1",
        failures: dict[str, ClassificationFailure] | None = None,
    ):
        self.model = model
        self.prompt_version = prompt_version
        self.failures = failures or {}
        self.batches: list[list[str]] = []  # the ids of every call

    @property
    def seen(self) -> list[str]:
        return [i for batch in self.batches for i in batch]

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        self.batches.append([i.id for i in items])
        results: dict = {}
        for item in items:
            failure = next((f for frag, f in self.failures.items() if frag in item.text), None)
            results[item.id] = failure or ClassificationResult(
                categoria=derive_category(item.text),
                confianca=0.8,
                tags_funcionalidades=[Tag(codigo="Feat Autotune", explicacao="autotune citado")]
                if "autotune" in item.text
                else [],
                # like the real classifiers: the input field, else a known artist named in the text
                artista=item.artist or ("Banda Aurora" if "aurora" in item.text.lower() else None),
            )
        self.during_classify(items)
        return ClassifierOutcome(results=results)

    def during_classify(self, items: Sequence[ClassifierItem]) -> None:
        """Hook for tests: something that happens elsewhere while the classifier works."""


class Inbox:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"


def start_smtp(port: int) -> tuple[Controller, Inbox]:
    """A real SMTP server in this process (aiosmtpd), listening on 127.0.0.1:port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


def smtp_env(port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": "none",
        "MAIL_TO": "diretoria@alumusic.com.br; curadoria@alumusic.com.br",
    }


def add_comments(
    texts: Sequence[str], artista: str | None = "Luna Ferraz", data: datetime | None = None, source: Source = Source.API
) -> list[uuid.UUID]:
    """Store comments (status `pendente`) without enqueueing them; returns their ids in order."""
    items = [CommentIn(id=uuid.uuid4(), texto=t, artista=artista, data=data) for t in texts]
    with session_scope() as session:
        store_comments(session, items, source)
    return [i.id for i in items]


def statuses(ids: Sequence[uuid.UUID] | None = None) -> dict[uuid.UUID, str]:
    with session_scope() as session:
        stmt = select(Comment.id, Comment.status)
        if ids is not None:
            stmt = stmt.where(Comment.id.in_(list(ids)))
        return {i: s.value for i, s in session.execute(stmt)}


def comment(cid: uuid.UUID) -> Comment:
    with session_scope() as session:
        return session.get(Comment, cid)


def current(cid: uuid.UUID) -> Classification | None:
    with session_scope() as session:
        row = session.scalar(select(Classification).where(Classification.comment_id == cid, Classification.is_current))
        if row is not None:
            _ = row.tags  # load while the session is open
        return row


def history(cid: uuid.UUID) -> list[Classification]:
    with session_scope() as session:
        return list(
            session.scalars(select(Classification).where(Classification.comment_id == cid).order_by(Classification.id))
        )


def max_current_per_comment() -> int:
    """The largest number of current classifications any comment has (must never exceed 1)."""
    with session_scope() as session:
        sub = (
            select(func.count().label("n"))
            .where(Classification.is_current)
            .group_by(Classification.comment_id)
            .subquery()
        )
        return session.scalar(select(func.coalesce(func.max(sub.c.n), 0)))


@contextmanager
def postgres_restarting(services):
    """What a PostgreSQL restart looks like to this run's processes, without touching the other databases of a
    shared server: every connection to the test database is cut and new ones are refused until the block ends."""
    from sqlalchemy.engine import make_url

    name = make_url(services.database_url).database
    admin = psycopg2.connect(make_url(services.admin_url).set(drivername="postgresql").render_as_string(False))
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        yield
    finally:
        with admin.cursor() as cur:
            cur.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.close()


def ingest_one_by_one(texts: Sequence[str]) -> list[uuid.UUID]:
    """Each comment in its own intake call, as a client posting one comment per request (the dispatcher's path)."""
    from shared.ingest.intake import ingest

    ids = []
    for text in texts:
        result = ingest([CommentIn(id=uuid.uuid4(), texto=text)], Source.API)
        assert result.queue_error is None, result.queue_error
        ids += result.new_ids
    return ids
