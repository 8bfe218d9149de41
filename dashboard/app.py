"""AluMusic Streamlit app: `streamlit run dashboard/app.py`.

One entry with `st.navigation`: the public weekly report is the default page (served at the root URL). The
curation pages are in the navigation only for a logged-in user (the session is checked on the server on every
run, see `dashboard/auth.py`); a visitor sees the login page in their place, at the same address (`/painel`),
so a link to a comment leads through the login to that comment.
"""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from dashboard import alerts, auth
from shared.settings import ConfigError

# Page files live in views/ (not pages/: that name switches Streamlit to its older directory-based mode).
PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="AluMusic", page_icon=":material/music_note:", layout="wide")


def main() -> None:
    try:
        user = auth.current_user()
    except ConfigError as exc:
        st.error(f"Configuração incompleta: {exc}")  # our own message, no user input
        st.stop()
    except (SQLAlchemyError, RedisError, OSError):  # plain words for the visitor, details in the server log
        logging.getLogger(__name__).exception("falha ao iniciar o painel")
        st.error("Não foi possível conectar ao banco de dados agora. Tente novamente em instantes.")
        st.stop()
    st.session_state["usuario"] = user

    report = st.Page(PAGES / "relatorio.py", title="Relatório semanal", icon=":material/bar_chart:", default=True)
    if user is None:
        private = [st.Page(PAGES / "entrar.py", title="Entrar", icon=":material/login:", url_path="painel")]
    else:
        auth.sidebar(user)
        private = [
            st.Page(PAGES / "painel.py", title="Comentários", icon=":material/forum:", url_path="painel"),
            st.Page(PAGES / "importar.py", title="Importar CSV", icon=":material/upload_file:", url_path="importar"),
            st.Page(PAGES / "alertas.py", title="Alertas", icon=":material/notifications:", url_path="alertas"),
            st.Page(PAGES / "artista.py", title="Artista", icon=":material/person:", url_path="artista"),
            st.Page(PAGES / "resumos.py", title="Resumos semanais", icon=":material/article:", url_path="resumos"),
            st.Page(PAGES / "operacoes.py", title="Operações", icon=":material/monitor_heart:", url_path="operacoes"),
        ]
    page = st.navigation({"Público": [report], "Curadoria": private})
    if user is not None and page.url_path not in ("", "alertas"):
        alerts.banner()  # alerts of the last 24 h, on every curation page but the Alertas page itself
    page.run()


main()
