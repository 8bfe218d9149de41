"""Weekly summaries archive (newest first). Login required."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import data, ui

st.title("Resumos semanais")
st.caption(
    "Gerados toda semana a partir dos números agregados (categorias, variação, tags, artistas) e enviados "
    "por e-mail. O mais recente também aparece no relatório público."
)

try:
    rows = data.summaries()
except SQLAlchemyError:
    st.error("Não foi possível carregar os resumos agora. Tente novamente em instantes.")
    st.stop()

if not rows:
    st.info(
        "Ainda não há resumos. O primeiro é gerado na segunda-feira seguinte aos primeiros comentários, "
        "ou sob demanda com `flask --app ingest_api resumo-semanal --semana AAAA-Www`."
    )
    st.stop()

for index, summary in enumerate(rows):
    sent = (
        f"enviado em {ui.moment(summary.enviado_em)} para {len(summary.destinatarios)} destinatário(s)"
        if summary.enviado_em
        else "não enviado por e-mail"
    )
    title = f"Semana {summary.semana} · {ui.day(summary.desde)} a {ui.day(summary.ate)}"
    with st.expander(title, expanded=index == 0):
        ui.plain(summary.texto)
        st.caption(
            f"Modelo {summary.modelo} (prompt {summary.versao_prompt}) · gerado em "
            f"{ui.moment(summary.criado_em)} · {sent}"
        )
