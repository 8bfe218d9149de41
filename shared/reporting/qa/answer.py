"""Answers to `POST /insights/perguntar`: both modes read the same SQL aggregates of the asked ISO weeks.

- offline (no GEMINI_API_KEY, budget spent, or Gemini failing): `writing.offline_text` over the aggregates,
  steered by the question's intent (`intents.parse`);
- Gemini (`text_llm_enabled`): the question, its intent and the aggregates go as JSON data (never inside the
  instructions, `prompts.INSIGHT_INSTRUCTION`); the answer must cite weeks, else the weeks used are appended.

Answers are at most ANSWER_MAX_WORDS words and always say which weeks they used.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from shared.classification.llm import LlmError, generate_text, text_llm_enabled
from shared.classification.prompts import ANSWER_MAX_WORDS, INSIGHT_INSTRUCTION, INSIGHT_PROMPT_VERSION
from shared.db import session_scope
from shared.reporting.qa import aggregates
from shared.reporting.qa.intents import Intent, parse
from shared.reporting.qa.writing import offline_text, weeks_phrase
from shared.text import limit_words
from shared.vocabulary import LlmPurpose

log = logging.getLogger(__name__)

MAX_OUTPUT_TOKENS = 400
FALLBACK_NOTICE = "o assistente de IA não respondeu agora; esta é a resposta offline"
_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")


@dataclass
class Answer:
    resposta: str
    semanas_citadas: list[str]  # the weeks the answer cites (offline: every week it used)
    semanas: list[str]  # the ISO weeks of the period the aggregates cover
    periodo: dict[str, str]
    modo: str  # "gemini" | "offline"
    intencao: str
    aviso: str | None = None
    contexto: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        body = {
            "resposta": self.resposta,
            "semanas_citadas": self.semanas_citadas,
            "semanas": self.semanas,
            "periodo": self.periodo,
            "modo": self.modo,
            "intencao": self.intencao,
        }
        if self.aviso:
            body["aviso"] = self.aviso
        return body


def _intent_data(intent: Intent) -> dict[str, Any]:
    return {
        "tipo": intent.kind,
        "categoria": intent.category.value if intent.category else None,
        "tendencia": intent.trend,
        "artista": intent.artist,
        "tag": intent.tag,
    }


def offline_answer(ctx: dict[str, Any], intent: Intent) -> Answer:
    return Answer(
        resposta=offline_text(ctx, intent),
        semanas_citadas=list(ctx["semanas"]),
        semanas=list(ctx["semanas"]),
        periodo=ctx["periodo"],
        modo="offline",
        intencao=intent.kind,
        contexto=ctx,
    )


def gemini_answer(pergunta: str, ctx: dict[str, Any], intent: Intent) -> Answer:
    """Gemini over the aggregates (raises LlmError). Weeks it cites outside the period are not counted."""
    payload = {"pergunta": pergunta, "intencao": _intent_data(intent), "dados": ctx}
    text = generate_text(
        LlmPurpose.INSIGHT, INSIGHT_PROMPT_VERSION, INSIGHT_INSTRUCTION, payload, max_output_tokens=MAX_OUTPUT_TOKENS
    )
    found = set(_WEEK.findall(text))
    cited = [week for week in ctx["semanas"] if week in found]
    if cited:
        body = limit_words(text, ANSWER_MAX_WORDS)
    else:  # the answer must say which weeks it rests on
        suffix = f"Semanas consideradas: {weeks_phrase(ctx)}."
        body = limit_words(text, ANSWER_MAX_WORDS - len(suffix.split())) + " " + suffix
        cited = list(ctx["semanas"])
    return Answer(
        resposta=body,
        semanas_citadas=cited,
        semanas=list(ctx["semanas"]),
        periodo=ctx["periodo"],
        modo="gemini",
        intencao=intent.kind,
        contexto=ctx,
    )


def build_context(session: Session, intent: Intent, weeks: int | None = None) -> dict[str, Any]:
    period = aggregates.period_of_weeks(weeks or intent.weeks or aggregates.DEFAULT_WEEKS)
    return aggregates.context(session, period, artist=intent.artist, tag=intent.tag)


def answer_question(pergunta: str, weeks: int | None = None, session: Session | None = None) -> Answer:
    """Answer from the aggregates of the last `weeks` ISO weeks (else the weeks the question names, else
    DEFAULT_WEEKS), the current week included. With no comment in the period the answer says so.

    The aggregates are read in a short transaction of their own (none is held open during the LLM call).
    A Gemini failure falls back to the offline answer (with `aviso`)."""
    intent = parse(pergunta)
    if session is None:
        with session_scope() as own:
            ctx = build_context(own, intent, weeks)
    else:
        ctx = build_context(session, intent, weeks)
    if not ctx["classificados"] or not text_llm_enabled():
        return offline_answer(ctx, intent)
    try:
        return gemini_answer(pergunta, ctx, intent)
    except LlmError as exc:
        log.warning("perguntas: Gemini indisponível, resposta offline: %s", exc)
        answer = offline_answer(ctx, intent)
        answer.aviso = FALLBACK_NOTICE
        return answer
