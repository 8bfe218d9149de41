"""Answers to questions from SQL aggregates (shared.reporting.qa): offline intents, weeks, limits, safe quotes,
Gemini over the same aggregates (real SDK against the local fake) and its fallbacks. Real PostgreSQL."""

from __future__ import annotations

import pytest

from shared.classification import budget
from shared.classification.prompts import ANSWER_MAX_WORDS, INSIGHT_PROMPT_VERSION
from shared.db import session_scope
from shared.models import LlmCall
from shared.reporting.qa import answer_question
from shared.reporting.qa.intents import parse
from shared.text import fold
from tests.fake_gemini import Status, Text
from tests.qa_seed import LINK_CRITIQUE, OUTSIDER, SPAM_TEXT, by_week, count, period_weeks, seed

QUESTIONS = [
    "O que mais incomodou o público nas últimas semanas?",
    "O que o público elogiou?",
    "O que os ouvintes pedem?",
    "Quais as dúvidas mais comuns?",
    "Como evoluíram as críticas semana a semana?",
    "E a banda aurora?",
    "E os INGRESSOS?",
    "Quanto spam recebemos?",
    "Xyzzy?",
]


def _weeks_cited(answer) -> None:
    weeks = period_weeks()
    assert answer.semanas == weeks
    assert f"{weeks[0]} a {weeks[-1]}" in answer.resposta


def test_what_bothered_names_the_top_criticism_tag_and_artist_with_their_counts_and_the_weeks(services):
    seed()
    answer = answer_question("O que mais incomodou o público nas últimas semanas?")
    assert (answer.modo, answer.intencao) == ("offline", "categoria")
    assert f"{count('CRÍTICA')} comentários" in answer.resposta
    assert f"ingresso ({count('CRÍTICA', tag='feat_ingresso')})" in answer.resposta
    assert f"Kaique Sol ({count('CRÍTICA', artist='Kaique Sol')})" in answer.resposta
    assert "preço" not in answer.resposta  # the price complaints are twelve weeks old
    _weeks_cited(answer)


@pytest.mark.parametrize(
    ("question", "category", "tag", "label", "artist"),
    [
        ("O que o público elogiou?", "ELOGIO", "feat_vocal", "voz", "Luna Ferraz"),
        ("O que os ouvintes pedem?", "SUGESTÃO", "feat_turne", "turnê", "Duda Ribeiro"),
        ("Quais as dúvidas mais comuns?", "DÚVIDA", "feat_ingresso", "ingresso", "Marina Lua"),
    ],
)
def test_each_category_intent_names_its_top_tag_and_artist(services, question, category, tag, label, artist):
    seed()
    answer = answer_question(question)
    assert parse(question).category.value == category
    assert f"Temas mais citados: {label} ({count(category, tag=tag)})" in answer.resposta
    assert f"{artist} ({count(category, artist=artist)})" in answer.resposta
    _weeks_cited(answer)


def test_trend_lists_every_week_of_the_period_with_the_counts_of_sql(services):
    seed()
    answer = answer_question("Como evoluíram as críticas semana a semana?")
    assert answer.intencao == "tendencia"
    weekly = by_week("CRÍTICA")
    for week in period_weeks():
        assert f"{week}: {weekly.get(week, 0)}" in answer.resposta


def test_artist_and_tag_questions_match_the_catalogue_and_the_lexicon_without_accents_or_case(services):
    seed()
    artist = answer_question("o que falaram da banda aurora?")
    assert artist.intencao == "artista"
    assert artist.resposta.startswith(f"Banda Aurora, de {period_weeks()[0]}")
    assert f"{count(artist='Banda Aurora')} comentários" in artist.resposta
    assert f"mixagem e masterização ({count(tag='feat_mixagem', artist='Banda Aurora')})" in artist.resposta
    tag = answer_question("E os INGRESSOS?")
    assert tag.intencao == "tag"
    assert f"{count(tag='feat_ingresso')} comentários" in tag.resposta
    assert f"Kaique Sol ({count(tag='feat_ingresso', artist='Kaique Sol')})" in tag.resposta
    _weeks_cited(tag)


def test_every_answer_fits_150_words_never_quotes_spam_links_or_handles_nor_a_non_catalogue_artist(services):
    seed()
    for question in QUESTIONS:
        answer = answer_question(question)
        assert len(answer.resposta.split()) <= ANSWER_MAX_WORDS, question
        folded = fold(answer.resposta)
        for forbidden in ("golpe.example", "@promo", "http", "reclame.example", fold(OUTSIDER)):
            assert forbidden not in folded, (question, forbidden)
        assert all(q["categoria"] != "SPAM" for q in answer.contexto["citacoes"])
        assert not {q["texto"] for q in answer.contexto["citacoes"]} & {SPAM_TEXT, LINK_CRITIQUE}


def test_weeks_asked_in_the_question_or_as_an_option(services):
    seed()
    assert len(answer_question("O que incomodou nas últimas 2 semanas?").semanas) == 2
    answer = answer_question("O que incomodou?", weeks=3)
    assert answer.semanas == period_weeks(3)
    assert f"{count('CRÍTICA', weeks=3)} comentários" in answer.resposta


def test_no_comment_in_the_period_says_so(services):
    answer = answer_question("O que mais incomodou o público?")
    assert answer.modo == "offline"
    assert "sem comentários no período" in answer.resposta.lower()
    assert answer.semanas == period_weeks()


def test_gemini_gets_the_aggregates_as_json_data_and_cites_weeks(services, fake_gemini):
    seed()
    weeks = period_weeks()
    fake_gemini.push(Text(f"Em {weeks[-1]} o ingresso de Kaique Sol dominou as críticas."))
    question = "O que mais incomodou o público nas últimas semanas?"
    answer = answer_question(question)
    assert (answer.modo, answer.semanas_citadas) == ("gemini", [weeks[-1]])
    assert answer.resposta == f"Em {weeks[-1]} o ingresso de Kaique Sol dominou as críticas."
    request = fake_gemini.requests[0]
    assert request.data["pergunta"] == question
    assert request.data["intencao"]["categoria"] == "CRÍTICA"
    data = request.data["dados"]
    assert data["semanas"] == weeks
    top = data["top_tags"]["CRÍTICA"][0]
    assert (top["codigo"], top["rotulo"], top["total"]) == (
        "feat_ingresso",
        "ingresso",
        count("CRÍTICA", tag="feat_ingresso"),
    )
    assert data["top_artistas"]["CRÍTICA"][0] == {
        "artista": "Kaique Sol",
        "total": count("CRÍTICA", artist="Kaique Sol"),
    }
    assert {q["categoria"] for q in data["citacoes"]} <= {"ELOGIO", "CRÍTICA", "SUGESTÃO", "DÚVIDA"}
    assert question not in request.system_instruction and "golpe.example" not in request.system_instruction
    with session_scope() as s:
        call = s.query(LlmCall).one()
    assert (call.purpose, call.outcome, call.prompt_version) == ("insight", "ok", INSIGHT_PROMPT_VERSION)


def test_gemini_answer_without_weeks_gets_them_and_stays_within_150_words(services, fake_gemini):
    seed()
    weeks = period_weeks()
    fake_gemini.push(Text(" ".join(["palavra"] * 400)))
    answer = answer_question("O que o público elogiou?")
    assert len(answer.resposta.split()) <= ANSWER_MAX_WORDS
    assert answer.resposta.endswith(f"Semanas consideradas: {weeks[0]} a {weeks[-1]} (semana atual parcial).")
    assert answer.semanas_citadas == weeks


def test_gemini_failure_or_spent_budget_falls_back_to_the_offline_answer(services, fake_gemini, use_settings):
    seed()
    fake_gemini.default = Status(500, "fora do ar")
    failed = answer_question("O que mais incomodou o público?")
    assert (failed.modo, failed.aviso) == (
        "offline",
        "o assistente de IA não respondeu agora; esta é a resposta offline",
    )
    assert f"Kaique Sol ({count('CRÍTICA', artist='Kaique Sol')})" in failed.resposta
    asked = len(fake_gemini.requests)
    use_settings(llm_daily_budget_usd=0)  # the budget is spent: no call at all
    budget.forget()
    spent = answer_question("O que mais incomodou o público?")
    assert (spent.modo, spent.aviso) == ("offline", None)
    assert len(fake_gemini.requests) == asked


def test_gemini_gets_the_focus_on_the_artist_asked_about(services, fake_gemini):
    seed()
    weeks = period_weeks()
    fake_gemini.push(Text(f"Kaique Sol teve {count(artist='Kaique Sol')} comentários de {weeks[0]} a {weeks[-1]}."))
    answer = answer_question("e o kaique?")
    assert (answer.modo, answer.intencao) == ("gemini", "artista")
    data = fake_gemini.requests[0].data
    assert data["intencao"] == {
        "tipo": "artista",
        "categoria": None,
        "tendencia": False,
        "artista": "Kaique Sol",
        "tag": None,
    }
    focus = data["dados"]["foco"]
    assert focus["artista"] == "Kaique Sol"
    assert sum(w["total"] for w in focus["por_semana"]) == count(artist="Kaique Sol")
    assert focus["top_tags"][0]["codigo"] == "feat_ingresso"
    assert focus["top_tags"][0]["total"] == count(tag="feat_ingresso", artist="Kaique Sol")
