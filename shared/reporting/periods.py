"""Report periods: calendar days `first`..`last` (both inclusive) in the configured time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from shared import clock, validation

DEFAULT_DAYS = 7
MAX_PERIOD_DAYS = 366


class PeriodError(ValueError):
    """A period the report refuses (message in Portuguese, fit for an API client)."""


def check_date(value: date) -> date:
    """`value` when it lies in [DATE_MIN, DATE_MAX]; PeriodError otherwise."""
    try:
        return validation.check_date(value)
    except ValueError as exc:
        raise PeriodError(str(exc)) from None


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError("'desde' deve ser anterior ou igual a 'ate'")
        if self.days > MAX_PERIOD_DAYS:
            raise PeriodError(f"período de {self.days} dias; o máximo é {MAX_PERIOD_DAYS}")

    @classmethod
    def last_days(cls, days: int = DEFAULT_DAYS, ending: date | None = None) -> Period:
        """The `days` days ending `ending` (default: today)."""
        end = ending or clock.today()
        return cls(end - timedelta(days=days - 1), end)

    @classmethod
    def from_params(cls, first: date | None = None, last: date | None = None) -> Period:
        """Optional bounds from a request: missing `last` is today, missing `first` is `last` minus 6 days.
        Dates outside [DATE_MIN, DATE_MAX] raise PeriodError."""
        end = check_date(last or clock.today())
        start = check_date(first or end - timedelta(days=DEFAULT_DAYS - 1))
        return cls(start, end)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length right before this one (period-over-period comparison)."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of `first`, local midnight after `last`."""
        start, end = clock.day_range(self.first, self.last)
        assert end is not None
        return start, end

    def as_dict(self) -> dict[str, str]:
        return {"desde": self.first.isoformat(), "ate": self.last.isoformat()}
