"""Intake: store validated comments (one transaction, bulk) and only then enqueue their ids.

Used by the API (`POST /api/comentarios`), the dashboard CSV upload and the demo loader, so every
path into the system behaves the same: idempotent by id, nothing half-written, nothing lost.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.contracts import CommentIn
from shared.db import session_scope
from shared.queue import enqueue_classification
from shared.text import text_hash
from shared.vocabulary import IntakeStatus, Source

log = logging.getLogger(__name__)


@dataclass
class IntakeResult:
    items: list[tuple[UUID, IntakeStatus]] = field(default_factory=list)
    enqueued_jobs: int = 0
    queue_error: str | None = None  # set when Redis refused: rows stay `pendente`, the reconciler enqueues them

    def counts(self) -> Counter[IntakeStatus]:
        """How many items ended in each status (every status present)."""
        tally = Counter(dict.fromkeys(IntakeStatus, 0))
        tally.update(status for _, status in self.items)
        return tally

    @property
    def new_ids(self) -> list[UUID]:
        return [i for i, s in self.items if s is IntakeStatus.ENFILEIRADO]


# One statement for the whole batch: the rows travel as parallel arrays (one parameter per column), so the
# cost is one round trip and no per-row statement building. Repeated ids never reach it (first one wins).
_INSERT_BATCH = text("""
    INSERT INTO comments (id, text, text_hash, artist, album, song, written_at, source)
    SELECT t.id, t.text, t.text_hash, t.artist, t.album, t.song, t.written_at, CAST(:source AS comment_source)
    FROM unnest(CAST(:ids AS uuid[]), CAST(:texts AS text[]), CAST(:hashes AS varchar[]),
                CAST(:artists AS varchar[]), CAST(:albums AS varchar[]), CAST(:songs AS varchar[]),
                CAST(:written AS timestamptz[]))
         AS t(id, text, text_hash, artist, album, song, written_at)
    ON CONFLICT (id) DO NOTHING
    RETURNING id::text
""")
_STORED_HASHES = text("SELECT id::text, text_hash FROM comments WHERE id = ANY(CAST(:ids AS uuid[]))")


def store_comments(session: Session, items: Sequence[CommentIn], source: Source) -> list[tuple[UUID, IntakeStatus]]:
    """Insert new comments with one bulk statement; report each item as new, duplicate or conflict.

    Runs inside the caller's transaction. Repeated ids inside the same batch are judged against the
    first occurrence, exactly as if they had come in a later request.
    """
    keys = [str(item.id) for item in items]  # compared as text: cheaper than building UUIDs from the rows
    hashes = [text_hash(item.texto) for item in items]
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        first.setdefault(key, index)
    unique = [items[i] for i in first.values()]
    inserted: set[str] = set()
    if unique:
        params = {
            "source": Source(source).value,
            "ids": list(first),
            "texts": [item.texto for item in unique],
            "hashes": [hashes[i] for i in first.values()],
            "artists": [item.artista for item in unique],
            "albums": [item.album for item in unique],
            "songs": [item.musica for item in unique],
            "written": [item.data for item in unique],
        }
        inserted = set(session.execute(_INSERT_BATCH, params).scalars().all())
    existing = [key for key in first if key not in inserted]
    stored_hash: dict[str, str] = {}
    if existing:
        stored_hash = dict(session.execute(_STORED_HASHES, {"ids": existing}).all())
    for key in inserted:
        stored_hash[key] = hashes[first[key]]

    results: list[tuple[UUID, IntakeStatus]] = []
    new, duplicate, conflict = IntakeStatus.ENFILEIRADO, IntakeStatus.DUPLICADO, IntakeStatus.CONFLITO
    for index, (item, key) in enumerate(zip(items, keys, strict=True)):
        if key in inserted and first[key] == index:
            results.append((item.id, new))
        elif stored_hash.get(key) == hashes[index]:
            results.append((item.id, duplicate))
        else:
            results.append((item.id, conflict))
    return results


def ingest(
    items: Sequence[CommentIn],
    source: Source = Source.API,
    enqueue: Callable[[Sequence[UUID]], int] = enqueue_classification,
) -> IntakeResult:
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
        except (RedisError, OSError) as exc:  # the stored comments stay; the reconciler enqueues them
            result.queue_error = f"{type(exc).__name__}: {exc}"
            log.warning(
                "fila indisponível; %d comentário(s) ficam pendentes para o reconciliador: %s",
                len(new_ids),
                result.queue_error,
            )
    return result
