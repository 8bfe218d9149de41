"""Short answers about the last weeks, built from the most recent weekly summaries (`POST /insights/perguntar`).

With a GEMINI_API_KEY the question and the summaries go to Gemini as JSON data (never inside the
instructions); without one (or when Gemini fails) an offline answer is assembled from the summaries' own
sentences and says that it is offline. Answers are at most `ANSWER_MAX_WORDS` words (shared.classification.prompts).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from shared.classification.llm import LlmError, generate_text, text_llm_enabled
from shared.classification.prompts import ANSWER_MAX_WORDS, INSIGHT_INSTRUCTION, INSIGHT_PROMPT_VERSION
from shared.db import session_scope
from shared.reporting.payloads import ResumoSemanal
from shared.reporting.summary.archive import recent_summaries
from shared.text import fold, limit_words
from shared.vocabulary import LlmPurpose

log = logging.getLogger(__name__)

SUMMARIES_USED = 3
SUMMARIES_MAX_AGE_WEEKS = 8
MAX_OUTPUT_TOKENS = 400

_WORD = re.compile(r"[a-z0-9]+")
_WEEK = re.compile(r"\b\d{4}-W\d{2}\b")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
# Words too common to say anything about what a question is about.
_STOPWORDS = set(
    [
        "a",
        "o",
        "as",
        "os",
        "um",
        "uma",
        "uns",
        "umas",
        "de",
        "da",
        "do",
        "das",
        "dos",
        "em",
        "na",
        "no",
        "nas",
        "nos",
        "por",
        "para",
        "pra",
        "pro",
        "com",
        "sem",
        "que",
        "qual",
        "quais",
        "quem",
        "como",
        "onde",
        "quando",
        "porque",
        "e",
        "ou",
        "mas",
        "se",
        "nao",
        "sim",
        "mais",
        "menos",
        "muito",
        "muita",
        "muitos",
        "muitas",
        "pouco",
        "foi",
        "foram",
        "ser",
        "estar",
        "esta",
        "este",
        "isso",
        "isto",
        "essa",
        "esse",
        "aquilo",
        "ao",
        "aos",
        "sobre",
        "entre",
        "ate",
        "desde",
        "ja",
        "ainda",
        "tem",
        "ter",
        "houve",
        "ha",
        "seu",
        "sua",
        "seus",
        "suas",
        "me",
        "te",
        "nos",
        "lhe",
        "eles",
        "elas",
        "ele",
        "ela",
        "voce",
        "voces",
        "the",
        "of",
        "and",
        "semana",
        "semanas",
        "ultimas",
        "ultimos",
        "ultima",
        "ultimo",
        "publico",
    ]
)


class NoSummaries(LookupError):
    """No weekly summary exists in the period the answers look at."""


@dataclass
class Answer:
    resposta: str
    semanas_citadas: list[str]
    modo: str  # "gemini" | "offline"
    aviso: str | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        body = {"resposta": self.resposta, "semanas_citadas": self.semanas_citadas, "modo": self.modo}
        if self.aviso:
            body["aviso"] = self.aviso
        return body


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in _STOPWORDS}


def offline_answer(pergunta: str, summaries: list[ResumoSemanal]) -> Answer:
    """Sentences of the summaries that share the most words with the question (newest first on ties)."""
    question = _words(pergunta)
    scored = []
    for age, summary in enumerate(summaries):
        for position, sentence in enumerate(s for s in _SENTENCE.split(summary.texto.strip()) if s):
            overlap = len(question & _words(sentence))
            scored.append((overlap, -age, -position, summary.semana, sentence.strip()))
    matching = sorted((s for s in scored if s[0] > 0), reverse=True)
    prefix = "Modo offline (sem o assistente de IA): "
    if matching:
        chosen = matching[:3]
        intro = "trechos dos resumos semanais ligados à pergunta. "
    else:
        latest = summaries[0].semana
        chosen = [s for s in scored if s[3] == latest][:3]
        intro = "os resumos não tratam diretamente da pergunta; destaques do resumo mais recente. "
    weeks = sorted({s[3] for s in chosen}, reverse=True)
    body = " ".join(f"[{s[3]}] {s[4]}" for s in chosen)
    return Answer(resposta=limit_words(prefix + intro + body, ANSWER_MAX_WORDS), semanas_citadas=weeks, modo="offline")


def gemini_answer(pergunta: str, summaries: list[ResumoSemanal]) -> Answer:
    payload = {
        "pergunta": pergunta,
        "resumos": [s.model_dump(mode="json", include={"semana", "desde", "ate", "texto"}) for s in summaries],
    }
    text = generate_text(
        LlmPurpose.INSIGHT, INSIGHT_PROMPT_VERSION, INSIGHT_INSTRUCTION, payload, max_output_tokens=MAX_OUTPUT_TOKENS
    )
    given = [s.semana for s in summaries]
    cited = [week for week in given if week in set(_WEEK.findall(text))]
    return Answer(resposta=limit_words(text, ANSWER_MAX_WORDS), semanas_citadas=cited or given, modo="gemini")


def answer_question(pergunta: str, session: Session | None = None) -> Answer:
    """Answer from the `SUMMARIES_USED` most recent summaries of the last `SUMMARIES_MAX_AGE_WEEKS` weeks.

    Raises `NoSummaries` when there is none. A Gemini failure falls back to the offline answer (with `aviso`).
    The summaries are read in a short transaction of their own (none is held open during the LLM call).
    """
    if session is None:
        with session_scope() as own:
            summaries = recent_summaries(own, limit=SUMMARIES_USED, weeks=SUMMARIES_MAX_AGE_WEEKS)
    else:
        summaries = recent_summaries(session, limit=SUMMARIES_USED, weeks=SUMMARIES_MAX_AGE_WEEKS)
    if not summaries:
        raise NoSummaries(
            f"ainda não há resumo semanal nas últimas {SUMMARIES_MAX_AGE_WEEKS} semanas; "
            "o primeiro é gerado pelo agendamento semanal"
        )
    if not text_llm_enabled():
        return offline_answer(pergunta, summaries)
    try:
        return gemini_answer(pergunta, summaries)
    except LlmError as exc:
        log.warning("insights: Gemini indisponível, resposta offline: %s", exc)
        answer = offline_answer(pergunta, summaries)
        answer.aviso = "o assistente de IA não respondeu agora; esta é a resposta offline"
        return answer
