"""POST /insights/perguntar: offline answers, Gemini answers (real SDK against the local fake), limits."""

from __future__ import annotations

from datetime import date, timedelta

from shared import clock
from shared.classification.prompts import ANSWER_MAX_WORDS as MAX_ANSWER_WORDS
from shared.db import session_scope
from shared.models import LlmCall, WeeklySummary
from tests.fake_gemini import Status, Text

QUESTION = "O que o público achou do autotune?"


def _week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def _summaries() -> list[str]:
    """Four summaries in the last 8 weeks and one older; returns the weeks, newest first."""
    today = clock.today()
    texts = [
        "Semana de muitos elogios ao show de Anitta. O figurino foi elogiado.",
        "O autotune exagerado no novo single gerou muitas críticas. Houve pedidos de versão acústica.",
        "Dúvidas sobre a data da turnê dominaram a semana. Poucas críticas.",
        "Semana calma, com elogios à produção do álbum.",
        "O autotune foi o assunto de uma semana muito antiga.",
    ]
    weeks = []
    for age, texto in enumerate(texts):
        end = today - timedelta(days=7 * age + 1) if age < 4 else today - timedelta(weeks=12)
        start = end - timedelta(days=6)
        with session_scope() as s:
            s.add(
                WeeklySummary(
                    iso_week=_week(start),
                    period_start=start,
                    period_end=end,
                    text=texto,
                    aggregates={},
                    model="local",
                    prompt_version="s1",
                )
            )
        weeks.append(_week(start))
    return weeks


def test_no_summary_yet_is_a_clear_404(client, auth):
    response = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth)
    assert response.status_code == 404
    assert "resumo semanal" in response.json["erro"]


def test_offline_answer_quotes_the_matching_summary_and_says_it_is_offline(client, auth):
    weeks = _summaries()
    response = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth)
    assert response.status_code == 200
    body = response.json
    assert body["modo"] == "offline"
    assert "offline" in body["resposta"].lower()
    assert "autotune exagerado" in body["resposta"]
    assert body["semanas_citadas"] == [weeks[1]]  # only the three most recent; the 12-week-old one never
    assert len(body["resposta"].split()) <= MAX_ANSWER_WORDS


def test_offline_answer_without_matching_words_uses_the_latest_summary(client, auth):
    weeks = _summaries()
    body = client.post("/insights/perguntar", json={"pergunta": "Xyzzy?"}, headers=auth).json
    assert body["semanas_citadas"] == [weeks[0]]
    assert "Anitta" in body["resposta"]


def test_gemini_answer_gets_question_and_summaries_as_data_and_cites_weeks(client, auth, fake_gemini):
    weeks = _summaries()
    fake_gemini.push(Text(f"Em {weeks[1]} o autotune do single foi muito criticado."))
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert body == {
        "resposta": f"Em {weeks[1]} o autotune do single foi muito criticado.",
        "semanas_citadas": [weeks[1]],
        "modo": "gemini",
    }
    request = fake_gemini.requests[0]
    assert request.data["pergunta"] == QUESTION
    assert [r["semana"] for r in request.data["resumos"]] == weeks[:3]
    assert QUESTION not in request.system_instruction
    with session_scope() as s:
        call = s.query(LlmCall).one()
    assert (call.purpose, call.outcome) == ("insight", "ok")


def test_gemini_answer_is_cut_to_150_words(client, auth, fake_gemini):
    _summaries()
    fake_gemini.push(Text(" ".join(["palavra"] * 400)))
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert len(body["resposta"].split()) == MAX_ANSWER_WORDS
    assert body["resposta"].endswith("…")


def test_gemini_failure_falls_back_to_the_offline_answer_with_a_warning(client, auth, fake_gemini):
    _summaries()
    fake_gemini.default = Status(400, "chave inválida")
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert body["modo"] == "offline"
    assert "não respondeu" in body["aviso"]


def test_question_limits_and_auth(client, auth):
    _summaries()
    too_long = client.post("/insights/perguntar", json={"pergunta": "a" * 501}, headers=auth)
    assert too_long.status_code == 422
    assert too_long.json["detalhes"][0]["mensagem"] == "pergunta com 501 caracteres; o máximo é 500"
    assert client.post("/insights/perguntar", json={"pergunta": "   "}, headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json={"pergunta": "x", "modo": "a"}, headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json=["x"], headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json={"pergunta": QUESTION}).status_code == 401


def test_questions_past_the_per_user_limit_get_429_with_retry_after(client, auth, use_settings):
    use_settings(insights_rate_limit="2 per minute")
    _summaries()
    answers = [client.post("/insights/perguntar", json={"pergunta": "e a crítica?"}, headers=auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].is_json and "limite de perguntas" in answers[2].json["erro"]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
