"""CSV upload: preview, line-numbered validation report (downloadable), import through the API's intake."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from dashboard import data, ui
from shared.ingest import csv_files, csv_import
from shared.settings import get_settings

settings = get_settings()
ERRORS_SHOWN = 500

st.title("Importar comentários (CSV)")
st.markdown(
    "Arquivo com **cabeçalho** na primeira linha, separado por **vírgula ou ponto e vírgula**, em UTF-8 (com ou "
    "sem BOM) ou Latin-1. Colunas: `texto` (obrigatória), `id` (UUID; gerado quando ausente), `artista`, "
    "`album`, `musica`, `data` (AAAA-MM-DD, AAAA-MM-DDTHH:MM ou DD/MM/AAAA). "
    f"Limite: {settings.upload_max_mb} MB. Os comentários seguem o mesmo caminho da API: são gravados e "
    "entram na fila de classificação; reenviar o mesmo arquivo não duplica nada."
)

st.download_button(
    "Baixar um arquivo de exemplo",
    data=csv_files.TEMPLATE,
    file_name="modelo_comentarios.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/download:",
    type="tertiary",
)
uploaded = st.file_uploader(
    "Arquivo CSV", type=["csv", "txt"], key="csv_arquivo", max_upload_size=settings.upload_max_mb
)
if uploaded is None:
    st.stop()

content = uploaded.getvalue()
file_key = f"{uploaded.file_id}:{len(content)}"
try:
    csv_files.check_size(content)
    layout, sample = csv_files.preview(content)
except csv_files.CsvFileError as exc:
    st.error(f"Não foi possível ler o arquivo: {ui.escape_md(exc)}.")
    st.stop()

st.subheader("Prévia")
st.caption(
    f"Codificação: {layout.encoding_label} · separador: “{layout.delimiter}” · "
    f"colunas: {ui.escape_md(', '.join(c for c in layout.columns if c))}"
)
if layout.ignored_columns:
    st.warning(f"Colunas ignoradas (não fazem parte do formato): {ui.escape_md(', '.join(layout.ignored_columns))}.")
st.dataframe(pd.DataFrame(sample), hide_index=True, width="stretch")

# --- validation (once per file; kept in the session)
stored = st.session_state.get("_csv_validacao")
if not stored or stored[0] != file_key:
    bar = st.progress(0.0, text="Validando...")
    try:
        report = csv_import.validate(content, progress=lambda f, t: bar.progress(f, text=t))
    except csv_files.CsvFileError as exc:
        bar.empty()
        st.error(f"Não foi possível ler o arquivo: {ui.escape_md(exc)}.")
        st.stop()
    bar.empty()
    st.session_state["_csv_validacao"] = (file_key, report)
    st.session_state.pop("_csv_resultado", None)
else:
    report = stored[1]

st.subheader("Validação")
v1, v2, v3 = st.columns(3)
v1.metric("Linhas de dados", ui.number(report.rows), border=True)
v2.metric("Válidas", ui.number(report.valid), border=True)
v3.metric("Com erro", ui.number(report.invalid), border=True)
if report.generated_ids:
    st.info(
        f"{ui.number(report.generated_ids)} linha(s) sem `id`: um id foi gerado a partir do conteúdo "
        "(texto, artista, álbum, música e data), então reenviar o mesmo arquivo não cria duplicatas."
    )
if report.errors:
    st.error(
        f"{ui.number(report.invalid)} linha(s) com erro não serão importadas. Corrija-as e envie de novo "
        "(as válidas podem ser importadas agora)."
    )
    shown = report.errors[:ERRORS_SHOWN]
    st.dataframe(
        pd.DataFrame([{"linha": e.linha, "campo": e.campo, "mensagem": e.mensagem} for e in shown]),
        hide_index=True,
        width="stretch",
    )
    if len(report.errors) > ERRORS_SHOWN or report.errors_truncated:
        st.caption(f"Mostrando {ERRORS_SHOWN} erros; o relatório completo está no arquivo para baixar.")
    st.download_button(
        "Baixar relatório de erros (CSV)",
        data=csv_import.errors_csv(report.errors),
        file_name=f"erros_{uploaded.name.rsplit('.', 1)[0]}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
else:
    st.success("Todas as linhas são válidas.")

# --- import
result_state = st.session_state.get("_csv_resultado")
if result_state and result_state[0] == file_key:
    result = result_state[1]
    st.success(
        f"Importação concluída: {ui.number(result.new)} comentário(s) novos enviados para classificação, "
        f"{ui.number(result.duplicates)} já existiam (nada mudou)"
        + (
            f", {ui.number(result.conflicts)} em conflito (mesmo id com outro texto: não alterados)"
            if result.conflicts
            else ""
        )
        + "."
    )
    if result.queue_errors:
        st.warning(
            "A fila estava indisponível: os comentários foram gravados e serão enfileirados "
            "automaticamente pelo reconciliador."
        )
    st.stop()

if st.button(
    f"Importar {ui.number(report.valid)} linha(s) válida(s)",
    type="primary",
    disabled=report.valid == 0,
    icon=":material/upload:",
):
    bar = st.progress(0.0, text="Importando...")
    try:
        result = csv_import.import_csv(content, progress=lambda f, t: bar.progress(f, text=t))
    except csv_files.CsvFileError as exc:
        st.error(f"Não foi possível ler o arquivo: {ui.escape_md(exc)}.")
        st.stop()
    except (SQLAlchemyError, OSError):  # plain words; the rows of the chunks already stored stay stored
        st.error(
            "A importação foi interrompida (banco de dados indisponível?). Envie o arquivo de novo: "
            "as linhas já gravadas não serão duplicadas."
        )
        st.stop()
    bar.empty()
    st.session_state["_csv_resultado"] = (file_key, result)
    data.clear_caches()
    st.rerun()
