"""The numbers a weekly summary is built from (SQL aggregates; Python only shapes tens of rows)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.catalog import ARTIST_NAMES
from shared.reporting import reports
from shared.reporting.periods import Period
from shared.text import publicly_quotable
from shared.vocabulary import CATEGORY_VALUES, WATCHED_CATEGORIES, Category

TOP_TAGS = 5
TOP_ARTISTS = 5
# A category "spikes" when it grows at least SPIKE_RATIO times and by at least SPIKE_MIN_INCREASE comments;
# a day spikes when it has at least SPIKE_DAY_FACTOR times the week's daily mean (and SPIKE_MIN_INCREASE).
SPIKE_RATIO = 1.5
SPIKE_MIN_INCREASE = 5
SPIKE_DAY_FACTOR = 2.5
QUOTES = 4
QUOTE_MIN_CHARS = 15
QUOTE_MAX_CHARS = 160
QUOTE_CANDIDATES = 20  # per category, before the link filter


def week_period(iso_week: str) -> Period:
    """Monday..Sunday of the ISO week."""
    return Period(*clock.week_days(iso_week))


def sample_quotes(session: Session, period: Period, limit: int = QUOTES) -> list[dict[str, Any]]:
    """A few short quotes: the most confident short comment of each category that is publicly quotable (never
    SPAM; no link, domain, @handle, e-mail, phone or markup: `shared.text.publicly_quotable`).

    The only aggregate that reads comments: the week's rows, reached by the period's index range on
    `occurred_at` (never the whole history). The artist shown is the client's, else the classifier's only
    when it is a catalogue name (the summary is public on the report page)."""
    start, end = period.bounds()
    rows = session.execute(
        text("""
        SELECT categoria, texto, artista FROM (
          SELECT k.category::text AS categoria, c.text AS texto,
                 coalesce(c.artist, CASE WHEN k.artist = ANY(CAST(:catalogue AS text[])) THEN k.artist END)
                   AS artista,
                 row_number() OVER (PARTITION BY k.category
                                    ORDER BY k.confidence DESC, length(c.text), c.id) AS rank
          FROM comments c JOIN classifications k ON k.comment_id = c.id AND k.is_current
          WHERE c.occurred_at >= :start AND c.occurred_at < :end
            AND k.category <> :spam AND length(c.text) BETWEEN :min_chars AND :max_chars
        ) ranked
        WHERE rank <= :candidates
        ORDER BY categoria, rank
    """),
        {
            "start": start,
            "end": end,
            "spam": Category.SPAM.value,
            "min_chars": QUOTE_MIN_CHARS,
            "max_chars": QUOTE_MAX_CHARS,
            "candidates": QUOTE_CANDIDATES,
            "catalogue": list(ARTIST_NAMES),
        },
    ).mappings()
    chosen: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["categoria"] not in chosen and publicly_quotable(row["texto"]):
            chosen[row["categoria"]] = dict(row)
    return [chosen[c] for c in CATEGORY_VALUES if c in chosen][:limit]


def find_spikes(categories: list[dict[str, Any]], daily: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Categories rising sharply against the previous week, and days far above the week's daily mean."""
    spikes: list[dict[str, Any]] = []
    for row in categories:
        now, before = row["total"], row["anterior"]
        if now - before >= SPIKE_MIN_INCREASE and now >= SPIKE_RATIO * max(before, 1):
            spikes.append(
                {
                    "tipo": "semana",
                    "categoria": row["categoria"],
                    "total": now,
                    "anterior": before,
                    "variacao_percentual": row["variacao_percentual"],
                    "atencao": row["categoria"] in WATCHED_CATEGORIES,
                }
            )
    days = len({d["dia"] for d in daily}) or 1
    for category in CATEGORY_VALUES:
        rows = [d for d in daily if d["categoria"] == category]
        mean = sum(d["total"] for d in rows) / days
        for d in rows:
            if d["total"] >= SPIKE_MIN_INCREASE and d["total"] >= SPIKE_DAY_FACTOR * mean:
                spikes.append(
                    {
                        "tipo": "dia",
                        "categoria": category,
                        "dia": d["dia"],
                        "total": d["total"],
                        "media_diaria": round(mean, 1),
                        "atencao": category in WATCHED_CATEGORIES,
                    }
                )
    return spikes


def build_aggregates(session: Session, iso_week: str) -> dict[str, Any]:
    """Everything the summary says, as JSON-ready data (stored with the summary)."""
    period = week_period(iso_week)
    before = {r.categoria: r.total for r in reports.category_distribution(session, period.previous)}
    categories = [
        {
            "categoria": r.categoria.value,
            "total": r.total,
            "percentual": r.percentual,
            "anterior": before.get(r.categoria, 0),
            "variacao_percentual": reports.percent_change(r.total, before.get(r.categoria, 0)),
        }
        for r in reports.category_distribution(session, period)
    ]
    artists: dict[str, dict[str, Any]] = {}
    for r in reports.categories_by_artist(session, period, limit=TOP_ARTISTS):
        entry = artists.setdefault(r.artista, {"artista": r.artista, "total": r.total_artista, "categorias": {}})
        entry["categorias"][r.categoria.value] = r.total
    daily = [d.model_dump(mode="json") for d in reports.daily_evolution(session, period)]
    tags = reports.top_tags(session, hours=period.days * 24, limit=TOP_TAGS, until=period.bounds()[1])
    return {
        "semana": iso_week,
        "periodo": period.as_dict(),
        "periodo_anterior": period.previous.as_dict(),
        "fuso_horario": clock.zone_name(),
        "totais": reports.totals(session, period).model_dump(mode="json"),
        "categorias": categories,
        "top_tags": [t.model_dump(mode="json") for t in tags],
        "artistas": list(artists.values()),
        "picos": find_spikes(categories, daily),
        "citacoes": sample_quotes(session, period),
    }
