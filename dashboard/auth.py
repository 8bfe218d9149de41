"""Login for the private pages: streamlit-authenticator over the `users` table (the API's bcrypt hashes).

- Credentials are read from PostgreSQL on every run (active users only), never from a file, so a user
  created or deactivated with the CLI counts at once.
- The re-authentication cookie's name, key and lifetime come from Settings.
- A logged-in user who has been deactivated is logged out on the next interaction.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities import LoginError

from shared import users
from shared.db import session_scope
from shared.settings import get_settings

_AUTH_KEY = "_autenticador"


def _credentials() -> dict:
    with session_scope() as session:
        return users.credentials_for_authenticator(session)


def setup() -> stauth.Authenticate:
    """Build the authenticator for this run (once per script run) and restore a session from its cookie."""
    settings = get_settings()
    authenticator = stauth.Authenticate(
        _credentials(),
        cookie_name=settings.cookie_name,
        cookie_key=settings.cookie_key,
        cookie_expiry_days=settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )
    st.session_state[_AUTH_KEY] = authenticator
    try:
        authenticator.login(location="unrendered")  # re-login from a valid cookie, renders nothing
    except LoginError:
        # Cookie of a user who no longer may log in (deactivated): forget it.
        authenticator.logout(location="unrendered")
    _drop_deactivated(authenticator)
    return authenticator


def _drop_deactivated(authenticator: stauth.Authenticate) -> None:
    email = current_email()
    if email is None:
        return
    with session_scope() as session:
        active = users.get_active_user(session, email)
    if active is None:
        authenticator.logout(location="unrendered")
        st.session_state["_aviso_login"] = "Sua conta está desativada. Fale com o administrador."


def authenticator() -> stauth.Authenticate:
    auth = st.session_state.get(_AUTH_KEY)
    if auth is None:
        auth = setup()
    return auth


def current_email() -> str | None:
    if st.session_state.get("authentication_status"):
        return st.session_state.get("username")
    return None


def current_name() -> str | None:
    return st.session_state.get("name") if current_email() else None


def require_login() -> str:
    """On a private page: the logged-in user's e-mail, or the login form alone (and the page stops).

    The form is ours (Portuguese, in a placeholder); the credentials check and the re-authentication
    cookie are streamlit-authenticator's. No rerun after a successful login: the cookie component must
    reach the browser, so the form is cleared and the page goes on rendering in the same run.
    """
    if current_email():
        logout_button()  # rendered by the page (a widget's id depends on the script that draws it)
        email = current_email()  # None when "Sair" was just clicked
        if email:
            return email
    auth = authenticator()
    slot = st.empty()
    with slot.container():
        warning = st.session_state.pop("_aviso_login", None)
        if warning:
            st.warning(warning)
        st.title("Área da curadoria")
        st.caption("Entre com o e-mail e a senha da sua conta (os mesmos da API).")
        with st.form("login", border=True):
            typed_email = st.text_input("E-mail", autocomplete="username")
            password = st.text_input("Senha", type="password", autocomplete="current-password")
            submitted = st.form_submit_button("Entrar", type="primary")
        message = st.empty()
    if not submitted:
        st.stop()
    if not typed_email.strip() or not password:
        message.error("Informe o e-mail e a senha.")
        st.stop()
    try:
        ok = auth.authentication_controller.login(typed_email, password)
    except LoginError:
        ok = False
    if not ok:
        st.session_state["authentication_status"] = None
        message.error("E-mail ou senha incorretos (ou conta desativada).")
        st.stop()
    auth.cookie_controller.set_cookie()  # invisible component that stores the signed cookie in the browser
    slot.empty()
    logout_button()
    return current_email() or typed_email


def logout_button() -> None:
    """Sidebar block with the user and the logout button (only when logged in).

    Pages draw it (never app.py): a widget's id includes the script that drew it, so the button must be
    drawn by the same script on every run or a click would be lost.
    """
    email = current_email()
    if not email:
        return
    with st.sidebar:
        st.caption(f"Conectado como **{current_name() or email}**  \n{email}")
        authenticator().logout("Sair", location="sidebar", key="sair")
