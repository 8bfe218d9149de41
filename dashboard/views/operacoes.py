"""Operations panel: queue depth, failed jobs, live workers, classifier in use, LLM usage and cost per day."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from dashboard import charts, data, ui
from shared import operations
from shared.classification import requeue
from shared.settings import get_settings

settings = get_settings()

st.title("Operações")

flash = st.session_state.pop("_ops_aviso", None)
if flash:
    st.success(flash)


@st.fragment(run_every=15)
def live_status() -> None:
    stats = operations.queue_stats()
    counts = data.status_counts()
    if not stats.redis_ok:
        st.error(
            "Fila (Redis) indisponível. Os comentários continuam sendo gravados e serão "
            "enfileirados pelo reconciliador quando a fila voltar."
        )
    st.subheader("Fila de classificação")
    q1, q2, q3, q4, q5 = st.columns(5)
    q1.metric("Na fila", ui.number(stats.queued), border=True, help="Jobs esperando um worker.")
    q2.metric("Em execução", ui.number(stats.started), border=True)
    q3.metric(
        "Reagendados",
        ui.number(stats.scheduled),
        border=True,
        help="Jobs aguardando uma nova tentativa (erros temporários).",
    )
    q4.metric(
        "Jobs com falha",
        ui.number(stats.failed),
        border=True,
        help="Jobs que esgotaram as tentativas (os comentários ficam como 'falhou').",
    )
    q5.metric("Workers ativos", ui.number(stats.live_workers), border=True, help="Workers com batimento recente.")

    st.subheader("Comentários por status")
    s = st.columns(len(counts) + 1)
    for col, (status, n) in zip(s, counts.items(), strict=False):
        col.metric(ui.status_label(status), ui.number(n), border=True)
    s[-1].metric(
        "A revisar",
        ui.number(data.review_count()),
        border=True,
        help=f"Classificações automáticas com confiança abaixo de {settings.review_below_confidence:.0%} "
        "(REVIEW_BELOW_CONFIDENCE): filtre por elas em Comentários.",
    )

    st.subheader("Workers")
    if stats.workers:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "nome": w.name,
                        "estado": w.state,
                        "ativo": "sim" if w.alive else "não",
                        "último batimento": ui.moment(w.last_heartbeat),
                        "job atual": w.current_job_id or "",
                        "jobs concluídos": w.successful_jobs,
                        "jobs com falha": w.failed_jobs,
                    }
                    for w in stats.workers
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.warning("Nenhum worker registrado. Inicie com `python -m worker processar` (o `make run` já inicia).")
    st.caption(
        f"Agendador (resumo semanal e reconciliador): {'ativo' if stats.scheduler_alive else 'parado'} · "
        "atualiza a cada 15 s"
    )


live_status()

st.subheader("Classificador em uso")
name = settings.classifier_name
state = data.llm_budget()
if name == "gemini" and state.exhausted:
    st.warning(
        f"Orçamento diário do LLM esgotado (US$ {ui.number(state.spent_usd, 4)} de "
        f"US$ {ui.number(state.limit_usd, 2)}): o **modelo local** classifica e os textos são escritos offline "
        "até a meia-noite (fuso `TIMEZONE`)."
    )
elif name == "gemini":
    st.markdown(f"**Gemini** (`{settings.gemini_model}`), até {settings.gemini_batch_size} comentários por chamada.")
else:
    st.markdown("**Modelo local** (offline, scikit-learn). Defina `GEMINI_API_KEY` para usar o Gemini.")
st.progress(
    state.share,
    text=f"Orçamento do LLM hoje: US$ {ui.number(state.spent_usd, 4)} de "
    f"US$ {ui.number(state.limit_usd, 2)} (LLM_DAILY_BUDGET_USD)",
)

failed = data.status_counts().get("falhou", 0)
if st.button(
    f"Reenfileirar os {ui.number(failed)} comentário(s) com falha", disabled=failed == 0, icon=":material/replay:"
):
    try:
        count = requeue.requeue_failed()
    except (RedisError, SQLAlchemyError):
        st.error("Não foi possível reenfileirar agora (a fila está indisponível). Tente de novo.")
    else:
        data.clear_caches()
        st.session_state["_ops_aviso"] = f"{ui.number(count)} comentário(s) reenfileirados para classificação."
        st.rerun()

st.subheader("Uso do LLM (últimos 30 dias)")
usage = data.llm_usage(30)
frame = pd.DataFrame(usage)
totals = frame[["chamadas", "tokens_entrada", "tokens_saida", "custo_estimado_usd"]].sum()
u1, u2, u3, u4 = st.columns(4)
u1.metric("Chamadas", ui.number(int(totals["chamadas"])), border=True)
u2.metric("Tokens de entrada", ui.number(int(totals["tokens_entrada"])), border=True)
u3.metric("Tokens de saída", ui.number(int(totals["tokens_saida"])), border=True)
u4.metric(
    "Custo estimado",
    f"US$ {ui.number(float(totals['custo_estimado_usd']), 4)}",
    border=True,
    help=f"US$ {settings.llm_price_input_per_mtok} por milhão de tokens de entrada e "
    f"US$ {settings.llm_price_output_per_mtok} por milhão de saída (configurável).",
)
if totals["chamadas"] == 0:
    st.info(
        "Nenhuma chamada ao LLM nos últimos 30 dias"
        + (" (o classificador local não usa LLM)." if name != "gemini" else ".")
    )
else:
    st.altair_chart(charts.chart_llm_cost(frame), width="stretch")
with st.expander("Tabela por dia"):
    st.dataframe(
        frame.iloc[::-1],
        hide_index=True,
        width="stretch",
        column_config={"custo_estimado_usd": st.column_config.NumberColumn("custo (US$)", format="%.4f")},
    )
