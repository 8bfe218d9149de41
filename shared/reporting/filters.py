"""The comment filters shared by `GET /api/comentarios`, the dashboard and the export, and the choices the
dashboard's filter widgets offer.

Categories, tags, confidence and "revisar" refer to each comment's CURRENT classification. Dates are calendar
days in the configured time zone, both inclusive.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import Select, and_, exists, func, or_, text
from sqlalchemy.orm import Session, aliased

from shared import clock
from shared.catalog import ALBUM_NAMES, ARTIST_NAMES
from shared.contracts import normalize_tag_code
from shared.models import Classification, ClassificationTag, Comment
from shared.settings import get_settings
from shared.validation import check_date, reject_nul
from shared.vocabulary import Category, CommentStatus, Origin

MAX_QUERY_CHARS = 200
OPTIONS_LIMIT = 300

# The current classification of each comment (outer-joined by the list, count and export queries).
current = aliased(Classification, name="atual")


class CommentFilter(BaseModel):
    """Filtros da busca de comentários (todos opcionais, combinados com E)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    categoria: Category | None = Field(default=None, description="Categoria da classificação atual.")
    tag: str | None = Field(
        default=None, max_length=64, description="Código de tag (normalizado: 'Autotune' vira 'feat_autotune')."
    )
    artista: str | None = Field(default=None, max_length=200, description="Artista (sem diferenciar maiúsculas).")
    album: str | None = Field(default=None, max_length=200, description="Álbum (sem diferenciar maiúsculas).")
    status: CommentStatus | None = Field(default=None, description="Situação do processamento.")
    q: str | None = Field(
        default=None, max_length=MAX_QUERY_CHARS, description="Busca textual em português (palavras do comentário)."
    )
    desde: date | None = Field(default=None, description="Primeiro dia (inclusive), AAAA-MM-DD.")
    ate: date | None = Field(default=None, description="Último dia (inclusive), AAAA-MM-DD.")
    confianca_min: float | None = Field(default=None, ge=0.0, le=1.0)
    confianca_max: float | None = Field(default=None, ge=0.0, le=1.0)
    revisar: bool | None = Field(
        default=None,
        description="true: só classificações automáticas com confiança abaixo de REVIEW_BELOW_CONFIDENCE.",
    )

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
    def _ranges(self) -> CommentFilter:
        if self.desde and self.ate and self.ate < self.desde:
            raise ValueError("'desde' deve ser anterior ou igual a 'ate'")
        if (
            self.confianca_min is not None
            and self.confianca_max is not None
            and self.confianca_max < self.confianca_min
        ):
            raise ValueError("'confianca_min' deve ser menor ou igual a 'confianca_max'")
        return self

    def needs_classification(self) -> bool:
        """Whether any condition reads the current classification (else the join can be skipped)."""
        return any(
            value is not None and value != ""
            for value in (
                self.categoria,
                self.tag,
                self.artista,
                self.album,
                self.confianca_min,
                self.confianca_max,
                self.revisar,
            )
        )


def needs_review():
    """SQL condition: an automatic current classification below the review threshold."""
    return and_(current.origin != Origin.HUMANO, current.confidence < get_settings().review_below_confidence)


def outer_join_current(stmt: Select) -> Select:
    return stmt.select_from(Comment).outerjoin(current, and_(current.comment_id == Comment.id, current.is_current))


def apply_filter(stmt: Select, filtro: CommentFilter) -> Select:
    conditions = []
    if filtro.categoria is not None:
        conditions.append(current.category == filtro.categoria)
    if filtro.tag:
        conditions.append(
            exists().where(ClassificationTag.classification_id == current.id, ClassificationTag.code == filtro.tag)
        )
    if filtro.artista:
        name = filtro.artista.lower()
        conditions.append(
            or_(func.lower(Comment.artist) == name, and_(Comment.artist.is_(None), func.lower(current.artist) == name))
        )
    if filtro.album:
        name = filtro.album.lower()
        conditions.append(
            or_(func.lower(Comment.album) == name, and_(Comment.album.is_(None), func.lower(current.album) == name))
        )
    if filtro.status is not None:
        conditions.append(Comment.status == filtro.status)
    if filtro.q:
        conditions.append(Comment.search.op("@@")(func.plainto_tsquery("portuguese", filtro.q)))
    if filtro.desde:
        conditions.append(Comment.occurred_at >= clock.local_midnight(filtro.desde))
    if filtro.ate:
        conditions.append(Comment.occurred_at < clock.local_midnight(filtro.ate + timedelta(days=1)))
    if filtro.confianca_min is not None:
        conditions.append(current.confidence >= filtro.confianca_min)
    if filtro.confianca_max is not None:
        conditions.append(current.confidence <= filtro.confianca_max)
    if filtro.revisar is not None:
        conditions.append(needs_review() if filtro.revisar else ~needs_review())
    return stmt.where(*conditions) if conditions else stmt


def _distinct(session: Session, table: str, column: str, limit: int) -> list[str]:
    """Distinct values of an indexed column by a "skip scan" (one index probe per value, not a full scan)."""
    sql = f"""
        WITH RECURSIVE v(value) AS (
          (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
          UNION ALL
          SELECT (SELECT {column} FROM {table} WHERE {column} > v.value ORDER BY {column} LIMIT 1)
          FROM v WHERE v.value IS NOT NULL
        )
        SELECT value FROM v WHERE value IS NOT NULL LIMIT :limit
    """  # noqa: S608 - table and column are this module's constants, never input
    return [r[0] for r in session.execute(text(sql), {"limit": limit})]


def filter_options(session: Session, limit: int = OPTIONS_LIMIT) -> dict[str, list[str]]:
    """Artists, albums and tag codes the filters offer, in alphabetical order.

    Artists and albums: those sent by clients plus the catalogue (the names the classifier recognises in
    texts). Tags: every code ever used. Each list comes from an index, so it stays fast on big tables.
    """
    artists = set(_distinct(session, "comments", "artist", limit)) | set(ARTIST_NAMES)
    albums = set(_distinct(session, "comments", "album", limit)) | set(ALBUM_NAMES)
    return {
        "artistas": sorted(artists, key=str.casefold)[:limit],
        "albuns": sorted(albums, key=str.casefold)[:limit],
        "tags": _distinct(session, "classification_tags", "code", limit),
    }
