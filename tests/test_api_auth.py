"""Login, refresh, token rules and login throttling, through the real app (rate limits stored in real Redis)."""

from __future__ import annotations

from datetime import timedelta

import jwt as pyjwt
from flask_jwt_extended import create_access_token

from shared import auth as shared_auth
from shared.settings import get_settings

INVALID = "e-mail ou senha inválidos"


def _login(client, email: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/api/auth/login", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_login_returns_bearer_tokens_with_expiry_and_string_subject(client, user):
    response = _login(client, *user)
    assert response.status_code == 200
    body = response.json
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    claims = pyjwt.decode(body["access_token"], get_settings().jwt_secret_key, algorithms=["HS256"])
    assert claims["sub"] == user[0] and isinstance(claims["sub"], str)
    assert claims["exp"] - claims["iat"] == 15 * 60
    assert pyjwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    assert body["refresh_token"]


def test_access_token_lifetime_is_configurable(client, user, use_settings):
    use_settings(jwt_access_minutes="5")
    from ingest_api import create_app

    response = create_app().test_client().post("/api/auth/login", json={"email": user[0], "password": user[1]})
    assert response.json["expires_in"] == 300
    claims = pyjwt.decode(response.json["access_token"], get_settings().jwt_secret_key, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == 300


def test_unknown_email_and_wrong_password_get_the_same_401(client, user):
    unknown = _login(client, "ninguem@alumusic.com.br", user[1])
    wrong = _login(client, user[0], "senha-errada-123", address="10.0.0.2")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json == wrong.json == {"erro": INVALID}


def test_deactivated_user_cannot_log_in(client, user):
    shared_auth.set_active(user[0], False)
    response = _login(client, *user)
    assert response.status_code == 401 and response.json == {"erro": INVALID}


def test_login_validates_its_body(client):
    assert client.post("/api/auth/login", data="x", content_type="text/plain").status_code == 415
    missing = client.post("/api/auth/login", json={"email": "a@b.com"})
    assert missing.status_code == 422
    assert {"campo": "password", "mensagem": "campo obrigatório"} in missing.json["detalhes"]


def test_login_is_throttled_per_email_across_addresses(client, user):
    for attempt in range(5):
        assert _login(client, user[0], "senha-errada-123", address=f"10.1.0.{attempt}").status_code == 401
    blocked = _login(client, user[0], user[1], address="10.1.0.99")
    assert blocked.status_code == 429
    assert blocked.is_json and blocked.json["erro"]
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    # another e-mail from a fresh address is not affected
    assert _login(client, "outra@alumusic.com.br", "x", address="10.1.0.100").status_code == 401


def test_login_is_throttled_per_address_across_emails(client, user):
    for attempt in range(5):
        assert _login(client, f"tentativa{attempt}@alumusic.com.br", "x", address="10.2.0.1").status_code == 401
    blocked = _login(client, *user, address="10.2.0.1")
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    assert _login(client, *user, address="10.2.0.2").status_code == 200


def test_login_limit_is_configurable(client, user, use_settings):
    use_settings(login_rate_limit="2 per minute")
    assert _login(client, *user, address="10.3.0.1").status_code == 200
    assert _login(client, *user, address="10.3.0.1").status_code == 200
    assert _login(client, *user, address="10.3.0.1").status_code == 429


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_refresh_rotates_the_tokens_and_the_old_refresh_token_stops_working(client, user):
    tokens = _login(client, *user).json
    response = client.post("/api/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    new = response.json
    assert new["refresh_token"] != tokens["refresh_token"]
    assert client.get("/api/comentarios", headers=_bearer(new["access_token"])).status_code == 200
    reused = client.post("/api/auth/refresh", headers=_bearer(tokens["refresh_token"]))
    assert reused.status_code == 401 and reused.is_json
    assert client.post("/api/auth/refresh", headers=_bearer(new["refresh_token"])).status_code == 200


def test_logout_revokes_the_access_token_and_the_given_refresh_token(client, user):
    tokens = _login(client, *user).json
    out = client.post(
        "/api/auth/logout", headers=_bearer(tokens["access_token"]), json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 200 and out.json == {"saiu": True, "todos": False}
    assert client.get("/api/comentarios", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.post("/api/auth/refresh", headers=_bearer(tokens["refresh_token"])).status_code == 401
    assert _login(client, *user, address="10.5.0.1").status_code == 200  # the account itself is fine


def test_logout_everywhere_ends_every_token_and_dashboard_session(client, user):
    first, second = _login(client, *user).json, _login(client, *user, address="10.6.0.2").json
    session = shared_auth.open_session(shared_auth.current_user(user[0], None))
    assert client.post("/api/auth/logout", headers=_bearer(first["access_token"]), json={"todos": True}).json == {
        "saiu": True,
        "todos": True,
    }
    for token in (second["access_token"],):
        assert client.get("/api/comentarios", headers=_bearer(token)).status_code == 401
    assert client.post("/api/auth/refresh", headers=_bearer(second["refresh_token"])).status_code == 401
    assert shared_auth.session_user(session) is None


def test_a_new_password_ends_the_old_tokens(client, user):
    tokens = _login(client, *user).json
    shared_auth.change_password(user[0], "outra-senha-forte-456")
    assert client.get("/api/comentarios", headers=_bearer(tokens["access_token"])).status_code == 401
    assert _login(client, *user, address="10.7.0.1").status_code == 401
    assert _login(client, user[0], "outra-senha-forte-456", address="10.7.0.1").status_code == 200


def test_auth_events_are_logged_without_secrets(client, user, caplog):
    caplog.set_level("INFO", logger="alumusic.auth")
    _login(client, user[0], "senha-errada-123")
    good = _login(client, *user).json
    shared_auth.set_active(user[0], False)
    client.get("/api/comentarios", headers=_bearer(good["access_token"]))
    for _ in range(6):
        _login(client, user[0], "senha-errada-123", address="10.8.0.1")
    text = caplog.text
    assert "login recusado canal=api" in text and "motivo=senha errada" in text
    assert "login ok canal=api" in text and "conta desativada" in text and "token recusado" in text
    assert "login bloqueado (limite)" in text
    assert "senha-errada-123" not in text and user[1] not in text and good["access_token"] not in text


def test_access_token_cannot_refresh_and_refresh_token_cannot_call_the_api(client, user):
    tokens = _login(client, *user).json
    assert (
        client.post("/api/auth/refresh", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code
        == 401
    )
    assert (
        client.get("/api/comentarios", headers={"Authorization": f"Bearer {tokens['refresh_token']}"}).status_code
        == 401
    )


def test_deactivated_users_existing_tokens_stop_working_at_once(client, auth, user):
    assert client.get("/api/comentarios", headers=auth).status_code == 200
    shared_auth.set_active(user[0], False)
    response = client.get("/api/comentarios", headers=auth)
    assert response.status_code == 401
    assert response.is_json and response.json["erro"]


def test_expired_forged_and_expiryless_tokens_are_refused(app, client, user):
    with app.app_context():
        expired = create_access_token(
            identity=user[0], expires_delta=timedelta(seconds=-5), additional_claims={"ver": 0}
        )
        no_exp = create_access_token(identity=user[0], expires_delta=False, additional_claims={"ver": 0})
        no_version = create_access_token(identity=user[0])
    forged = pyjwt.encode(
        {"sub": user[0], "type": "access", "exp": 4102444800, "jti": "x", "fresh": False},
        "outro-segredo-qualquer-com-mais-de-32-bytes",
        algorithm="HS256",
    )
    none_alg = pyjwt.encode({"sub": user[0], "type": "access", "exp": 4102444800}, key=None, algorithm="none")
    for bad in (expired, no_exp, no_version, forged, none_alg, "isto-nao-e-um-jwt"):
        response = client.get("/api/comentarios", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad
        assert response.is_json and response.json["erro"]


def test_login_works_and_is_still_throttled_in_memory_when_redis_is_down(user, use_settings):
    from ingest_api import create_app
    from tests.api_fixtures import closed_port_url

    use_settings(redis_url=closed_port_url("redis"))
    client = create_app().test_client()
    statuses = [_login(client, *user, address="10.4.0.1").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
