"""Questions about the last weeks, answered from the weekly summaries (Gemini when configured, else offline)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_jwt_extended import current_user, jwt_required
from spectree import Response as Doc

from ingest_api.http import ApiError, json_body, spend
from ingest_api.schemas import Erro, ErroValidacao, Pergunta, Resposta
from ingest_api.spec import BEARER, api_spec
from shared.reporting import insights
from shared.settings import get_settings

bp = Blueprint("insights", __name__)


@bp.post("/insights/perguntar")
@api_spec.validate(
    json=Pergunta,
    resp=Doc(
        HTTP_200=Resposta,
        HTTP_400=Erro,
        HTTP_401=Erro,
        HTTP_404=Erro,
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

    Resposta curta (até 150 palavras) a partir dos três resumos semanais mais recentes das últimas 8 semanas,
    com as semanas citadas. Sem GEMINI_API_KEY, a resposta é montada offline a partir dos resumos e diz isso.
    Cada usuário tem uma cota de perguntas (`INSIGHTS_RATE_LIMIT`; 429 com `Retry-After` acima dela).
    """
    pergunta = json_body(Pergunta)
    spend("perguntas", current_user.email, get_settings().insights_rate_limit, what="perguntas")
    try:
        answer = insights.answer_question(pergunta.pergunta)
    except insights.NoSummaries as exc:
        raise ApiError(404, str(exc)) from None
    return jsonify(answer.as_dict())
