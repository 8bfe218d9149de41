"""Demo data: shape of the set, and loading through the real intake, queue and worker (burst)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import func, select

from shared import operations
from shared.db import session_scope
from shared.dev import demo_plan
from shared.models import Classification, Comment, WeeklySummary
from shared.queue import get_queue
from shared.text import normalize_text
from shared.vocabulary import CATEGORY_VALUES, Source

ROOT = Path(__file__).resolve().parent.parent


def test_demo_plan_has_2000_plus_comments_over_8_weeks_with_every_category_and_several_artists(services):
    plan = demo_plan.plan()
    assert len(plan) >= 2000
    assert {c.categoria.value for c in plan} == set(CATEGORY_VALUES)
    assert min(c.days_ago for c in plan) == 0 and max(c.days_ago for c in plan) == 8 * 7 - 1
    artists = Counter(c.artista for c in plan if c.artista)
    assert len(artists) >= 8
    assert len({c.album for c in plan if c.album}) >= 5
    assert sum(1 for c in plan if c.artista is None) > 0.1 * len(plan)  # many comments name no artist
    assert len({c.id for c in plan}) == len(plan)


def test_demo_plan_is_deterministic(services):
    assert demo_plan.plan() == demo_plan.plan()
    assert [c.id for c in demo_plan.plan(count=50)] == [c.id for c in demo_plan.plan()[:50]]


def test_demo_texts_come_from_the_training_corpus_never_from_the_golden_set(services):
    corpus = {normalize_text(t.texto) for t in demo_plan.load_corpus()}
    with (ROOT / "evals" / "golden.csv").open(encoding="utf-8") as fh:
        golden = {normalize_text(r["texto"]) for r in csv.DictReader(fh)}
    used = {normalize_text(c.texto) for c in demo_plan.plan()}
    assert used <= corpus
    assert not used & golden


def test_demo_shows_a_criticism_spike_after_the_release(services):
    plan = demo_plan.plan()
    release = next(e for e in demo_plan.EVENTS if e.album == "Ruído Branco")

    def share(days: range) -> float:
        rows = [c for c in plan if c.days_ago in days and c.artista == "Banda Aurora"]
        return sum(1 for c in rows if c.categoria.value == "CRÍTICA") / max(len(rows), 1)

    after = range(release.days_ago - 2, release.days_ago + 1)
    before = range(release.days_ago + 7, release.days_ago + 21)
    assert share(after) > 2 * share(before)


def test_demo_ends_with_a_burst_of_complaints_about_one_subject_in_the_last_minutes(services):
    from datetime import datetime, timedelta

    from shared import clock
    from shared.classification.tags import find_tags

    spike = demo_plan.RECENT_SPIKE
    now = datetime(2026, 12, 4, 22, 30, tzinfo=clock.zone())  # a Friday night
    comments = demo_plan.plan()
    items = demo_plan.to_items(comments, now=now)
    spike_ids = {c.id for c in comments if c.minutes_ago is not None}
    recent = [item for item in items if item.id in spike_ids]
    assert len(recent) == spike.count
    assert all(now - timedelta(minutes=spike.within_minutes) <= item.data < now for item in recent)
    assert {item.artista for item in recent} == {spike.artist}
    assert all(spike.tag in {t.codigo for t in find_tags(item.texto)} for item in recent)
    labels = Counter(c.categoria for c in comments if c.minutes_ago is not None)
    assert labels == {spike.category: spike.count}
    # The ordinary traffic of those hours is a handful of comments: the burst stands out.
    others = [item for item in items if item.id not in spike_ids and item.data > now - timedelta(hours=3)]
    assert len(others) < 15


def _run_workers(redis_conn) -> None:
    SimpleWorker([get_queue(redis_conn)], connection=redis_conn, serializer=JSONSerializer).work(burst=True)


def test_carregar_demo_goes_through_intake_and_workers_then_builds_past_summaries_and_is_idempotent(
    services, runner, redis_conn
):
    first = runner.invoke(args=["carregar-demo", "--quantidade", "300", "--sem-esperar", "--sem-resumos"])
    assert first.exit_code == 0, first.output
    assert "300 novos" in first.output
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment).where(Comment.source == "demo")) == 300
    assert get_queue(redis_conn).count > 0  # really queued for the workers

    _run_workers(redis_conn)
    second = runner.invoke(args=["carregar-demo", "--quantidade", "300", "--timeout", "30"])
    assert second.exit_code == 0, second.output
    assert "classificação: 300/300 (100%)" in second.output
    assert "0 novos" in second.output  # idempotent: same ids, same texts
    counts = operations.status_counts(source=Source.DEMO)
    assert counts["classificado"] == 300 and counts["pendente"] == 0
    with session_scope() as session:
        categories = set(session.scalars(select(Classification.category).where(Classification.is_current)))
        weeks = session.scalar(select(func.count()).select_from(WeeklySummary))
    assert len(categories) == len(CATEGORY_VALUES)
    assert weeks == demo_plan.DEFAULT_WEEKS
    assert "resumo(s) semanais" in second.output
