"""The classification pipeline: what the worker jobs, the CLI and the dashboard do with comments.

- `classify_comments(ids)`: claim the rows (`processando`, one short transaction, SKIP LOCKED), reuse
  results of identical texts (dedup), classify the rest outside any transaction, then write classifications,
  tags, statuses and `llm_calls` in ONE transaction. Safe to run twice; never two current classifications.
  Transient failures raise `TransientClassificationError` after the write, so the RQ `Retry` runs it again.
- `requeue_failed`, `reclassify`, `reconcile`: put comments back in the queue (PostgreSQL is the truth).
- `save_human_correction`: a curator's label becomes the current classification (never overwritten later).
- `queue_stats`, `status_counts`: the operations panel and /health.
"""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import String, and_, any_, bindparam, case, cast, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID as PG_UUID
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import Session, aliased

from shared.categories import Category, parse_category
from shared.classifiers.base import (
    ClassificationFailure, Classifier, ClassifierItem, ClassifierOutcome, get_classifier,
)
from shared.contracts import ClassificationOut, ClassificationResult, CommentStatus, Origin, Tag
from shared.db import session_scope
from shared.models import Classification, ClassificationTag, Comment
from shared.queue import enqueue_classification, get_queue
from shared.reports import local_midnight
from shared.settings import Settings, get_settings

log = logging.getLogger(__name__)

# A human correction is stored with these in place of a model and a prompt version.
HUMAN_MODEL = "humano"
HUMAN_PROMPT_VERSION = "manual"
LLM_PURPOSE = "classify"
# Rows handled per transaction by the reconciler and the re-classification command.
REQUEUE_CHUNK = 10_000

_comments = Comment.__table__
_classifications = Classification.__table__
_tags = ClassificationTag.__table__


def _any_id(column, ids: Sequence[uuid.UUID]):
    """`column = ANY(CAST(:ids AS uuid[]))`: one array parameter instead of an IN list of N parameters
    (one cached SQL string, less work per statement)."""
    array = bindparam(None, [str(i) for i in ids], type_=ARRAY(String))
    return column == any_(cast(array, ARRAY(PG_UUID(as_uuid=True))))


class TransientClassificationError(RuntimeError):
    """Some comments of the batch hit a transient failure (429, 5xx, timeout); their rows stay `processando`
    with the reason in `last_error`. The job raises it after committing everything else, so RQ retries."""


class CommentNotFound(LookupError):
    pass


# --- the classifier of this process

_classifier_cache: tuple[Settings, Classifier] | None = None


def current_classifier() -> Classifier:
    """The configured classifier, built once per settings object (the local model loads once per process)."""
    global _classifier_cache
    settings = get_settings()
    if _classifier_cache is None or _classifier_cache[0] is not settings:
        _classifier_cache = (settings, get_classifier(settings.classifier_name))
    return _classifier_cache[1]


# --- classify

@dataclass
class BatchReport:
    classified: int = 0  # new results from the classifier
    reused: int = 0      # copied from an identical text already classified by the same model and prompt
    skipped: int = 0     # already current, corrected by a human, failed before, missing or held by another job
    failed: int = 0      # marked `falhou` (or kept their previous classification) with the reason
    retrying: int = 0    # transient failure; the job raises so RQ runs it again

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class _Claimed:
    id: uuid.UUID
    item: ClassifierItem
    text_hash: str
    attempts: int          # including this one
    has_current: bool      # a previous classification exists (re-classification)


@dataclass
class _Reuse:
    """A result copied from an existing classification (dedup). `artista`/`album` are kept only when the
    classifier found them in the text: names that came from the source comment's own fields are not copied."""
    source_id: int
    categoria: Category
    confianca: float
    artista: str | None
    album: str | None
    tags: list[tuple[str, str]] = field(default_factory=list)


def _as_uuids(values: Iterable[Any]) -> list[uuid.UUID]:
    out: dict[uuid.UUID, None] = {}
    for value in values:
        try:
            out.setdefault(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)), None)
        except ValueError:
            log.warning("id de comentário inválido ignorado: %r", value)
    return list(out)


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
        select(Comment.id, Comment.texto, Comment.text_hash, Comment.artista, Comment.album, Comment.musica,
               Comment.status, Comment.attempts, cur.origin, cur.model, cur.prompt_version)
        .outerjoin(cur, and_(cur.comment_id == Comment.id, cur.is_current))
        .where(_any_id(Comment.id, ids))
        .order_by(Comment.id)  # one lock order for every job: no deadlocks between overlapping batches
        .with_for_update(of=Comment, skip_locked=skip_locked)
    )
    return session.execute(stmt).all()


def _claim(session: Session, ids: Sequence[uuid.UUID], classifier: Classifier, max_attempts: int,
           report: BatchReport) -> list[_Claimed]:
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
            item = ClassifierItem(id=str(row.id), texto=row.texto, artista=row.artista, album=row.album,
                                  musica=row.musica)
            claimed.append(_Claimed(row.id, item, row.text_hash, row.attempts + 1, row.origin is not None))
    if claimed:
        session.execute(
            update(_comments).where(_any_id(_comments.c.id, [c.id for c in claimed]))
            .values(status=CommentStatus.PROCESSANDO, attempts=_comments.c.attempts + 1,
                    status_changed_at=func.now())
        )
    for has_current in (False, True):
        gave_up = [cid for cid, current in exhausted if current is has_current]
        if gave_up:
            report.failed += len(gave_up)
            session.execute(
                update(_comments).where(_any_id(_comments.c.id, gave_up))
                .values(status=CommentStatus.CLASSIFICADO if has_current else CommentStatus.FALHOU,
                        status_changed_at=func.now(),
                        last_error=func.concat_ws(" ", _comments.c.last_error,
                                                  f"(desistência após {max_attempts} tentativas)"))
            )
    return claimed


def _find_reusable(session: Session, hashes: Sequence[str], classifier: Classifier) -> dict[str, _Reuse]:
    """Current results of the same model and prompt version for these text hashes (one per hash)."""
    if not hashes:
        return {}
    cl = aliased(Classification)
    rows = session.execute(
        select(Comment.text_hash, func.coalesce(cl.reused_from_id, cl.id).label("source_id"), cl.id,
               cl.categoria, cl.confianca,
               case((Comment.artista.is_(None), cl.artista)).label("artista"),
               case((Comment.album.is_(None), cl.album)).label("album"))
        .join(cl, and_(cl.comment_id == Comment.id, cl.is_current))
        .where(Comment.text_hash == any_(bindparam(None, sorted(set(hashes)), type_=ARRAY(String))),
               cl.model == classifier.model,
               cl.prompt_version == classifier.prompt_version, cl.origin == classifier.origin)
        .ext(distinct_on(Comment.text_hash))
        .order_by(Comment.text_hash, cl.id)
    ).all()
    found = {r.text_hash: (r.id, _Reuse(r.source_id, r.categoria, r.confianca, r.artista, r.album)) for r in rows}
    if found:
        by_cls = {cls_id: reuse for cls_id, reuse in found.values()}
        for cls_id, codigo, explicacao in session.execute(
            select(_tags.c.classification_id, _tags.c.codigo, _tags.c.explicacao)
            .where(_tags.c.classification_id.in_(list(by_cls))).order_by(_tags.c.id)
        ):
            by_cls[cls_id].tags.append((codigo, explicacao))
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
    ids = _as_uuids(comment_ids)
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
            + "; ".join(sorted({r.reason for r in outcome.results.values()
                                if isinstance(r, ClassificationFailure) and r.transient}))[:500]
        )
    return report


def _write(claimed: list[_Claimed], reusable: dict[str, _Reuse], representatives: dict[str, _Claimed],
           outcome: ClassifierOutcome, classifier: Classifier, max_attempts: int, report: BatchReport) -> int:
    """Write everything of one batch in ONE transaction. Returns how many comments will be retried."""
    with session_scope() as session:
        # Lock again (waiting this time) and re-check: another job or a curator may have written meanwhile.
        state = {r.id: r for r in _current_state(session, [c.id for c in claimed], skip_locked=False)}

        call_of_item: dict[str, int] = {}
        if outcome.calls:
            from shared.llm import record_usage  # imported here: the local classifier needs no genai
        for usage in outcome.calls:
            row = record_usage(session, LLM_PURPOSE, usage)
            if usage.outcome == "ok":
                for item_id in usage.item_ids:
                    call_of_item[item_id] = row.id

        originals: list[dict] = []      # one row per distinct text, from the classifier's answer
        first_of: dict[str, _Claimed] = {}  # text hash -> the comment of this batch written as original
        results: dict[uuid.UUID, ClassificationResult] = {}
        followers: list[_Claimed] = []    # same text as an original of this batch
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
                originals.append(_classification_row(c, result, classifier, call_of_item.get(asked),
                                                     outcome.latency_ms.get(asked)))

        written: list[uuid.UUID] = [r["comment_id"] for r in originals]
        written += [c.id for c in followers] + [c.id for c, _ in reused_rows]
        replaced = [cid for cid in written if state[cid].origin is not None]  # re-classification
        if replaced:
            session.execute(update(_classifications)
                            .where(_any_id(_classifications.c.comment_id, replaced), _classifications.c.is_current)
                            .values(is_current=False))
        new_id: dict[uuid.UUID, int] = {}
        if originals:
            stmt = insert(_classifications).returning(_classifications.c.id, _classifications.c.comment_id,
                                                      sort_by_parameter_order=True)
            new_id.update({cid: i for i, cid in session.execute(stmt, originals)})

        tag_rows = [{"classification_id": new_id[cid], "codigo": t.codigo, "explicacao": t.explicacao}
                    for cid, result in results.items() for t in result.tags_funcionalidades]
        copies: list[tuple[dict, list[tuple[str, str]]]] = []
        for c in followers:
            first = first_of[c.text_hash]
            result = results[first.id]
            source = _Reuse(new_id[first.id], result.categoria, result.confianca,
                            None if first.item.artista else result.artista,
                            None if first.item.album else result.album,
                            [(t.codigo, t.explicacao) for t in result.tags_funcionalidades])
            copies.append((_reused_row(c, source, classifier), source.tags))
        for c, source in reused_rows:
            copies.append((_reused_row(c, source, classifier), source.tags))
        if copies:
            stmt = insert(_classifications).returning(_classifications.c.id, sort_by_parameter_order=True)
            copy_ids = session.execute(stmt, [row for row, _ in copies]).scalars().all()
            tag_rows += [{"classification_id": cls_id, "codigo": codigo, "explicacao": explicacao}
                         for cls_id, (_, tags) in zip(copy_ids, copies) for codigo, explicacao in tags]
        if tag_rows:
            session.execute(insert(_tags), tag_rows)
        if written:
            session.execute(update(_comments).where(_any_id(_comments.c.id, written))
                            .values(status=CommentStatus.CLASSIFICADO, last_error=None,
                                    status_changed_at=func.now()))
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
            session.execute(update(_comments).where(_comments.c.id == c.id)
                            .values(status=status, last_error=failure.reason[:1000], status_changed_at=func.now()))
    if failures:
        log.warning("lote com %d falha(s) (%d para nova tentativa): %s", len(failures), transient,
                    failures[0][1].reason)
    return transient


def _classification_row(c: _Claimed, result: ClassificationResult, classifier: Classifier,
                        llm_call_id: int | None, latency_ms: int | None) -> dict:
    return {
        "comment_id": c.id, "categoria": result.categoria, "confianca": result.confianca,
        "artista": c.item.artista or result.artista, "album": c.item.album or result.album,
        "origin": classifier.origin, "model": classifier.model, "prompt_version": classifier.prompt_version,
        "is_current": True, "reused_from_id": None, "llm_call_id": llm_call_id,
        "latency_ms": latency_ms, "created_by": None,
    }


def _reused_row(c: _Claimed, source: _Reuse, classifier: Classifier) -> dict:
    return {
        "comment_id": c.id, "categoria": source.categoria, "confianca": source.confianca,
        "artista": c.item.artista or source.artista, "album": c.item.album or source.album,
        "origin": classifier.origin, "model": classifier.model, "prompt_version": classifier.prompt_version,
        "is_current": True, "reused_from_id": source.source_id, "llm_call_id": None,
        "latency_ms": None, "created_by": None,
    }


# --- putting comments back in the queue

def requeue_failed(ids: Iterable[Any] | None = None) -> int:
    """Put `falhou` comments (all, or these ids) back to `pendente` with a fresh attempt count; enqueue them."""
    wanted = _as_uuids(ids) if ids is not None else None
    if wanted == []:
        return 0
    total = 0
    while True:
        with session_scope() as session:
            stmt = select(Comment.id).where(Comment.status == CommentStatus.FALHOU)
            if wanted is not None:
                stmt = stmt.where(Comment.id.in_(wanted))
            chunk = session.scalars(stmt.order_by(Comment.id).limit(REQUEUE_CHUNK)
                                    .with_for_update(skip_locked=True)).all()
            if not chunk:
                return total
            session.execute(update(_comments).where(_comments.c.id.in_(chunk))
                            .values(status=CommentStatus.PENDENTE, attempts=0, status_changed_at=func.now()))
            enqueue_classification(chunk)  # before the commit: a Redis error leaves them `falhou`
        total += len(chunk)
        log.info("re-enfileirados %d comentário(s) que tinham falhado", len(chunk))


def period_bounds(desde: date, ate: date | None = None) -> tuple[datetime, datetime | None]:
    """[desde 00:00, (ate + 1 day) 00:00) in the configured time zone; both dates inclusive."""
    return local_midnight(desde), local_midnight(ate + timedelta(days=1)) if ate else None


def reclassify(desde: date, ate: date | None = None, classifier: Classifier | None = None) -> int:
    """Re-enqueue the comments of a period whose current classification came from another model or prompt
    version. Human corrections are never touched; the old results stay in the history."""
    classifier = classifier or current_classifier()
    start, end = period_bounds(desde, ate)
    cur = aliased(Classification)
    total = 0
    last: uuid.UUID | None = None
    while True:
        with session_scope() as session:
            stmt = (
                select(Comment.id)
                .join(cur, and_(cur.comment_id == Comment.id, cur.is_current))
                .where(Comment.occurred_at >= start, cur.origin != Origin.HUMANO,
                       Comment.status == CommentStatus.CLASSIFICADO,
                       or_(cur.model != classifier.model, cur.prompt_version != classifier.prompt_version))
            )
            if end is not None:
                stmt = stmt.where(Comment.occurred_at < end)
            if last is not None:
                stmt = stmt.where(Comment.id > last)
            chunk = session.scalars(stmt.order_by(Comment.id).limit(REQUEUE_CHUNK)
                                    .with_for_update(of=Comment, skip_locked=True)).all()
            if not chunk:
                break
            session.execute(update(_comments).where(_comments.c.id.in_(chunk))
                            .values(attempts=0))
            enqueue_classification(chunk)
        last = chunk[-1]
        total += len(chunk)
    log.info("reclassificação: %d comentário(s) re-enfileirados para %s/%s", total, classifier.model,
             classifier.prompt_version)
    return total


def reconcile(stuck_after_seconds: int | None = None) -> int:
    """Re-enqueue comments stuck in `pendente`/`processando` for longer than the threshold (a Redis flush,
    a killed worker). They go back to `pendente` with a fresh `status_changed_at`, so each stuck comment is
    re-enqueued at most once per threshold period. Returns how many were re-enqueued."""
    threshold = get_settings().stuck_after_seconds if stuck_after_seconds is None else stuck_after_seconds
    with session_scope() as session:
        cutoff = session.scalar(select(func.now())) - timedelta(seconds=max(threshold, 0))
    total = 0
    while True:
        with session_scope() as session:
            chunk = session.scalars(
                select(Comment.id)
                .where(Comment.status.in_([CommentStatus.PENDENTE, CommentStatus.PROCESSANDO]),
                       Comment.status_changed_at < cutoff)
                .order_by(Comment.status_changed_at).limit(REQUEUE_CHUNK)
                .with_for_update(skip_locked=True)
            ).all()
            if not chunk:
                break
            session.execute(update(_comments).where(_comments.c.id.in_(chunk))
                            .values(status=CommentStatus.PENDENTE, status_changed_at=func.now()))
            enqueue_classification(chunk)  # before the commit: a Redis error leaves them as they were
        total += len(chunk)
    if total:
        log.warning("reconciliador: %d comentário(s) parados foram re-enfileirados", total)
    return total


# --- human corrections

def _parse_tags(tags: Iterable[Any]) -> list[Tag]:
    parsed: dict[str, Tag] = {}
    for tag in tags:
        if isinstance(tag, Tag):
            value = tag
        elif isinstance(tag, dict):
            value = Tag.model_validate(tag)
        else:
            value = Tag(codigo=str(tag), explicacao="marcado pela curadoria")
        parsed.setdefault(value.codigo, value)
    return list(parsed.values())


def save_human_correction(comment_id: Any, categoria: str | Category, user_email: str,
                          tags: Iterable[Any] | None = None) -> ClassificationOut:
    """Store a curator's label as the current classification (origin `humano`, `created_by` = the user).

    `tags`: None keeps the tags of the current classification; otherwise a list of `Tag`, dicts with
    `codigo`/`explicacao`, or plain codes. Raises `CommentNotFound` or `ValueError` (invalid category/tag).
    """
    category = categoria if isinstance(categoria, Category) else parse_category(str(categoria))
    [cid] = _as_uuids([comment_id]) or [None]
    if cid is None:
        raise CommentNotFound(f"comentário {comment_id!r} não encontrado")
    new_tags = _parse_tags(tags) if tags is not None else None
    with session_scope() as session:
        comment = session.get(Comment, cid, with_for_update=True)
        if comment is None:
            raise CommentNotFound(f"comentário {comment_id} não encontrado")
        previous = session.scalar(select(Classification)
                                  .where(Classification.comment_id == cid, Classification.is_current))
        if new_tags is None:
            new_tags = [Tag(codigo=t.codigo, explicacao=t.explicacao) for t in previous.tags] if previous else []
        session.execute(update(_classifications)
                        .where(_classifications.c.comment_id == cid, _classifications.c.is_current)
                        .values(is_current=False))
        row = session.execute(insert(_classifications).values(
            comment_id=cid, categoria=category, confianca=1.0,
            artista=comment.artista or (previous.artista if previous else None),
            album=comment.album or (previous.album if previous else None),
            origin=Origin.HUMANO, model=HUMAN_MODEL, prompt_version=HUMAN_PROMPT_VERSION, is_current=True,
            created_by=user_email,
        ).returning(_classifications.c.id, _classifications.c.created_at, _classifications.c.artista,
                    _classifications.c.album)).one()
        if new_tags:
            session.execute(insert(_tags), [{"classification_id": row.id, "codigo": t.codigo,
                                             "explicacao": t.explicacao} for t in new_tags])
        session.execute(update(_comments).where(_comments.c.id == cid)
                        .values(status=CommentStatus.CLASSIFICADO, last_error=None, status_changed_at=func.now()))
    log.info("correção humana: comentário %s -> %s por %s", cid, category.value, user_email)
    return ClassificationOut(
        categoria=category, confianca=1.0, tags_funcionalidades=new_tags, artista=row.artista, album=row.album,
        modelo=HUMAN_MODEL, versao_prompt=HUMAN_PROMPT_VERSION, origem=Origin.HUMANO, criado_em=row.created_at,
        criado_por=user_email,
    )


# --- operations panel and /health

@dataclass
class WorkerInfo:
    name: str
    state: str
    last_heartbeat: datetime | None
    current_job_id: str | None
    successful_jobs: int
    failed_jobs: int
    alive: bool


@dataclass
class QueueStats:
    queue: str
    redis_ok: bool
    queued: int = 0      # waiting in the queue
    started: int = 0     # being worked on now
    scheduled: int = 0   # waiting for a retry (RQ Retry intervals)
    failed: int = 0      # RQ jobs that ran out of attempts (their comments are `falhou` or reconciled)
    workers: list[WorkerInfo] = field(default_factory=list)
    scheduler_alive: bool = False
    error: str | None = None

    @property
    def live_workers(self) -> int:
        return sum(1 for w in self.workers if w.alive)


def queue_stats(connection: Any = None) -> QueueStats:
    """Queue depth, failed jobs and live workers. Never raises: a Redis error is reported in `error`."""
    from rq import Worker

    settings = get_settings()
    stats = QueueStats(queue=settings.queue_name, redis_ok=False)
    try:
        queue = get_queue(connection)
        conn = queue.connection
        stats.queued = queue.count
        stats.started = queue.started_job_registry.count
        stats.scheduled = queue.scheduled_job_registry.count
        stats.failed = queue.failed_job_registry.count
        now = datetime.now(timezone.utc)
        for worker in Worker.all(queue=queue):
            beat = worker.last_heartbeat
            if beat is not None and beat.tzinfo is None:
                beat = beat.replace(tzinfo=timezone.utc)
            alive = beat is not None and (now - beat).total_seconds() <= worker.worker_ttl + 60
            state = worker.get_state()
            stats.workers.append(WorkerInfo(
                name=worker.name, state=str(getattr(state, "value", state)), last_heartbeat=beat,
                current_job_id=worker.get_current_job_id(), successful_jobs=worker.successful_job_count,
                failed_jobs=worker.failed_job_count, alive=alive,
            ))
        stats.workers.sort(key=lambda w: w.name)
        stats.scheduler_alive = _scheduler_alive(conn)
        stats.redis_ok = True
    except Exception as exc:  # noqa: BLE001 - the panel and /health show the problem instead of failing
        stats.error = f"{type(exc).__name__}: {exc}"[:300]
    return stats


def _scheduler_alive(conn: Any) -> bool:
    from rq_scheduler import Scheduler

    for key in conn.scan_iter(match=Scheduler.redis_scheduler_namespace_prefix + "*", count=100):
        if not conn.hexists(key, "death"):
            return True
    return False


def status_counts(session: Session | None = None) -> dict[str, int]:
    """Comments per status (every status present, zero included)."""
    def _query(s: Session) -> dict[str, int]:
        rows = s.execute(select(Comment.status, func.count()).group_by(Comment.status)).all()
        counts = {status.value: 0 for status in CommentStatus}
        counts.update({CommentStatus(status).value: n for status, n in rows})
        return counts

    if session is not None:
        return _query(session)
    with session_scope() as s:
        return _query(s)
