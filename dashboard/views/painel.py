"""Curation dashboard: filters, full-text search, charts that filter the table, paginated comments,
the comment view with its classification history, label correction and export. Login required."""
from __future__ import annotations

import zlib
from datetime import date, timedelta

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from dashboard import auth, charts, data, ui
from shared import export, pipeline
from shared.categories import CATEGORY_VALUES
from shared.contracts import CommentStatus
from shared.queries import CommentFilter
from shared.reports import MAX_PERIOD_DAYS, today_local
from shared.settings import get_settings

user_email = auth.require_login()

DEFAULT_DAYS = 30
PAGE_SIZES = (25, 50, 100, 200)
FILTER_KEYS = ("f_periodo", "f_categoria", "f_tag", "f_status", "f_artista", "f_album", "f_confianca", "f_q")

st.title("Comentários")

flash = st.session_state.pop("_painel_aviso", None)
if flash:
    st.success(flash)


def _default_period() -> tuple[date, date]:
    today = today_local()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def _clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state.pop(key, None)


def _on_chart_select(chart_key: str, selection: str, field: str, target: str) -> None:
    """Chart click -> filter widget (callbacks run before the script, so widget state may change here)."""
    values = charts.selected_values(st.session_state.get(chart_key), selection, field)
    st.session_state[target] = values[0] if values else None


def _period_bounds() -> tuple[date, date]:
    value = st.session_state.get("f_periodo") or _default_period()
    if isinstance(value, (list, tuple)):
        start = value[0] if value else _default_period()[0]
        end = value[1] if len(value) > 1 else start
    else:
        start = end = value
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        start = end - timedelta(days=MAX_PERIOD_DAYS - 1)
    return start, end


options = data.filter_options()
tag_options = list(options["tags"])
if st.session_state.get("f_tag") and st.session_state["f_tag"] not in tag_options:
    tag_options.insert(0, st.session_state["f_tag"])
artist_options = list(options["artistas"])
album_options = list(options["albuns"])

with st.container(border=True):
    c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
    c1.date_input("Período", value=_default_period(), key="f_periodo", format="DD/MM/YYYY",
                  max_value=today_local() + timedelta(days=1))
    c2.selectbox("Categoria", CATEGORY_VALUES, index=None, placeholder="Todas", key="f_categoria")
    c3.selectbox("Tag", tag_options, index=None, placeholder="Todas", key="f_tag")
    c4.selectbox("Status", [s.value for s in CommentStatus], index=None, placeholder="Todos", key="f_status",
                 format_func=lambda v: ui.STATUS_LABELS.get(v, v))
    c1, c2, c3, c4 = st.columns([1.4, 1, 1, 1])
    c1.text_input("Busca no texto", key="f_q", placeholder="ex.: autotune, ingresso caro, atraso",
                  help="Busca textual em português: encontra variações da palavra ('atrasou' encontra 'atraso').")
    c2.selectbox("Artista", artist_options, index=None, placeholder="Todos", key="f_artista")
    c3.selectbox("Álbum", album_options, index=None, placeholder="Todos", key="f_album")
    c4.slider("Confiança (%)", 0, 100, (0, 100), step=5, key="f_confianca")
    st.button("Limpar filtros", on_click=_clear_filters, type="tertiary", icon=":material/close:")

desde, ate = _period_bounds()
low, high = (v / 100 for v in (st.session_state.get("f_confianca") or (0, 100)))
try:
    filtro = CommentFilter(
        desde=desde, ate=ate,
        categoria=st.session_state.get("f_categoria"), tag=st.session_state.get("f_tag"),
        status=st.session_state.get("f_status"), artista=st.session_state.get("f_artista"),
        album=st.session_state.get("f_album"), q=st.session_state.get("f_q") or None,
        confianca_min=low if low > 0 else None, confianca_max=high if high < 1 else None,
    )
except ValidationError as exc:
    st.error("Filtro inválido: " + "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))
    st.stop()

# --- charts that filter the table
left, right = st.columns(2, gap="large")
with left:
    st.subheader("Categorias no período")
    st.caption("Clique numa barra para filtrar a tabela; duplo clique limpa.")
    dist = data.category_distribution(desde, ate)
    if any(r["total"] for r in dist):
        st.altair_chart(charts.chart_category_distribution(pd.DataFrame(dist), selectable=True),
                        key="graf_categorias", on_select=lambda: _on_chart_select(
                            "graf_categorias", charts.SELECT_CATEGORY, "categoria", "f_categoria"),
                        selection_mode=charts.SELECT_CATEGORY, width="stretch")
    else:
        st.info("Nenhum comentário classificado no período. " + ui.EMPTY_DATA_HELP)
with right:
    st.subheader("Tags mais citadas no período")
    st.caption("Clique numa barra para filtrar a tabela por essa tag.")
    tags = data.top_tags(desde, ate)
    if tags:
        st.altair_chart(charts.chart_top_tags(pd.DataFrame(tags), selectable=True),
                        key="graf_tags", on_select=lambda: _on_chart_select(
                            "graf_tags", charts.SELECT_TAG, "codigo", "f_tag"),
                        selection_mode=charts.SELECT_TAG, width="stretch")
    else:
        st.info("Nenhuma tag citada no período.")

# --- paginated table
signature = filtro.model_dump_json()
if st.session_state.get("_pg_filtro") != signature:
    st.session_state["_pg_filtro"] = signature
    st.session_state["_pg_cursores"] = [None]

total = data.comment_count(filtro)
head, size_col = st.columns([4, 1])
head.subheader(f"{ui.number(total)} comentário(s) encontrados")
page_size = size_col.selectbox("Por página", PAGE_SIZES, index=1, key="pg_tamanho")
cursors: list[str | None] = st.session_state["_pg_cursores"]
page_number = len(cursors)
page = data.comment_page(filtro, cursors[-1], page_size)

if not page.items:
    st.info("Nenhum comentário com esses filtros. Ajuste ou limpe os filtros.")
    st.stop()

table = pd.DataFrame([{
    "id": item["id"],
    "data": pd.to_datetime(item["ocorrido_em"]).tz_convert(get_settings().timezone).tz_localize(None),
    "texto": item["texto"],
    "artista": item["artista"] or "",
    "categoria": item["categoria"] or "",
    "confianca": None if item["confianca"] is None else round(item["confianca"] * 100),
    "tags": item["tags"],
    "status": ui.STATUS_LABELS.get(item["status"], item["status"]),
    "origem": ui.ORIGIN_LABELS.get(item["origem"], item["origem"]) if item["origem"] else "",
} for item in page.items])
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="single-row", height=min(38 + 35 * len(table), 600),
    key=f"tabela_{page_number}_{zlib.crc32(signature.encode())}_{st.session_state.get('_tabela_versao', 0)}",
    column_order=["data", "texto", "artista", "categoria", "confianca", "tags", "status", "origem"],
    column_config={
        "data": st.column_config.DatetimeColumn("Data", format="DD/MM/YYYY HH:mm"),
        "texto": st.column_config.TextColumn("Comentário", width="large"),
        "artista": st.column_config.TextColumn("Artista"),
        "categoria": st.column_config.TextColumn("Categoria"),
        "confianca": st.column_config.ProgressColumn("Confiança", min_value=0, max_value=100, format="%d%%"),
        "tags": st.column_config.ListColumn("Tags"),
        "status": st.column_config.TextColumn("Status"),
        "origem": st.column_config.TextColumn("Origem"),
    },
)

nav_prev, nav_info, nav_next = st.columns([1, 2, 1])
if nav_prev.button("← Página anterior", disabled=page_number == 1, width="stretch"):
    cursors.pop()
    st.rerun()
nav_info.caption(f"Página {page_number} · {page_size} por página · selecione uma linha para ver o comentário")
if nav_next.button("Próxima página →", disabled=page.next_cursor is None, width="stretch"):
    cursors.append(page.next_cursor)
    st.rerun()

# --- export of the filtered set
with st.expander(f"Exportar os {ui.number(total)} comentário(s) filtrados"):
    st.caption("Todos os comentários que atendem aos filtros (não só esta página). Células que começam com "
               "=, +, -, @ são protegidas para o Excel não executá-las como fórmula.")
    e1, e2 = st.columns(2)
    e1.download_button("Baixar CSV (Excel)", data=lambda: export.export_bytes(filtro, "csv"),
                       file_name=f"comentarios_{desde}_{ate}.csv", mime=export.CSV_MIME, on_click="ignore",
                       icon=":material/download:", width="stretch")
    e2.download_button("Baixar XLSX", data=lambda: export.export_bytes(filtro, "xlsx"),
                       file_name=f"comentarios_{desde}_{ate}.xlsx", mime=export.XLSX_MIME, on_click="ignore",
                       icon=":material/table_view:", width="stretch")

# --- comment view: the selected row, or ?comentario=<id> (a link that opens one comment)
rows = event.selection.rows if event else []
if rows:
    selected_id = str(table.iloc[rows[0]]["id"])
    st.query_params["comentario"] = selected_id
else:
    selected_id = st.query_params.get("comentario")
if not selected_id:
    st.stop()
try:
    detail = data.comment_detail(selected_id)
except ValueError:
    detail = None
if detail is None:
    st.warning("Comentário não encontrado.")
    st.stop()

st.divider()
title_col, close_col = st.columns([5, 1])
title_col.subheader("Comentário selecionado")
if close_col.button("Fechar", icon=":material/close:", width="stretch"):
    st.query_params.pop("comentario", None)
    st.session_state["_tabela_versao"] = st.session_state.get("_tabela_versao", 0) + 1  # clears the selection
    st.rerun()
with st.container(border=True):
    st.markdown(f"> {detail['texto']}")
    m1, m2, m3, m4 = st.columns(4)
    m1.markdown(f"**Artista:** {detail['artista'] or (detail['classificacao'] or {}).get('artista') or '—'}")
    m2.markdown(f"**Álbum:** {detail['album'] or (detail['classificacao'] or {}).get('album') or '—'}")
    m3.markdown(f"**Escrito em:** {ui.moment(detail['data'] or detail['recebido_em'])}")
    m4.markdown(f"**Status:** {ui.STATUS_LABELS.get(detail['status'], detail['status'])}"
                f" · {detail['tentativas']} tentativa(s)")
    st.caption(f"id {detail['id']} · recebido em {ui.moment(detail['recebido_em'])} via {detail['origem_dado']}")

if detail["status"] == CommentStatus.FALHOU.value:
    st.error(f"A classificação falhou: {detail['erro'] or 'motivo não registrado'}")
    if st.button("Reenfileirar este comentário", icon=":material/replay:"):
        try:
            count = pipeline.requeue_failed([detail["id"]])
        except Exception:  # noqa: BLE001
            st.error("Não foi possível reenfileirar agora (a fila está indisponível). Tente de novo.")
        else:
            st.session_state["_painel_aviso"] = f"{count} comentário reenfileirado para classificação."
            data.clear_caches()
            st.rerun()

current = detail["classificacao"]
if current:
    st.markdown(f"**Classificação atual:** {current['categoria']} · confiança {ui.percent(current['confianca'] * 100, 0)}"
                f" · {ui.ORIGIN_LABELS.get(current['origem'], current['origem'])} ({current['modelo']}, "
                f"prompt {current['versao_prompt']})"
                + (f" · corrigido por {current['criado_por']}" if current.get("criado_por") else ""))
    for tag in current["tags_funcionalidades"]:
        st.markdown(f"- `{tag['codigo']}` — {tag['explicacao']}")

st.markdown("**Histórico de classificações**")
if detail["historico"]:
    st.dataframe(pd.DataFrame([{
        "quando": ui.moment(h["criado_em"]),
        "categoria": h["categoria"],
        "confianca": h["confianca"],
        "origem": ui.ORIGIN_LABELS.get(h["origem"], h["origem"]),
        "modelo": h["modelo"],
        "prompt": h["versao_prompt"],
        "por": h.get("criado_por") or "",
        "tags": ", ".join(t["codigo"] for t in h["tags_funcionalidades"]),
        "atual": "✔" if h["atual"] else "",
    } for h in detail["historico"]]), hide_index=True, width="stretch",
        column_config={"confianca": st.column_config.NumberColumn("confiança", format="percent")})
else:
    st.caption("Ainda não classificado.")

with st.form("correcao", border=True):
    st.markdown("**Corrigir a categoria**")
    st.caption("A correção vira a classificação atual (origem: curadoria), fica no histórico com seu e-mail e "
               "nunca é sobrescrita por uma reclassificação automática.")
    default = CATEGORY_VALUES.index(current["categoria"]) if current else 0
    new_category = st.selectbox("Nova categoria", CATEGORY_VALUES, index=default, key="corr_categoria")
    submitted = st.form_submit_button("Salvar correção", type="primary")
if submitted:
    try:
        pipeline.save_human_correction(detail["id"], new_category, user_email)
    except pipeline.CommentNotFound:
        st.error("Este comentário não existe mais.")
    except ValueError as exc:
        st.error(f"Correção recusada: {exc}")
    except Exception:  # noqa: BLE001
        st.error("Não foi possível salvar a correção agora. Tente novamente.")
    else:
        data.clear_caches()
        st.session_state["_painel_aviso"] = f"Correção salva: o comentário agora é {new_category}."
        st.rerun()
