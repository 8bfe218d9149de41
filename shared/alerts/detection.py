"""Find CRÍTICA and SPAM volume far above its usual level, overall and per artist, and store each alert once.

The rules (README, "Alertas"):
- time is `comments.occurred_at`, the comment's time the reports use; a comment counts by its CURRENT
  classification; an artist is the one the client sent, else the classifier's only when it is a catalogue name
  (the reports' rule: a name an LLM pulled out of a text never reaches an e-mail);
- the recent window is the ALERT_WINDOW_MINUTES before the check (its end on a whole minute), counted from the
  comments through the `occurred_at` index (exact to the minute);
- the baseline is the same window, at the same local hours and weekday, in each of the ALERT_BASELINE_WEEKS
  previous weeks (those after the first comment), read from the hourly rollups (hours the window covers in part
  count in proportion);
- a series fires when its count reaches ALERT_MIN_COUNT, mean + ALERT_STDDEVS·σ (σ at least √mean and 1) and
  ALERT_MIN_RATIO·mean; the overall series fires only for what the artist alerts of the same category do not
  already explain (its count minus theirs must fire on its own);
- "once per window": a series gets no new alert while its last alert's window overlaps the new one, checked and
  inserted under a transaction-level advisory lock, and the unique index (category, artist, window_start)
  holds even without it (two runs in the same minute evaluate the same window).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared import clock
from shared.catalog import ARTIST_NAMES
from shared.settings import Settings, get_settings
from shared.vocabulary import WATCHED_CATEGORIES

# pg_advisory_xact_lock key of the alert check ("alerts" in ASCII, as a number).
LOCK_KEY = 0x616C65727473
_WATCHED = [c.value for c in WATCHED_CATEGORIES]
_ARTIST = "coalesce(c.artist, k.artist)"
_KNOWN_ARTIST = "(c.artist IS NOT NULL OR k.artist = ANY(CAST(:catalogue AS text[])))"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Finding:
    """One series (category, artist or None = all comments) in the recent window, with its baseline."""

    category: str
    artist: str | None
    count: int
    baseline: float  # mean count of the same window in the previous weeks
    stddev: float
    threshold: float
    fires: bool


def current_window(settings: Settings | None = None, now: datetime | None = None) -> Window:
    """The ALERT_WINDOW_MINUTES ending at the current whole minute."""
    settings = settings or get_settings()
    end = (now or clock.now()).replace(second=0, microsecond=0)
    return Window(end - timedelta(minutes=settings.alert_window_minutes), end)


def baseline_windows(window: Window, weeks: int, history_start: datetime | None = None) -> list[Window]:
    """The same window at the same local hours and weekday, 1..`weeks` weeks earlier (wall-clock weeks in
    TIMEZONE: a daylight-saving change in between keeps the local hours). Weeks before `history_start` (the first
    comment's hour) are left out: a system with two weeks of history is not compared with two empty weeks."""
    start, end = clock.as_local(window.start), clock.as_local(window.end)
    windows = [Window(start - timedelta(weeks=k), end - timedelta(weeks=k)) for k in range(1, weeks + 1)]
    return [w for w in windows if history_start is None or w.start >= history_start]


def history_start(session: Session) -> datetime | None:
    """The hour of the first comment (the hourly rollups' first bucket), or None without comments."""
    return session.scalar(text("SELECT min(hour) FROM rollup_comments_hourly"))


def recent_counts(session: Session, window: Window) -> dict[tuple[str, str | None], int]:
    """Comments per (category, artist) and per (category, None = all) in the window (watched categories)."""
    rows = session.execute(
        text(f"""
        SELECT k.category::text AS category,
               CASE WHEN grouping({_ARTIST}) = 0 THEN {_ARTIST} END AS artist,
               grouping({_ARTIST}) = 1 AS overall,
               count(*) AS total,
               count(*) FILTER (WHERE {_KNOWN_ARTIST}) AS known
        FROM comments c
        JOIN classifications k ON k.comment_id = c.id AND k.is_current
        WHERE c.occurred_at >= :start AND c.occurred_at < :end
          AND k.category = ANY(CAST(:categories AS category[]))
        GROUP BY GROUPING SETS ((k.category), (k.category, {_ARTIST}))
    """),  # noqa: S608 - constant fragments only; every value is a bound parameter
        {"start": window.start, "end": window.end, "categories": _WATCHED, "catalogue": list(ARTIST_NAMES)},
    ).mappings()
    counts: dict[tuple[str, str | None], int] = {}
    for row in rows:
        if row["overall"]:
            counts[(row["category"], None)] = int(row["total"])
        elif row["artist"] is not None and row["known"]:
            counts[(row["category"], row["artist"])] = int(row["known"])
    return counts


def baseline_stats(
    session: Session, windows: list[Window], series: list[tuple[str, str | None]]
) -> dict[tuple[str, str | None], tuple[float, float]]:
    """(mean, population σ) of each series' count over the baseline windows, from the hourly rollups: an hour
    the window covers in part counts in proportion; a week without data counts as zero."""
    if not series or not windows:
        return {}
    overlap = (
        "greatest(extract(epoch FROM least(r.hour + interval '1 hour', w.w_end) - greatest(r.hour, w.w_start)), 0)"
        " / 3600.0"
    )
    rows = session.execute(
        text(f"""
        WITH w AS (
          SELECT * FROM unnest(CAST(:starts AS timestamptz[]), CAST(:ends AS timestamptz[])) AS t(w_start, w_end)
        ),
        weekly AS (
          SELECT w.w_start, r.category::text AS category, NULL::text AS artist, sum(r.comments * {overlap}) AS n
          FROM w JOIN rollup_categories_hourly r
            ON r.hour > w.w_start - interval '1 hour' AND r.hour < w.w_end
          WHERE r.category = ANY(CAST(:categories AS category[]))
          GROUP BY 1, 2
          UNION ALL
          SELECT w.w_start, r.category::text, r.artist, sum(r.comments * {overlap})
          FROM w JOIN rollup_artists_hourly r
            ON r.hour > w.w_start - interval '1 hour' AND r.hour < w.w_end
          WHERE r.category = ANY(CAST(:categories AS category[])) AND r.artist = ANY(CAST(:artists AS text[]))
            AND (r.client_sent OR r.artist = ANY(CAST(:catalogue AS text[])))
          GROUP BY 1, 2, 3
        )
        SELECT category, artist, sum(n) / :weeks AS mean,
               sqrt(greatest(sum(n * n) / :weeks - power(sum(n) / :weeks, 2), 0)) AS stddev
        FROM weekly GROUP BY 1, 2
    """),  # noqa: S608 - constant fragments only; every value is a bound parameter
        {
            "starts": [w.start for w in windows],
            "ends": [w.end for w in windows],
            "weeks": float(len(windows)),
            "categories": sorted({c for c, _ in series}),
            "artists": sorted({a for _, a in series if a is not None}),
            "catalogue": list(ARTIST_NAMES),
        },
    ).mappings()
    return {(r["category"], r["artist"]): (float(r["mean"]), float(r["stddev"])) for r in rows}


def threshold(mean: float, stddev: float, settings: Settings) -> float:
    """The count a series must reach: ALERT_MIN_COUNT, mean + k·σ (σ at least √mean and 1), ALERT_MIN_RATIO·mean."""
    spread = max(stddev, math.sqrt(mean), 1.0)
    return max(float(settings.alert_min_count), mean + settings.alert_stddevs * spread, settings.alert_min_ratio * mean)


def evaluate(session: Session, window: Window, settings: Settings | None = None) -> list[Finding]:
    """Every series with at least ALERT_MIN_COUNT comments in the window, with its baseline and decision
    (artists first, then the overall series of each category)."""
    settings = settings or get_settings()
    counts = {key: n for key, n in recent_counts(session, window).items() if n >= settings.alert_min_count}
    if not counts:
        return []
    windows = baseline_windows(window, settings.alert_baseline_weeks, history_start(session))
    stats = baseline_stats(session, windows, list(counts))
    findings: list[Finding] = []
    for (category, artist), count in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1])):
        mean, stddev = stats.get((category, artist), (0.0, 0.0))
        limit = threshold(mean, stddev, settings)
        fires = count >= limit
        if artist is None:  # only what the artist alerts of this category leave unexplained
            explained = sum(f.count for f in findings if f.category == category and f.fires)
            fires = count - explained >= limit
        findings.append(Finding(category, artist, count, round(mean, 2), round(stddev, 2), round(limit, 2), fires))
    return findings


def store(session: Session, window: Window, findings: list[Finding]) -> list[int]:
    """Insert the firing findings that are not already covered by an overlapping alert of the same series;
    the ids of the new alerts. Serialised by an advisory lock (released at the end of the transaction)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    created = []
    for finding in (f for f in findings if f.fires):
        row = session.execute(
            text("""
            INSERT INTO alerts (category, artist, window_start, window_end, count, baseline, threshold)
            SELECT CAST(:category AS category), :artist, :start, :end, :count, :baseline, :threshold
            WHERE NOT EXISTS (
              SELECT 1 FROM alerts a
              WHERE a.category = CAST(:category AS category) AND coalesce(a.artist, '') = coalesce(:artist, '')
                AND a.window_end > :start
            )
            ON CONFLICT (category, (coalesce(artist, '')), window_start) DO NOTHING
            RETURNING id
        """),
            _values(window, finding),
        ).first()
        if row is not None:
            created.append(int(row[0]))
    return created


def _values(window: Window, finding: Finding) -> dict[str, Any]:
    return {
        "category": finding.category,
        "artist": finding.artist,
        "start": window.start,
        "end": window.end,
        "count": finding.count,
        "baseline": finding.baseline,
        "threshold": finding.threshold,
    }
