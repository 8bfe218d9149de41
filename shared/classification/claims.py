"""The read phase of a classify job: lock the rows it may work on, mark them `processando`, and find results
of identical texts already classified by the same model and prompt (dedup)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, case, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.orm import Session, aliased

from shared.classification.base import Classifier, ClassifierItem
from shared.db import any_uuid
from shared.models import Classification, ClassificationTag, Comment
from shared.vocabulary import Category, CommentStatus, Origin

_comments = Comment.__table__
_tags = ClassificationTag.__table__


@dataclass
class BatchReport:
    classified: int = 0  # new results from the classifier
    reused: int = 0  # copied from an identical text already classified by the same model and prompt
    skipped: int = 0  # already current, corrected by a human, failed before, missing or held by another job
    failed: int = 0  # marked `falhou` (or kept their previous classification) with the reason
    retrying: int = 0  # transient failure; the job raises so RQ runs it again

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Claimed:
    id: uuid.UUID
    item: ClassifierItem
    text_hash: str
    attempts: int  # including this one
    has_current: bool  # a previous classification exists (re-classification)


@dataclass
class Reuse:
    """A result copied from an existing classification (dedup). `artist`/`album` are kept only when the
    classifier found them in the text: names that came from the source comment's own fields are not copied."""

    source_id: int
    category: Category
    confidence: float
    artist: str | None
    album: str | None
    tags: list[tuple[str, str]] = field(default_factory=list)


def is_done(origin: Any, model: str | None, prompt_version: str | None, classifier: Classifier) -> bool:
    """True when the current classification must not be replaced by this classifier."""
    if origin is None:
        return False
    if Origin(origin) is Origin.HUMANO:
        return True  # human corrections are never overwritten
    return model == classifier.model and prompt_version == classifier.prompt_version


def current_state(session: Session, ids: Sequence[uuid.UUID], *, skip_locked: bool):
    cur = aliased(Classification)
    stmt = (
        select(
            Comment.id,
            Comment.text,
            Comment.text_hash,
            Comment.artist,
            Comment.album,
            Comment.song,
            Comment.status,
            Comment.attempts,
            cur.origin,
            cur.model,
            cur.prompt_version,
        )
        .outerjoin(cur, and_(cur.comment_id == Comment.id, cur.is_current))
        .where(any_uuid(Comment.id, ids))
        .order_by(Comment.id)  # one lock order for every job: no deadlocks between overlapping batches
        .with_for_update(of=Comment, skip_locked=skip_locked)
    )
    return session.execute(stmt).all()


def claim(
    session: Session, ids: Sequence[uuid.UUID], classifier: Classifier, max_attempts: int, report: BatchReport
) -> list[Claimed]:
    """Lock the rows this job may work on, mark them `processando` and count the attempt."""
    claimed: list[Claimed] = []
    exhausted: list[tuple[uuid.UUID, bool]] = []
    rows = current_state(session, ids, skip_locked=True)
    # Missing ids, or rows held right now by another job (it will finish them, or the reconciler will).
    report.skipped += len(ids) - len(rows)
    for row in rows:
        if row.status == CommentStatus.FALHOU or is_done(row.origin, row.model, row.prompt_version, classifier):
            report.skipped += 1
        elif row.attempts >= max_attempts:
            exhausted.append((row.id, row.origin is not None))  # e.g. a comment whose job keeps dying
        else:
            item = ClassifierItem(id=str(row.id), text=row.text, artist=row.artist, album=row.album, song=row.song)
            claimed.append(Claimed(row.id, item, row.text_hash, row.attempts + 1, row.origin is not None))
    if claimed:
        session.execute(
            update(_comments)
            .where(any_uuid(_comments.c.id, [c.id for c in claimed]))
            .values(status=CommentStatus.PROCESSANDO, attempts=_comments.c.attempts + 1, status_changed_at=func.now())
        )
    for has_current in (False, True):
        gave_up = [cid for cid, current in exhausted if current is has_current]
        if gave_up:
            report.failed += len(gave_up)
            session.execute(
                update(_comments)
                .where(any_uuid(_comments.c.id, gave_up))
                .values(
                    status=CommentStatus.CLASSIFICADO if has_current else CommentStatus.FALHOU,
                    status_changed_at=func.now(),
                    last_error=func.concat_ws(
                        " ", _comments.c.last_error, f"(desistência após {max_attempts} tentativas)"
                    ),
                )
            )
    return claimed


def find_reusable(session: Session, hashes: Sequence[str], classifier: Classifier) -> dict[str, Reuse]:
    """Current results of the same model and prompt version for these text hashes (one per hash)."""
    if not hashes:
        return {}
    cl = aliased(Classification)
    rows = session.execute(
        select(
            Comment.text_hash,
            func.coalesce(cl.reused_from_id, cl.id).label("source_id"),
            cl.id,
            cl.category,
            cl.confidence,
            case((Comment.artist.is_(None), cl.artist)).label("artist"),
            case((Comment.album.is_(None), cl.album)).label("album"),
        )
        .join(cl, and_(cl.comment_id == Comment.id, cl.is_current))
        .where(
            Comment.text_hash == any_(bindparam(None, sorted(set(hashes)), type_=ARRAY(String))),
            cl.model == classifier.model,
            cl.prompt_version == classifier.prompt_version,
            cl.origin == classifier.origin,
        )
        .ext(distinct_on(Comment.text_hash))
        .order_by(Comment.text_hash, cl.id)
    ).all()
    found = {r.text_hash: (r.id, Reuse(r.source_id, r.category, r.confidence, r.artist, r.album)) for r in rows}
    if found:
        by_cls = {cls_id: reuse for cls_id, reuse in found.values()}
        for cls_id, code, explanation in session.execute(
            select(_tags.c.classification_id, _tags.c.code, _tags.c.explanation)
            .where(_tags.c.classification_id.in_(list(by_cls)))
            .order_by(_tags.c.id)
        ):
            by_cls[cls_id].tags.append((code, explanation))
    return {h: reuse for h, (_, reuse) in found.items()}
