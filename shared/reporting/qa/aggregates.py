"""The numbers every answer to a question is grounded in: SQL aggregates over ISO weeks of the configured zone.

Both answer modes read the same `context(...)`: categories by week, top tags and top artists per category, the
last 48 hours (what just happened), spikes (`shared.reporting.summary.aggregates.find_spikes`) and a few safe
quotes (`sample_quotes`: never SPAM, never a link or handle). Everything comes from the hourly rollups
(`shared.reporting.rollups`) except the quotes and the artist x tag crossings, which the rollups do not hold:
those are single SQL aggregates over the period's comments (index range on `occurred_at`). Artist names follow
the public rule of the reports (the client's name, else a catalogue name; SPAM left out).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.catalog import ARTIST_NAMES
from shared.classification.tags import LEXICON
from shared.reporting import reports
from shared.reporting.periods import Period
from shared.reporting.rollups import ceil_hour
from shared.reporting.summary.aggregates import find_spikes, sample_quotes
from shared.vocabulary import CATEGORY_VALUES, Category

DEFAULT_WEEKS = 8
MAX_WEEKS = 26
RECENT_HOURS = 48
TOP = 5

_TAG_LABELS = {tag.code: tag.label for tag in LEXICON}
# The ISO week ("2026-W47") of a rollup hour, in the configured zone (the same naming as `clock.iso_week_of`).
_WEEK = """to_char((hour AT TIME ZONE :tz)::date, 'IYYY-"W"IW')"""
_IN_RANGE = "hour >= :start AND hour < :end"
# Public artist rule of the reports (`reports.categories_by_artist`), on the rollup and on the base tables.
_PUBLIC_ROLLUP = "(client_sent OR artist = ANY(CAST(:catalogue AS text[])))"
_PUBLIC_ARTIST = "coalesce(c.artist, CASE WHEN k.artist = ANY(CAST(:catalogue AS text[])) THEN k.artist END)"


def tag_label(code: str) -> str:
    """The human (Portuguese) name of a tag code: the lexicon's label, else the code without `feat_`."""
    return _TAG_LABELS.get(code) or code.removeprefix("feat_").replace("_", " ")


def period_of_weeks(weeks: int = DEFAULT_WEEKS, today: date | None = None) -> Period:
    """The last `weeks` ISO weeks of the configured zone, the current (partial) week included: from the
    Monday `weeks - 1` weeks before this week's Monday to today."""
    today = today or clock.today()
    monday, _ = clock.week_days(clock.iso_week_of(today))
    return Period(monday - timedelta(weeks=max(1, min(weeks, MAX_WEEKS)) - 1), today)


def weeks_of(period: Period) -> list[str]:
    """The ISO weeks the period touches, oldest first."""
    first = period.first - timedelta(days=period.first.weekday())
    return [clock.iso_week_of(day) for day in _mondays(first, period.last)]


def _mondays(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day += timedelta(weeks=1)
    return out


def _rows(session: Session, sql: str, **params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in session.execute(text(sql), params).mappings()]


def _range(start: datetime, end: datetime) -> dict[str, Any]:
    return {"start": start, "end": end, "tz": clock.zone_name(), "catalogue": list(ARTIST_NAMES)}


def _by_week(rows: list[dict[str, Any]], weeks: list[str]) -> list[dict[str, Any]]:
    """[{semana, total, por_categoria{every category}}] for every week (zeros included), oldest first."""
    table = {week: dict.fromkeys(CATEGORY_VALUES, 0) for week in weeks}
    for row in rows:
        if row["week"] in table:
            table[row["week"]][row["category"]] = int(row["total"])
    return [{"semana": week, "total": sum(counts.values()), "por_categoria": counts} for week, counts in table.items()]


def categories_by_week(session: Session, period: Period) -> list[dict[str, Any]]:
    """Current classifications per ISO week and category (rollup_categories_hourly)."""
    rows = _rows(
        session,
        f"""SELECT {_WEEK} AS week, category::text AS category, sum(comments) AS total
            FROM rollup_categories_hourly WHERE {_IN_RANGE} GROUP BY 1, 2""",  # noqa: S608 - constant fragments
        **_range(*period.bounds()),
    )
    return _by_week(rows, weeks_of(period))


def top_tags_by_category(session: Session, start: datetime, end: datetime, limit: int = TOP) -> dict[str, list]:
    """{category: [{codigo, rotulo, total}]}: the most cited tags of each category (rollup_tags_hourly)."""
    rows = _rows(
        session,
        f"""
        SELECT category::text AS category, code, total FROM (
          SELECT category, code, sum(comments) AS total,
                 row_number() OVER (PARTITION BY category ORDER BY sum(comments) DESC, code) AS rank
          FROM rollup_tags_hourly WHERE {_IN_RANGE}
          GROUP BY 1, 2 HAVING sum(comments) > 0
        ) ranked WHERE rank <= :limit ORDER BY 1, rank""",  # noqa: S608 - constant fragments
        limit=limit,
        **_range(start, end),
    )
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r["category"], []).append(
            {"codigo": r["code"], "rotulo": tag_label(r["code"]), "total": int(r["total"])}
        )
    return out


def top_artists_by_category(session: Session, start: datetime, end: datetime, limit: int = TOP) -> dict[str, list]:
    """{category: [{artista, total}]}: the most commented public artists of each category (SPAM left out)."""
    rows = _rows(
        session,
        f"""
        SELECT category::text AS category, artist, total FROM (
          SELECT category, artist, sum(comments) AS total,
                 row_number() OVER (PARTITION BY category ORDER BY sum(comments) DESC, artist) AS rank
          FROM rollup_artists_hourly
          WHERE {_IN_RANGE} AND category <> CAST(:spam AS category) AND {_PUBLIC_ROLLUP}
          GROUP BY 1, 2 HAVING sum(comments) > 0
        ) ranked WHERE rank <= :limit ORDER BY 1, rank""",  # noqa: S608 - constant fragments
        limit=limit,
        spam=Category.SPAM.value,
        **_range(start, end),
    )
    out: dict[str, list] = {}
    for r in rows:
        out.setdefault(r["category"], []).append({"artista": r["artist"], "total": int(r["total"])})
    return out


def category_totals(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = _rows(
        session,
        f"""SELECT category::text AS category, sum(comments) AS total FROM rollup_categories_hourly
            WHERE {_IN_RANGE} GROUP BY 1""",  # noqa: S608 - constant fragments
        **_range(start, end),
    )
    found = {r["category"]: int(r["total"]) for r in rows}
    return {c: found.get(c, 0) for c in CATEGORY_VALUES}


def artist_by_week(session: Session, period: Period, artist: str) -> list[dict[str, Any]]:
    """One public artist's comments per ISO week and category (SPAM left out)."""
    rows = _rows(
        session,
        f"""SELECT {_WEEK} AS week, category::text AS category, sum(comments) AS total
            FROM rollup_artists_hourly
            WHERE {_IN_RANGE} AND artist = :artist AND category <> CAST(:spam AS category) AND {_PUBLIC_ROLLUP}
            GROUP BY 1, 2""",  # noqa: S608 - constant fragments
        artist=artist,
        spam=Category.SPAM.value,
        **_range(*period.bounds()),
    )
    return _by_week(rows, weeks_of(period))


def tag_by_week(session: Session, period: Period, code: str) -> list[dict[str, Any]]:
    """One tag's comments per ISO week and category."""
    rows = _rows(
        session,
        f"""SELECT {_WEEK} AS week, category::text AS category, sum(comments) AS total
            FROM rollup_tags_hourly WHERE {_IN_RANGE} AND code = :code GROUP BY 1, 2""",  # noqa: S608
        code=code,
        **_range(*period.bounds()),
    )
    return _by_week(rows, weeks_of(period))


def tags_of_artist(session: Session, period: Period, artist: str, limit: int = TOP) -> list[dict[str, Any]]:
    """The tags most cited in comments about one public artist: [{codigo, rotulo, total, por_categoria}]."""
    rows = _rows(
        session,
        f"""
        SELECT t.code, k.category::text AS category, count(*) AS total
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        JOIN classification_tags t ON t.classification_id = k.id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end AND k.category <> CAST(:spam AS category)
          AND {_PUBLIC_ARTIST} = :artist
        GROUP BY 1, 2""",  # noqa: S608 - constant fragments
        artist=artist,
        spam=Category.SPAM.value,
        **_range(*period.bounds()),
    )
    return _crossing(rows, "code", limit)


def artists_of_tag(session: Session, period: Period, code: str, limit: int = TOP) -> list[dict[str, Any]]:
    """The public artists most associated with one tag: [{artista, total, por_categoria}] (SPAM left out)."""
    rows = _rows(
        session,
        f"""
        SELECT {_PUBLIC_ARTIST} AS artist, k.category::text AS category, count(*) AS total
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        JOIN classification_tags t ON t.classification_id = k.id AND t.code = :code
        WHERE c.occurred_at >= :start AND c.occurred_at < :end AND k.category <> CAST(:spam AS category)
          AND {_PUBLIC_ARTIST} IS NOT NULL
        GROUP BY 1, 2""",  # noqa: S608 - constant fragments
        code=code,
        spam=Category.SPAM.value,
        **_range(*period.bounds()),
    )
    return _crossing(rows, "artist", limit)


def _crossing(rows: list[dict[str, Any]], key: str, limit: int) -> list[dict[str, Any]]:
    """Rows (key, category, total) -> the `limit` keys with most comments, with their per-category counts."""
    grouped: dict[str, dict[str, int]] = {}
    for r in rows:
        grouped.setdefault(r[key], {})[r["category"]] = int(r["total"])
    ranked = sorted(grouped.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))[:limit]
    name = "codigo" if key == "code" else "artista"
    out = []
    for value, counts in ranked:
        entry = {name: value, "total": sum(counts.values()), "por_categoria": counts}
        if key == "code":
            entry["rotulo"] = tag_label(value)
        out.append(entry)
    return out


def spikes(session: Session, today: date | None = None) -> list[dict[str, Any]]:
    """The weekly summary's spike rule over the last 7 days: categories far above the 7 days before, and days
    far above the 7 days' daily mean."""
    week = Period.last_days(7, today)
    before = {r.categoria: r.total for r in reports.category_distribution(session, week.previous)}
    categories = [
        {
            "categoria": r.categoria.value,
            "total": r.total,
            "anterior": before.get(r.categoria, 0),
            "variacao_percentual": reports.percent_change(r.total, before.get(r.categoria, 0)),
        }
        for r in reports.category_distribution(session, week)
    ]
    daily = [d.model_dump(mode="json") for d in reports.daily_evolution(session, week)]
    return find_spikes(categories, daily)


def recent(session: Session, hours: int = RECENT_HOURS, now: datetime | None = None) -> dict[str, Any]:
    """The last `hours` whole UTC hours (the current one included): totals, top tags and artists per category."""
    end = ceil_hour(now or clock.now())
    start = end - timedelta(hours=hours)
    return {
        "horas": hours,
        "desde": start.isoformat(),
        "ate": end.isoformat(),
        "por_categoria": category_totals(session, start, end),
        "top_tags": top_tags_by_category(session, start, end, limit=3),
        "top_artistas": top_artists_by_category(session, start, end, limit=3),
    }


def context(session: Session, period: Period, artist: str | None = None, tag: str | None = None) -> dict[str, Any]:
    """Everything an answer may say about `period`, JSON-ready (the Gemini data and the offline writer's input).
    `artist` / `tag` (a catalogue name / a tag code) add a `foco` section about them."""
    start, end = period.bounds()
    by_week = categories_by_week(session, period)
    totals = category_totals(session, start, end)
    classified = sum(totals.values())
    data: dict[str, Any] = {
        "periodo": period.as_dict(),
        "semanas": weeks_of(period),
        "semana_atual_parcial": period.last < clock.week_days(clock.iso_week_of(period.last))[1],
        "fuso_horario": clock.zone_name(),
        "classificados": classified,
        "categorias": [
            {"categoria": c, "total": n, "percentual": round(100.0 * n / classified, 1) if classified else 0.0}
            for c, n in totals.items()
        ],
        "categorias_por_semana": by_week,
        "top_tags": top_tags_by_category(session, start, end),
        "top_artistas": top_artists_by_category(session, start, end),
        "recente": recent(session) if period.last >= clock.today() else None,
        "picos": spikes(session, period.last),
        "citacoes": sample_quotes(session, period) if classified else [],
    }
    if artist:
        data["foco"] = {
            "artista": artist,
            "por_semana": artist_by_week(session, period, artist),
            "top_tags": tags_of_artist(session, period, artist),
        }
    elif tag:
        data["foco"] = {
            "tag": tag,
            "rotulo": tag_label(tag),
            "por_semana": tag_by_week(session, period, tag),
            "top_artistas": artists_of_tag(session, period, tag),
        }
    return data
