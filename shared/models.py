"""SQLAlchemy 2 models: the schema, with its rules (CHECKs, enums, unique and partial indexes).

Every change here needs an Alembic revision in shared/migrations/versions (tests run the migrations).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from shared.vocabulary import Category, CommentStatus, LlmOutcome, LlmPurpose, Origin, Source


def _pg_enum(enum_cls: type, name: str) -> Enum:
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e], validate_strings=True)


CATEGORY_ENUM = _pg_enum(Category, "category")
STATUS_ENUM = _pg_enum(CommentStatus, "comment_status")
ORIGIN_ENUM = _pg_enum(Origin, "classification_origin")
SOURCE_ENUM = _pg_enum(Source, "comment_source")


def _values(enum_cls: type) -> str:
    """The enum's values as a SQL list, for CHECK constraints."""
    return ", ".join(f"'{member.value}'" for member in enum_cls)


class Base(DeclarativeBase):
    pass


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[uuid.UUID] = mapped_column(PG_UUID(as_uuid=True), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    artist: Mapped[str | None] = mapped_column(String(200))
    album: Mapped[str | None] = mapped_column(String(200))
    song: Mapped[str | None] = mapped_column(String(200))
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
        TSVECTOR, Computed("to_tsvector('portuguese', text)", persisted=True), deferred=True
    )

    classifications: Mapped[list[Classification]] = relationship(
        back_populates="comment", order_by="Classification.created_at", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        # Covering (migration 0002): the comment list reads the period's ids and artists from the index alone.
        Index("ix_comments_occurred_at", "occurred_at", postgresql_include=["id", "artist"]),
        Index("ix_comments_received_at", "received_at"),
        Index("ix_comments_status_changed", "status", "status_changed_at"),
        Index("ix_comments_artist", "artist"),
        Index("ix_comments_album", "album"),
        Index("ix_comments_text_hash", "text_hash"),
        Index("ix_comments_search", "search", postgresql_using="gin"),
    )


class Classification(Base):
    """Every classification ever made of a comment; exactly one per comment is current."""

    __tablename__ = "classifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    comment_id: Mapped[uuid.UUID] = mapped_column(PG_UUID(as_uuid=True), ForeignKey("comments.id", ondelete="CASCADE"))
    category: Mapped[Category] = mapped_column(CATEGORY_ENUM)
    confidence: Mapped[float] = mapped_column(Float)
    artist: Mapped[str | None] = mapped_column(String(200))
    album: Mapped[str | None] = mapped_column(String(200))
    origin: Mapped[Origin] = mapped_column(ORIGIN_ENUM)
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))
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
        back_populates="classification", passive_deletes=True, order_by="ClassificationTag.code"
    )

    __table_args__ = (
        CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence_between_0_and_1"),
        Index(
            "uq_classifications_one_current",
            "comment_id",
            unique=True,
            postgresql_include=["id", "category", "confidence", "artist"],  # covering (migration 0002)
            postgresql_where=sql("is_current"),
        ),
        Index("ix_classifications_comment", "comment_id", "created_at"),
        Index("ix_classifications_current_category", "category", postgresql_where=sql("is_current")),
        Index("ix_classifications_dedup", "model", "prompt_version", "origin"),
        # The "revisar" filter and count (migration 0006): automatic current classifications by confidence.
        Index(
            "ix_classifications_current_auto_confidence",
            "confidence",
            postgresql_include=["comment_id"],
            postgresql_where=sql("is_current AND origin <> 'humano'"),
        ),
    )


class ClassificationTag(Base):
    __tablename__ = "classification_tags"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    classification_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("classifications.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[str] = mapped_column(Text)

    classification: Mapped[Classification] = relationship(back_populates="tags")

    __table_args__ = (
        CheckConstraint("code ~ '^[a-z0-9_]+$'", name="code_snake_case"),
        Index("uq_classification_tags_code", "classification_id", "code", unique=True),
        Index("ix_classification_tags_code", "code"),
    )


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, server_default=sql("true"))
    # Bumped by every change that must end existing sessions and tokens (deactivation, new password, logout
    # everywhere); tokens and dashboard sessions carry the version they were issued with.
    token_version: Mapped[int] = mapped_column(Integer, server_default="0")
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
    text: Mapped[str] = mapped_column(Text)
    aggregates: Mapped[dict] = mapped_column(JSONB)
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recipients: Mapped[list] = mapped_column(JSONB, server_default=sql("'[]'::jsonb"))

    __table_args__ = (
        CheckConstraint("iso_week ~ '^[0-9]{4}-W[0-9]{2}$'", name="iso_week_format"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )


class LlmCall(Base):
    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    purpose: Mapped[str] = mapped_column(String(20))  # a LlmPurpose value
    model: Mapped[str] = mapped_column(String(100))
    prompt_version: Mapped[str] = mapped_column(String(20))
    items: Mapped[int] = mapped_column(Integer, server_default="1")
    input_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    output_tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    latency_ms: Mapped[int] = mapped_column(Integer, server_default="0")
    outcome: Mapped[str] = mapped_column(String(20))  # a LlmOutcome value
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"outcome IN ({_values(LlmOutcome)})", name="outcome_known"),
        CheckConstraint(f"purpose IN ({_values(LlmPurpose)})", name="purpose_known"),
        Index("ix_llm_calls_created_at", "created_at"),
    )


# --- rollups (migration 0005): hourly aggregates of the report, kept exact by triggers in the same transaction
# as every write to comments, classifications and classification_tags (see the migration for the rules).
# Hours are UTC hours (`rollup_hour(occurred_at)`); rows may hold zeros after changes and are only ever summed.


class RollupCommentsHourly(Base):
    """Comments of every status per hour; `shard` spreads concurrent inserts (always summed per hour)."""

    __tablename__ = "rollup_comments_hourly"

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    shard: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)


class RollupCategoriesHourly(Base):
    """Current classifications per hour and category, with their confidence (sum and 20-bucket histogram)."""

    __tablename__ = "rollup_categories_hourly"

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    category: Mapped[Category] = mapped_column(CATEGORY_ENUM, primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)
    confidence_sum: Mapped[Decimal] = mapped_column(Numeric)
    # Bucket i counts confidences in [i/20, (i+1)/20); 1.0 is in the last one.
    confidence_histogram: Mapped[list[int]] = mapped_column(ARRAY(Integer))


class RollupTagsHourly(Base):
    """Comments whose current classification cites the tag, per hour and category (and their confidence)."""

    __tablename__ = "rollup_tags_hourly"

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    category: Mapped[Category] = mapped_column(CATEGORY_ENUM, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)
    confidence_histogram: Mapped[list[int]] = mapped_column(ARRAY(Integer))  # as in rollup_categories_hourly


class RollupArtistsHourly(Base):
    """Current classifications per hour, category and artist: the client's (`client_sent`) else the
    classifier's."""

    __tablename__ = "rollup_artists_hourly"

    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    category: Mapped[Category] = mapped_column(CATEGORY_ENUM, primary_key=True)
    artist: Mapped[str] = mapped_column(String(200), primary_key=True)
    client_sent: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    comments: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    """CRÍTICA or SPAM volume far above its baseline in one window (migration 0007), stored once per window and
    series (category, artist or NULL for all comments); each notification is recorded when it went out."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category: Mapped[Category] = mapped_column(CATEGORY_ENUM)
    artist: Mapped[str | None] = mapped_column(String(200))
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    email_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    webhook_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("window_end > window_start", name="alerts_window_order"),
        CheckConstraint("count >= 0 AND baseline >= 0", name="alerts_counts_non_negative"),
        Index("uq_alerts_series_window", "category", func.coalesce(artist, ""), "window_start", unique=True),
        Index("ix_alerts_created_at", "created_at"),
    )
