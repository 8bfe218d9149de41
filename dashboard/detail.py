"""The comment view of the Comentários page: text, metadata, current classification, history, correction,
re-queue. Comment text, names, tag explanations and errors are shown as plain text (never Markdown)."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from dashboard import data, ui
from shared.classification import corrections, requeue
from shared.reporting.payloads import ComentarioDetalhe
from shared.vocabulary import CATEGORY_VALUES, CommentStatus

FLASH_KEY = "_painel_aviso"


def selected_id(event, frame: pd.DataFrame) -> str | None:
    """The row picked in the table, else `?comentario=<id>` (a link that opens one comment)."""
    rows = event.selection.rows if event else []
    if rows:
        chosen = str(frame.iloc[rows[0]]["id"])
        st.query_params["comentario"] = chosen
        return chosen
    return st.query_params.get("comentario")


def show(comment_id: str, user_email: str) -> None:
    try:
        detail = data.comment_detail(comment_id)
    except ValueError:
        detail = None
    if detail is None:
        st.warning("Comentário não encontrado.")
        return
    st.divider()
    title_col, close_col = st.columns([5, 1])
    title_col.subheader("Comentário selecionado")
    if close_col.button("Fechar", icon=":material/close:", width="stretch"):
        st.query_params.pop("comentario", None)
        st.session_state["_tabela_versao"] = st.session_state.get("_tabela_versao", 0) + 1  # clears the selection
        st.rerun()
    _header(detail)
    if detail.status is CommentStatus.FALHOU:
        _failed(detail)
    _classification(detail)
    _correction_form(detail, user_email)


def _header(detail: ComentarioDetalhe) -> None:
    current = detail.classificacao
    with st.container(border=True):
        ui.plain(detail.texto)
        m1, m2, m3, m4 = st.columns(4)
        with m1:
            st.caption("Artista")
            ui.plain(detail.artista or (current.artista if current else None))
        with m2:
            st.caption("Álbum")
            ui.plain(detail.album or (current.album if current else None))
        m3.caption("Escrito em")
        m3.text(ui.moment(detail.data or detail.recebido_em))
        m4.caption("Status")
        m4.text(f"{ui.status_label(detail.status)} · {detail.tentativas} tentativa(s)")
        st.caption(f"id {detail.id} · recebido em {ui.moment(detail.recebido_em)} via {detail.origem_dado.value}")


def _failed(detail: ComentarioDetalhe) -> None:
    st.error("A classificação falhou. Motivo registrado:")
    ui.plain(detail.erro, "motivo não registrado")
    if st.button("Reenfileirar este comentário", icon=":material/replay:"):
        try:
            count = requeue.requeue_failed([detail.id])
        except (RedisError, SQLAlchemyError):
            st.error("Não foi possível reenfileirar agora (a fila está indisponível). Tente de novo.")
        else:
            st.session_state[FLASH_KEY] = f"{count} comentário reenfileirado para classificação."
            data.clear_caches()
            st.rerun()


def _classification(detail: ComentarioDetalhe) -> None:
    current = detail.classificacao
    if current:
        line = (
            f"Classificação atual: {current.categoria.value} · confiança {ui.percent(current.confianca * 100, 0)}"
            f" · {ui.origin_label(current.origem)} ({current.modelo}, prompt {current.versao_prompt})"
        )
        if current.criado_por:
            line += f" · corrigido por {current.criado_por}"
        st.text(line)
        if current.tags_funcionalidades:
            st.dataframe(
                pd.DataFrame([{"tag": t.codigo, "explicação": t.explicacao} for t in current.tags_funcionalidades]),
                hide_index=True,
                width="stretch",
            )
    st.markdown("**Histórico de classificações**")
    if not detail.historico:
        st.caption("Ainda não classificado.")
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "quando": ui.moment(h.criado_em),
                    "categoria": h.categoria.value,
                    "confianca": h.confianca,
                    "origem": ui.origin_label(h.origem),
                    "modelo": h.modelo,
                    "prompt": h.versao_prompt,
                    "por": h.criado_por or "",
                    "tags": ", ".join(t.codigo for t in h.tags_funcionalidades),
                    "atual": "✔" if h.atual else "",
                }
                for h in detail.historico
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={"confianca": st.column_config.NumberColumn("confiança", format="percent")},
    )


def _correction_form(detail: ComentarioDetalhe, user_email: str) -> None:
    current = detail.classificacao
    with st.form("correcao", border=True):
        st.markdown("**Corrigir a categoria**")
        st.caption(
            "A correção vira a classificação atual (origem: curadoria), fica no histórico com seu e-mail, "
            "nunca é sobrescrita por uma reclassificação automática e entra no próximo treino do modelo local."
        )
        default = CATEGORY_VALUES.index(current.categoria.value) if current else 0
        new_category = st.selectbox("Nova categoria", CATEGORY_VALUES, index=default, key="corr_categoria")
        submitted = st.form_submit_button("Salvar correção", type="primary")
    if not submitted:
        return
    try:
        corrections.save_human_correction(detail.id, new_category, user_email)
    except corrections.CommentNotFound:
        st.error("Este comentário não existe mais.")
    except ValueError as exc:
        st.error(f"Correção recusada: {ui.escape_md(exc)}")
    except SQLAlchemyError:
        st.error("Não foi possível salvar a correção agora. Tente novamente.")
    else:
        data.clear_caches()
        st.session_state[FLASH_KEY] = f"Correção salva: o comentário agora é {new_category}."
        st.rerun()
