"""LLM usage: what one call cost (`LlmUsage`), its row in `llm_calls`, and the estimated cost formula.

The classifier reports its calls as `LlmUsage` (it has no database); the pipeline and the free-text helpers
store them with `record_usage`. `estimated_cost_usd` is the only place tokens become money (cost panel, evals).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shared.models import LlmCall
from shared.settings import Settings, get_settings
from shared.vocabulary import LlmOutcome, LlmPurpose

MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class LlmUsage:
    """One LLM call."""

    model: str
    prompt_version: str
    item_ids: tuple[str, ...]
    input_tokens: int
    output_tokens: int
    latency_ms: int
    outcome: LlmOutcome
    error: str | None = None


def record_usage(session: Session, purpose: LlmPurpose, usage: LlmUsage) -> LlmCall:
    """Add one `llm_calls` row for this call (flushed, so its id can be referenced); returns it."""
    row = LlmCall(
        purpose=LlmPurpose(purpose).value,
        model=usage.model[:100],
        prompt_version=usage.prompt_version[:20],
        items=len(usage.item_ids) or 1,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        latency_ms=usage.latency_ms,
        outcome=LlmOutcome(usage.outcome).value,
        error=usage.error[:MAX_ERROR_CHARS] if usage.error else None,
    )
    session.add(row)
    session.flush()
    return row


def estimated_cost_usd(input_tokens: int, output_tokens: int, settings: Settings | None = None) -> float:
    """Tokens times the configured prices (LLM_PRICE_INPUT_PER_MTOK / LLM_PRICE_OUTPUT_PER_MTOK)."""
    settings = settings or get_settings()
    cost = input_tokens * settings.llm_price_input_per_mtok + output_tokens * settings.llm_price_output_per_mtok
    return round(cost / 1_000_000, 6)
