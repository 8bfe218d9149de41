"""The hourly rollups (migration 0005) stay equal to a full recount of the base tables, whatever the writes.

Random sequences of the real write paths (intake, classify jobs, re-classification with another model, human
corrections, comment deletes, and a few direct SQL fix-ups) are compared after every step with a recount written
here, independently of the triggers and of `rollup_rebuild()`.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from shared.classification.base import ClassifierItem, ClassifierOutcome
from shared.classification.classify import classify_comments
from shared.classification.corrections import save_human_correction
from shared.contracts import ClassificationResult, Tag
from shared.db import session_scope
from shared.reporting import queries, rollups
from shared.reporting.filters import CommentFilter
from shared.vocabulary import CATEGORY_VALUES, Category
from tests.pipeline_helpers import KeywordClassifier, add_comments

# Each rollup as (key, value) rows with the recount that must give the same rows. Shards are summed (they only
# spread concurrent inserts); rows left at zero by changes are ignored (the recount has none).
_BUCKET = "least(floor(k.confidence * 20)::int, 19)"
CHECKS = {
    "comments": (
        "SELECT hour, sum(comments) FROM rollup_comments_hourly GROUP BY 1 HAVING sum(comments) <> 0",
        "SELECT date_trunc('hour', occurred_at, 'UTC'), count(*) FROM comments GROUP BY 1",
    ),
    "categories": (
        """SELECT hour, category::text, comments, confidence_sum, confidence_histogram
           FROM rollup_categories_hourly WHERE comments <> 0""",
        f"""WITH cur AS (
              SELECT date_trunc('hour', c.occurred_at, 'UTC') AS hour, k.category::text AS category, k.confidence,
                     {_BUCKET} AS bucket
              FROM classifications k JOIN comments c ON c.id = k.comment_id WHERE k.is_current),
            buckets AS (SELECT hour, category, bucket, count(*) AS n FROM cur GROUP BY 1, 2, 3)
            SELECT a.hour, a.category, a.n, a.s,
                   ARRAY(SELECT coalesce((SELECT b.n FROM buckets b WHERE (b.hour, b.category, b.bucket)
                                          = (a.hour, a.category, i)), 0)::int
                         FROM generate_series(0, 19) AS i ORDER BY i)
            FROM (SELECT hour, category, count(*) AS n, sum(confidence::numeric) AS s FROM cur GROUP BY 1, 2) a""",  # noqa: S608
    ),
    "tags": (
        "SELECT hour, category::text, code, comments, confidence_histogram FROM rollup_tags_hourly WHERE comments <> 0",
        f"""WITH cur AS (
              SELECT date_trunc('hour', c.occurred_at, 'UTC') AS hour, k.category::text AS category, t.code,
                     {_BUCKET} AS bucket
              FROM classification_tags t JOIN classifications k ON k.id = t.classification_id AND k.is_current
              JOIN comments c ON c.id = k.comment_id),
            buckets AS (SELECT hour, category, code, bucket, count(*) AS n FROM cur GROUP BY 1, 2, 3, 4)
            SELECT a.hour, a.category, a.code, a.n,
                   ARRAY(SELECT coalesce((SELECT b.n FROM buckets b WHERE (b.hour, b.category, b.code, b.bucket)
                                          = (a.hour, a.category, a.code, i)), 0)::int
                         FROM generate_series(0, 19) AS i ORDER BY i)
            FROM (SELECT hour, category, code, count(*) AS n FROM cur GROUP BY 1, 2, 3) a""",  # noqa: S608
    ),
    "artists": (
        "SELECT hour, category::text, artist, client_sent, comments FROM rollup_artists_hourly WHERE comments <> 0",
        """SELECT date_trunc('hour', c.occurred_at, 'UTC'), k.category::text, coalesce(c.artist, k.artist),
                  c.artist IS NOT NULL, count(*)
           FROM classifications k JOIN comments c ON c.id = k.comment_id
           WHERE k.is_current AND coalesce(c.artist, k.artist) IS NOT NULL GROUP BY 1, 2, 3, 4""",
    ),
}


def _fix_histogram(row: tuple) -> tuple:
    """The recount's histogram counts come as a list of ints like the rollup's; normalise types for equality."""
    return tuple(list(v) if isinstance(v, list) else v for v in row)


def assert_rollups_match_recount(context: str = "") -> None:
    with session_scope() as session:
        # A row left at zero must be zero everywhere (no stray confidence or histogram counts).
        stray = session.execute(
            text("""SELECT count(*) FROM rollup_categories_hourly WHERE comments = 0
                    AND (confidence_sum <> 0 OR confidence_histogram <> array_fill(0, ARRAY[20]))""")
        ).scalar()
        stray += session.execute(
            text("""SELECT count(*) FROM rollup_tags_hourly WHERE comments = 0
                    AND confidence_histogram <> array_fill(0, ARRAY[20])""")
        ).scalar()
        assert stray == 0, f"{context}: zero rows with confidence left"
        for name, (rollup_sql, recount_sql) in CHECKS.items():
            rollup = sorted(_fix_histogram(tuple(r)) for r in session.execute(text(rollup_sql)))
            recount = sorted(_fix_histogram(tuple(r)) for r in session.execute(text(recount_sql)))
            assert rollup == recount, f"{context}: rollup {name} differs from the recount"


class VaryingClassifier(KeywordClassifier):
    """KeywordClassifier with a confidence and an (LLM-like) artist that depend on the text and the model,
    so re-classifications move comments between confidence buckets and artists."""

    def classify(self, items: Sequence[ClassifierItem]) -> ClassifierOutcome:
        outcome = super().classify(items)
        for item in items:
            result = outcome.results[item.id]
            if isinstance(result, ClassificationResult):
                draw = random.Random(f"{self.model}:{item.text}")
                outcome.results[item.id] = result.model_copy(
                    update={
                        "confianca": round(draw.uniform(0.3, 1.0), 3),
                        "artista": item.artist or draw.choice([result.artista, "Luna Ferraz", "Fulano Extraído"]),
                    }
                )
        return outcome


TEXTS = [
    "Amei o show",
    "Que som ruim, odiei o autotune",
    "Podia ter mais faixas com autotune",
    "Quando sai a turnê?",
    "Sigam meu perfil http://promo.example",
    "A Aurora arrasou no autotune",
    "Pessimo atraso",
    "Lindo demais",
]
ARTISTS = [None, None, "Luna Ferraz", "Banda Aurora", "Artista Do Cliente"]


def _new_comments(rng: random.Random, count: int) -> list[uuid.UUID]:
    base = datetime(2026, 11, 18, 12, tzinfo=UTC)
    ids = []
    for _ in range(count):
        when = None if rng.random() < 0.2 else base + timedelta(minutes=rng.randrange(0, 6 * 60))
        texto = f"{rng.choice(TEXTS)} #{rng.randrange(10_000)}" if rng.random() < 0.7 else rng.choice(TEXTS)
        ids += add_comments([texto], artista=rng.choice(ARTISTS), data=when)
    return ids


def _all_ids() -> list[uuid.UUID]:
    with session_scope() as session:
        # In the order they were added (one transaction each), not by their random UUIDs: the same seed then picks
        # the same comments on every run, so each seed plays one fixed sequence.
        return list(session.execute(text("SELECT id FROM comments ORDER BY received_at, id")).scalars())


def _random_step(rng: random.Random, models: list[VaryingClassifier]) -> str:
    ids = _all_ids()
    action = rng.choice(
        [
            "insert",
            "classify",
            "classify",
            "reclassify",
            "correct",
            "delete",
            "untag",
            "artist",
            "move",
            "drop",
            "retag",
        ]
        if ids
        else ["insert"]
    )
    some = rng.sample(ids, min(len(ids), rng.randint(1, 8))) if ids else []
    if action == "insert":
        _new_comments(rng, rng.randint(1, 8))
    elif action == "classify":
        classify_comments(some, models[0])
    elif action == "reclassify":  # like `flask reclassificar`: attempts reset, then another model's job
        with session_scope() as session:
            session.execute(text("UPDATE comments SET attempts = 0 WHERE id = ANY(:ids)"), {"ids": some})
        classify_comments(some, rng.choice(models[1:]))
    elif action == "correct":
        tags = rng.choice([None, [], [Tag(codigo="feat_setlist", explicacao="setlist")], ["feat_autotune"]])
        save_human_correction(some[0], rng.choice(CATEGORY_VALUES), "curadoria@alumusic.com.br", tags=tags)
    elif action == "delete":
        with session_scope() as session:
            session.execute(text("DELETE FROM comments WHERE id = ANY(:ids)"), {"ids": some[:2]})
    elif action == "untag":  # a fix-up straight in SQL: a tag removed from a current classification
        with session_scope() as session:
            session.execute(
                text("""DELETE FROM classification_tags WHERE id IN (
                          SELECT t.id FROM classification_tags t JOIN classifications k ON k.id = t.classification_id
                          WHERE k.comment_id = ANY(:ids) LIMIT 2)"""),
                {"ids": some},
            )
    elif action == "artist":  # a fix-up straight in SQL: the client's artist corrected
        with session_scope() as session:
            session.execute(
                text("UPDATE comments SET artist = :artist WHERE id = :id"),
                {"artist": rng.choice(ARTISTS), "id": some[0]},
            )
    elif action == "drop":  # a fix-up straight in SQL: a current classification deleted (its tags cascade)
        with session_scope() as session:
            session.execute(
                text("DELETE FROM classifications WHERE comment_id = ANY(:ids) AND is_current"), {"ids": some[:2]}
            )
    elif action == "retag":  # a fix-up straight in SQL: a tag code renamed
        with session_scope() as session:
            session.execute(
                text("""UPDATE classification_tags SET code = 'feat_merch' WHERE id IN (
                          SELECT t.id FROM classification_tags t JOIN classifications k ON k.id = t.classification_id
                          WHERE k.comment_id = ANY(:ids) AND t.code <> 'feat_merch' LIMIT 1)"""),
                {"ids": some},
            )
    elif action == "move":  # a fix-up straight in SQL: the date the client sent corrected (occurred_at moves)
        with session_scope() as session:
            session.execute(
                text("UPDATE comments SET written_at = coalesce(written_at, received_at) + :delta WHERE id = :id"),
                {"delta": timedelta(minutes=rng.choice([-200, -30, 45, 300])), "id": some[0]},
            )
    return action


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rollups_equal_a_full_recount_after_random_writes(seed):
    rng = random.Random(seed)
    models = [VaryingClassifier(model=f"palavras-{n}") for n in range(1, 4)]
    _new_comments(rng, 12)
    assert_rollups_match_recount("after intake")
    done = []
    for step in range(50):
        done.append(_random_step(rng, models))
        assert_rollups_match_recount(f"seed {seed}, step {step} ({' > '.join(done[-3:])})")
    assert {"insert", "classify", "reclassify", "correct", "delete", "untag", "artist", "move", "drop", "retag"} <= set(
        done
    )
    with session_scope() as session:  # the sequence left something to count
        assert session.execute(text("SELECT count(*) FROM rollup_tags_hourly WHERE comments > 0")).scalar() > 0
        assert session.execute(text("SELECT count(*) FROM classifications WHERE NOT is_current")).scalar() > 0


def test_rebuild_gives_the_same_rollups_and_reports_counts(runner):
    rng = random.Random(9)
    models = [VaryingClassifier(model="palavras-1"), VaryingClassifier(model="palavras-2")]
    ids = _new_comments(rng, 30)
    classify_comments(ids, models[0])
    save_human_correction(ids[0], "SPAM", "curadoria@alumusic.com.br", tags=["feat_autotune"])
    with session_scope() as session:
        before = {name: sorted(map(tuple, session.execute(text(sql)))) for name, (sql, _) in CHECKS.items()}
        session.execute(text("UPDATE rollup_categories_hourly SET comments = comments + 5"))  # damage them
    with session_scope() as session:
        report = rollups.rebuild(session)
    with session_scope() as session:
        after = {name: sorted(map(tuple, session.execute(text(sql)))) for name, (sql, _) in CHECKS.items()}
    assert after == before
    assert report.comments == 30
    assert report.classified == 30
    assert report.rows["rollup_comments_hourly"] >= 1

    result = runner.invoke(args=["recalcular-agregados"])
    assert result.exit_code == 0, result.output
    assert "30 comentário(s)" in result.output
    assert "30 com classificação atual" in result.output
    assert_rollups_match_recount("after the command")


def test_dashboard_counts_from_rollups_equal_the_counts_from_comments():
    rng = random.Random(5)
    models = [VaryingClassifier(model="palavras-1"), VaryingClassifier(model="palavras-2")]
    ids = _new_comments(rng, 40)
    classify_comments(ids[:30], models[0])
    classify_comments(ids[:10], models[1])
    save_human_correction(ids[3], "CRÍTICA", "curadoria@alumusic.com.br", tags=["feat_autotune"])
    day = date(2026, 11, 18)
    filters = [
        CommentFilter(),
        CommentFilter(desde=day, ate=day),
        CommentFilter(desde=day - timedelta(days=1), ate=day, categoria=Category.ELOGIO),
        CommentFilter(categoria=Category.CRITICA),
        CommentFilter(tag="feat_autotune"),
        CommentFilter(tag="feat_autotune", categoria=Category.CRITICA, ate=day),
        CommentFilter(artista="banda aurora", categoria=Category.ELOGIO),
        CommentFilter(artista="Luna Ferraz", categoria=Category.CRITICA, desde=day),
        CommentFilter(artista="Luna Ferraz"),  # unclassified comments match too: not a rollup count
        CommentFilter(confianca_min=0.7),
        CommentFilter(confianca_min=0.5, categoria=Category.ELOGIO, desde=day),
        CommentFilter(confianca_min=0.65, tag="feat_autotune", ate=day),
        CommentFilter(confianca_min=0.05, tag="feat_setlist"),
        CommentFilter(confianca_min=0.72, categoria=Category.CRITICA),  # not a bucket boundary: comments table
    ]
    with session_scope() as session:
        for filtro in filters:
            expected = queries.count_comments(session, filtro, use_rollups=False)
            assert queries.count_comments(session, filtro) == expected, filtro
        assert queries.count_comments(session, CommentFilter(desde=day, ate=day)) > 0
        assert queries._rollup_count(session, CommentFilter(artista="Luna Ferraz")) is None
        assert queries._rollup_count(session, CommentFilter(categoria=Category.SPAM, q="show")) is None
        assert queries._rollup_count(session, CommentFilter(confianca_min=0.72)) is None
        assert queries._rollup_count(session, CommentFilter(confianca_min=0.7, tag="feat_autotune")) is not None


def test_truncating_a_base_table_empties_what_depends_on_it():
    ids = _new_comments(random.Random(4), 5)
    classify_comments(ids, VaryingClassifier())
    with session_scope() as session:
        session.execute(text("TRUNCATE classifications CASCADE"))
    assert_rollups_match_recount("after TRUNCATE classifications")
    with session_scope() as session:
        assert session.execute(text("SELECT count(*) FROM rollup_categories_hourly")).scalar() == 0
        assert session.execute(text("SELECT sum(comments) FROM rollup_comments_hourly")).scalar() == 5


def test_ceil_hour_and_histogram_median():
    on_hour = datetime(2026, 11, 18, 3, tzinfo=UTC)
    assert rollups.ceil_hour(on_hour) == on_hour
    assert rollups.ceil_hour(on_hour + timedelta(seconds=1)) == on_hour + timedelta(hours=1)
    assert rollups.histogram_median([0] * 20) is None
    counts = [0] * 20
    counts[10] = 3  # three values in [0.50, 0.55)
    assert rollups.histogram_median(counts) == pytest.approx(0.525)
    assert rollups.histogram_median(counts, mean=0.51) == 0.51  # one bucket: the exact mean is better
    counts[19] = 1
    assert 0.5 <= rollups.histogram_median(counts) < 0.55
