"""The one login path of the API and the dashboard, and what keeps a token or a session valid.

- `login(email, password, client, channel)`: the same per-address and per-e-mail limits (LOGIN_RATE_LIMIT, in
  Redis; in process memory while Redis is down) and the same equal-time password check for both channels;
  every outcome is logged as an auth event (never the password).
- `current_user(email, version)`: the user behind a token or a session, only while active and with the same
  `token_version`; cached in Redis for a few seconds and dropped from the cache by every change
  (`users.set_active`, `users.change_password`, `revoke_everywhere`), so revocation takes effect at once.
- Dashboard sessions: `open_session` / `session_user` / `close_session` — a random id in the browser's cookie,
  the session itself in Redis: logout and deactivation end it on the server, whatever the browser keeps.
- Refresh tokens: `revoke_token(jti, expires_at)` / `token_revoked(jti)` — a denylist in Redis for rotated
  and logged-out tokens.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import secrets
import time

from redis.exceptions import RedisError

from shared import quotas, users
from shared.db import session_scope
from shared.queue import redis_connection
from shared.settings import get_settings

log = logging.getLogger("alumusic.auth")

USER_CACHE_SECONDS = 30
SESSION_PREFIX = "alumusic:sessao:"
USER_PREFIX = "alumusic:usuario:"
REVOKED_PREFIX = "alumusic:jti-revogado:"


class LoginThrottled(Exception):
    """Too many attempts for this address or e-mail; `retry_after` seconds until the window resets."""

    def __init__(self, retry_after: int):
        super().__init__(f"muitas tentativas; tente de novo em {retry_after} s")
        self.retry_after = retry_after


class LoginRefused(Exception):
    """Unknown e-mail, wrong password or inactive account (one message for all three)."""


def mask_email(email: str) -> str:
    """An e-mail for the logs: enough to tell accounts apart, not enough to copy it ("cu***@alumusic.com.br")."""
    name, _, domain = email.strip().lower().partition("@")
    return f"{name[:2]}***@{domain}" if domain else f"{name[:2]}***"


# --- login


def _check_attempt(email: str, client: str) -> None:
    """One attempt against LOGIN_RATE_LIMIT, per client address and per e-mail (both must have room)."""
    limit = get_settings().login_rate_limit
    try:
        quotas.spend("login-endereco", client or "desconhecido", limit, what="tentativas de login")
        quotas.spend("login-email", email.strip().lower()[:320], limit, what="tentativas de login")
    except quotas.QuotaExceeded as exc:
        raise LoginThrottled(exc.retry_after) from None


def login(email: str, password: str, client: str, channel: str) -> users.UserInfo:
    """The user for these credentials, or `LoginThrottled` / `LoginRefused`. `channel`: "api" or "painel"."""
    masked = mask_email(email)
    try:
        _check_attempt(email, client)
    except LoginThrottled as exc:
        log.warning(
            "auth: login bloqueado (limite) canal=%s email=%s origem=%s espera=%ss",
            channel,
            masked,
            client,
            exc.retry_after,
        )
        raise
    with session_scope() as session:
        user, reason = users.authenticate(session, email, password)
    if user is None:
        log.warning("auth: login recusado canal=%s email=%s origem=%s motivo=%s", channel, masked, client, reason)
        raise LoginRefused("e-mail ou senha inválidos")
    log.info("auth: login ok canal=%s email=%s origem=%s", channel, masked, client)
    return user


# --- who a token or a session belongs to


def _redis():
    return redis_connection()


def forget_user(email: str) -> None:
    """Drop the cached state of a user (after any change to it); when Redis is down the cache is down too."""
    try:
        _redis().delete(USER_PREFIX + email.strip().lower())
    except (RedisError, OSError):
        log.warning("cache de usuário indisponível; a mudança vale em até %d s", USER_CACHE_SECONDS)


def _cached_state(email: str, jti: str | None) -> tuple[dict | None, bool]:
    """(cached user state or None, whether `jti` is revoked): one pipelined round trip to Redis."""
    with _redis().pipeline(transaction=False) as pipe:
        pipe.get(USER_PREFIX + email)
        if jti:
            pipe.exists(REVOKED_PREFIX + jti)
        replies = pipe.execute()
    return (json.loads(replies[0]) if replies[0] else None), bool(jti and replies[1])


def current_user(email: str, version: int | None, jti: str | None = None) -> users.UserInfo | None:
    """The active user `email` when `version` is its current token version (None: any version) and `jti` (a
    token id, when given) is not revoked; else None."""
    email = email.strip().lower()
    try:
        cached, revoked = _cached_state(email, jti)
    except (RedisError, OSError, ValueError):
        cached, revoked = None, False  # without Redis: the database decides (revoked tokens still expire)
    if revoked:
        return None
    if cached is None:
        with session_scope() as session:
            user = users.get_user(session, email)
        cached = (
            {
                "id": user.id,
                "email": user.email,
                "name": user.name,
                "active": user.active,
                "version": user.token_version,
            }
            if user
            else {"active": False}
        )
        with contextlib.suppress(RedisError, OSError):
            _redis().set(USER_PREFIX + email, json.dumps(cached), ex=USER_CACHE_SECONDS)
    if not cached.get("active") or (version is not None and version != cached["version"]):
        return None
    return users.UserInfo(
        id=cached["id"], email=cached["email"], name=cached["name"], active=True, token_version=cached["version"]
    )


def set_active(email: str, active: bool) -> users.UserInfo:
    """Deactivate or reactivate; either way, tokens and sessions issued before end now."""
    with session_scope() as session:
        user = users.set_active(session, email, active)
    forget_user(email)
    log.info("auth: conta %s email=%s", "reativada" if active else "desativada", mask_email(email))
    return user


def change_password(email: str, password: str) -> users.UserInfo:
    """A new password; tokens and sessions issued before end now."""
    with session_scope() as session:
        user = users.change_password(session, email, password)
    forget_user(email)
    log.info("auth: senha trocada email=%s", mask_email(email))
    return user


def revoke_everywhere(email: str) -> users.UserInfo:
    """End every token and dashboard session of this user now ("sair de todos os lugares")."""
    with session_scope() as session:
        user = users.bump_version(session, email)
    forget_user(email)
    log.info("auth: sessões revogadas email=%s", mask_email(email))
    return user


# --- dashboard sessions


def _session_key(token: str) -> str:
    # Redis holds a hash of the cookie value: a copy of Redis alone does not give usable cookies.
    return SESSION_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def open_session(user: users.UserInfo) -> str:
    """A new dashboard session for `user`; returns the value for the browser's cookie."""
    token = secrets.token_urlsafe(32)
    seconds = max(int(get_settings().cookie_expiry_days * 86400), 60)
    _redis().set(_session_key(token), json.dumps({"email": user.email, "version": user.token_version}), ex=seconds)
    return token


def session_user(token: str | None) -> users.UserInfo | None:
    """The user of a live session (still active, same token version), or None."""
    if not isinstance(token, str) or not token:
        return None
    try:
        raw = _redis().get(_session_key(token))
    except (RedisError, OSError):
        log.warning("sessões do painel indisponíveis (Redis fora do ar)")
        return None
    if not raw:
        return None
    data = json.loads(raw)
    user = current_user(data["email"], data["version"])
    if user is None:
        log.info("auth: sessão do painel recusada (conta desativada ou revogada) email=%s", mask_email(data["email"]))
    return user


def close_session(token: str | None) -> None:
    if isinstance(token, str) and token:
        try:
            _redis().delete(_session_key(token))
        except (RedisError, OSError):
            log.warning("não foi possível encerrar a sessão no Redis; ela expira sozinha")


# --- refresh tokens


def revoke_token(jti: str, expires_at: float) -> None:
    """Put a token id on the denylist until the token would have expired anyway."""
    ttl = max(int(expires_at - time.time()) + 1, 1)
    _redis().set(REVOKED_PREFIX + jti, "1", ex=ttl)


def token_revoked(jti: str | None) -> bool:
    """Whether a token id is on the denylist. With Redis down, refresh tokens are refused (fail closed)."""
    if not jti:
        return True
    try:
        return bool(_redis().exists(REVOKED_PREFIX + jti))
    except (RedisError, OSError):
        return True
