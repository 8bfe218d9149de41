"""Intake: store validated comments (one transaction, bulk) and only then enqueue their ids.

Used by the API (`POST /api/comentarios`), the dashboard CSV upload and the demo loader, so every
path into the system behaves the same: idempotent by id, nothing half-written, nothing lost.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from shared.contracts import CommentIn, Source
from shared.db import session_scope
from shared.models import Comment
from shared.queue import enqueue_classification
from shared.text import text_hash

log = logging.getLogger(__name__)


class ItemStatus(StrEnum):
    ENFILEIRADO = "enfileirado"  # new comment, stored (and queued unless Redis was down)
    DUPLICADO = "duplicado"      # same id, same text: nothing new, no new job
    CONFLITO = "conflito"        # same id, different text: nothing changed


@dataclass
class IntakeResult:
    items: list[tuple[UUID, ItemStatus]] = field(default_factory=list)
    enqueued_jobs: int = 0
    queue_error: str | None = None  # set when Redis refused: rows stay `pendente`, the reconciler enqueues them

    def count(self, status: ItemStatus) -> int:
        return sum(1 for _, s in self.items if s is status)

    @property
    def new_ids(self) -> list[UUID]:
        return [i for i, s in self.items if s is ItemStatus.ENFILEIRADO]


def _row(item: CommentIn, source: Source) -> dict:
    return {
        "id": item.id, "texto": item.texto, "text_hash": text_hash(item.texto),
        "artista": item.artista, "album": item.album, "musica": item.musica,
        "written_at": item.data, "source": source,
    }


def store_comments(session: Session, items: Sequence[CommentIn], source: Source) -> list[tuple[UUID, ItemStatus]]:
    """Insert new comments with one bulk statement; report each item as new, duplicate or conflict.

    Runs inside the caller's transaction. Repeated ids inside the same batch are judged against the
    first occurrence, exactly as if they had come in a later request.
    """
    rows: dict[UUID, dict] = {}
    for item in items:
        rows.setdefault(item.id, _row(item, source))
    inserted: set[UUID] = set()
    if rows:
        stmt = insert(Comment).on_conflict_do_nothing(index_elements=[Comment.id]).returning(Comment.id)
        inserted = set(session.scalars(stmt, list(rows.values())).all())
    existing_ids = [i for i in rows if i not in inserted]
    stored_hash: dict[UUID, str] = {}
    if existing_ids:
        stored_hash = dict(session.execute(
            select(Comment.id, Comment.text_hash).where(Comment.id.in_(existing_ids))).tuples().all())
    for i in inserted:
        stored_hash[i] = rows[i]["text_hash"]

    results: list[tuple[UUID, ItemStatus]] = []
    first_seen: set[UUID] = set()
    for item in items:
        if item.id in inserted and item.id not in first_seen:
            first_seen.add(item.id)
            results.append((item.id, ItemStatus.ENFILEIRADO))
        elif stored_hash.get(item.id) == text_hash(item.texto):
            results.append((item.id, ItemStatus.DUPLICADO))
        else:
            results.append((item.id, ItemStatus.CONFLITO))
    return results


def ingest(items: Sequence[CommentIn], source: Source = Source.API,
           enqueue: Callable[[Sequence[UUID]], int] = enqueue_classification) -> IntakeResult:
    """Store then enqueue. The comments are committed in PostgreSQL before this returns.

    A database error propagates (nothing was written). A Redis error after the commit is recorded in
    `queue_error` and logged; the rows stay `pendente` and the reconciler enqueues them later.
    """
    with session_scope() as session:
        statuses = store_comments(session, items, source)
    result = IntakeResult(items=statuses)
    new_ids = result.new_ids
    if new_ids:
        try:
            result.enqueued_jobs = enqueue(new_ids)
        except Exception as exc:  # noqa: BLE001 - any queue failure must not lose the stored comments
            result.queue_error = f"{type(exc).__name__}: {exc}"
            log.warning("fila indisponível; %d comentário(s) ficam pendentes para o reconciliador: %s",
                        len(new_ids), result.queue_error)
    return result
