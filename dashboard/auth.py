"""Dashboard login on the shared login path (`shared.auth`): the same equal-time check and the same per-address
and per-e-mail limits as the API, and server-side sessions.

- The browser keeps only a random session id (cookie `COOKIE_NAME`, SameSite=Strict, Secure behind HTTPS); the
  session lives in Redis and is checked on every run, together with the user's state: logout, deactivation,
  a new password or "encerrar-sessoes" end it at once, whatever the browser still holds.
- `app.py` shows the private pages only to a logged-in user (dynamic navigation); the login is its own page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import extra_streamlit_components as stx
import streamlit as st

from shared import auth
from shared.settings import get_settings
from shared.users import UserInfo

_SESSION_KEY = "_sessao"  # where this browser session keeps its session id
_COOKIE_WRITE = "_cookie_gravar"  # (value, expiry) this browser session keeps writing; "" + the epoch deletes
_EPOCH = datetime(1970, 1, 1)
_NOTICE = "_aviso_login"


def client_address() -> str:
    """The visitor's address: the last PROXY_HOPS proxies are ours, the one before them is the client."""
    hops = get_settings().proxy_hops
    forwarded = st.context.headers.get("X-Forwarded-For") if hops else None
    if forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return st.context.ip_address or "desconhecido"


def _write_cookie() -> None:
    """Render the cookie write this browser session owes (after a login or a logout), in every run.

    The cookie component acts in the browser once its frame has loaded; a frame drawn in one run only can be
    removed by the next run (each component's first answer starts one) before it acts. Drawn in every run with
    the same key, the frame stays, acts once, and answers again only when the value changes.
    """
    write = st.session_state.get(_COOKIE_WRITE)
    if write is None:
        return
    value, expires_at = write
    settings = get_settings()
    stx.CookieManager(key="alumusic_cookies").set(
        settings.cookie_name,
        value,
        key="alumusic_cookie_write",
        expires_at=expires_at,
        secure=settings.secure_cookie,
        same_site="strict",
    )


def current_user() -> UserInfo | None:
    """The logged-in user of this browser session (checked against the server on every run), or None."""
    settings = get_settings()
    token = st.session_state.get(_SESSION_KEY) or st.context.cookies.get(settings.cookie_name)
    user = auth.session_user(token)
    if user is None:
        if st.session_state.pop(_SESSION_KEY, None):
            st.session_state[_NOTICE] = "Sua sessão terminou (saída, conta desativada ou senha trocada). Entre de novo."
        written = st.session_state.get(_COOKIE_WRITE)
        if token and (written is None or written[0]):  # the browser holds a dead session's id: forget it
            st.session_state[_COOKIE_WRITE] = ("", _EPOCH)
    else:
        st.session_state[_SESSION_KEY] = token
    _write_cookie()
    return user


def login_form() -> None:
    """The login page: e-mail and password, checked by the shared login path."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(notice)
    st.title("Área da curadoria")
    st.caption("Entre com o e-mail e a senha da sua conta (os mesmos da API).")
    with st.form("login", border=True):
        email = st.text_input("E-mail", autocomplete="username")
        password = st.text_input("Senha", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Entrar", type="primary")
    if not submitted:
        return
    if not email.strip() or not password:
        st.error("Informe o e-mail e a senha.")
        return
    try:
        user = auth.login(email, password, client_address(), "painel")
    except auth.LoginThrottled as exc:
        st.error(f"Muitas tentativas, tente em {exc.retry_after} s.")
        return
    except auth.LoginRefused:
        st.error("E-mail ou senha incorretos (ou conta desativada).")
        return
    token = auth.open_session(user)
    st.session_state[_SESSION_KEY] = token
    expires_at = datetime.now() + timedelta(days=get_settings().cookie_expiry_days)
    st.session_state[_COOKIE_WRITE] = (token, expires_at)
    st.rerun()


def logout() -> None:
    """End the session on the server (so nothing can bring it back) and forget it in the browser."""
    token = st.session_state.pop(_SESSION_KEY, None)
    st.session_state["usuario"] = None
    auth.close_session(token)
    auth.close_session(st.context.cookies.get(get_settings().cookie_name))
    st.session_state[_COOKIE_WRITE] = ("", _EPOCH)
    st.session_state[_NOTICE] = "Você saiu."


def sidebar(user: UserInfo) -> None:
    """Who is logged in, and the logout button."""
    with st.sidebar:
        st.caption("Conectado como")
        st.text(f"{user.name}\n{user.email}")
        if st.button("Sair", key="sair", icon=":material/logout:"):
            logout()
            st.rerun()


def user_email() -> str:
    """The e-mail of the logged-in user (private pages are only reachable while logged in)."""
    user = st.session_state.get("usuario")
    if user is None:
        st.stop()
    return user.email
