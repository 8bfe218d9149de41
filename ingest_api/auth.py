"""Login, token refresh (rotation) and logout. Login goes through `shared.auth.login`, the same path as the
dashboard's: equal-time check, limits per address and per e-mail, auth events in the log."""

from __future__ import annotations

from flask import Blueprint, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    current_user,
    decode_token,
    get_jwt,
    jwt_required,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from spectree import Response as Doc

from ingest_api.http import ApiError, json_body, payload
from ingest_api.schemas import Erro, ErroValidacao, Login, Logout, Saida, Tokens
from ingest_api.spec import BEARER, api_spec, client_address
from shared import auth
from shared.settings import get_settings
from shared.users import UserInfo

bp = Blueprint("auth", __name__)


def _tokens(user: UserInfo) -> Tokens:
    claims = {"ver": user.token_version}
    return Tokens(
        access_token=create_access_token(identity=user.email, additional_claims=claims),
        refresh_token=create_refresh_token(identity=user.email, additional_claims=claims),
        expires_in=get_settings().jwt_access_minutes * 60,
    )


def too_many(exc: auth.LoginThrottled) -> ApiError:
    return ApiError(
        429,
        f"muitas tentativas de login; tente de novo em {exc.retry_after} s",
        headers={"Retry-After": str(exc.retry_after)},
    )


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
    desconhecido, senha errada e conta desativada, no mesmo tempo. Tentativas limitadas por endereço e por e-mail
    (`LOGIN_RATE_LIMIT`; 429 com `Retry-After`), as mesmas do painel.
    """
    credentials = json_body(Login)
    try:
        user = auth.login(credentials.email, credentials.password, client_address(), "api")
    except auth.LoginThrottled as exc:
        raise too_many(exc) from None
    except auth.LoginRefused as exc:
        raise ApiError(401, str(exc)) from None
    return payload(_tokens(user))


@bp.post("/api/auth/refresh")
@api_spec.validate(
    resp=Doc(HTTP_200=Tokens, HTTP_401=Erro), tags=["autenticação"], security=BEARER, skip_validation=True
)
@jwt_required(refresh=True)
def refresh():
    """Renova os tokens (rotação)

    Envie o refresh token no cabeçalho `Authorization: Bearer <refresh_token>`. A resposta traz um novo access
    token e um novo refresh token; o refresh token usado deixa de valer (usá-lo de novo dá 401).
    """
    token = get_jwt()
    auth.revoke_token(token["jti"], token["exp"])
    return payload(_tokens(current_user))


@bp.post("/api/auth/logout")
@api_spec.validate(
    json=Logout,
    resp=Doc(HTTP_200=Saida, HTTP_401=Erro, HTTP_415=Erro, HTTP_422=ErroValidacao),
    tags=["autenticação"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required(verify_type=False)
def logout():
    """Sai: revoga o token enviado (e o refresh token, se informado)

    Com o access token ou o refresh token no cabeçalho. No corpo (opcional): `refresh_token` para revogá-lo
    também; `todos: true` encerra todos os tokens e sessões do painel desta conta, em qualquer dispositivo.
    """
    body = json_body(Logout) if request.content_length else Logout()
    token = get_jwt()
    auth.revoke_token(token["jti"], token["exp"])
    if body.refresh_token:
        try:
            other = decode_token(body.refresh_token)
        except (JWTExtendedException, PyJWTError):
            raise ApiError(
                422, "refresh_token inválido", [{"campo": "refresh_token", "mensagem": "token inválido"}]
            ) from None
        if other.get("sub") != current_user.email:
            raise ApiError(422, "refresh_token de outra conta", [{"campo": "refresh_token", "mensagem": "outra conta"}])
        auth.revoke_token(other["jti"], other["exp"])
    if body.todos:
        auth.revoke_everywhere(current_user.email)
    return payload(Saida(saiu=True, todos=body.todos))
