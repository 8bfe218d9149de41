"""The Streamlit app through `streamlit.testing.v1.AppTest`, over real PostgreSQL and Redis."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import streamlit as st
from sqlalchemy import select

from shared import clock
from shared.db import session_scope
from shared.ingest import csv_import
from shared.models import Classification, Comment
from shared.vocabulary import Source
from tests.dashboard_helpers import (
    LOGIN_PAGE,
    add_failed_comment,
    add_llm_call,
    charts,
    deactivate,
    history_table,
    login,
    login_page,
    open_page,
    seed_report_data,
    texts,
)


@pytest.fixture(autouse=True)
def fresh_cache(services):
    """st.cache_data lives in the process: every test starts (and ends) with nothing cached."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


@pytest.fixture
def curator(make_user):
    return make_user()


# --- public report


def test_report_is_the_default_page_and_renders_five_charts_over_seeded_data():
    seeded = seed_report_data()
    from tests.dashboard_helpers import app

    at = app().run()
    assert not at.exception, at.exception
    body = texts(at)
    assert "Relatório semanal de comentários" in body
    assert f"Comentários no período: {sum(seeded.by_category.values())}" in body
    assert len(charts(at)) >= 5
    for heading in (
        "Distribuição por categoria",
        "Evolução diária por categoria",
        "Tags mais citadas nas últimas 48 h",
        "Categorias por artista",
        "Confiança média por categoria",
    ):
        assert heading in body
    assert "críticas à mixagem de Banda Aurora" in body  # the latest weekly summary
    assert not at.text_input  # no login form on the public page


def test_report_headline_shows_the_share_of_each_category():
    seed_report_data()
    from tests.dashboard_helpers import app

    at = app().run()
    metrics = {m.label: m.value for m in at.metric}
    # 3 ELOGIO out of 9 classified comments
    assert metrics["Elogio"] == "33,3%"
    assert metrics["Crítica"] == "33,3%"
    assert metrics["Spam"] == "11,1%"


def test_report_without_data_explains_what_to_do():
    from tests.dashboard_helpers import app

    at = app().run()
    assert not at.exception
    assert "Ainda não há comentários neste período" in texts(at)
    assert "carregar-demo" in texts(at)
    assert not charts(at)


# --- login


def logged_in(page: str, curator, query: dict[str, str] | None = None) -> object:
    at = open_page(page, *curator, query=query)
    assert not at.exception, at.exception
    return at


def test_visitor_sees_only_the_report_and_the_login_page(curator):
    seed_report_data()
    at = login_page()
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input] == ["E-mail", "Senha"]
    assert "Área da curadoria" in texts(at)
    for page in ("views/painel.py", "views/importar.py", "views/resumos.py", "views/operacoes.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)  # not in the navigation without a session


def test_login_with_the_api_credentials_leads_to_the_dashboard(curator):
    seed_report_data()
    at = logged_in("views/painel.py", curator)
    assert at.session_state["usuario"].email == curator[0]
    assert "9 comentário(s) encontrados" in texts(at)
    assert at.dataframe
    assert any(b.label == "Sair" for b in at.sidebar.button)
    downloads = {b.label for b in at.get("download_button")}
    assert {"Baixar CSV (Excel)", "Baixar XLSX"} <= downloads


def test_wrong_password_is_refused_with_a_plain_message(curator):
    at = login(login_page(), curator[0], "senha-errada-123")
    assert "E-mail ou senha incorretos" in texts(at)
    assert at.session_state["usuario"] is None


def test_deactivated_user_cannot_log_in(curator):
    deactivate(curator[0])
    at = login(login_page(), *curator)
    assert at.session_state["usuario"] is None
    assert "E-mail ou senha incorretos" in texts(at)


def test_user_deactivated_while_logged_in_is_logged_out_on_the_next_interaction(curator):
    at = logged_in("views/painel.py", curator)
    deactivate(curator[0])
    at.run()
    assert at.session_state["usuario"] is None
    assert "Sua sessão terminou" in texts(at)
    assert not at.dataframe


def test_ten_wrong_logins_lock_the_email_with_a_clear_message_even_for_the_right_password(curator):
    at = login_page()
    for _ in range(10):
        at = login(at, curator[0], "senha-errada-123")
    assert "Muitas tentativas, tente em" in texts(at)
    at = login(at, *curator)  # the right password does not get through the lock
    assert at.session_state["usuario"] is None
    assert "Muitas tentativas, tente em" in texts(at)


def test_api_and_dashboard_share_the_same_login_limits(curator, client):
    for _ in range(5):
        client.post("/api/auth/login", json={"email": curator[0], "password": "senha-errada-123"})
    at = login(login_page(), *curator)
    assert at.session_state["usuario"] is None
    assert "Muitas tentativas, tente em" in texts(at)


def test_logout_ends_the_session_on_the_server(curator):
    from shared import auth

    at = logged_in("views/painel.py", curator)
    token = at.session_state["_sessao"]
    assert auth.session_user(token).email == curator[0]
    next(b for b in at.sidebar.button if b.label == "Sair").click()
    at.run()
    assert auth.session_user(token) is None  # the cookie the browser may still hold is worth nothing now
    assert at.session_state["usuario"] is None and not at.dataframe
    at.run()  # the rerun st.rerun() asks for (AppTest leaves it to the test)
    at = at.switch_page(LOGIN_PAGE).run()  # /painel shows the login form again
    assert [t.label for t in at.text_input] == ["E-mail", "Senha"]


def test_login_events_are_logged_without_the_password(curator, caplog):
    caplog.set_level("INFO", logger="alumusic.auth")
    login(login_page(), curator[0], "senha-errada-123")
    login(login_page(), *curator)
    logged = caplog.text
    assert "login recusado canal=painel" in logged and "login ok canal=painel" in logged
    assert "senha-errada-123" not in logged and curator[1] not in logged and curator[0] not in logged


# --- dashboard


def table_texts(at) -> list[str]:
    return list(at.dataframe[0].value["texto"])


def test_filters_change_the_result(curator):
    seed_report_data()
    at = logged_in("views/painel.py", curator)
    assert len(table_texts(at)) == 9

    at.selectbox(key="f_categoria").set_value("CRÍTICA").run()
    assert "3 comentário(s) encontrados" in texts(at)
    assert set(table_texts(at)) == {
        "o autotune estragou a música inteira",
        "mixagem horrível, não dá pra ouvir a bateria",
        "ingresso caro demais pro que entregaram",
    }

    at.selectbox(key="f_artista").set_value("Banda Aurora").run()
    assert len(table_texts(at)) == 2

    at.selectbox(key="f_tag").set_value("feat_autotune").run()
    assert table_texts(at) == ["o autotune estragou a música inteira"]


def test_portuguese_full_text_search_finds_inflected_words(curator):
    seed_report_data()
    at = logged_in("views/painel.py", curator)
    at.text_input(key="f_q").set_value("músicas").run()  # stems match "música" and "músicas"
    found = set(table_texts(at))
    assert found == {"o autotune estragou a música inteira", "bota mais músicas do primeiro álbum no setlist"}


def test_confidence_range_filters_the_table(curator):
    seed_report_data()
    at = logged_in("views/painel.py", curator)
    at.slider(key="f_confianca").set_value((90, 100)).run()
    assert "Nenhum comentário com esses filtros" in texts(at)


def test_chart_selection_sets_the_category_filter():
    from dashboard import charts as chart_builders

    event = {"selection": {chart_builders.SELECT_CATEGORY: [{"categoria": "CRÍTICA"}]}}
    assert chart_builders.selected_values(event, chart_builders.SELECT_CATEGORY, "categoria") == ["CRÍTICA"]
    event = {"selection": {chart_builders.SELECT_TAG: {"codigo": ["feat_autotune"]}}}
    assert chart_builders.selected_values(event, chart_builders.SELECT_TAG, "codigo") == ["feat_autotune"]
    assert chart_builders.selected_values({"selection": {}}, chart_builders.SELECT_TAG, "codigo") == []


def test_comment_view_shows_the_full_classification_history(curator):
    seeded = seed_report_data()
    cid = seeded.ids["o autotune estragou a música inteira"]
    at = logged_in("views/painel.py", curator, query={"comentario": str(cid)})
    body = texts(at)
    assert "Comentário selecionado" in body
    assert "o autotune estragou a música inteira" in body
    assert "feat_autotune" in list(at.dataframe[1].value["tag"])  # the current tags, as plain table cells
    history = history_table(at)
    assert list(history["categoria"]) == ["CRÍTICA"]


def test_label_correction_is_stored_as_a_human_classification(curator):
    seeded = seed_report_data()
    cid = seeded.ids["hino demais 🔥🔥"]
    at = logged_in("views/painel.py", curator, query={"comentario": str(cid)})
    at.selectbox(key="corr_categoria").set_value("SPAM")
    next(b for b in at.button if b.label == "Salvar correção").click()
    at.run()
    assert not at.exception, at.exception
    assert "Correção salva" in texts(at)
    with session_scope() as session:
        rows = session.scalars(
            select(Classification).where(Classification.comment_id == cid).order_by(Classification.created_at)
        ).all()
        assert [(r.category.value, r.origin.value, r.is_current) for r in rows] == [
            ("ELOGIO", "local", False),
            ("SPAM", "humano", True),
        ]
        assert rows[-1].created_by == curator[0]
    history = history_table(at)
    assert list(history["categoria"]) == ["ELOGIO", "SPAM"]


def test_failed_comment_can_be_requeued_from_its_view(curator, redis_conn):
    cid = add_failed_comment()
    at = logged_in("views/painel.py", curator, query={"comentario": str(cid)})
    assert "LLM indisponível" in texts(at)
    next(b for b in at.button if b.label == "Reenfileirar este comentário").click()
    at.run()
    with session_scope() as session:
        assert session.get(Comment, cid).status.value == "pendente"
    from shared.queue import get_queue

    assert get_queue(redis_conn).count == 1


# --- other private pages


def test_summaries_archive_lists_the_weekly_summaries(curator):
    seed_report_data()
    at = logged_in("views/resumos.py", curator)
    body = texts(at)
    assert "Semana " in at.expander[0].label
    assert "críticas à mixagem de Banda Aurora" in body


def test_operations_panel_shows_queue_workers_classifier_and_llm_cost(curator, redis_conn):
    today = clock.today()
    add_llm_call(today - timedelta(days=1), input_tokens=1_000_000, output_tokens=100_000)
    add_failed_comment()
    at = logged_in("views/operacoes.py", curator)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Na fila"] == "0"
    assert metrics["Workers ativos"] == "0"
    assert metrics["Falhou"] == "1"
    assert metrics["Chamadas"] == "1"
    assert metrics["Tokens de entrada"] == "1.000.000"
    # 1M input tokens x US$0.30 + 0.1M output x US$2.50 = US$0.55
    assert metrics["Custo estimado"] == "US$ 0,5500"
    assert "Modelo local" in texts(at)
    assert charts(at)


def test_requeue_all_failed_from_the_operations_panel(curator, redis_conn):
    ids = [add_failed_comment(f"falhou {i}") for i in range(3)]
    at = logged_in("views/operacoes.py", curator)
    next(b for b in at.button if b.label.startswith("Reenfileirar os 3")).click()
    at.run()
    assert "3 comentário(s) reenfileirados" in texts(at)
    with session_scope() as session:
        assert {session.get(Comment, i).status.value for i in ids} == {"pendente"}


# --- CSV upload

VALID_CSV = (
    "id;texto;artista;album;data\n"
    "6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01;Adorei o álbum novo;Luna Ferraz;Maré Alta;2026-11-20\n"
    ";que horas começa o show?;;;20/11/2026 19:30\n"
    ";Mixagem ruim demais;Banda Aurora;;\n"
).encode("utf-8-sig")


def upload(at, content: bytes, name: str = "comentarios.csv"):
    at.file_uploader[0].set_value((name, content, "text/csv"))
    return at.run()


def csv_comments() -> list[Comment]:
    with session_scope() as session:
        return list(session.scalars(select(Comment).where(Comment.source == Source.CSV)))


def test_valid_csv_upload_is_previewed_validated_and_imported_through_intake(curator, redis_conn):
    at = upload(logged_in("views/importar.py", curator), VALID_CSV)
    assert not at.exception, at.exception
    body = texts(at)
    assert "UTF-8 com BOM" in body and "“;”" in body
    assert "2 linha(s) sem `id`" in body
    assert {m.label: m.value for m in at.metric} == {"Linhas de dados": "3", "Válidas": "3", "Com erro": "0"}
    assert csv_comments() == []  # validation stores nothing

    next(b for b in at.button if b.label.startswith("Importar 3")).click()
    at.run()
    assert "3 comentário(s) novos enviados para classificação" in texts(at)
    stored = csv_comments()
    assert len(stored) == 3 and {c.status.value for c in stored} == {"pendente"}
    assert uuid.UUID("6d2f1c1e-4f3a-4c59-9a3e-0d1b2c3d4e01") in {c.id for c in stored}
    from shared.queue import get_queue

    assert get_queue(redis_conn).count >= 1


def test_reuploading_the_same_csv_changes_nothing(curator, redis_conn):
    first = csv_import.import_csv(VALID_CSV)
    at = upload(logged_in("views/importar.py", curator), VALID_CSV)
    next(b for b in at.button if b.label.startswith("Importar 3")).click()
    at.run()
    assert first.new == 3
    assert "0 comentário(s) novos" in texts(at) and "3 já existiam" in texts(at)
    assert len(csv_comments()) == 3


def test_invalid_csv_upload_reports_line_numbered_errors_and_stores_nothing_from_bad_rows(curator, redis_conn):
    content = (
        "texto,id,data\n"
        "comentário bom,,\n"
        ",,\n"  # line 3: blank row, skipped
        "   ,,2026-11-20\n"  # line 4: empty texto
        "outro bom,nao-e-uuid,\n"  # line 5: bad id
        "data errada,,31/02/2026\n"  # line 6: bad date
    ).encode("latin-1")
    at = upload(logged_in("views/importar.py", curator), content)
    assert not at.exception, at.exception
    assert {m.label: m.value for m in at.metric} == {"Linhas de dados": "4", "Válidas": "1", "Com erro": "3"}
    errors = at.dataframe[1].value
    assert list(errors["linha"]) == [4, 5, 6]
    assert list(errors["campo"]) == ["texto", "id", "data"]
    assert any(b.label == "Baixar relatório de erros (CSV)" for b in at.get("download_button"))

    next(b for b in at.button if b.label.startswith("Importar 1")).click()
    at.run()
    assert [c.text for c in csv_comments()] == ["comentário bom"]


def test_csv_without_header_is_refused_in_plain_words(curator):
    at = upload(logged_in("views/importar.py", curator), b"gostei muito,Luna Ferraz\n")
    assert "precisa ser o cabeçalho com a coluna 'texto'" in texts(at)
    assert csv_comments() == []


def test_database_down_shows_a_plain_message_not_a_traceback(use_settings):
    from tests.dashboard_helpers import app

    use_settings(database_url="postgresql://postgres@127.0.0.1:1/nada")
    at = app().run()
    assert not at.exception
    assert "Não foi possível carregar o relatório agora" in texts(at)


def test_unsure_comments_are_counted_and_filtered_for_review(curator, use_settings):
    use_settings(review_below_confidence=0.85)  # the seeded classifications have confidence 0.8
    seed_report_data()
    at = logged_in("views/painel.py", curator)
    assert "9 deles a revisar" in texts(at)
    at.toggle(key="f_revisar").set_value(True).run()
    assert "9 comentário(s) encontrados" in texts(at)
    assert set(at.dataframe[0].value["revisar"]) == {"revisar"}
    ops = open_page("views/operacoes.py", *curator)
    assert {m.label: m.value for m in ops.metric}["A revisar"] == "9"


def test_markdown_in_an_uploaded_header_is_shown_inert(curator):
    content = "texto,[clique](//golpe.example)\nótimo show,x\n".encode()
    at = upload(logged_in("views/importar.py", curator), content)
    warning = " ".join(str(w.value) for w in at.warning)
    assert "\\[clique\\]\\(//golpe\\.example\\)" in warning  # escaped: a literal, not a link
