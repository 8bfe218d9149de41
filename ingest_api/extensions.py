"""Flask extensions, created unbound here and bound to the app in `create_app` (no import-time side effects)."""

from __future__ import annotations

import threading
import time

from flask import Flask, redirect, request
from flask_jwt_extended import JWTManager

from ingest_api.http import ApiError
from ingest_api.spec import DOCS_PATH, OPENAPI_URL, api_spec
from shared import auth
from shared.settings import Settings


class RememberingJWTManager(JWTManager):
    """flask-jwt-extended decodes every token three times (claims, header, then verified). A token this process
    has already verified (the exact string, signature included) is remembered until its `exp`, so a client that
    sends the same access token on every request pays the signature check once. Nothing else is skipped: the
    user check (`shared.auth.current_user`: active, token version, revoked `jti`) still runs on every request."""

    MAX_TOKENS = 4096

    def __init__(self, app: Flask | None = None) -> None:
        self._verified: dict[str, dict] = {}
        self._verified_lock = threading.Lock()
        super().__init__(app)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is None and not allow_expired:
            known = self._verified.get(encoded_token)
            if known is not None and known["exp"] > time.time():
                return dict(known)
        data = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        if csrf_value is None and not allow_expired and isinstance(data.get("exp"), (int, float)):
            with self._verified_lock:
                if len(self._verified) >= self.MAX_TOKENS:
                    self._verified.clear()
                self._verified[encoded_token] = dict(data)
        return data


jwt = RememberingJWTManager()


def init_extensions(app: Flask, settings: Settings) -> None:
    app.config.update(
        JWT_SECRET_KEY=settings.jwt_secret_key,
        JWT_ALGORITHM="HS256",
        JWT_DECODE_ALGORITHMS=["HS256"],
        JWT_TOKEN_LOCATION=["headers"],
        JWT_ACCESS_TOKEN_EXPIRES=settings.jwt_access_minutes * 60,
        JWT_REFRESH_TOKEN_EXPIRES=settings.jwt_refresh_days * 24 * 3600,
    )
    jwt.init_app(app)
    _jwt_callbacks()
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
        # The token's user, still active, same token version, token not revoked: one pipelined Redis round
        # trip (cached user state + denylist), the database only on a cache miss.
        return auth.current_user(str(payload["sub"]), payload.get("ver"), payload.get("jti"))

    @jwt.token_verification_loader
    def _has_expiry(_header: dict, payload: dict) -> bool:
        return "exp" in payload and isinstance(payload.get("sub"), str) and isinstance(payload.get("ver"), int)

    def _refused(_header: dict, payload: dict):
        auth.log.warning(
            "auth: token recusado email=%s rota=%s", auth.mask_email(str(payload.get("sub", ""))), request.path
        )
        return _unauthorized("token revogado ou conta desativada; entre de novo")

    jwt.user_lookup_error_loader(_refused)
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("token sem expiração, sujeito ou versão"))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("token expirado; renove em /api/auth/refresh"))
    jwt.invalid_token_loader(lambda reason: _unauthorized("token inválido"))
    jwt.unauthorized_loader(
        lambda reason: _unauthorized("não autenticado; envie o cabeçalho Authorization: Bearer <token>")
    )
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("token não é recente"))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("token revogado"))
