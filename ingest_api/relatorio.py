"""The public weekly report as JSON (the same shared.reporting.reports functions as the Streamlit report page)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app
from redis.exceptions import RedisError
from spectree import Response as Doc

from ingest_api.http import ApiError, query_args, spend
from ingest_api.schemas import ConsultaRelatorio, Erro, ErroValidacao, Relatorio
from ingest_api.spec import api_spec, client_address
from shared.db import read_scope
from shared.queue import redis_connection
from shared.reporting import reports
from shared.reporting.periods import Period, PeriodError
from shared.settings import get_settings

log = logging.getLogger(__name__)
bp = Blueprint("relatorio", __name__)

CACHE_PREFIX = "alumusic:relatorio:"


def _cache():
    url = get_settings().redis_url
    if not url:
        return None
    cache = current_app.extensions.setdefault("alumusic_redis", {})
    if url not in cache:
        cache[url] = redis_connection(url)
    return cache[url]


def _cached(key: str) -> str | None:
    try:
        conn = _cache()
        value = conn.get(key) if conn is not None else None
        return value.decode() if value is not None else None
    except (RedisError, OSError) as exc:  # the cache is optional; PostgreSQL answers without it
        log.warning("cache do relatório indisponível: %s", exc)
        return None


def _store(key: str, body: str, seconds: int) -> None:
    try:
        conn = _cache()
        if conn is not None and seconds > 0:
            conn.set(key, body, ex=seconds)
    except (RedisError, OSError) as exc:
        log.warning("cache do relatório indisponível: %s", exc)


@bp.get("/api/relatorio/semana")
@api_spec.validate(
    query=ConsultaRelatorio,
    resp=Doc(HTTP_200=Relatorio, HTTP_422=ErroValidacao, HTTP_429=Erro, HTTP_503=Erro),
    tags=["relatório"],
    skip_validation=True,
)
def weekly():
    """Relatório semanal (público)

    Distribuição por categoria, evolução diária por categoria (dias sem comentários com zero), tags mais
    citadas nas últimas 48 h, categorias por artista, confiança média por categoria, totais e variação
    em relação ao período anterior. Conta comentários pela classificação atual. Padrão: os últimos 7 dias;
    guardado em cache por até 60 s. Limitado por endereço (`REPORT_RATE_LIMIT`; 429 com `Retry-After`).
    """
    consulta = query_args(ConsultaRelatorio)
    spend("relatorio", client_address(), get_settings().report_rate_limit, what="consultas ao relatório")
    try:
        period = Period.from_params(consulta.desde, consulta.ate)
    except PeriodError as exc:
        raise ApiError(422, str(exc), [{"campo": "desde", "mensagem": str(exc)}]) from None
    seconds = get_settings().report_cache_seconds
    key = f"{CACHE_PREFIX}{period.first.isoformat()}:{period.last.isoformat()}"
    body = _cached(key)
    if body is None:
        with read_scope() as session:
            body = reports.weekly_report(session, period).model_dump_json()
        _store(key, body, seconds)
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Cache-Control"] = f"public, max-age={max(seconds, 0)}"
    return response
