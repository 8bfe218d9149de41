"""The daily LLM budget: what today's calls cost (estimated from `llm_calls`, `usage.estimated_cost_usd`) and
whether LLM_DAILY_BUDGET_USD is used up. When it is, no new LLM call is made until the next local day:
classification falls back to the local classifier (`registry.current_classifier`) and free text to the
offline writers (`llm.text_llm_enabled`). The state is read at most every CHECK_SECONDS per process.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared import clock
from shared.classification.usage import estimated_cost_usd
from shared.db import session_scope
from shared.models import LlmCall
from shared.settings import get_settings

CHECK_SECONDS = 15.0


@dataclass(frozen=True)
class BudgetState:
    spent_usd: float
    limit_usd: float

    @property
    def exhausted(self) -> bool:
        return self.spent_usd >= self.limit_usd

    @property
    def share(self) -> float:
        """Spent / limit (1.0 when the limit is zero)."""
        return 1.0 if self.limit_usd <= 0 else min(self.spent_usd / self.limit_usd, 1.0)


def spent_today(session: Session) -> float:
    start, _ = clock.day_range(clock.today())
    tokens_in, tokens_out = session.execute(
        select(
            func.coalesce(func.sum(LlmCall.input_tokens), 0), func.coalesce(func.sum(LlmCall.output_tokens), 0)
        ).where(LlmCall.created_at >= start)
    ).one()
    return estimated_cost_usd(int(tokens_in), int(tokens_out))


_cache: tuple[float, BudgetState] | None = None
_lock = threading.Lock()


def budget_state(fresh: bool = False) -> BudgetState:
    """Today's spend against the limit (cached for CHECK_SECONDS unless `fresh`)."""
    global _cache
    with _lock:
        if not fresh and _cache is not None and time.monotonic() - _cache[0] < CHECK_SECONDS:
            return _cache[1]
    with session_scope() as session:
        state = BudgetState(spent_today(session), get_settings().llm_daily_budget_usd)
    with _lock:
        _cache = (time.monotonic(), state)
    return state


def llm_allowed() -> bool:
    """Whether a new LLM call may be made now (the daily budget is not used up)."""
    return not budget_state().exhausted


def forget() -> None:
    """Drop the cached state (the next check reads the database)."""
    global _cache
    with _lock:
        _cache = None
