"""Comment search and detail: one implementation for `GET /api/comentarios[/<id>]` and the dashboard.

- `list_comments(session, filtro, cursor, limit)`: one page, newest first, keyset pagination on
  (occurred_at, id) with an opaque cursor, so pages stay stable while comments keep arriving.
- `count_comments` (from the hourly rollups when they answer the filter exactly), `get_comment` (status,
  current classification in the public shape and the full history).
Categories, tags and confidence refer to each comment's CURRENT classification (see `filters`).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, selectinload

from shared import clock
from shared.models import Classification, ClassificationTag, Comment
from shared.reporting.filters import CommentFilter, apply_filter, current, needs_review, outer_join_current
from shared.reporting.payloads import ClassificacaoHistorico, ComentarioDetalhe, ComentarioResumo, PaginaComentarios
from shared.reporting.rollups import HISTOGRAM_BUCKETS, ceil_hour
from shared.settings import get_settings
from shared.vocabulary import CommentStatus

DEFAULT_PAGE_SIZE = 50


class InvalidCursor(ValueError):
    """The cursor was not produced by `list_comments` (or was altered)."""


def _tag_codes():
    """Correlated subquery: the tag codes of the current classification, sorted (NULL when none)."""
    return (
        select(func.array_agg(aggregate_order_by(ClassificationTag.code, ClassificationTag.code)))
        .where(ClassificationTag.classification_id == current.id)
        .scalar_subquery()
    )


def _list_statement(filtro: CommentFilter) -> Select:
    stmt = select(
        Comment.id,
        Comment.text,
        Comment.artist,
        Comment.album,
        Comment.song,
        Comment.written_at,
        Comment.received_at,
        Comment.occurred_at,
        Comment.source,
        Comment.status,
        Comment.attempts,
        Comment.last_error,
        current.category,
        current.confidence,
        current.artist.label("detected_artist"),
        current.album.label("detected_album"),
        current.model,
        current.prompt_version,
        current.origin,
        current.created_at.label("classified_at"),
        needs_review().label("review"),
        _tag_codes().label("tags"),
    )
    return apply_filter(outer_join_current(stmt), filtro)


def _comment_fields(row: Any) -> dict[str, Any]:
    """The fields every comment payload has, from a comments row (ORM object or result row)."""
    return {
        "id": str(row.id),
        "texto": row.text,
        "artista": row.artist,
        "album": row.album,
        "musica": row.song,
        "data": row.written_at,
        "recebido_em": row.received_at,
        "origem_dado": row.source,
        "status": row.status,
        "tentativas": row.attempts,
        "erro": row.last_error if row.status is CommentStatus.FALHOU else None,
    }


def _item(row: Any) -> ComentarioResumo:
    return ComentarioResumo(
        **_comment_fields(row)
        | {"artista": row.artist or row.detected_artist, "album": row.album or row.detected_album},
        ocorrido_em=row.occurred_at,
        categoria=row.category,
        confianca=row.confidence,
        revisar=bool(row.review),
        tags=list(row.tags or []),
        modelo=row.model,
        versao_prompt=row.prompt_version,
        origem=row.origin,
        classificado_em=row.classified_at,
    )


# --- cursor (opaque to clients: base64url of JSON [occurred_at, id])


def encode_cursor(occurred_at: datetime, comment_id: uuid.UUID | str) -> str:
    raw = json.dumps([occurred_at.isoformat(), str(comment_id)], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, comment_id = json.loads(raw)
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise ValueError("sem fuso")
        return when, uuid.UUID(comment_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor("cursor inválido; use o valor de 'proximo_cursor' da página anterior") from None


# --- public functions


def list_comments(
    session: Session, filtro: CommentFilter | None = None, cursor: str | None = None, limit: int = DEFAULT_PAGE_SIZE
) -> PaginaComentarios:
    """One page of matches, newest first. Raises `InvalidCursor` for a cursor it did not issue."""
    filtro = filtro or CommentFilter()
    limit = max(1, min(limit, get_settings().page_size_max))
    stmt = _list_statement(filtro)
    if cursor:
        when, comment_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(Comment.occurred_at, Comment.id) < tuple_(when, comment_id))
    rows = session.execute(stmt.order_by(Comment.occurred_at.desc(), Comment.id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].occurred_at, rows[-1].id) if more else None
    return PaginaComentarios(itens=[_item(r) for r in rows], proximo_cursor=next_cursor, limite=limit)


def _bucket_boundary(value: float | None) -> int | None:
    """The histogram bucket that starts exactly at `value` (0.05 steps, like the dashboard's slider), else None."""
    if value is None:
        return None
    scaled = value * HISTOGRAM_BUCKETS
    return round(scaled) if abs(scaled - round(scaled)) < 1e-9 else None


def _rollup_count(session: Session, filtro: CommentFilter) -> int | None:
    """The count from the hourly rollups (`shared.reporting.rollups`) when they answer it exactly, else None.

    They do for a period (local days on whole UTC hours) combined with nothing, a category, a tag (with or
    without a category), an artist with a category (the category makes the classification required, so
    comments still unclassified cannot match the artist alone), and a minimum confidence on a 0.05 step with
    any of those but the artist (whole buckets of the confidence histogram)."""
    if any(
        value is not None for value in (filtro.status, filtro.q, filtro.album, filtro.confianca_max, filtro.revisar)
    ):
        return None
    min_bucket = _bucket_boundary(filtro.confianca_min)
    if filtro.confianca_min is not None and (min_bucket is None or filtro.artista):
        return None
    if filtro.artista and (filtro.tag or filtro.categoria is None):
        return None
    start = clock.local_midnight(filtro.desde) if filtro.desde else None
    end = clock.local_midnight(filtro.ate + timedelta(days=1)) if filtro.ate else None
    if any(bound is not None and ceil_hour(bound) != bound for bound in (start, end)):
        return None  # a zone with a fractional offset: days do not fall on the hour buckets
    conditions = ["TRUE"]
    params: dict[str, Any] = {"start": start, "end": end}
    if start is not None:
        conditions.append("hour >= :start")
    if end is not None:
        conditions.append("hour < :end")
    if filtro.categoria is not None:
        conditions.append("category = CAST(:category AS category)")
        params["category"] = filtro.categoria.value
    if filtro.tag:
        table = "rollup_tags_hourly"
        conditions.append("code = :tag")
        params["tag"] = filtro.tag
    elif filtro.artista:
        table = "rollup_artists_hourly"
        conditions.append("lower(artist) = :artist")
        params["artist"] = filtro.artista.lower()
    elif filtro.categoria is not None or min_bucket is not None:
        table = "rollup_categories_hourly"
    else:
        table = "rollup_comments_hourly"
    counted = "comments"
    if min_bucket is not None:  # the buckets from the minimum up (bucket i holds [i/20, (i+1)/20))
        counted = " + ".join(f"confidence_histogram[{i + 1}]" for i in range(min_bucket, HISTOGRAM_BUCKETS)) or "0"
    sql = f"SELECT coalesce(sum({counted}), 0) FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608
    return int(session.scalar(text(sql), params) or 0)


def count_comments(session: Session, filtro: CommentFilter | None = None, use_rollups: bool = True) -> int:
    """Comments matching the filter (`use_rollups=False`: always from the comments table)."""
    filtro = filtro or CommentFilter()
    from_rollups = _rollup_count(session, filtro) if use_rollups else None
    if from_rollups is not None:
        return from_rollups
    # At most one current classification per comment (unique partial index), so the outer join never changes
    # the count: skip it when no condition reads the classification (an index-only count of comments).
    base = select(func.count())
    base = outer_join_current(base) if filtro.needs_classification() else base.select_from(Comment)
    return int(session.scalar(apply_filter(base, filtro)) or 0)


def classification_payload(classification: Classification) -> ClassificacaoHistorico:
    """A stored classification in the public shape, plus origin, timestamps and `atual`."""
    return ClassificacaoHistorico(
        categoria=classification.category,
        confianca=classification.confidence,
        tags_funcionalidades=[{"codigo": t.code, "explicacao": t.explanation} for t in classification.tags],
        artista=classification.artist,
        album=classification.album,
        modelo=classification.model,
        versao_prompt=classification.prompt_version,
        origem=classification.origin,
        criado_em=classification.created_at,
        criado_por=classification.created_by,
        atual=bool(classification.is_current),
    )


def get_comment(session: Session, comment_id: uuid.UUID | str) -> ComentarioDetalhe | None:
    """The comment with its status, current classification (or None) and full history (oldest first)."""
    comment = session.get(Comment, uuid.UUID(str(comment_id)))
    if comment is None:
        return None
    history = session.scalars(
        select(Classification)
        .where(Classification.comment_id == comment.id)
        .options(selectinload(Classification.tags))
        .order_by(Classification.created_at, Classification.id)
    ).all()
    current_row = next((c for c in history if c.is_current), None)
    return ComentarioDetalhe(
        **_comment_fields(comment),
        status_alterado_em=comment.status_changed_at,
        classificacao=classification_payload(current_row) if current_row else None,
        historico=[classification_payload(c) for c in history],
    )
