"""The weekly summary: SQL aggregates of an ISO week -> text (Gemini, or a Portuguese template offline) ->
stored in `weekly_summaries` -> e-mailed once.

- `aggregates`: the numbers (categories, change, tags, artists, spikes, quotes);
- `writing`: the text and the e-mail;
- `weekly`: build once, store, send once, backfill;
- `archive`: the stored summaries.
"""

from shared.reporting.summary.weekly import SummaryError, SummaryOutcome, backfill, build_weekly_summary

__all__ = ["SummaryError", "SummaryOutcome", "backfill", "build_weekly_summary"]
