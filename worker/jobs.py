"""RQ job functions: thin wrappers over the domain logic in `shared/`.

They take ids and small values (JSON serializer) and return small JSON values. The API enqueues
`classify_comments` by its dotted path (shared.queue.CLASSIFY_JOB), never by importing this module.
"""

from __future__ import annotations

import logging

from rq import Retry, get_current_job

from shared import alerts, clock
from shared.classification import classify, requeue
from shared.dispatch import Dispatcher
from shared.queue import enqueue_retry, get_queue
from shared.reporting import summary
from shared.settings import get_settings

log = logging.getLogger(__name__)

WEEKLY_SUMMARY_FUNC = "worker.jobs.weekly_summary"
WEEKLY_SUMMARY_TIMEOUT = 600
# A failed weekly run (SMTP or database down) is retried after these waits, seconds; it is idempotent.
SUMMARY_RETRY_INTERVALS = [300, 1800, 7200]


def classify_comments(comment_ids: list[str]) -> dict[str, int]:
    """Classify these comments; raises on transient failures so the job's `Retry` runs it again."""
    return classify.classify_comments(comment_ids).as_dict()


def drain_dispatch() -> dict[str, int]:
    """The dispatcher's drain job (`shared.dispatch`): take up to DISPATCH_BATCH_SIZE ids from the list (arming the
    next drain job while ids remain, so other workers share a burst) and classify them.

    A failure after the ids left the list (transient LLM errors, PostgreSQL down) hands them to a regular classify
    job with the usual retries, so this job itself never needs a retry; if even that fails, the comments are
    still `pendente`/`processando` in PostgreSQL and the reconciler enqueues them again."""
    job = get_current_job()
    queue = get_queue(job.connection) if job is not None else get_queue()
    ids = Dispatcher.of(queue).pop(job.id if job is not None else "", get_settings().dispatch_size)
    if not ids:
        return {}
    try:
        return classify.classify_comments(ids).as_dict()
    except Exception as exc:  # noqa: BLE001 - whatever failed, the ids go on with retries
        enqueue_retry(ids, queue)
        log.warning("despacho: %d comentário(s) passam a um job com novas tentativas: %s", len(ids), exc)
        return {"repassados": len(ids)}


def reconcile() -> int:
    """Re-enqueue comments stuck in `pendente`/`processando` (periodic, registered by the scheduler)."""
    return requeue.reconcile()


def check_alerts() -> dict[str, object]:
    """Compare the recent CRÍTICA and SPAM volume with its baseline, store new alerts (once per window) and send
    pending notifications (periodic, registered by the scheduler every ALERT_EVERY_SECONDS)."""
    return alerts.run_check().as_dict()


def start_weekly_summary() -> str:
    """The weekly cron's job: enqueue the summary of the week that just ended, with its own retries (one job
    id per ISO week). Returns the week."""
    iso_week = clock.previous_iso_week()
    get_queue().enqueue(
        WEEKLY_SUMMARY_FUNC,
        iso_week,
        job_id=f"alumusic-resumo-{iso_week}",
        retry=Retry(max=len(SUMMARY_RETRY_INTERVALS), interval=SUMMARY_RETRY_INTERVALS),
        job_timeout=WEEKLY_SUMMARY_TIMEOUT,
        description=f"resumo semanal {iso_week}",
    )
    return iso_week


def weekly_summary(iso_week: str | None = None) -> dict[str, object]:
    """Build, store and e-mail the summary of an ISO week (default: the week that just ended). Idempotent."""
    return summary.build_weekly_summary(iso_week or clock.previous_iso_week()).as_dict()
