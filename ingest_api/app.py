"""Application factory: nothing is created at import time."""
from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from shared.settings import get_settings

log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    settings = get_settings()  # raises ConfigError (clear message) on missing production secrets
    app = Flask(__name__)
    app.config.update(
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
    )
    app.json.ensure_ascii = False
    if test_config:
        app.config.update(test_config)

    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)

    from ingest_api import cli, cli_demo, cli_pipeline
    for module in (cli, cli_pipeline, cli_demo):
        module.register(app)
    return app


def error_response(status: int, erro: str, detalhes: object = None):
    """The one error shape of the API: {"erro": ..., "detalhes": ...}."""
    body = {"erro": erro}
    if detalhes is not None:
        body["detalhes"] = detalhes
    return jsonify(body), status


_HTTP_MESSAGES = {
    400: "requisição inválida",
    401: "não autenticado",
    403: "acesso negado",
    404: "recurso não encontrado",
    405: "método não permitido",
    413: "corpo da requisição grande demais",
    415: "tipo de conteúdo não suportado; use application/json",
    429: "muitas requisições; tente novamente mais tarde",
}


def _http_error(exc: HTTPException):
    status = exc.code or 500
    response, _ = error_response(status, _HTTP_MESSAGES.get(status, exc.name.lower()))
    return response, status


def _unexpected_error(exc: Exception):
    log.exception("erro inesperado")
    return error_response(500, "erro interno; tente novamente")
