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
    _register_api(app, settings)

    from ingest_api import cli, cli_demo, cli_pipeline
    for module in (cli, cli_pipeline, cli_demo):
        module.register(app)
    return app


def _register_api(app: Flask, settings) -> None:
    """Extensions (JWT, rate limits, OpenAPI) and the API blueprints."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from ingest_api import auth, comentarios, health, insights, relatorio
    from ingest_api.extensions import init_extensions
    from ingest_api.http import ApiError

    app.json.sort_keys = False  # keep the documented field order (and skip sorting big batch answers)
    for module in (auth, comentarios, relatorio, insights, health):
        app.register_blueprint(module.bp)
    init_extensions(app, settings)
    app.register_error_handler(ApiError, lambda exc: exc.response())
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(DBAPIError, _database_error)


def _database_down(exc: Exception):
    log.error("PostgreSQL indisponível: %s", str(exc).splitlines()[0][:300])
    response, status = error_response(503, "banco de dados indisponível; nada foi gravado, tente novamente")
    response.headers["Retry-After"] = "5"
    return response, status


def _database_error(exc: Exception):
    if getattr(exc, "connection_invalidated", False):
        return _database_down(exc)
    return _unexpected_error(exc)


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
    if exc.response is not None and exc.code is None:
        return exc.response
    status = exc.code or 500
    response, _ = error_response(status, _HTTP_MESSAGES.get(status, exc.name.lower()))
    return response, status


def _unexpected_error(exc: Exception):
    log.exception("erro inesperado")
    return error_response(500, "erro interno; tente novamente")
