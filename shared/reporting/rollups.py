"""The hourly rollups the reports read (tables and triggers: migration 0005; models: `shared.models`).

- `ceil_hour`: the end of the UTC hour bucket an instant falls in (rollup windows are whole hours);
- `histogram_median`: the approximate median of a 20-bucket confidence histogram;
- `rebuild`: recompute every rollup from the base tables in the caller's transaction (the operator's
  `flask recalcular-agregados`), returning what it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

HISTOGRAM_BUCKETS = 20  # bucket i counts confidences in [i/20, (i+1)/20); 1.0 is in the last one
BUCKET_WIDTH = 1.0 / HISTOGRAM_BUCKETS


def ceil_hour(value: datetime) -> datetime:
    """`value` itself when it is on a whole UTC hour, else the next whole UTC hour."""
    utc = value.astimezone(UTC)
    floor = utc.replace(minute=0, second=0, microsecond=0)
    return floor if floor == utc else floor + timedelta(hours=1)


def histogram_median(counts: list[int], mean: float | None = None) -> float | None:
    """The median read off a histogram: the bucket where the cumulative count reaches half of the total, with
    linear interpolation inside it (values taken as spread evenly over the bucket). For an odd count it lies in
    the exact median's bucket (off by less than 0.05); for an even count the exact median is the mean of two
    values that may sit in different buckets. When every value is in one bucket, the exact `mean` (if given)
    is the better estimate (a single value is its own median). None for an empty histogram."""
    total = sum(counts)
    if total <= 0:
        return None
    if mean is not None and sum(1 for count in counts if count) == 1:
        return mean
    half = total / 2
    seen = 0
    for index, count in enumerate(counts):
        if count > 0 and seen + count >= half:
            return min(max((index + (half - seen) / count) * BUCKET_WIDTH, 0.0), 1.0)
        seen += count
    return 1.0


@dataclass(frozen=True)
class RebuildReport:
    comments: int  # comments of every status
    classified: int  # comments with a current classification
    tag_mentions: int  # (comment, tag) pairs of current classifications
    rows: dict[str, int]  # rows written per rollup table


ROLLUP_TABLES = ("rollup_comments_hourly", "rollup_categories_hourly", "rollup_tags_hourly", "rollup_artists_hourly")


def rebuild(session: Session) -> RebuildReport:
    """Recompute every rollup from comments, classifications and classification_tags (`rollup_rebuild()`:
    base tables locked in SHARE mode, so writes wait and reads go on), in the caller's transaction."""
    session.execute(text("SELECT rollup_rebuild()"))
    rows = {
        table: int(session.scalar(text(f"SELECT count(*) FROM {table}")))  # noqa: S608 - constant names
        for table in ROLLUP_TABLES
    }
    sums = session.execute(
        text("""
        SELECT (SELECT coalesce(sum(comments), 0) FROM rollup_comments_hourly),
               (SELECT coalesce(sum(comments), 0) FROM rollup_categories_hourly),
               (SELECT coalesce(sum(comments), 0) FROM rollup_tags_hourly)
    """)
    ).one()
    return RebuildReport(comments=int(sums[0]), classified=int(sums[1]), tag_mentions=int(sums[2]), rows=rows)
