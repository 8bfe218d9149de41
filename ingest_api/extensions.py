"""Flask extensions, created unbound here and bound to the app in `create_app` (no import-time side effects)."""

from __future__ import annotations

from flask import Flask, redirect
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter

from ingest_api import auth
from ingest_api.http import ApiError
from ingest_api.spec import DOCS_PATH, OPENAPI_URL, api_spec, client_address
from shared import users
from shared.db import session_scope
from shared.settings import Settings

jwt = JWTManager()


def init_extensions(app: Flask, settings: Settings) -> None:
    app.config.update(
        JWT_SECRET_KEY=settings.jwt_secret_key,
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ACCESS_TOKEN_EXPIRES=settings.jwt_access_minutes * 60,
        JWT_REFRESH_TOKEN_EXPIRES=settings.jwt_refresh_days * 24 * 3600,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_STORAGE_OPTIONS={"socket_connect_timeout": 1, "socket_timeout": 2},
    )
    jwt.init_app(app)
    _jwt_callbacks()
    # One limiter per app (its Redis-health state and in-memory fallback belong to this app alone).
    limiter = Limiter(
        client_address,
        app=app,
        key_prefix="alumusic",
        headers_enabled=True,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
        strategy="fixed-window",
    )
    auth.apply_login_limits(app, limiter)
    api_spec.register(app)
    # Endpoint names starting with "openapi" stay out of the document itself.
    app.add_url_rule(OPENAPI_URL, "openapi_document", lambda: app.json.response(api_spec.spec))
    app.add_url_rule("/api/docs", "openapi_docs_redirect", lambda: redirect(f"/{DOCS_PATH}/swagger/"))


def _unauthorized(message: str):
    return ApiError(401, message).response()


def _jwt_callbacks() -> None:
    @jwt.user_identity_loader
    def _identity(user):  # the e-mail (a string) is the subject
        return user if isinstance(user, str) else user.email

    @jwt.user_lookup_loader
    def _lookup(_header: dict, payload: dict):
        # One indexed lookup per request, so a deactivated user's tokens stop working at once.
        with session_scope() as session:
            return users.get_active_user(session, str(payload.get("sub", "")))

    @jwt.token_verification_loader
    def _has_expiry(_header: dict, payload: dict) -> bool:
        return "exp" in payload and isinstance(payload.get("sub"), str)

    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("usuário desativado ou inexistente"))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("token sem expiração ou sem sujeito"))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("token expirado; renove em /api/auth/refresh"))
    jwt.invalid_token_loader(lambda reason: _unauthorized("token inválido"))
    jwt.unauthorized_loader(
        lambda reason: _unauthorized("não autenticado; envie o cabeçalho Authorization: Bearer <token>")
    )
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("token não é recente"))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("token revogado"))
