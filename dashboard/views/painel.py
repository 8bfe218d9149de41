"""Curation dashboard: filters, full-text search, charts that filter the table, paginated comments, the
comment view with its classification history, label correction and export. Login required."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, comments, detail, filters, ui

user_email = auth.user_email()

st.title("Comentários")
flash = st.session_state.pop(detail.FLASH_KEY, None)
if flash:
    st.success(flash)

filtro = filters.comment_filter()
if filtro.artista:
    st.page_link(
        ui.ARTIST_PAGE,
        label=f"Página do artista: {ui.escape_md(filtro.artista)}",
        icon=":material/person:",
        query_params={"nome": filtro.artista},
    )
comments.filter_charts(filtro)
event, frame, total = comments.table(filtro)
comments.export_block(filtro, total)
chosen = detail.selected_id(event, frame) if not frame.empty else None
if chosen:
    detail.show(chosen, user_email)
