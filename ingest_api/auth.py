"""Login (JWT access + refresh tokens) and refresh. Login is throttled per client address and per e-mail."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify, request
from flask_jwt_extended import create_access_token, create_refresh_token, current_user, jwt_required
from flask_limiter import Limiter
from spectree import Response as Doc

from ingest_api.http import ApiError, json_body
from ingest_api.schemas import Erro, ErroValidacao, Login, Tokens
from ingest_api.spec import api_spec, client_address
from shared import users
from shared.db import session_scope
from shared.settings import get_settings

bp = Blueprint("auth", __name__)

INVALID_CREDENTIALS = "e-mail ou senha inválidos"


def _login_limit() -> str:
    return get_settings().login_rate_limit


def _email_key() -> str:
    data = request.get_json(silent=True, cache=True)
    email = data.get("email") if isinstance(data, dict) else None
    return "email:" + (email.strip().lower()[:320] if isinstance(email, str) else "")


def apply_login_limits(app: Flask, limiter: Limiter) -> None:
    """LOGIN_RATE_LIMIT per client address and, separately, per e-mail (429 with Retry-After when exceeded)."""
    view = app.view_functions["auth.login"]
    view = limiter.limit(_login_limit, key_func=client_address, scope="login-endereco")(view)
    view = limiter.limit(_login_limit, key_func=_email_key, scope="login-email")(view)
    app.view_functions["auth.login"] = view


def _tokens(email: str, refresh: bool = True) -> dict:
    settings = get_settings()
    body = {
        "access_token": create_access_token(identity=email),
        "token_type": "Bearer",
        "expires_in": settings.jwt_access_minutes * 60,
    }
    if refresh:
        body["refresh_token"] = create_refresh_token(identity=email)
    return body


@bp.post("/api/auth/login")
@api_spec.validate(
    json=Login,
    resp=Doc(HTTP_200=Tokens, HTTP_400=Erro, HTTP_401=Erro, HTTP_415=Erro, HTTP_422=ErroValidacao, HTTP_429=Erro),
    tags=["autenticação"],
    skip_validation=True,
)
def login():
    """Entra com e-mail e senha

    Devolve um access token (curto, padrão 15 min) e um refresh token. A mesma mensagem vale para e-mail
    desconhecido e senha errada. Tentativas limitadas por endereço e por e-mail (429 com `Retry-After`).
    """
    credentials = json_body(Login)
    with session_scope() as session:
        user = users.authenticate(session, credentials.email, credentials.password)
    if user is None:
        raise ApiError(401, INVALID_CREDENTIALS)
    return jsonify(_tokens(user.email))


@bp.post("/api/auth/refresh")
@api_spec.validate(
    resp=Doc(HTTP_200=Tokens, HTTP_401=Erro), tags=["autenticação"], security={"bearerAuth": []}, skip_validation=True
)
@jwt_required(refresh=True)
def refresh():
    """Renova o access token

    Envie o refresh token no cabeçalho `Authorization: Bearer <refresh_token>`.
    """
    return jsonify(_tokens(current_user.email, refresh=False))
