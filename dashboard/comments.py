"""Sections of the Comentários page: charts that filter the table, the paginated table and the export."""

from __future__ import annotations

import zlib
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import charts, data, filters, ui
from shared.reporting import export
from shared.reporting.filters import CommentFilter
from shared.reporting.payloads import PaginaComentarios
from shared.settings import get_settings

PAGE_SIZES = (25, 50, 100, 200)


def filter_charts(filtro: CommentFilter) -> None:
    """Categories and tags of the period; clicking a bar sets that filter."""
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader("Categorias no período")
        st.caption("Clique numa barra para filtrar a tabela; duplo clique limpa.")
        dist = data.category_distribution(filtro.desde, filtro.ate)
        if any(r["total"] for r in dist):
            st.altair_chart(
                charts.chart_category_distribution(pd.DataFrame(dist), selectable=True),
                key="graf_categorias",
                on_select=lambda: filters.on_chart_select(
                    "graf_categorias", charts.SELECT_CATEGORY, "categoria", filters.CATEGORY_KEY
                ),
                selection_mode=charts.SELECT_CATEGORY,
                width="stretch",
            )
        else:
            st.info("Nenhum comentário classificado no período. " + ui.EMPTY_DATA_HELP)
    with right:
        st.subheader("Tags mais citadas no período")
        st.caption("Clique numa barra para filtrar a tabela por essa tag.")
        tags = data.top_tags(filtro.desde, filtro.ate)
        if tags:
            st.altair_chart(
                charts.chart_top_tags(charts.frame(tags), selectable=True),
                key="graf_tags",
                on_select=lambda: filters.on_chart_select("graf_tags", charts.SELECT_TAG, "codigo", filters.TAG_KEY),
                selection_mode=charts.SELECT_TAG,
                width="stretch",
            )
        else:
            st.info("Nenhuma tag citada no período.")


def _table_frame(page: PaginaComentarios) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": item.id,
                "data": ui.moment(item.ocorrido_em),
                "texto": item.texto,
                "artista": item.artista or "",
                "categoria": item.categoria.value if item.categoria else "",
                "confianca": None if item.confianca is None else round(item.confianca * 100),
                "revisar": "revisar" if item.revisar else "",
                "tags": item.tags,
                "status": ui.status_label(item.status),
                "origem": ui.origin_label(item.origem) if item.origem else "",
            }
            for item in page.itens
        ]
    )


def table(filtro: CommentFilter) -> tuple[Any, pd.DataFrame, int]:
    """The paginated table (keyset cursors kept per filter); returns (selection event, rows shown, total)."""
    signature = filtro.model_dump_json()
    if st.session_state.get("_pg_filtro") != signature:
        st.session_state["_pg_filtro"] = signature
        st.session_state["_pg_cursores"] = [None]

    total = data.comment_count(filtro)
    head, size_col = st.columns([4, 1])
    head.subheader(f"{ui.number(total)} comentário(s) encontrados")
    if not filtro.revisar:
        unsure = data.comment_count(filtro.model_copy(update={"revisar": True}))
        if unsure:
            head.caption(
                f'{ui.number(unsure)} deles a revisar (confiança baixa): ligue "Só os que precisam de '
                'revisão" nos filtros.'
            )
    page_size = size_col.selectbox("Por página", PAGE_SIZES, index=1, key="pg_tamanho")
    cursors: list[str | None] = st.session_state["_pg_cursores"]
    page = data.comment_page(filtro, cursors[-1], page_size)
    if not page.itens:
        st.info("Nenhum comentário com esses filtros. Ajuste ou limpe os filtros.")
        return None, pd.DataFrame(), total

    frame = _table_frame(page)
    event = st.dataframe(
        frame,
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        height=min(38 + 35 * len(frame), 600),
        key=f"tabela_{len(cursors)}_{zlib.crc32(signature.encode())}_{st.session_state.get('_tabela_versao', 0)}",
        column_order=["data", "texto", "artista", "categoria", "confianca", "revisar", "tags", "status", "origem"],
        column_config={
            "data": st.column_config.TextColumn("Data"),
            "texto": st.column_config.TextColumn("Comentário", width="large"),
            "artista": st.column_config.TextColumn("Artista"),
            "categoria": st.column_config.TextColumn("Categoria"),
            "confianca": st.column_config.ProgressColumn("Confiança", min_value=0, max_value=100, format="%d%%"),
            "revisar": st.column_config.TextColumn("Revisão"),
            "tags": st.column_config.ListColumn("Tags"),
            "status": st.column_config.TextColumn("Status"),
            "origem": st.column_config.TextColumn("Origem"),
        },
    )
    nav_prev, nav_info, nav_next = st.columns([1, 2, 1])
    if nav_prev.button("← Página anterior", disabled=len(cursors) == 1, width="stretch"):
        cursors.pop()
        st.rerun()
    nav_info.caption(f"Página {len(cursors)} · {page_size} por página · selecione uma linha para ver o comentário")
    if nav_next.button("Próxima página →", disabled=page.proximo_cursor is None, width="stretch"):
        cursors.append(page.proximo_cursor)
        st.rerun()
    return event, frame, total


def _xlsx_bytes(filtro: CommentFilter) -> bytes:
    """The XLSX file's bytes: Streamlit serves a download from bytes (it refuses a file on disk)."""
    with export.xlsx_file(filtro) as file:
        return file.read()


def export_block(filtro: CommentFilter, total: int) -> None:
    """Download of the whole filtered set, through the same export code as the API."""
    limit = get_settings().dashboard_export_max_rows
    with st.expander(f"Exportar os {ui.number(total)} comentário(s) filtrados"):
        st.caption(
            "Todos os comentários que atendem aos filtros (não só esta página). Nenhuma célula vira fórmula "
            "no Excel: um apóstrofo protege =, +, -, @ no início e depois de separadores."
        )
        if total > limit:
            st.warning(
                f"São mais de {ui.number(limit)} comentários: refine os filtros ou use a exportação da API "
                "(`GET /api/comentarios/export`), que transmite qualquer volume."
            )
            return
        name = f"comentarios_{filtro.desde}_{filtro.ate}"
        e1, e2 = st.columns(2)
        e1.download_button(
            "Baixar CSV (Excel)",
            data=lambda: b"".join(export.stream_csv(filtro)),
            file_name=f"{name}.csv",
            mime=export.CSV_MIME,
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )
        e2.download_button(
            "Baixar XLSX",
            data=lambda: _xlsx_bytes(filtro),
            file_name=f"{name}.xlsx",
            mime=export.XLSX_MIME,
            on_click="ignore",
            icon=":material/table_view:",
            width="stretch",
        )
