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
_PENDING_COOKIE = "_cookie_pendente"
_STALE_COOKIE = "_cookie_apagar"
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


def _cookies(key: str) -> stx.CookieManager:
    """The cookie component (one instance per purpose in a run: each needs its own widget key)."""
    return stx.CookieManager(key=key)


def current_user() -> UserInfo | None:
    """The logged-in user of this browser session (checked against the server on every run), or None."""
    settings = get_settings()
    token = st.session_state.get(_SESSION_KEY) or st.context.cookies.get(settings.cookie_name)
    user = auth.session_user(token)
    if user is None:
        if st.session_state.pop(_STALE_COOKIE, None):  # in the run after the logout, like the login's cookie
            _cookies("alumusic_cookie_out").delete(settings.cookie_name, key="alumusic_cookie_delete")
        if st.session_state.pop(_SESSION_KEY, None):
            st.session_state[_NOTICE] = "Sua sessão terminou (saída, conta desativada ou senha trocada). Entre de novo."
        return None
    st.session_state[_SESSION_KEY] = token
    pending = st.session_state.pop(_PENDING_COOKIE, None)
    if pending:  # written in the run after the login, so the component reaches the browser
        _cookies("alumusic_cookie_set").set(
            settings.cookie_name,
            pending,
            expires_at=datetime.now() + timedelta(days=settings.cookie_expiry_days),
            secure=settings.secure_cookie,
            same_site="strict",
        )
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
    st.session_state[_PENDING_COOKIE] = token
    st.rerun()


def logout() -> None:
    """End the session on the server (so nothing can bring it back) and forget it in the browser."""
    token = st.session_state.pop(_SESSION_KEY, None)
    st.session_state["usuario"] = None
    auth.close_session(token)
    auth.close_session(st.context.cookies.get(get_settings().cookie_name))
    st.session_state[_STALE_COOKIE] = True
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
