"""Application factory: nothing is created at import time.

`create_app(settings)` is the configuration seam: the given settings become this process's settings (tests
pass their own); without them the environment is read (`shared.settings`).
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from ingest_api import alertas, auth, comentarios, commands, health, insights, relatorio
from ingest_api.extensions import init_extensions
from ingest_api.http import ApiError
from shared.db import is_query_timeout
from shared.queue import reuse_connections
from shared.settings import Settings, configure, get_settings

log = logging.getLogger(__name__)

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


def create_app(settings: Settings | None = None) -> Flask:
    if settings is not None:
        configure(settings)
    settings = get_settings()  # raises ConfigError (clear message) on missing production secrets
    reuse_connections()  # one Redis pool per process: the token check asks for Redis on every request
    app = Flask(__name__)
    if settings.proxy_hops:  # behind our reverse proxy: the client address comes from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes)
    app.json.ensure_ascii = False
    app.json.sort_keys = False  # keep the documented field order (and skip sorting big batch answers)

    for module in (auth, comentarios, relatorio, alertas, insights, health):
        app.register_blueprint(module.bp)
    init_extensions(app, settings)
    app.register_error_handler(ApiError, lambda exc: exc.response())
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(OperationalError, _database_down)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(Exception, _unexpected_error)
    commands.register(app)
    return app


def _http_error(exc: HTTPException):
    if exc.response is not None and exc.code is None:
        return exc.response
    status = exc.code or 500
    return ApiError(status, _HTTP_MESSAGES.get(status, exc.name.lower())).response()


def _database_down(exc: Exception):
    if is_query_timeout(exc):
        log.warning("consulta interrompida pelo limite de tempo (QUERY_TIMEOUT_MS)")
        return ApiError(
            503,
            "a consulta demorou demais e foi interrompida; refine os filtros ou tente de novo",
            headers={"Retry-After": "10"},
        ).response()
    log.error("PostgreSQL indisponível: %s", str(exc).splitlines()[0][:300])
    return ApiError(
        503, "banco de dados indisponível; nada foi gravado, tente novamente", headers={"Retry-After": "5"}
    ).response()


def _database_error(exc: Exception):
    if getattr(exc, "connection_invalidated", False):
        return _database_down(exc)
    return _unexpected_error(exc)


def _unexpected_error(exc: Exception):
    log.exception("erro inesperado")
    return ApiError(500, "erro interno; tente novamente").response()
