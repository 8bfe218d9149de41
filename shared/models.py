"""SQLAlchemy 2 models: the schema, with its rules (CHECKs, enums, unique and partial indexes).

Every change here needs an Alembic revision in shared/migrations/versions (tests run the migrations).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Computed, Date, DateTime, Enum, Float, ForeignKey, Index,
    Integer, String, Text, func, text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR, UUID as PG_UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.categories import Category
from shared.contracts import CommentStatus, Origin, Source


def _pg_enum(enum_cls: type, name: str) -> Enum:
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e], validate_strings=True)


CATEGORY_ENUM = _pg_enum(Category, "categoria")
STATUS_ENUM = _pg_enum(CommentStatus, "comment_status")
ORIGIN_ENUM = _pg_enum(Origin, "classification_origin")
SOURCE_ENUM = _pg_enum(Source, "comment_source")


class Base(DeclarativeBase):
    pass


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[uuid.UUID] = mapped_column(PG_UUID(as_uuid=True), primary_key=True)
    texto: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    artista: Mapped[str | None] = mapped_column(String(200))
    album: Mapped[str | None] = mapped_column(String(200))
    musica: Mapped[str | None] = mapped_column(String(200))
    written_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When the comment happened: written_at when the client gave it, else when we received it.
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), Computed("coalesce(written_at, received_at)", persisted=True)
    )
    source: Mapped[Source] = mapped_column(SOURCE_ENUM, server_default=Source.API.value)
    status: Mapped[CommentStatus] = mapped_column(STATUS_ENUM, server_default=CommentStatus.PENDENTE.value)
    status_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    search: Mapped[Any] = mapped_column(
        TSVECTOR, Computed("to_tsvector('portuguese', texto)", persisted=True), deferred=True
    )

    classifications: Mapped[list[Classification]] = relationship(
        back_populates="comment", order_by="Classification.created_at", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("length(texto) > 0", name="texto_not_empty"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        # Covering (migration 0002): the report reads the period's ids and artists from the index alone.
        Index("ix_comments_occurred_at", "occurred_at", postgresql_include=["id", "artista"]),
        Index("ix_comments_received_at", "received_at"),
        Index("ix_comments_status_changed", "status", "status_changed_at"),
        Index("ix_comments_artista", "artista"),
        Index("ix_comments_album", "album"),
        Index("ix_comments_text_hash", "text_hash"),
        Index("ix_comments_search", "search", postgresql_using="gin"),
    )


class Classification(Base):
    """Every classification ever made of a comment; exactly one per comment is current."""
    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(
        PG_UUID(as_uuid=True), ForeignKey("comments.id", ondelete="CASCADE")
    )
    categoria: Mapped[Category] = mapped_column(CATEGORY_ENUM)
    confianca: Mapped[float] = mapped_column(Float)
    artista: Mapped[str | None] = mapped_column(String(200))
    album: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[Origin] = mapped_column(ORIGIN_ENUM)
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    # Set when the result was reused from an identical text already classified (dedup): no LLM call.
    reused_from_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("classifications.id", ondelete="SET NULL")
    )
    llm_call_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("llm_calls.id", ondelete="SET NULL"))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    comment: Mapped[Comment] = relationship(back_populates="classifications")
    tags: Mapped[list[ClassificationTag]] = relationship(
        back_populates="classification", passive_deletes=True, order_by="ClassificationTag.codigo"
    )

    __table_args__ = (
        CheckConstraint("confianca >= 0 AND confianca <= 1", name="confianca_between_0_and_1"),
        Index("uq_classifications_one_current", "comment_id", unique=True,
              postgresql_include=["id", "categoria", "confianca", "artista"],  # covering (migration 0002)
              postgresql_where=text("is_current")),
        Index("ix_classifications_comment", "comment_id", "created_at"),
        Index("ix_classifications_current_categoria", "categoria", postgresql_where=text("is_current")),
        Index("ix_classifications_dedup", "model", "prompt_version", "origin"),
    )


class ClassificationTag(Base):
    __tablename__ = "classification_tags"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    classification_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("classifications.id", ondelete="CASCADE")
    )
    codigo: Mapped[str] = mapped_column(String(64))
    explicacao: Mapped[str] = mapped_column(Text)

    classification: Mapped[Classification] = relationship(back_populates="tags")

    __table_args__ = (
        CheckConstraint("codigo ~ '^[a-z0-9_]+$'", name="codigo_snake_case"),
        Index("uq_classification_tags_code", "classification_id", "codigo", unique=True),
        Index("ix_classification_tags_codigo", "codigo"),
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        Index("uq_users_email_lower", func.lower(email), unique=True),
        CheckConstraint("password_hash LIKE '$2%'", name="password_is_bcrypt"),
    )


class WeeklySummary(Base):
    __tablename__ = "weekly_summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iso_week: Mapped[str] = mapped_column(String(8), unique=True)  # e.g. 2026-W47
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    texto: Mapped[str] = mapped_column(Text)
    aggregates: Mapped[dict] = mapped_column(JSONB)
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[list] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))

    __table_args__ = (
        CheckConstraint("iso_week ~ '^[0-9]{4}-W[0-9]{2}$'", name="iso_week_format"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )


class LlmCall(Base):
    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    purpose: Mapped[str] = mapped_column(String(20))  # classify | summary | insight
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    items: Mapped[int] = mapped_column(Integer, server_default="1")
    input_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    latency_ms: Mapped[int] = mapped_column(Integer, server_default="0")
    outcome: Mapped[str] = mapped_column(String(20))  # ok | invalid | error
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'invalid', 'error')", name="outcome_known"),
        Index("ix_llm_calls_created_at", "created_at"),
    )
