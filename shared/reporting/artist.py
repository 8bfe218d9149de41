"""The artist page's numbers: weekly category trend (hourly rollups), top tags per category and recent quotes.

An artist is the one the client sent, else the classifier's only when it is a catalogue name (the reports'
rule). Names are matched exactly after `resolve_artist` found the stored spelling (the catalogue case-insensitively,
else a client-sent name through the `comments.artist` index).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.catalog import ARTIST_NAMES
from shared.text import publicly_quotable
from shared.vocabulary import CATEGORY_VALUES, Category

TREND_WEEKS = 12
TAG_DAYS = 28
TAG_LIMIT = 10
QUOTES = 8
QUOTE_CANDIDATES = 60
QUOTE_MAX_CHARS = 280

# The comment belongs to :artist (client's name, else the classifier's catalogue name).
_OF_ARTIST = "(c.artist = :artist OR (c.artist IS NULL AND k.artist = :artist AND :in_catalogue))"


def resolve_artist(session: Session, name: str | None) -> str | None:
    """The stored spelling of `name`: a catalogue name (any case), else a name some client sent; None if unknown."""
    name = (name or "").strip()
    if not name or len(name) > 200 or "\x00" in name:
        return None
    for known in ARTIST_NAMES:
        if known.casefold() == name.casefold():
            return known
    found = session.scalar(text("SELECT artist FROM comments WHERE artist = :name LIMIT 1"), {"name": name})
    return str(found) if found is not None else None


def _params(artist: str) -> dict[str, Any]:
    return {"artist": artist, "in_catalogue": artist in ARTIST_NAMES, "tz": clock.zone_name()}


def weekly_trend(session: Session, artist: str, weeks: int = TREND_WEEKS, today: date | None = None) -> list[dict]:
    """Comments per ISO week (Monday, configured zone) and category for the last `weeks` weeks, zeros included."""
    today = today or clock.today()
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start, end = clock.day_range(first_monday, today)
    rows = session.execute(
        text("""
        WITH counts AS (
          SELECT date_trunc('week', hour AT TIME ZONE :tz)::date AS week, category::text AS category,
                 sum(comments) AS total
          FROM rollup_artists_hourly
          WHERE hour >= :start AND hour < :end AND artist = :artist AND (client_sent OR :in_catalogue)
          GROUP BY 1, 2
        )
        SELECT w.week::date AS semana, cat.category AS categoria, coalesce(counts.total, 0) AS total
        FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '7 days') AS w(week)
        CROSS JOIN unnest(CAST(:categories AS text[])) WITH ORDINALITY AS cat(category, position)
        LEFT JOIN counts ON counts.week = w.week::date AND counts.category = cat.category
        ORDER BY w.week, cat.position
    """),
        {
            **_params(artist),
            "start": start,
            "end": end,
            "first": first_monday,
            "last": today,
            "categories": list(CATEGORY_VALUES),
        },
    ).mappings()
    return [{"semana": r["semana"], "categoria": r["categoria"], "total": int(r["total"])} for r in rows]


def top_tags(
    session: Session, artist: str, category: Category, days: int = TAG_DAYS, limit: int = TAG_LIMIT
) -> list[dict]:
    """The tags most cited by the artist's comments of `category` in the last `days` days (current
    classifications), read through the `occurred_at` index of the period."""
    start, end = clock.day_range(clock.today() - timedelta(days=days - 1), clock.today())
    rows = session.execute(
        text(f"""
        SELECT t.code AS codigo, count(*) AS total
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        JOIN classification_tags t ON t.classification_id = k.id
        WHERE c.occurred_at >= :start AND c.occurred_at < :end AND k.category = CAST(:category AS category)
          AND {_OF_ARTIST}
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT :limit
    """),  # noqa: S608 - constant fragment; every value is a bound parameter
        {**_params(artist), "start": start, "end": end, "category": category.value, "limit": limit},
    ).mappings()
    return [{"codigo": r["codigo"], "total": int(r["total"])} for r in rows]


def recent_quotes(session: Session, artist: str, limit: int = QUOTES, days: int = TAG_DAYS) -> list[dict]:
    """The artist's most recent comments fit to quote: never SPAM, and `publicly_quotable` (no link, domain,
    @handle, e-mail, phone or markup). Shown as plain text."""
    start, _ = clock.day_range(clock.today() - timedelta(days=days - 1))
    rows = session.execute(
        text(f"""
        SELECT c.text AS texto, c.occurred_at AS quando, k.category::text AS categoria
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        WHERE c.occurred_at >= :start AND k.category <> CAST(:spam AS category) AND length(c.text) <= :max_chars
          AND {_OF_ARTIST}
        ORDER BY c.occurred_at DESC, c.id
        LIMIT :candidates
    """),  # noqa: S608 - constant fragment; every value is a bound parameter
        {
            **_params(artist),
            "start": start,
            "spam": Category.SPAM.value,
            "max_chars": QUOTE_MAX_CHARS,
            "candidates": QUOTE_CANDIDATES,
        },
    ).mappings()
    return [dict(r) for r in rows if publicly_quotable(r["texto"])][:limit]
