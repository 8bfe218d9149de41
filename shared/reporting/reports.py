"""The public weekly report: aggregates read from the hourly rollups, returned as validated payloads.

One source for `GET /api/relatorio/semana`, the Streamlit report page, the dashboard KPIs and the weekly summary.
The rollup tables (migration 0005, `shared.reporting.rollups`) are kept exact by triggers in the same
transaction as every write, so each function here reads a few hundred rows per day of the period, whatever
the size of the history.

Rules kept by every function here:
- comments are counted by their CURRENT classification (`classifications.is_current`), never by
  classifications, so a re-classified comment counts once, under its latest label;
- time is `comments.occurred_at` (when the comment was written, else when it was received), bucketed by UTC
  hour; days are calendar days in the configured time zone (`shared.clock`), exact for zones with whole-hour
  offsets (a half-hour zone would count each bucket in the day where it starts);
- artist names shown publicly are the ones clients sent or catalogue names (`shared.catalog`), never a name
  only a classifier (LLM) extracted from a text; the per-artist chart leaves SPAM out;
- every aggregation runs in PostgreSQL; Python only shapes rows (and reads the median off a 20-bucket histogram).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.catalog import ARTIST_NAMES
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
from shared.reporting.rollups import HISTOGRAM_BUCKETS, ceil_hour, histogram_median
from shared.vocabulary import CATEGORY_VALUES, Category

TOP_TAGS_HOURS = 48
TOP_TAGS_LIMIT = 10
TOP_ARTISTS_LIMIT = 8

# The hour buckets of the period.
_IN_PERIOD = "hour >= :start AND hour < :end"
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
    previous_start = period.previous.bounds()[0]
    row = (
        session.execute(
            text("""
        SELECT
          (SELECT coalesce(sum(comments), 0) FROM rollup_comments_hourly
            WHERE hour >= :start AND hour < :end) AS total,
          (SELECT coalesce(sum(comments), 0) FROM rollup_categories_hourly
            WHERE hour >= :start AND hour < :end) AS classified,
          (SELECT coalesce(sum(comments), 0) FROM rollup_comments_hourly
            WHERE hour >= :previous_start AND hour < :start) AS previous_total,
          (SELECT coalesce(sum(comments), 0) FROM rollup_categories_hourly
            WHERE hour >= :previous_start AND hour < :start) AS previous_classified
    """),
            {**_params(period), "previous_start": previous_start},
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
        WITH counts AS (
          SELECT category::text AS category, sum(comments) AS total
          FROM rollup_categories_hourly WHERE {_IN_PERIOD} GROUP BY 1
        )
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
          SELECT (hour AT TIME ZONE :tz)::date AS day, category::text AS category, sum(comments) AS total
          FROM rollup_categories_hourly WHERE {_IN_PERIOD}
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
    """The most cited feature tags in the `hours` whole UTC hours that end with the hour of `until` (default
    now): comments citing each tag. (`until` on a whole hour, like a local midnight: exactly the hours
    before it; mid-hour, like now: the current hour counts whole.)"""
    end = ceil_hour(until or clock.now())
    rows = _rows(
        session,
        """
        SELECT code, sum(comments) AS total
        FROM rollup_tags_hourly
        WHERE hour >= :start AND hour < :end
        GROUP BY code
        HAVING sum(comments) > 0
        ORDER BY total DESC, code
        LIMIT :limit
    """,
        start=end - timedelta(hours=hours),
        end=end,
        limit=limit,
    )
    return [TagTotal(codigo=r["code"], total=int(r["total"])) for r in rows]


def categories_by_artist(session: Session, period: Period, limit: int = TOP_ARTISTS_LIMIT) -> list[ArtistaCategoria]:
    """For the `limit` most commented artists of the period: comments per category (non-zero rows only).

    Public chart rules: SPAM is left out (of the rows and of the ranking), and an artist is the one the client
    sent, else the one the classifier recognised only when it is a catalogue name (a name an LLM extracted
    from the text is never shown).
    """
    rows = _rows(
        session,
        f"""
        WITH base AS (
          SELECT artist, category::text AS category, sum(comments) AS total
          FROM rollup_artists_hourly
          WHERE {_IN_PERIOD} AND category <> CAST(:spam AS category)
            AND (client_sent OR artist = ANY(CAST(:catalogue AS text[])))
          GROUP BY 1, 2
          HAVING sum(comments) > 0
        ),
        top AS (
          SELECT artist, sum(total) AS artist_total FROM base
          GROUP BY artist ORDER BY artist_total DESC, artist LIMIT :limit
        )
        SELECT b.artist, b.category, b.total, top.artist_total
        FROM base b JOIN top USING (artist)
        JOIN {_CATEGORIES} ON cat.category = b.category
        ORDER BY top.artist_total DESC, b.artist, cat.position
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        limit=limit,
        spam=Category.SPAM.value,
        catalogue=list(ARTIST_NAMES),
        **_params(period),
    )
    return [
        ArtistaCategoria(
            artista=r["artist"], categoria=r["category"], total=int(r["total"]), total_artista=int(r["artist_total"])
        )
        for r in rows
    ]


def confidence_by_category(session: Session, period: Period) -> list[ConfiancaCategoria]:
    """Average (exact) and median (approximate, from the confidence histogram) of the current
    classifications per category (categories with data)."""
    # One pass: the count, the confidence sum and each histogram bucket summed (no unnest of the arrays).
    buckets = ", ".join(f"sum(confidence_histogram[{i + 1}]) AS b{i}" for i in range(HISTOGRAM_BUCKETS))
    stats = _rows(
        session,
        f"""
        SELECT category::text AS category, sum(comments) AS total, sum(confidence_sum) AS confidence_sum, {buckets}
        FROM rollup_categories_hourly WHERE {_IN_PERIOD}
        GROUP BY 1 HAVING sum(comments) > 0
    """,  # noqa: S608 - constant fragments only; every value is a bound parameter
        **_params(period),
    )
    histograms = {r["category"]: [int(r[f"b{i}"]) for i in range(HISTOGRAM_BUCKETS)] for r in stats}
    result = []
    by_category = {r["category"]: r for r in stats}
    for category in CATEGORY_VALUES:
        if category not in by_category:
            continue
        total = int(by_category[category]["total"])
        mean = float(by_category[category]["confidence_sum"] / total)
        result.append(
            ConfiancaCategoria(
                categoria=category,
                total=total,
                confianca_media=_round(mean),
                confianca_mediana=_round(histogram_median(histograms[category], mean)),
            )
        )
    return result


def weekly_report(session: Session, period: Period | None = None) -> Relatorio:
    """Everything the public report shows, from the rollups. Top tags cover the 48 whole UTC hours before the
    period's end (or up to the end of the current hour, when the period ends today)."""
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
