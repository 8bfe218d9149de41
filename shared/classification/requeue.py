"""Putting comments back in the queue; PostgreSQL is the truth, Redis only holds work to do.

- `requeue_failed`: `falhou` comments (all, or some ids) back to `pendente` with a fresh attempt count.
- `reclassify`: the comments of a period classified by another model or prompt version.
- `reconcile`: comments stuck in `pendente`/`processando` (a Redis flush, a killed worker).
Each runs in chunks of REQUEUE_CHUNK rows, one transaction per chunk, enqueueing before the commit: a Redis
error leaves the chunk as it was.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import aliased

from shared import clock
from shared.classification.base import Classifier
from shared.classification.registry import current_classifier
from shared.db import as_uuids, session_scope
from shared.models import Classification, Comment
from shared.queue import enqueue_classification
from shared.settings import get_settings
from shared.vocabulary import CommentStatus, Origin

log = logging.getLogger(__name__)

REQUEUE_CHUNK = 10_000
_comments = Comment.__table__


def requeue_failed(ids: Iterable[Any] | None = None) -> int:
    """Put `falhou` comments (all, or these ids) back to `pendente` with a fresh attempt count; enqueue them."""
    wanted = as_uuids(ids) if ids is not None else None
    if wanted == []:
        return 0
    total = 0
    while True:
        with session_scope() as session:
            stmt = select(Comment.id).where(Comment.status == CommentStatus.FALHOU)
            if wanted is not None:
                stmt = stmt.where(Comment.id.in_(wanted))
            chunk = session.scalars(
                stmt.order_by(Comment.id).limit(REQUEUE_CHUNK).with_for_update(skip_locked=True)
            ).all()
            if not chunk:
                return total
            session.execute(
                update(_comments)
                .where(_comments.c.id.in_(chunk))
                .values(status=CommentStatus.PENDENTE, attempts=0, status_changed_at=func.now())
            )
            enqueue_classification(chunk, dispatch=False)
        total += len(chunk)
        log.info("re-enfileirados %d comentário(s) que tinham falhado", len(chunk))


def reclassify(first_day: date, last_day: date | None = None, classifier: Classifier | None = None) -> int:
    """Re-enqueue the comments of a period whose current classification came from another model or prompt
    version. Human corrections are never touched; the old results stay in the history."""
    classifier = classifier or current_classifier()
    start, end = clock.day_range(first_day, last_day)
    cur = aliased(Classification)
    total = 0
    last: uuid.UUID | None = None
    while True:
        with session_scope() as session:
            stmt = (
                select(Comment.id)
                .join(cur, and_(cur.comment_id == Comment.id, cur.is_current))
                .where(
                    Comment.occurred_at >= start,
                    cur.origin != Origin.HUMANO,
                    Comment.status == CommentStatus.CLASSIFICADO,
                    or_(cur.model != classifier.model, cur.prompt_version != classifier.prompt_version),
                )
            )
            if end is not None:
                stmt = stmt.where(Comment.occurred_at < end)
            if last is not None:
                stmt = stmt.where(Comment.id > last)
            chunk = session.scalars(
                stmt.order_by(Comment.id).limit(REQUEUE_CHUNK).with_for_update(of=Comment, skip_locked=True)
            ).all()
            if not chunk:
                break
            session.execute(update(_comments).where(_comments.c.id.in_(chunk)).values(attempts=0))
            enqueue_classification(chunk, dispatch=False)
        last = chunk[-1]
        total += len(chunk)
    log.info(
        "reclassificação: %d comentário(s) re-enfileirados para %s/%s",
        total,
        classifier.model,
        classifier.prompt_version,
    )
    return total


def reconcile(stuck_after_seconds: int | None = None) -> int:
    """Re-enqueue comments stuck in `pendente`/`processando` for longer than the threshold. They go back to
    `pendente` with a fresh `status_changed_at`, so each stuck comment is re-enqueued at most once per
    threshold period. Returns how many were re-enqueued."""
    threshold = get_settings().stuck_after_seconds if stuck_after_seconds is None else stuck_after_seconds
    with session_scope() as session:
        cutoff = session.scalar(select(func.now())) - timedelta(seconds=max(threshold, 0))
    total = 0
    while True:
        with session_scope() as session:
            chunk = session.scalars(
                select(Comment.id)
                .where(
                    Comment.status.in_([CommentStatus.PENDENTE, CommentStatus.PROCESSANDO]),
                    Comment.status_changed_at < cutoff,
                )
                .order_by(Comment.status_changed_at)
                .limit(REQUEUE_CHUNK)
                .with_for_update(skip_locked=True)
            ).all()
            if not chunk:
                break
            session.execute(
                update(_comments)
                .where(_comments.c.id.in_(chunk))
                .values(status=CommentStatus.PENDENTE, status_changed_at=func.now())
            )
            enqueue_classification(chunk, dispatch=False)
        total += len(chunk)
    if total:
        log.warning("reconciliador: %d comentário(s) parados foram re-enfileirados", total)
    return total
