"""Comment search and detail: one implementation for `GET /api/comentarios[/<id>]`, the dashboard and exports.

- `CommentFilter`: the filters (all optional, combined with AND).
- `list_comments(session, filtro, cursor, limit)`: one page, newest first, keyset pagination on
  (occurred_at, id) with an opaque cursor, so pages stay stable while comments keep arriving.
- `count_comments`, `iter_comments` (streams every match in batches, for exports), `get_comment`
  (status, current classification in the public shape and the full history with tags).
Categories, tags and confidence refer to each comment's CURRENT classification.
"""
from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Select, and_, exists, func, or_, select, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased, selectinload

from shared.categories import Category
from shared.contracts import ClassificationOut, CommentStatus, normalize_tag_code
from shared.models import Classification, ClassificationTag, Comment
from shared.reports import local_midnight
from shared.settings import get_settings
from shared.validation import check_date, reject_nul

DEFAULT_PAGE_SIZE = 50
EXPORT_BATCH = 1000
MAX_QUERY_CHARS = 200


class InvalidCursor(ValueError):
    """The cursor was not produced by `list_comments` (or was altered)."""


class CommentFilter(BaseModel):
    """Filters of the comment search. Dates are calendar days in settings.timezone, both inclusive."""
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    categoria: Category | None = Field(default=None, description="Categoria da classificação atual.")
    tag: str | None = Field(default=None, max_length=64,
                            description="Código de tag (normalizado: 'Autotune' vira 'feat_autotune').")
    artista: str | None = Field(default=None, max_length=200, description="Artista (sem diferenciar maiúsculas).")
    album: str | None = Field(default=None, max_length=200, description="Álbum (sem diferenciar maiúsculas).")
    status: CommentStatus | None = Field(default=None, description="Situação do processamento.")
    q: str | None = Field(default=None, max_length=MAX_QUERY_CHARS,
                          description="Busca textual em português (palavras do comentário).")
    desde: date | None = Field(default=None, description="Primeiro dia (inclusive), AAAA-MM-DD.")
    ate: date | None = Field(default=None, description="Último dia (inclusive), AAAA-MM-DD.")
    confianca_min: float | None = Field(default=None, ge=0.0, le=1.0)
    confianca_max: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("tag", mode="before")
    @classmethod
    def _normalize_tag(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip()
            return normalize_tag_code(value) if value else None
        return value

    @field_validator("artista", "album", "q", mode="after")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return reject_nul(value) or None

    @field_validator("desde", "ate", mode="after")
    @classmethod
    def _sane_date(cls, value: date | None) -> date | None:
        return check_date(value) if value is not None else None

    @model_validator(mode="after")
    def _ranges(self) -> "CommentFilter":
        if self.desde and self.ate and self.ate < self.desde:
            raise ValueError("'desde' deve ser anterior ou igual a 'ate'")
        if self.confianca_min is not None and self.confianca_max is not None \
                and self.confianca_max < self.confianca_min:
            raise ValueError("'confianca_min' deve ser menor ou igual a 'confianca_max'")
        return self


@dataclass
class CommentPage:
    items: list[dict[str, Any]] = field(default_factory=list)
    next_cursor: str | None = None  # None on the last page


# --- building blocks

_current = aliased(Classification, name="atual")


def _tag_codes():
    """Correlated subquery: the tag codes of the current classification, sorted (NULL when none)."""
    return (
        select(func.array_agg(aggregate_order_by(ClassificationTag.codigo, ClassificationTag.codigo)))
        .where(ClassificationTag.classification_id == _current.id)
        .scalar_subquery()
    )


def _apply_filter(stmt: Select, filtro: CommentFilter) -> Select:
    conditions = []
    if filtro.categoria is not None:
        conditions.append(_current.categoria == filtro.categoria)
    if filtro.tag:
        conditions.append(exists().where(ClassificationTag.classification_id == _current.id,
                                         ClassificationTag.codigo == filtro.tag))
    if filtro.artista:
        name = filtro.artista.lower()
        conditions.append(or_(func.lower(Comment.artista) == name,
                              and_(Comment.artista.is_(None), func.lower(_current.artista) == name)))
    if filtro.album:
        name = filtro.album.lower()
        conditions.append(or_(func.lower(Comment.album) == name,
                              and_(Comment.album.is_(None), func.lower(_current.album) == name)))
    if filtro.status is not None:
        conditions.append(Comment.status == filtro.status)
    if filtro.q:
        conditions.append(Comment.search.op("@@")(func.plainto_tsquery("portuguese", filtro.q)))
    if filtro.desde:
        conditions.append(Comment.occurred_at >= local_midnight(filtro.desde))
    if filtro.ate:
        conditions.append(Comment.occurred_at < local_midnight(filtro.ate + timedelta(days=1)))
    if filtro.confianca_min is not None:
        conditions.append(_current.confianca >= filtro.confianca_min)
    if filtro.confianca_max is not None:
        conditions.append(_current.confianca <= filtro.confianca_max)
    return stmt.where(*conditions) if conditions else stmt


def _from_comments(stmt: Select) -> Select:
    return stmt.select_from(Comment).outerjoin(
        _current, and_(_current.comment_id == Comment.id, _current.is_current))


def _list_statement(filtro: CommentFilter) -> Select:
    stmt = select(
        Comment.id, Comment.texto, Comment.artista, Comment.album, Comment.musica, Comment.written_at,
        Comment.received_at, Comment.occurred_at, Comment.source, Comment.status, Comment.attempts,
        Comment.last_error,
        _current.categoria, _current.confianca, _current.artista.label("artista_detectado"),
        _current.album.label("album_detectado"), _current.model, _current.prompt_version, _current.origin,
        _current.created_at.label("classificado_em"), _tag_codes().label("tags"),
    )
    return _apply_filter(_from_comments(stmt), filtro)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _item(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "texto": row.texto,
        "artista": row.artista or row.artista_detectado,
        "album": row.album or row.album_detectado,
        "musica": row.musica,
        "data": _iso(row.written_at),
        "recebido_em": _iso(row.received_at),
        "ocorrido_em": _iso(row.occurred_at),
        "origem_dado": row.source.value if row.source else None,
        "status": row.status.value,
        "tentativas": row.attempts,
        "erro": row.last_error if row.status is CommentStatus.FALHOU else None,
        "categoria": row.categoria.value if row.categoria else None,
        "confianca": row.confianca,
        "tags": list(row.tags or []),
        "modelo": row.model,
        "versao_prompt": row.prompt_version,
        "origem": row.origin.value if row.origin else None,
        "classificado_em": _iso(row.classificado_em),
    }


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

def list_comments(session: Session, filtro: CommentFilter | None = None, cursor: str | None = None,
                  limit: int = DEFAULT_PAGE_SIZE) -> CommentPage:
    """One page of matches, newest first. Raises `InvalidCursor` for a cursor it did not issue."""
    filtro = filtro or CommentFilter()
    limit = max(1, min(limit, get_settings().page_size_max))
    stmt = _list_statement(filtro)
    if cursor:
        when, comment_id = decode_cursor(cursor)
        stmt = stmt.where(tuple_(Comment.occurred_at, Comment.id) < tuple_(when, comment_id))
    stmt = stmt.order_by(Comment.occurred_at.desc(), Comment.id.desc()).limit(limit + 1)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].occurred_at, rows[-1].id) if more else None
    return CommentPage(items=[_item(r) for r in rows], next_cursor=next_cursor)


def _needs_classification(filtro: CommentFilter) -> bool:
    return any(value is not None and value != "" for value in (
        filtro.categoria, filtro.tag, filtro.artista, filtro.album, filtro.confianca_min, filtro.confianca_max))


def count_comments(session: Session, filtro: CommentFilter | None = None) -> int:
    filtro = filtro or CommentFilter()
    # At most one current classification per comment (unique partial index), so the outer join never changes
    # the count: skip it when no condition reads the classification (an index-only count of comments).
    base = select(func.count())
    base = _from_comments(base) if _needs_classification(filtro) else base.select_from(Comment)
    return int(session.scalar(_apply_filter(base, filtro)) or 0)


def iter_comments(session: Session, filtro: CommentFilter | None = None,
                  batch: int = EXPORT_BATCH) -> Iterator[dict[str, Any]]:
    """Every match, newest first, fetched `batch` rows at a time (keyset), for exports of any size."""
    filtro = filtro or CommentFilter()
    base = _list_statement(filtro).order_by(Comment.occurred_at.desc(), Comment.id.desc())
    last: tuple[datetime, uuid.UUID] | None = None
    while True:
        stmt = base if last is None else base.where(tuple_(Comment.occurred_at, Comment.id) < tuple_(*last))
        rows = session.execute(stmt.limit(batch)).all()
        for row in rows:
            yield _item(row)
        if len(rows) < batch:
            return
        last = (rows[-1].occurred_at, rows[-1].id)


def classification_dict(classification: Classification) -> dict[str, Any]:
    """A stored classification in the public shape (DESIGN.md), plus origin, timestamps and `atual`."""
    out = ClassificationOut(
        categoria=classification.categoria,
        confianca=classification.confianca,
        tags_funcionalidades=[{"codigo": t.codigo, "explicacao": t.explicacao} for t in classification.tags],
        artista=classification.artista,
        album=classification.album,
        modelo=classification.model,
        versao_prompt=classification.prompt_version,
        origem=classification.origin,
        criado_em=classification.created_at,
        criado_por=classification.created_by,
    ).model_dump(mode="json")
    out["atual"] = bool(classification.is_current)
    return out


def get_comment(session: Session, comment_id: uuid.UUID | str) -> dict[str, Any] | None:
    """The comment with its status, current classification (or None) and full history (oldest first)."""
    comment = session.get(Comment, uuid.UUID(str(comment_id)))
    if comment is None:
        return None
    history = session.scalars(
        select(Classification).where(Classification.comment_id == comment.id)
        .options(selectinload(Classification.tags))
        .order_by(Classification.created_at, Classification.id)
    ).all()
    current = next((c for c in history if c.is_current), None)
    return {
        "id": str(comment.id),
        "texto": comment.texto,
        "artista": comment.artista,
        "album": comment.album,
        "musica": comment.musica,
        "data": _iso(comment.written_at),
        "recebido_em": _iso(comment.received_at),
        "origem_dado": comment.source.value,
        "status": comment.status.value,
        "status_alterado_em": _iso(comment.status_changed_at),
        "tentativas": comment.attempts,
        "erro": comment.last_error if comment.status is CommentStatus.FALHOU else None,
        "classificacao": classification_dict(current) if current else None,
        "historico": [classification_dict(c) for c in history],
    }
