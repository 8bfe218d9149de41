"""Human corrections: a curator's label becomes the current classification (origin `humano`) and is never
overwritten by an automatic (re-)classification. The old results stay in the history."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert

from shared.contracts import ClassificationOut, Tag
from shared.db import as_uuids, session_scope
from shared.models import Classification, ClassificationTag, Comment
from shared.vocabulary import Category, CommentStatus, Origin, parse_category

log = logging.getLogger(__name__)

# A human correction is stored with these in place of a model and a prompt version.
HUMAN_MODEL = "humano"
HUMAN_PROMPT_VERSION = "manual"

_comments = Comment.__table__
_classifications = Classification.__table__
_tags = ClassificationTag.__table__


class CommentNotFound(LookupError):
    pass


def _parse_tags(tags: Iterable[Any]) -> list[Tag]:
    parsed: dict[str, Tag] = {}
    for tag in tags:
        if isinstance(tag, Tag):
            value = tag
        elif isinstance(tag, dict):
            value = Tag.model_validate(tag)
        else:
            value = Tag(codigo=str(tag), explicacao="marcado pela curadoria")
        parsed.setdefault(value.codigo, value)
    return list(parsed.values())


def save_human_correction(
    comment_id: Any, category: str | Category, user_email: str, tags: Iterable[Any] | None = None
) -> ClassificationOut:
    """Store a curator's label as the current classification (origin `humano`, `created_by` = the user).

    `tags`: None keeps the tags of the current classification; otherwise a list of `Tag`, dicts with
    `codigo`/`explicacao`, or plain codes. Raises `CommentNotFound` or `ValueError` (invalid category/tag).
    """
    category = category if isinstance(category, Category) else parse_category(str(category))
    [cid] = as_uuids([comment_id]) or [None]
    if cid is None:
        raise CommentNotFound(f"comentário {comment_id!r} não encontrado")
    new_tags = _parse_tags(tags) if tags is not None else None
    with session_scope() as session:
        comment = session.get(Comment, cid, with_for_update=True)
        if comment is None:
            raise CommentNotFound(f"comentário {comment_id} não encontrado")
        previous = session.scalar(
            select(Classification).where(Classification.comment_id == cid, Classification.is_current)
        )
        if new_tags is None:
            new_tags = [Tag(codigo=t.code, explicacao=t.explanation) for t in previous.tags] if previous else []
        session.execute(
            update(_classifications)
            .where(_classifications.c.comment_id == cid, _classifications.c.is_current)
            .values(is_current=False)
        )
        row = session.execute(
            insert(_classifications)
            .values(
                comment_id=cid,
                category=category,
                confidence=1.0,
                artist=comment.artist or (previous.artist if previous else None),
                album=comment.album or (previous.album if previous else None),
                origin=Origin.HUMANO,
                model=HUMAN_MODEL,
                prompt_version=HUMAN_PROMPT_VERSION,
                is_current=True,
                created_by=user_email,
            )
            .returning(
                _classifications.c.id,
                _classifications.c.created_at,
                _classifications.c.artist,
                _classifications.c.album,
            )
        ).one()
        if new_tags:
            session.execute(
                insert(_tags),
                [{"classification_id": row.id, "code": t.codigo, "explanation": t.explicacao} for t in new_tags],
            )
        session.execute(
            update(_comments)
            .where(_comments.c.id == cid)
            .values(status=CommentStatus.CLASSIFICADO, last_error=None, status_changed_at=func.now())
        )
    log.info("correção humana: comentário %s -> %s por %s", cid, category.value, user_email)
    return ClassificationOut(
        categoria=category,
        confianca=1.0,
        tags_funcionalidades=new_tags,
        artista=row.artist,
        album=row.album,
        modelo=HUMAN_MODEL,
        versao_prompt=HUMAN_PROMPT_VERSION,
        origem=Origin.HUMANO,
        criado_em=row.created_at,
        criado_por=user_email,
    )


def current_corrections() -> list[tuple[str, str]]:
    """(text, category value) of every comment whose current classification is a human correction, oldest
    correction first: the training data the curators made (`flask --app ingest_api treinar`)."""
    query = (
        select(Comment.text, Classification.category)
        .join(Classification, Classification.comment_id == Comment.id)
        .where(Classification.is_current, Classification.origin == Origin.HUMANO)
        .order_by(Classification.created_at, Classification.id)
    )
    with session_scope() as session:
        return [(text, Category(category).value) for text, category in session.execute(query)]
