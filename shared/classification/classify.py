"""Classify a batch of comments: what every classify job does.

`classify_comments(ids)`: claim the rows (`processando`, one short transaction, SKIP LOCKED), reuse results of
identical texts (dedup), classify the rest outside any transaction, then write classifications, tags,
statuses and `llm_calls` in ONE transaction. Safe to run twice; never two current classifications; human
corrections are never overwritten. Transient failures raise `TransientClassificationError` after the write,
so the RQ `Retry` runs the job again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, case, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on, insert
from sqlalchemy.orm import Session, aliased

from shared.classification.base import ClassificationFailure, Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.registry import current_classifier
from shared.classification.usage import record_usage
from shared.contracts import ClassificationResult
from shared.db import any_uuid, as_uuids, session_scope
from shared.models import Classification, ClassificationTag, Comment
from shared.settings import get_settings
from shared.vocabulary import Category, CommentStatus, LlmPurpose, Origin

log = logging.getLogger(__name__)

_comments = Comment.__table__
_classifications = Classification.__table__
_tags = ClassificationTag.__table__


class TransientClassificationError(RuntimeError):
    """Some comments of the batch hit a transient failure (429, 5xx, timeout); their rows stay `processando`
    with the reason in `last_error`. The job raises it after committing everything else, so RQ retries."""


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
class _Claimed:
    id: uuid.UUID
    item: ClassifierItem
    text_hash: str
    attempts: int  # including this one
    has_current: bool  # a previous classification exists (re-classification)


@dataclass
class _Reuse:
    """A result copied from an existing classification (dedup). `artist`/`album` are kept only when the
    classifier found them in the text: names that came from the source comment's own fields are not copied."""

    source_id: int
    category: Category
    confidence: float
    artist: str | None
    album: str | None
    tags: list[tuple[str, str]] = field(default_factory=list)


def _is_done(origin: Any, model: str | None, prompt_version: str | None, classifier: Classifier) -> bool:
    """True when the current classification must not be replaced by this classifier."""
    if origin is None:
        return False
    if Origin(origin) is Origin.HUMANO:
        return True  # human corrections are never overwritten
    return model == classifier.model and prompt_version == classifier.prompt_version


def _current_state(session: Session, ids: Sequence[uuid.UUID], *, skip_locked: bool):
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


def _claim(
    session: Session, ids: Sequence[uuid.UUID], classifier: Classifier, max_attempts: int, report: BatchReport
) -> list[_Claimed]:
    """Lock the rows this job may work on, mark them `processando` and count the attempt."""
    claimed: list[_Claimed] = []
    exhausted: list[tuple[uuid.UUID, bool]] = []
    rows = _current_state(session, ids, skip_locked=True)
    # Missing ids, or rows held right now by another job (it will finish them, or the reconciler will).
    report.skipped += len(ids) - len(rows)
    for row in rows:
        if row.status == CommentStatus.FALHOU or _is_done(row.origin, row.model, row.prompt_version, classifier):
            report.skipped += 1
        elif row.attempts >= max_attempts:
            exhausted.append((row.id, row.origin is not None))  # e.g. a comment whose job keeps dying
        else:
            item = ClassifierItem(id=str(row.id), text=row.text, artist=row.artist, album=row.album, song=row.song)
            claimed.append(_Claimed(row.id, item, row.text_hash, row.attempts + 1, row.origin is not None))
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


def _find_reusable(session: Session, hashes: Sequence[str], classifier: Classifier) -> dict[str, _Reuse]:
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
    found = {r.text_hash: (r.id, _Reuse(r.source_id, r.category, r.confidence, r.artist, r.album)) for r in rows}
    if found:
        by_cls = {cls_id: reuse for cls_id, reuse in found.values()}
        for cls_id, code, explanation in session.execute(
            select(_tags.c.classification_id, _tags.c.code, _tags.c.explanation)
            .where(_tags.c.classification_id.in_(list(by_cls)))
            .order_by(_tags.c.id)
        ):
            by_cls[cls_id].tags.append((code, explanation))
    return {h: reuse for h, (_, reuse) in found.items()}


def _run_classifier(classifier: Classifier, items: list[ClassifierItem]) -> ClassifierOutcome:
    if not items:
        return ClassifierOutcome()
    try:
        outcome = classifier.classify(items)
    except Exception as exc:  # noqa: BLE001 - a crash of the classifier is a (retryable) failure of every item
        log.exception("classificador falhou no lote de %d comentário(s)", len(items))
        reason = f"erro no classificador: {type(exc).__name__}: {exc}"[:500]
        return ClassifierOutcome(results={i.id: ClassificationFailure(reason, transient=True) for i in items})
    for item in items:  # the interface promises every id; never lose one if a classifier forgets
        outcome.results.setdefault(item.id, ClassificationFailure("classificador não devolveu resultado", True))
    return outcome


def classify_comments(comment_ids: Iterable[Any], classifier: Classifier | None = None) -> BatchReport:
    """Classify these comments (see the module doc). Raises `TransientClassificationError` after the write
    when some comments hit a transient failure and have attempts left."""
    classifier = classifier or current_classifier()
    ids = as_uuids(comment_ids)
    report = BatchReport()
    if not ids:
        return report
    max_attempts = max(get_settings().job_max_attempts, 1)

    with session_scope() as session:
        # Losing this commit in a database crash only leaves the rows as they were (the reconciler covers
        # them), so it need not wait for the disk flush; the write transaction below is fully durable.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
        claimed = _claim(session, ids, classifier, max_attempts, report)
        reusable = _find_reusable(session, [c.text_hash for c in claimed], classifier)
    if not claimed:
        return report

    # One classifier call per distinct text; the others of the batch reuse the representative's result.
    representatives: dict[str, _Claimed] = {}
    for c in claimed:
        if c.text_hash not in reusable:
            representatives.setdefault(c.text_hash, c)
    outcome = _run_classifier(classifier, [c.item for c in representatives.values()])

    transient = _write(claimed, reusable, representatives, outcome, classifier, max_attempts, report)
    if transient:
        raise TransientClassificationError(
            f"{transient} comentário(s) com falha temporária; nova tentativa pelo RQ: "
            + "; ".join(
                sorted(
                    {r.reason for r in outcome.results.values() if isinstance(r, ClassificationFailure) and r.transient}
                )
            )[:500]
        )
    return report


def _write(
    claimed: list[_Claimed],
    reusable: dict[str, _Reuse],
    representatives: dict[str, _Claimed],
    outcome: ClassifierOutcome,
    classifier: Classifier,
    max_attempts: int,
    report: BatchReport,
) -> int:
    """Write everything of one batch in ONE transaction. Returns how many comments will be retried."""
    with session_scope() as session:
        # Lock again (waiting this time) and re-check: another job or a curator may have written meanwhile.
        state = {r.id: r for r in _current_state(session, [c.id for c in claimed], skip_locked=False)}

        call_rows = [record_usage(session, LlmPurpose.CLASSIFY, usage).id for usage in outcome.calls]
        # The call whose answer each item's result came from (its `llm_calls` row).
        call_of_item = {item_id: call_rows[index] for item_id, index in outcome.answered_by.items()}

        originals: list[dict] = []  # one row per distinct text, from the classifier's answer
        first_of: dict[str, _Claimed] = {}  # text hash -> the comment of this batch written as original
        results: dict[uuid.UUID, ClassificationResult] = {}
        followers: list[_Claimed] = []  # same text as an original of this batch
        reused_rows: list[tuple[_Claimed, _Reuse]] = []
        failures: list[tuple[_Claimed, ClassificationFailure]] = []

        for c in claimed:
            row = state.get(c.id)
            if row is None or _is_done(row.origin, row.model, row.prompt_version, classifier):
                report.skipped += 1
                continue
            if c.text_hash in reusable:
                reused_rows.append((c, reusable[c.text_hash]))
                continue
            asked = representatives[c.text_hash].item.id  # the item the classifier actually saw
            result = outcome.results[asked]
            if isinstance(result, ClassificationFailure):
                failures.append((c, result))
            elif c.text_hash in first_of:
                followers.append(c)
            else:
                first_of[c.text_hash] = c
                results[c.id] = result
                originals.append(
                    _classification_row(c, result, classifier, call_of_item.get(asked), outcome.latency_ms.get(asked))
                )

        written: list[uuid.UUID] = [r["comment_id"] for r in originals]
        written += [c.id for c in followers] + [c.id for c, _ in reused_rows]
        replaced = [cid for cid in written if state[cid].origin is not None]  # re-classification
        if replaced:
            session.execute(
                update(_classifications)
                .where(any_uuid(_classifications.c.comment_id, replaced), _classifications.c.is_current)
                .values(is_current=False)
            )
        new_id: dict[uuid.UUID, int] = {}
        if originals:
            stmt = insert(_classifications).returning(
                _classifications.c.id, _classifications.c.comment_id, sort_by_parameter_order=True
            )
            new_id.update({cid: i for i, cid in session.execute(stmt, originals)})

        tag_rows = [
            {"classification_id": new_id[cid], "code": t.codigo, "explanation": t.explicacao}
            for cid, result in results.items()
            for t in result.tags_funcionalidades
        ]
        copies: list[tuple[dict, list[tuple[str, str]]]] = []
        for c in followers:
            first = first_of[c.text_hash]
            result = results[first.id]
            source = _Reuse(
                new_id[first.id],
                result.categoria,
                result.confianca,
                None if first.item.artist else result.artista,
                None if first.item.album else result.album,
                [(t.codigo, t.explicacao) for t in result.tags_funcionalidades],
            )
            copies.append((_reused_row(c, source, classifier), source.tags))
        for c, source in reused_rows:
            copies.append((_reused_row(c, source, classifier), source.tags))
        if copies:
            stmt = insert(_classifications).returning(_classifications.c.id, sort_by_parameter_order=True)
            copy_ids = session.execute(stmt, [row for row, _ in copies]).scalars().all()
            tag_rows += [
                {"classification_id": cls_id, "code": code, "explanation": explanation}
                for cls_id, (_, tags) in zip(copy_ids, copies, strict=True)
                for code, explanation in tags
            ]
        if tag_rows:
            session.execute(insert(_tags), tag_rows)
        if written:
            session.execute(
                update(_comments)
                .where(any_uuid(_comments.c.id, written))
                .values(status=CommentStatus.CLASSIFICADO, last_error=None, status_changed_at=func.now())
            )
        report.classified += len(originals)
        report.reused += len(copies)

        transient = 0
        for c, failure in failures:
            final = not failure.transient or c.attempts >= max_attempts
            if not final:
                transient += 1
                status = CommentStatus.PROCESSANDO
            elif c.has_current:
                status = CommentStatus.CLASSIFICADO  # keeps its previous classification; the reason is recorded
            else:
                status = CommentStatus.FALHOU
            report.retrying += 0 if final else 1
            report.failed += 1 if final else 0
            session.execute(
                update(_comments)
                .where(_comments.c.id == c.id)
                .values(status=status, last_error=failure.reason[:1000], status_changed_at=func.now())
            )
    if failures:
        log.warning(
            "lote com %d falha(s) (%d para nova tentativa): %s", len(failures), transient, failures[0][1].reason
        )
    return transient


def _classification_row(
    c: _Claimed, result: ClassificationResult, classifier: Classifier, llm_call_id: int | None, latency_ms: int | None
) -> dict:
    return {
        "comment_id": c.id,
        "category": result.categoria,
        "confidence": result.confianca,
        "artist": c.item.artist or result.artista,
        "album": c.item.album or result.album,
        "origin": classifier.origin,
        "model": classifier.model,
        "prompt_version": classifier.prompt_version,
        "is_current": True,
        "reused_from_id": None,
        "llm_call_id": llm_call_id,
        "latency_ms": latency_ms,
        "created_by": None,
    }


def _reused_row(c: _Claimed, source: _Reuse, classifier: Classifier) -> dict:
    return {
        "comment_id": c.id,
        "category": source.category,
        "confidence": source.confidence,
        "artist": c.item.artist or source.artist,
        "album": c.item.album or source.album,
        "origin": classifier.origin,
        "model": classifier.model,
        "prompt_version": classifier.prompt_version,
        "is_current": True,
        "reused_from_id": source.source_id,
        "llm_call_id": None,
        "latency_ms": None,
        "created_by": None,
    }
