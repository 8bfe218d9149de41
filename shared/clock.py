"""One clock: the configured time zone, today, calendar days as instants, ISO weeks.

Every calendar day the system shows or filters is a day in `settings.timezone` (TIMEZONE); this module is the
only place that turns days into instants. Nothing else calls `datetime.now()` without a zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.settings import get_settings

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def zone_name() -> str:
    return get_settings().timezone


def zone() -> ZoneInfo:
    return ZoneInfo(zone_name())


def now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


def local_now() -> datetime:
    return datetime.now(zone())


def today() -> date:
    """Today in the configured time zone."""
    return local_now().date()


def local_midnight(day: date) -> datetime:
    """00:00 of `day` in the configured time zone."""
    return datetime.combine(day, datetime.min.time(), zone())


def day_range(first: date, last: date | None = None) -> tuple[datetime, datetime | None]:
    """[first 00:00, (last + 1 day) 00:00) in the configured time zone; both days inclusive; no `last`: open."""
    return local_midnight(first), local_midnight(last + timedelta(days=1)) if last else None


def as_local(value: datetime) -> datetime:
    """An aware instant in the configured zone; a naive one is taken as local time."""
    return value.replace(tzinfo=zone()) if value.tzinfo is None else value.astimezone(zone())


# --- ISO weeks ("2026-W47": Monday to Sunday in the configured zone)


class WeekError(ValueError):
    """Not an ISO week (message in Portuguese)."""


def parse_iso_week(value: str) -> tuple[int, int]:
    match = _ISO_WEEK.match(value.strip())
    if not match:
        raise WeekError(f"semana inválida: {value!r}; use o formato ISO AAAA-Wnn, por exemplo 2026-W47")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise WeekError(f"a semana {value} não existe no calendário ISO") from None
    return year, week


def week_days(iso_week: str) -> tuple[date, date]:
    """Monday and Sunday of the ISO week."""
    monday = date.fromisocalendar(*parse_iso_week(iso_week), 1)
    return monday, monday + timedelta(days=6)


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_iso_week(day: date | None = None) -> str:
    """The last complete ISO week before `day` (default: today)."""
    return iso_week_of((day or today()) - timedelta(days=7))
