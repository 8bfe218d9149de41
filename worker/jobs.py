"""RQ job functions: thin wrappers over the domain logic in `shared/`.

They take ids and small values (JSON serializer) and return small JSON values. The API enqueues
`classify_comments` by its dotted path (shared.queue.CLASSIFY_JOB), never by importing this module.
"""
from __future__ import annotations

from shared import pipeline, summary


def classify_comments(comment_ids: list[str]) -> dict[str, int]:
    """Classify these comments; raises on transient failures so the job's `Retry` runs it again."""
    return pipeline.classify_comments(comment_ids).as_dict()


def reconcile() -> int:
    """Re-enqueue comments stuck in `pendente`/`processando` (periodic, registered by the scheduler)."""
    return pipeline.reconcile()


def weekly_summary(iso_week: str | None = None) -> dict[str, object]:
    """Build, store and e-mail the summary of an ISO week (default: the week that just ended). Idempotent."""
    return summary.build_weekly_summary(iso_week or summary.previous_iso_week()).as_dict()
