"""Helpers that write comments and classifications straight into the test database (real PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import update

from shared.db import session_scope
from shared.models import Classification, ClassificationTag, Comment
from shared.text import text_hash
from shared.vocabulary import Category, CommentStatus, Origin, Source


def add_comment(
    texto: str = "Adorei o novo álbum",
    *,
    when: datetime | None = None,
    artista: str | None = None,
    album: str | None = None,
    status: CommentStatus = CommentStatus.PENDENTE,
    comment_id: uuid.UUID | None = None,
    last_error: str | None = None,
) -> uuid.UUID:
    comment_id = comment_id or uuid.uuid4()
    with session_scope() as session:
        session.add(
            Comment(
                id=comment_id,
                text=texto,
                text_hash=text_hash(texto),
                artist=artista,
                album=album,
                written_at=when,
                source=Source.API,
                status=status,
                last_error=last_error,
            )
        )
    return comment_id


def classify(
    comment_id: uuid.UUID,
    categoria: Category,
    confianca: float = 0.9,
    tags: dict[str, str] | None = None,
    *,
    artista: str | None = None,
    origin: Origin = Origin.LOCAL,
    model: str = "local-teste",
    created_at: datetime | None = None,
) -> int:
    """Add a classification and make it the current one (the previous current one stays in the history)."""
    with session_scope() as session:
        session.execute(
            update(Classification)
            .where(Classification.comment_id == comment_id, Classification.is_current)
            .values(is_current=False)
        )
        row = Classification(
            comment_id=comment_id,
            category=categoria,
            confidence=confianca,
            artist=artista,
            origin=origin,
            model=model,
            prompt_version="v1",
            is_current=True,
        )
        if created_at:
            row.created_at = created_at
        session.add(row)
        session.flush()
        for codigo, explicacao in (tags or {}).items():
            session.add(ClassificationTag(classification_id=row.id, code=codigo, explanation=explicacao))
        session.execute(update(Comment).where(Comment.id == comment_id).values(status=CommentStatus.CLASSIFICADO))
        return row.id


def classified(texto: str, categoria: Category, *, when: datetime, **kwargs) -> uuid.UUID:
    artista = kwargs.pop("artista", None)
    comment_id = add_comment(texto, when=when, artista=artista)
    classify(comment_id, categoria, **kwargs)
    return comment_id


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)


def as_json(value):
    """A payload (or a list of them) in the JSON shape the API sends."""
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value
