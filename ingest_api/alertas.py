"""Stored alerts (CRÍTICA and SPAM far above the usual volume), newest first. Authenticated."""

from __future__ import annotations

from flask import Blueprint
from flask_jwt_extended import jwt_required
from spectree import Response as Doc

from ingest_api.http import ApiError, payload, query_args
from ingest_api.schemas import ConsultaAlertas, Erro, ErroValidacao, ListaAlertas
from ingest_api.spec import BEARER, api_spec
from shared.alerts.listing import list_alerts
from shared.db import read_scope
from shared.reporting.periods import Period, PeriodError

bp = Blueprint("alertas", __name__)


def _consulta() -> ConsultaAlertas:
    """The query parameters; a bad one is a 400 in the API's error shape (with the list of problems)."""
    try:
        return query_args(ConsultaAlertas)
    except ApiError as exc:
        if exc.status == 422:
            raise ApiError(400, "parâmetros inválidos", exc.detalhes) from None
        raise


@bp.get("/api/alertas")
@api_spec.validate(
    query=ConsultaAlertas,
    resp=Doc(HTTP_200=ListaAlertas, HTTP_400=ErroValidacao, HTTP_401=Erro, HTTP_503=Erro),
    tags=["alertas"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def list_():
    """Alertas de volume

    Janelas em que o volume de CRÍTICA ou SPAM (geral ou de um artista) ficou muito acima da linha de base (a mesma
    janela nas semanas anteriores), do mais recente ao mais antigo, pelo dia de criação no fuso configurado.
    Padrão: os últimos 7 dias. Filtros: `categoria` (CRÍTICA ou SPAM), `artista`, `desde`, `ate`, `limite`.
    Parâmetros inválidos respondem 400 com a lista de problemas em `detalhes`.
    """
    consulta = _consulta()
    try:
        period = Period.from_params(consulta.desde, consulta.ate)
    except PeriodError as exc:
        raise ApiError(400, str(exc), [{"campo": "desde", "mensagem": str(exc)}]) from None
    with read_scope() as session:
        result = list_alerts(
            session,
            period,
            category=consulta.categoria.value if consulta.categoria else None,
            artist=consulta.artista,
            limit=consulta.limite,
        )
    return payload(result)
