"""Benchmark (run by hand): what the rollup triggers (migration 0005) cost on the write paths.

    python -m bench.rollup_writes [--rounds 5] [--admin-url URL]

On a scratch database (dropped at the end), each write path runs with the triggers on and off, alternating
rounds, and the median time per operation is printed for both:
- intake: `store_comments` of 1,000 comments (the API's bulk INSERT), one transaction;
- classify: `classify_comments` of 500 `pendente` comments (claim + the job's write transaction), with a
  constant in-process classifier so only the database work is timed;
- re-classify: the same 500 comments by another model (flips `is_current`, tags included);
- correction: one `save_human_correction`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.seed_data import bench_server
from shared.classification.base import Classifier, ClassifierItem, ClassifierOutcome
from shared.classification.classify import classify_comments
from shared.classification.corrections import save_human_correction
from shared.contracts import ClassificationResult, CommentIn, Tag
from shared.db import reset_engines, session_scope
from shared.ingest.intake import store_comments
from shared.migrate import upgrade
from shared.settings import configure, load_settings
from shared.vocabulary import CATEGORY_VALUES, Origin, Source

TABLES = ("comments", "classifications", "classification_tags")


class ConstantClassifier(Classifier):
    """Answers at once (category and confidence from the text), so the timing is the database's."""

    name = "constante"
    origin = Origin.LOCAL
    prompt_version = "b1"

    def __init__(self, model: str):
        self.model = model

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        results = {}
        for n, item in enumerate(items):
            results[item.id] = ClassificationResult(
                categoria=CATEGORY_VALUES[(len(item.text) + len(self.model)) % len(CATEGORY_VALUES)],
                confianca=0.5 + (n % 50) / 100,
                tags_funcionalidades=[Tag(codigo="feat_som", explicacao="som")] if n % 3 else [],
                artista=item.artist or ("Banda Aurora" if n % 7 == 0 else None),
            )
        return ClassifierOutcome(results=results)


def _triggers(enabled: bool) -> None:
    with session_scope() as session:
        for table in TABLES:
            session.execute(text(f"ALTER TABLE {table} {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"))


def _intake(batch: int) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    items = [
        CommentIn(
            id=uuid.uuid4(),
            texto=f"comentário de teste número {n} sobre o show {uuid.uuid4().hex[:6]}",
            artista="Luna Ferraz" if n % 2 else None,
            data=now - timedelta(minutes=n % 180),
        )
        for n in range(batch)
    ]
    with session_scope() as session:
        store_comments(session, items, Source.API)
    return [i.id for i in items]


def _timed(fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def measure(rounds: int) -> dict[str, dict[bool, list[float]]]:
    figures: dict[str, dict[bool, list[float]]] = {}

    def add(name: str, on: bool, ms: float) -> None:
        figures.setdefault(name, {True: [], False: []})[on].append(ms)

    for n in range(rounds * 2):
        on = n % 2 == 0
        _triggers(on)
        ms, ids = _timed(_intake, 1000)
        add("ingestão: 1.000 comentários (uma transação)", on, ms)
        ms, _ = _timed(classify_comments, ids[:500], ConstantClassifier(f"constante-{n}-a"))
        add("classificação: job de 500 comentários", on, ms)
        with session_scope() as session:
            session.execute(text("UPDATE comments SET attempts = 0 WHERE id = ANY(:ids)"), {"ids": ids[:500]})
        ms, _ = _timed(classify_comments, ids[:500], ConstantClassifier(f"constante-{n}-b"))
        add("reclassificação: job de 500 (troca is_current)", on, ms)
        for cid in ids[:5]:
            ms, _ = _timed(save_human_correction, cid, "CRÍTICA", "bench@alumusic.example")
            add("correção humana (uma)", on, ms)
    _triggers(True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rodadas com e sem gatilhos (alternadas)")
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL") or None
    )
    args = parser.parse_args()
    name = f"alumusic_bench_{uuid.uuid4().hex[:8]}"
    with bench_server(args.admin_url) as stack:
        url = stack.database(name)
        try:
            upgrade(url)
            configure(load_settings(database_url=url, classifier="local"))
            reset_engines()
            figures = measure(args.rounds)
            reset_engines()
        finally:
            stack.drop(name)
    width = max(len(k) for k in figures)
    print(f"{'operação':<{width}}  {'sem gatilhos':>12}  {'com gatilhos':>12}  {'custo':>8}")
    for op, by in figures.items():
        off, on = statistics.median(by[False]), statistics.median(by[True])
        print(f"{op:<{width}}  {off:10.1f}ms  {on:10.1f}ms  {on - off:+6.1f}ms")


if __name__ == "__main__":
    main()
