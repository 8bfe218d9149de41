"""POST /insights/perguntar through the Flask client: answers from the SQL aggregates (offline and Gemini via
the real SDK against the local fake), the empty period, limits and auth."""

from __future__ import annotations

from shared.classification.prompts import ANSWER_MAX_WORDS as MAX_ANSWER_WORDS
from shared.db import session_scope
from shared.models import LlmCall
from tests.fake_gemini import Status, Text
from tests.qa_seed import count, period_weeks, seed

QUESTION = "O que mais incomodou o público nas últimas semanas?"


def test_no_comment_in_the_period_is_a_200_that_says_so(client, auth):
    response = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth)
    assert response.status_code == 200
    body = response.json
    assert "Sem comentários no período" in body["resposta"]
    assert body["semanas"] == period_weeks()
    assert body["modo"] == "offline"


def test_offline_answer_names_what_bothered_with_counts_and_the_weeks(client, auth):
    seed()
    response = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth)
    assert response.status_code == 200
    body = response.json
    weeks = period_weeks()
    assert set(body) == {"resposta", "semanas_citadas", "semanas", "periodo", "modo", "intencao"}
    assert (body["modo"], body["intencao"]) == ("offline", "categoria")
    assert body["semanas"] == body["semanas_citadas"] == weeks
    assert f"{weeks[0]} a {weeks[-1]}" in body["resposta"]
    assert f"ingresso ({count('CRÍTICA', tag='feat_ingresso')})" in body["resposta"]
    assert f"Kaique Sol ({count('CRÍTICA', artist='Kaique Sol')})" in body["resposta"]
    assert len(body["resposta"].split()) <= MAX_ANSWER_WORDS
    assert set(body["periodo"]) == {"desde", "ate"}


def test_weeks_option_narrows_the_period(client, auth):
    seed()
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION, "semanas": 2}, headers=auth).json
    assert body["semanas"] == period_weeks(2)
    assert (
        client.post("/insights/perguntar", json={"pergunta": QUESTION, "semanas": 0}, headers=auth).status_code == 422
    )
    assert (
        client.post("/insights/perguntar", json={"pergunta": QUESTION, "semanas": 99}, headers=auth).status_code == 422
    )


def test_gemini_answer_gets_the_aggregates_as_data_and_cites_weeks(client, auth, fake_gemini):
    seed()
    weeks = period_weeks()
    fake_gemini.push(Text(f"De {weeks[0]} a {weeks[-1]}, o ingresso de Kaique Sol foi a maior queixa."))
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert body["modo"] == "gemini"
    assert body["semanas_citadas"] == [weeks[0], weeks[-1]]
    assert body["resposta"] == f"De {weeks[0]} a {weeks[-1]}, o ingresso de Kaique Sol foi a maior queixa."
    request = fake_gemini.requests[0]
    assert request.data["pergunta"] == QUESTION
    assert request.data["dados"]["top_tags"]["CRÍTICA"][0]["codigo"] == "feat_ingresso"
    assert QUESTION not in request.system_instruction
    with session_scope() as s:
        call = s.query(LlmCall).one()
    assert (call.purpose, call.outcome) == ("insight", "ok")


def test_gemini_answer_is_cut_to_150_words(client, auth, fake_gemini):
    seed()
    fake_gemini.push(Text(" ".join(["palavra"] * 400)))
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert len(body["resposta"].split()) <= MAX_ANSWER_WORDS
    assert period_weeks()[0] in body["resposta"]


def test_gemini_failure_falls_back_to_the_offline_answer_with_a_warning(client, auth, fake_gemini):
    seed()
    fake_gemini.default = Status(400, "chave inválida")
    body = client.post("/insights/perguntar", json={"pergunta": QUESTION}, headers=auth).json
    assert body["modo"] == "offline"
    assert "não respondeu" in body["aviso"]
    assert f"Kaique Sol ({count('CRÍTICA', artist='Kaique Sol')})" in body["resposta"]


def test_question_limits_and_auth(client, auth):
    too_long = client.post("/insights/perguntar", json={"pergunta": "a" * 501}, headers=auth)
    assert too_long.status_code == 422
    assert too_long.json["detalhes"][0]["mensagem"] == "pergunta com 501 caracteres; o máximo é 500"
    assert client.post("/insights/perguntar", json={"pergunta": "   "}, headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json={"pergunta": "x", "modo": "a"}, headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json=["x"], headers=auth).status_code == 422
    assert client.post("/insights/perguntar", json={"pergunta": QUESTION}).status_code == 401


def test_questions_past_the_per_user_limit_get_429_with_retry_after(client, auth, use_settings):
    use_settings(insights_rate_limit="2 per minute")
    answers = [client.post("/insights/perguntar", json={"pergunta": "e a crítica?"}, headers=auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].is_json and "limite de perguntas" in answers[2].json["erro"]
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
