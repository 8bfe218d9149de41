"""A database holding the demo data, for the Q&A eval: created, loaded, and dropped at the end.

The server is EVALS_DATABASE_URL, else TEST_DATABASE_URL (a server-level URL, as the tests use), else an
embedded PostgreSQL (`shared.dev.embedded`). The database is a fresh `alumusic_eval_<hex>`, migrated to head.
The data is the demo set (`shared.dev.demo_plan.plan` / `to_items`) stored by the real intake
(`shared.ingest.intake.store_committed`) and classified by the real classification step the worker runs
(`shared.classification.classify.classify_comments`) with the offline local classifier, synchronously (no
queue, no Redis): the same labels, tags and rollups a `make run` with the local classifier produces.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from shared.dev import embedded
from shared.dev.stack import scratch_environment
from shared.migrate import upgrade

CHUNK = 500
Say = Callable[[str], None]


def _server_url(stack: list) -> str:
    url = os.environ.get("EVALS_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    server = embedded.start_postgres(Path(tempfile.mkdtemp(prefix="alumusic-eval-")) / "pgdata")
    stack.append(server.stop)
    return server.url("postgres")


@contextmanager
def demo_database(say: Say = print, now: datetime | None = None) -> Iterator[str]:
    """A fresh database with the demo data loaded and classified; this process's settings point at it."""
    stoppers: list = []
    admin_url = _server_url(stoppers)
    name = f"alumusic_eval_{uuid.uuid4().hex[:10]}"
    try:
        database_url = embedded.ensure_database(admin_url, name)
        upgrade(database_url)
        with scratch_environment(DATABASE_URL=database_url):
            load(say, now)
            yield database_url
    finally:
        try:
            embedded.drop_database(admin_url, name)
        except Exception as exc:  # noqa: BLE001 - best effort cleanup
            print(f"aviso: não consegui apagar o banco {name}: {exc}", file=sys.stderr)
        while stoppers:
            stoppers.pop()()


def load(say: Say = print, now: datetime | None = None) -> int:
    """Store and classify the demo set in the current database; returns how many comments were classified."""
    from shared.classification.classify import classify_comments
    from shared.classification.registry import get_classifier
    from shared.dev import demo_plan as demo
    from shared.ingest.intake import store_committed
    from shared.vocabulary import Source

    items = demo.to_items(demo.plan(), now=now)
    say(f"Carregando {len(items)} comentários de demonstração e classificando (classificador local)...")
    classifier = get_classifier("local")
    classified = 0
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        store_committed(chunk, Source.DEMO)
        report = classify_comments([item.id for item in chunk], classifier=classifier)
        classified += report.classified + report.reused
    return classified
