"""The public weekly report: aggregates computed in SQL, returned as validated payloads.

One source for `GET /api/relatorio/semana`, the Streamlit report page and the weekly summary job.

Rules kept by every function here:
- comments are counted by their CURRENT classification (`classifications.is_current`), never by
  classifications, so a re-classified comment counts once, under its latest label;
- time is `comments.occurred_at` (when the comment was written, else when it was received), and days are
  calendar days in the configured time zone (`shared.clock`);
- every aggregation runs in PostgreSQL; Python only shapes rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.reporting.payloads import (
    ArtistaCategoria,
    CategoriaTotal,
    ConfiancaCategoria,
    DiaCategoria,
    PeriodoRelatorio,
    Relatorio,
    TagTotal,
    TopTags,
    Totais,
)
from shared.reporting.periods import Period
from shared.vocabulary import CATEGORY_VALUES

TOP_TAGS_HOURS = 48
TOP_TAGS_LIMIT = 10
TOP_ARTISTS_LIMIT = 8

# Comments of the period joined to their current classification (classified comments only).
_CURRENT = """
    FROM comments c
    JOIN classifications k ON k.comment_id = c.id AND k.is_current
    WHERE c.occurred_at >= :start AND c.occurred_at < :end
"""
# Category values in their canonical order (shared.vocabulary is the only place they are defined).
_CATEGORIES = "unnest(CAST(:categories AS text[])) WITH ORDINALITY AS cat(category, position)"


def _params(period: Period) -> dict[str, Any]:
    start, end = period.bounds()
    return {
        "start": start,
        "end": end,
        "first": period.first,
        "last": period.last,
        "tz": clock.zone_name(),
        "categories": list(CATEGORY_VALUES),
    }


def _rows(session: Session, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(text(sql), params).mappings()]


def _round(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def percent_change(now: int, before: int) -> float | None:
    """Change from `before` to `now` in percent (one decimal); None when there is no base to compare with."""
    return None if before == 0 else round((now - before) * 100.0 / before, 1)


def totals(session: Session, period: Period) -> Totais:
    """Comments of the period (all statuses), classified ones, and the change vs the previous period."""
    row = (
        session.execute(
            text("""
        SELECT
          count(*) FILTER (WHERE c.occurred_at >= :start) AS total,
          count(k.id) FILTER (WHERE c.occurred_at >= :start) AS classified,
          count(*) FILTER (WHERE c.occurred_at < :start) AS previous_total,
          count(k.id) FILTER (WHERE c.occurred_at < :start) AS previous_classified
        FROM comments c
        LEFT JOIN classifications k ON k.comment_id = c.id AND k.is_current
        WHERE c.occurred_at >= :previous_start AND c.occurred_at < :end
    """),
            {**_params(period), "previous_start": period.previous.bounds()[0]},
        )
        .mappings()
        .one()
    )
    total, before = int(row["total"]), int(row["previous_total"])
    return Totais(
        total=total,
        classificados=int(row["classified"]),
        total_anterior=before,
        classificados_anterior=int(row["previous_classified"]),
        variacao_percentual=percent_change(total, before),
    )


def category_distribution(session: Session, period: Period) -> list[CategoriaTotal]:
    """Every category (zeros included), in canonical order: total and percentage of the classified comments."""
    rows = _rows(
        session,
        f"""
        WITH counts AS (SELECT k.category::text AS category, count(*) AS total {_CURRENT} GROUP BY 1)
        SELECT cat.category, coalesce(counts.total, 0) AS total,
               coalesce(round(100.0 * counts.total / nullif(sum(counts.total) OVER (), 0), 1), 0) AS share
        FROM {_CATEGORIES}
        LEFT JOIN counts ON counts.category = cat.category
        ORDER BY cat.position
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        **_params(period),
    )
    return [CategoriaTotal(categoria=r["category"], total=int(r["total"]), percentual=float(r["share"])) for r in rows]


def daily_evolution(session: Session, period: Period) -> list[DiaCategoria]:
    """One row per (day, category) of the period, days without comments as zero."""
    rows = _rows(
        session,
        f"""
        WITH counts AS (
          SELECT (c.occurred_at AT TIME ZONE :tz)::date AS day, k.category::text AS category, count(*) AS total
          {_CURRENT}
          GROUP BY 1, 2
        )
        SELECT d.day::date AS day, cat.category, coalesce(counts.total, 0) AS total
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
        CROSS JOIN {_CATEGORIES}
        LEFT JOIN counts ON counts.day = d.day::date AND counts.category = cat.category
        ORDER BY d.day, cat.position
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        **_params(period),
    )
    return [DiaCategoria(dia=r["day"], categoria=r["category"], total=int(r["total"])) for r in rows]


def top_tags(
    session: Session, hours: int = TOP_TAGS_HOURS, limit: int = TOP_TAGS_LIMIT, until: datetime | None = None
) -> list[TagTotal]:
    """The most cited feature tags in the `hours` before `until` (default now): comments citing each tag."""
    end = until or clock.now()
    rows = _rows(
        session,
        """
        SELECT t.code, count(*) AS total
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        JOIN classification_tags t ON t.classification_id = k.id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end
        GROUP BY t.code
        ORDER BY total DESC, t.code
        LIMIT :limit
    """,
        start=end - timedelta(hours=hours),
        end=end,
        limit=limit,
    )
    return [TagTotal(codigo=r["code"], total=int(r["total"])) for r in rows]


def categories_by_artist(session: Session, period: Period, limit: int = TOP_ARTISTS_LIMIT) -> list[ArtistaCategoria]:
    """For the `limit` most commented artists of the period: comments per category (non-zero rows only).

    The artist is the one the client sent, else the one the classifier recognised in the text.
    """
    rows = _rows(
        session,
        f"""
        WITH base AS (
          SELECT coalesce(c.artist, k.artist) AS artist, k.category::text AS category
          {_CURRENT} AND coalesce(c.artist, k.artist) IS NOT NULL
        ),
        top AS (
          SELECT artist, count(*) AS artist_total FROM base
          GROUP BY artist ORDER BY artist_total DESC, artist LIMIT :limit
        )
        SELECT b.artist, b.category, count(*) AS total, top.artist_total
        FROM base b JOIN top USING (artist)
        JOIN {_CATEGORIES} ON cat.category = b.category
        GROUP BY b.artist, b.category, top.artist_total, cat.position
        ORDER BY top.artist_total DESC, b.artist, cat.position
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        limit=limit,
        **_params(period),
    )
    return [
        ArtistaCategoria(
            artista=r["artist"], categoria=r["category"], total=int(r["total"]), total_artista=int(r["artist_total"])
        )
        for r in rows
    ]


def confidence_by_category(session: Session, period: Period) -> list[ConfiancaCategoria]:
    """Average and median confidence of the current classifications per category (categories with data)."""
    rows = _rows(
        session,
        f"""
        WITH stats AS (
          SELECT k.category::text AS category, count(*) AS total, avg(k.confidence) AS mean,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY k.confidence) AS median
          {_CURRENT}
          GROUP BY 1
        )
        SELECT stats.* FROM stats JOIN {_CATEGORIES} ON cat.category = stats.category ORDER BY cat.position
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        **_params(period),
    )
    return [
        ConfiancaCategoria(
            categoria=r["category"],
            total=int(r["total"]),
            confianca_media=_round(r["mean"]),
            confianca_mediana=_round(r["median"]),
        )
        for r in rows
    ]


def weekly_report(session: Session, period: Period | None = None) -> Relatorio:
    """Everything the public report shows. Top tags cover the 48 h before the period's end (or before now,
    when the period ends today)."""
    period = period or Period.last_days()
    end = min(period.bounds()[1], clock.now())
    return Relatorio(
        periodo=PeriodoRelatorio(desde=period.first, ate=period.last, fuso_horario=clock.zone_name()),
        periodo_anterior=period.previous.as_dict(),
        totais=totals(session, period),
        distribuicao_categorias=category_distribution(session, period),
        evolucao_diaria=daily_evolution(session, period),
        top_tags=TopTags(horas=TOP_TAGS_HOURS, ate=end, itens=top_tags(session, until=end)),
        categorias_por_artista=categories_by_artist(session, period),
        confianca_por_categoria=confidence_by_category(session, period),
        gerado_em=clock.now(),
    )
