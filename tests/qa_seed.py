"""Comments for the question tests (real PostgreSQL), and the counts they should yield, computed in SQL
straight from the base tables (never through the rollups or the code under test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from shared import clock
from shared.db import session_scope
from shared.vocabulary import Category
from tests.report_seed import add_comment, classify

SPAM_TEXT = "ganhe seguidores grátis em golpe.example chama @promo.bot"
LINK_CRITIQUE = "horrível essa venda, reclamem em https://reclame.example/kaique"
OUTSIDER = "Fulano Desconhecido"  # a name only the classifier extracted: never public


def _at(days_ago: int, hour: int = 15) -> datetime:
    """A local afternoon `days_ago` days back (never in the future)."""
    when = clock.local_midnight(clock.today() - timedelta(days=days_ago)) + timedelta(hours=hour)
    return min(when, datetime.now(UTC) - timedelta(minutes=5))


def _add(texto, categoria, when, tags=(), artista=None, classifier_artist=None, confianca=0.9):
    comment_id = add_comment(texto, when=when, artista=artista)
    classify(comment_id, categoria, confianca, dict.fromkeys(tags, "citado"), artista=classifier_artist or artista)


def seed() -> None:
    """A small history: a burst of ticket complaints about Kaique Sol in the last hours, a mixing critique about
    Banda Aurora three weeks ago, praise for Luna Ferraz last week, suggestions, doubts, SPAM with links, and
    an old wave of price complaints twelve weeks ago (outside the default period)."""
    for n in range(6):
        _add(
            f"site do ingresso caiu de novo {n}, que raiva",
            Category.CRITICA,
            datetime.now(UTC) - timedelta(hours=1, minutes=n),
            ("feat_ingresso",),
            "Kaique Sol",
        )
    _add(LINK_CRITIQUE, Category.CRITICA, _at(0, 1), ("feat_ingresso",), "Kaique Sol", confianca=0.99)
    for n in range(4):
        _add(
            f"a mixagem do álbum novo ficou embolada {n}", Category.CRITICA, _at(21), ("feat_mixagem",), "Banda Aurora"
        )
    for n in range(5):
        _add(f"que voz linda a da Luna no show {n}", Category.ELOGIO, _at(7), ("feat_vocal",), "Luna Ferraz")
    for n in range(3):
        _add(
            f"tragam a turnê para o nordeste por favor {n}", Category.SUGESTAO, _at(14), ("feat_turne",), "Duda Ribeiro"
        )
    for n in range(2):
        _add(
            f"quando abre a venda de ingresso do show? {n}", Category.DUVIDA, _at(10), ("feat_ingresso",), "Marina Lua"
        )
    for n in range(5):
        _add(f"{SPAM_TEXT} {n}", Category.SPAM, _at(3))
    _add("esse artista novo canta muito mal", Category.CRITICA, _at(2), ("feat_vocal",), classifier_artist=OUTSIDER)
    for n in range(10):
        _add(f"o preço do ingresso está um absurdo {n}", Category.CRITICA, _at(84), ("feat_preco",), "Os Cometas")


def period_start(weeks: int = 8) -> datetime:
    """Local midnight of the Monday `weeks - 1` weeks before this week's Monday."""
    today = clock.today()
    return clock.local_midnight(today - timedelta(days=today.weekday(), weeks=weeks - 1))


def count(category: str | None = None, tag: str | None = None, artist: str | None = None, weeks: int = 8) -> int:
    """Comments of the period by current classification, optionally of a category, tag and (client) artist."""
    sql = """
        SELECT count(DISTINCT c.id) FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        LEFT JOIN classification_tags t ON t.classification_id = k.id
        WHERE c.occurred_at >= :start
          AND (CAST(:category AS text) IS NULL OR k.category::text = :category)
          AND (CAST(:tag AS text) IS NULL OR t.code = :tag)
          AND (CAST(:artist AS text) IS NULL OR coalesce(c.artist, k.artist) = :artist)"""
    params = {"start": period_start(weeks), "category": category, "tag": tag, "artist": artist}
    with session_scope() as session:
        return int(session.scalar(text(sql), params))


def by_week(category: str, weeks: int = 8) -> dict[str, int]:
    """{ISO week: comments of the category} for the period (weeks without comments left out)."""
    sql = """
        SELECT to_char((c.occurred_at AT TIME ZONE :tz)::date, 'IYYY-"W"IW') AS week, count(*) AS total
        FROM comments c JOIN classifications k ON k.comment_id = c.id AND k.is_current
        WHERE c.occurred_at >= :start AND k.category::text = :category GROUP BY 1"""
    params = {"start": period_start(weeks), "category": category, "tz": clock.zone_name()}
    with session_scope() as session:
        return {r.week: int(r.total) for r in session.execute(text(sql), params)}


def period_weeks(weeks: int = 8) -> list[str]:
    monday = period_start(weeks).date()
    return [clock.iso_week_of(monday + timedelta(weeks=n)) for n in range(weeks)]
