"""The public weekly report: aggregates computed in SQL, returned as plain JSON-ready lists of dicts.

One source for `GET /api/relatorio/semana`, the Streamlit report page and the weekly summary job.

Rules kept by every function here:
- comments are counted by their CURRENT classification (`classifications.is_current`), never by
  classifications, so a re-classified comment counts once, under its latest label;
- time is `comments.occurred_at` (when the comment was written, else when it was received), and days are
  calendar days in `settings.timezone`;
- every aggregation runs in PostgreSQL; Python only shapes rows into dicts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import validation
from shared.categories import CATEGORY_VALUES
from shared.settings import get_settings
from shared.validation import DATE_MAX, DATE_MIN  # noqa: F401  (re-exported for callers)

DEFAULT_DAYS = 7
MAX_PERIOD_DAYS = 366
TOP_TAGS_HOURS = 48
TOP_TAGS_LIMIT = 10
TOP_ARTISTS_LIMIT = 8


class PeriodError(ValueError):
    """A period the report refuses (message in Portuguese, fit for an API client)."""


def check_date(value: date) -> date:
    """`value` when it lies in [DATE_MIN, DATE_MAX]; PeriodError otherwise."""
    try:
        return validation.check_date(value)
    except ValueError as exc:
        raise PeriodError(str(exc)) from None


def _tz_name() -> str:
    return get_settings().timezone


def today_local() -> date:
    return datetime.now(ZoneInfo(_tz_name())).date()


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in the configured time zone: the one place a calendar day becomes an instant."""
    return datetime.combine(day, datetime.min.time(), ZoneInfo(_tz_name()))


@dataclass(frozen=True)
class Period:
    """Calendar days `desde`..`ate`, both inclusive, in the configured time zone."""
    desde: date
    ate: date

    def __post_init__(self) -> None:
        if self.ate < self.desde:
            raise PeriodError("'desde' deve ser anterior ou igual a 'ate'")
        if self.days > MAX_PERIOD_DAYS:
            raise PeriodError(f"período de {self.days} dias; o máximo é {MAX_PERIOD_DAYS}")

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, ending: date | None = None) -> "Period":
        """The `days` days ending `ending` (default: today in settings.timezone)."""
        end = ending or today_local()
        return cls(end - timedelta(days=days - 1), end)

    @classmethod
    def from_params(cls, desde: date | None = None, ate: date | None = None) -> "Period":
        """Optional bounds from a request: missing `ate` is today, missing `desde` is `ate` minus 6 days.
        Dates outside [DATE_MIN, DATE_MAX] raise PeriodError."""
        end = check_date(ate or today_local())
        start = check_date(desde or end - timedelta(days=DEFAULT_DAYS - 1))
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.ate - self.desde).days + 1

    @property
    def previous(self) -> "Period":
        """The period of the same length right before this one (week-over-week comparison)."""
        return Period(self.desde - timedelta(days=self.days), self.desde - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of `desde`, local midnight after `ate`."""
        return local_midnight(self.desde), local_midnight(self.ate + timedelta(days=1))

    def params(self) -> dict[str, Any]:
        start, end = self.bounds()
        return {"start": start, "end": end, "desde": self.desde, "ate": self.ate, "tz": _tz_name()}

    def as_dict(self) -> dict[str, str]:
        return {"desde": self.desde.isoformat(), "ate": self.ate.isoformat()}


# Comments of the period joined to their current classification (classified comments only).
_CURRENT = """
    FROM comments c
    JOIN classifications k ON k.comment_id = c.id AND k.is_current
    WHERE c.occurred_at >= :start AND c.occurred_at < :end
"""
# Category values in their canonical order (shared.categories is the only place they are defined).
_CATEGORIES = "unnest(CAST(:categories AS text[])) WITH ORDINALITY AS cat(categoria, ordem)"


def _rows(session: Session, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(text(sql), params).mappings()]


def _round(value: Any, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def totals(session: Session, period: Period) -> dict[str, Any]:
    """Comments received in the period (all statuses), classified ones, and the change vs the previous period."""
    prev = period.previous
    row = session.execute(text("""
        SELECT
          count(*) FILTER (WHERE c.occurred_at >= :start AND c.occurred_at < :end) AS total,
          count(k.id) FILTER (WHERE c.occurred_at >= :start AND c.occurred_at < :end) AS classificados,
          count(*) FILTER (WHERE c.occurred_at >= :prev_start AND c.occurred_at < :start) AS total_anterior,
          count(k.id) FILTER (WHERE c.occurred_at >= :prev_start AND c.occurred_at < :start)
            AS classificados_anterior
        FROM comments c
        LEFT JOIN classifications k ON k.comment_id = c.id AND k.is_current
        WHERE c.occurred_at >= :prev_start AND c.occurred_at < :end
    """), {**period.params(), "prev_start": prev.bounds()[0]}).mappings().one()
    total, before = int(row["total"]), int(row["total_anterior"])
    change = None if before == 0 else round((total - before) * 100.0 / before, 1)
    return {
        "total": total,
        "classificados": int(row["classificados"]),
        "total_anterior": before,
        "classificados_anterior": int(row["classificados_anterior"]),
        "variacao_percentual": change,  # None when the previous period had no comments
    }


def category_distribution(session: Session, period: Period) -> list[dict[str, Any]]:
    """Every category (zeros included), in canonical order: total and percentage of the classified comments."""
    rows = _rows(session, f"""
        WITH counts AS (SELECT k.categoria::text AS categoria, count(*) AS total {_CURRENT} GROUP BY 1)
        SELECT cat.categoria, coalesce(counts.total, 0) AS total,
               coalesce(round(100.0 * counts.total / nullif(sum(counts.total) OVER (), 0), 1), 0) AS percentual
        FROM {_CATEGORIES}
        LEFT JOIN counts ON counts.categoria = cat.categoria
        ORDER BY cat.ordem
    """, categories=list(CATEGORY_VALUES), **period.params())
    return [{"categoria": r["categoria"], "total": int(r["total"]), "percentual": float(r["percentual"])}
            for r in rows]


def daily_evolution(session: Session, period: Period) -> list[dict[str, Any]]:
    """One row per (day, category) of the period, days without comments as zero."""
    rows = _rows(session, f"""
        WITH counts AS (
          SELECT (c.occurred_at AT TIME ZONE :tz)::date AS dia, k.categoria::text AS categoria, count(*) AS total
          {_CURRENT}
          GROUP BY 1, 2
        )
        SELECT d.dia::date AS dia, cat.categoria, coalesce(counts.total, 0) AS total
        FROM generate_series(CAST(:desde AS date), CAST(:ate AS date), interval '1 day') AS d(dia)
        CROSS JOIN {_CATEGORIES}
        LEFT JOIN counts ON counts.dia = d.dia::date AND counts.categoria = cat.categoria
        ORDER BY d.dia, cat.ordem
    """, categories=list(CATEGORY_VALUES), **period.params())
    return [{"dia": r["dia"].isoformat(), "categoria": r["categoria"], "total": int(r["total"])} for r in rows]


def top_tags(session: Session, hours: int = TOP_TAGS_HOURS, limit: int = TOP_TAGS_LIMIT,
             until: datetime | None = None) -> list[dict[str, Any]]:
    """The most cited feature tags in the `hours` before `until` (default now): comments citing each tag."""
    end = until or datetime.now(timezone.utc)
    rows = _rows(session, """
        SELECT t.codigo, count(*) AS total
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        JOIN classification_tags t ON t.classification_id = k.id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end
        GROUP BY t.codigo
        ORDER BY total DESC, t.codigo
        LIMIT :limit
    """, start=end - timedelta(hours=hours), end=end, limit=limit)
    return [{"codigo": r["codigo"], "total": int(r["total"])} for r in rows]


def categories_by_artist(session: Session, period: Period, limit: int = TOP_ARTISTS_LIMIT) -> list[dict[str, Any]]:
    """For the `limit` most commented artists of the period: comments per category (non-zero rows only).

    The artist is the one the client sent, else the one the classifier recognised in the text.
    """
    rows = _rows(session, f"""
        WITH base AS (
          SELECT coalesce(c.artista, k.artista) AS artista, k.categoria::text AS categoria
          {_CURRENT} AND coalesce(c.artista, k.artista) IS NOT NULL
        ),
        top AS (
          SELECT artista, count(*) AS total_artista FROM base
          GROUP BY artista ORDER BY total_artista DESC, artista LIMIT :limit
        )
        SELECT b.artista, b.categoria, count(*) AS total, top.total_artista
        FROM base b JOIN top USING (artista)
        JOIN {_CATEGORIES} ON cat.categoria = b.categoria
        GROUP BY b.artista, b.categoria, top.total_artista, cat.ordem
        ORDER BY top.total_artista DESC, b.artista, cat.ordem
    """, categories=list(CATEGORY_VALUES), limit=limit, **period.params())
    return [{"artista": r["artista"], "categoria": r["categoria"], "total": int(r["total"]),
             "total_artista": int(r["total_artista"])} for r in rows]


def confidence_by_category(session: Session, period: Period) -> list[dict[str, Any]]:
    """Average and median confidence of the current classifications per category (categories with data)."""
    rows = _rows(session, f"""
        SELECT k.categoria::text AS categoria, count(*) AS total,
               avg(k.confianca) AS confianca_media,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY k.confianca) AS confianca_mediana
        {_CURRENT}
        GROUP BY 1
    """, **period.params())
    order = {value: i for i, value in enumerate(CATEGORY_VALUES)}
    rows.sort(key=lambda r: order.get(r["categoria"], len(order)))
    return [{"categoria": r["categoria"], "total": int(r["total"]),
             "confianca_media": _round(r["confianca_media"]),
             "confianca_mediana": _round(r["confianca_mediana"])} for r in rows]


def weekly_report(session: Session, period: Period | None = None) -> dict[str, Any]:
    """Everything the public report shows, JSON-ready. Top tags cover the 48 h before the period's end
    (or before now, when the period ends today)."""
    period = period or Period.last_days()
    end = min(period.bounds()[1], datetime.now(timezone.utc))
    return {
        "periodo": {**period.as_dict(), "fuso_horario": _tz_name()},
        "periodo_anterior": period.previous.as_dict(),
        "totais": totals(session, period),
        "distribuicao_categorias": category_distribution(session, period),
        "evolucao_diaria": daily_evolution(session, period),
        "top_tags": {"horas": TOP_TAGS_HOURS, "ate": end.isoformat(), "itens": top_tags(session, until=end)},
        "categorias_por_artista": categories_by_artist(session, period),
        "confianca_por_categoria": confidence_by_category(session, period),
        "gerado_em": datetime.now(timezone.utc).isoformat(),
    }


def _summary_dict(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "semana": row["iso_week"],
        "desde": row["period_start"].isoformat(),
        "ate": row["period_end"].isoformat(),
        "texto": row["texto"],
        "modelo": row["model"],
        "versao_prompt": row["prompt_version"],
        "criado_em": row["created_at"].isoformat(),
        "enviado_em": row["sent_at"].isoformat() if row["sent_at"] else None,
        "destinatarios": list(row["recipients"] or []),
    }


_SUMMARY_COLUMNS = "iso_week, period_start, period_end, texto, model, prompt_version, created_at, sent_at, recipients"


def latest_summary(session: Session) -> dict[str, Any] | None:
    """The most recent weekly summary (by period), or None when none exists yet."""
    rows = recent_summaries(session, limit=1, weeks=None)
    return rows[0] if rows else None


def recent_summaries(session: Session, limit: int = 3, weeks: int | None = 8) -> list[dict[str, Any]]:
    """The `limit` most recent weekly summaries, newest first; only those ending in the last `weeks` weeks."""
    where = ""
    params: dict[str, Any] = {"limit": limit}
    if weeks is not None:
        where = "WHERE period_end >= :since"
        params["since"] = today_local() - timedelta(weeks=weeks)
    rows = _rows(session, f"""
        SELECT {_SUMMARY_COLUMNS} FROM weekly_summaries {where}
        ORDER BY period_end DESC, iso_week DESC LIMIT :limit
    """, **params)
    return [_summary_dict(r) for r in rows]


def list_summaries(session: Session, limit: int = 52) -> list[dict[str, Any]]:
    """Weekly summaries, newest first (dashboard list)."""
    return recent_summaries(session, limit=limit, weeks=None)
