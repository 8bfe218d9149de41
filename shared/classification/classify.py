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
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, text, update
from sqlalchemy.dialects.postgresql import insert

from shared.classification.base import ClassificationFailure, Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.claims import BatchReport, Claimed, Reuse, claim, current_state, find_reusable, is_done
from shared.classification.registry import current_classifier
from shared.classification.usage import record_usage
from shared.contracts import ClassificationResult
from shared.db import any_uuid, as_uuids, session_scope
from shared.models import Classification, ClassificationTag, Comment
from shared.settings import get_settings
from shared.vocabulary import Category, CommentStatus, LlmPurpose

log = logging.getLogger(__name__)

_comments = Comment.__table__
_classifications = Classification.__table__
_tags = ClassificationTag.__table__


class TransientClassificationError(RuntimeError):
    """Some comments of the batch hit a transient failure (429, 5xx, timeout); their rows stay `processando`
    with the reason in `last_error`. The job raises it after committing everything else, so RQ retries."""


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
        claimed = claim(session, ids, classifier, max_attempts, report)
        reusable = find_reusable(session, [c.text_hash for c in claimed], classifier)
    if not claimed:
        return report

    # One classifier call per distinct text; the others of the batch reuse the representative's result.
    representatives: dict[str, Claimed] = {}
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
    claimed: list[Claimed],
    reusable: dict[str, Reuse],
    representatives: dict[str, Claimed],
    outcome: ClassifierOutcome,
    classifier: Classifier,
    max_attempts: int,
    report: BatchReport,
) -> int:
    """Write everything of one batch in ONE transaction. Returns how many comments will be retried."""
    with session_scope() as session:
        # Lock again (waiting this time) and re-check: another job or a curator may have written meanwhile.
        state = {r.id: r for r in current_state(session, [c.id for c in claimed], skip_locked=False)}

        call_rows = [record_usage(session, LlmPurpose.CLASSIFY, usage).id for usage in outcome.calls]
        # The call whose answer each item's result came from (its `llm_calls` row).
        call_of_item = {item_id: call_rows[index] for item_id, index in outcome.answered_by.items()}

        originals: list[dict] = []  # one row per distinct text, from the classifier's answer
        first_of: dict[str, Claimed] = {}  # text hash -> the comment of this batch written as original
        results: dict[uuid.UUID, ClassificationResult] = {}
        followers: list[Claimed] = []  # same text as an original of this batch
        reused_rows: list[tuple[Claimed, Reuse]] = []
        failures: list[tuple[Claimed, ClassificationFailure]] = []

        for c in claimed:
            row = state.get(c.id)
            if row is None or is_done(row.origin, row.model, row.prompt_version, classifier):
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
            source = Reuse(
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


def _row(
    c: Claimed,
    classifier: Classifier,
    category: Category,
    confidence: float,
    artist: str | None,
    album: str | None,
    *,
    reused_from_id: int | None = None,
    llm_call_id: int | None = None,
    latency_ms: int | None = None,
) -> dict:
    """A new current classification of `c` (names the client sent win over the ones the classifier found)."""
    return {
        "comment_id": c.id,
        "category": category,
        "confidence": confidence,
        "artist": c.item.artist or artist,
        "album": c.item.album or album,
        "origin": classifier.origin,
        "model": classifier.model,
        "prompt_version": classifier.prompt_version,
        "is_current": True,
        "reused_from_id": reused_from_id,
        "llm_call_id": llm_call_id,
        "latency_ms": latency_ms,
        "created_by": None,
    }


def _classification_row(
    c: Claimed, result: ClassificationResult, classifier: Classifier, llm_call_id: int | None, latency_ms: int | None
) -> dict:
    return _row(
        c,
        classifier,
        result.categoria,
        result.confianca,
        result.artista,
        result.album,
        llm_call_id=llm_call_id,
        latency_ms=latency_ms,
    )


def _reused_row(c: Claimed, source: Reuse, classifier: Classifier) -> dict:
    return _row(
        c, classifier, source.category, source.confidence, source.artist, source.album, reused_from_id=source.source_id
    )
