"""Questions about the last weeks, answered from SQL aggregates of the asked ISO weeks (Gemini when configured,
else offline)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_jwt_extended import current_user, jwt_required
from spectree import Response as Doc

from ingest_api.http import json_body, spend
from ingest_api.schemas import Erro, ErroValidacao, Pergunta, Resposta
from ingest_api.spec import BEARER, api_spec
from shared.reporting import qa
from shared.settings import get_settings

bp = Blueprint("insights", __name__)


@bp.post("/insights/perguntar")
@api_spec.validate(
    json=Pergunta,
    resp=Doc(
        HTTP_200=Resposta,
        HTTP_400=Erro,
        HTTP_401=Erro,
        HTTP_415=Erro,
        HTTP_422=ErroValidacao,
        HTTP_429=Erro,
        HTTP_503=Erro,
    ),
    tags=["insights"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def ask():
    """Pergunta sobre as últimas semanas

    Resposta curta (até 150 palavras) a partir de agregados SQL das semanas ISO do período (padrão: as 8
    últimas, a atual incluída, no fuso TIMEZONE; `semanas` ou "últimas N semanas" na pergunta mudam isso):
    categorias por semana, temas (tags) e artistas mais citados por categoria, as últimas 48 horas, picos e
    algumas citações seguras (nunca SPAM, links ou @perfis). Com GEMINI_API_KEY (e orçamento diário), o Gemini
    escreve a resposta sobre esses dados; sem ela, ou se o Gemini falhar, a resposta offline reconhece o que a
    pergunta pede (o que incomodou, foi elogiado, é pedido ou perguntado; evolução por semana; um artista do
    catálogo; um tema) e responde com números. Toda resposta diz as semanas usadas (`semanas_citadas`,
    `semanas`, `periodo`); `modo` diz quem respondeu e `intencao` o que foi entendido. Sem comentários no
    período, a resposta (200) diz "Sem comentários no período".
    Cada usuário tem uma cota de perguntas (`INSIGHTS_RATE_LIMIT`; 429 com `Retry-After` acima dela).
    """
    pergunta = json_body(Pergunta)
    spend("perguntas", current_user.email, get_settings().insights_rate_limit, what="perguntas")
    answer = qa.answer_question(pergunta.pergunta, weeks=pergunta.semanas)
    return jsonify(answer.as_dict())
