"""The Alertas page, the alert banner and the artist page through `streamlit.testing.v1.AppTest`, over real
PostgreSQL and Redis."""

from __future__ import annotations

import pytest
import streamlit as st

from shared.vocabulary import Category
from tests.dashboard_helpers import charts, open_page, seed_report_data, texts
from tests.report_seed import classified, hours_ago
from tests.test_api_alertas import add_alert


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()  # cached aggregates would outlive the tables truncated between tests
    yield


@pytest.fixture
def curator(make_user):
    return make_user()


def page(name: str, curator, query: dict[str, str] | None = None):
    at = open_page(name, *curator, query=query)
    assert not at.exception, at.exception
    return at


def test_a_recent_alert_shows_a_banner_on_the_dashboard_and_a_row_on_the_alertas_page(curator):
    seed_report_data()
    add_alert(Category.CRITICA, "Kaique Sol", hours_ago=2, count=92)
    painel = page("views/painel.py", curator)
    assert "1 alerta(s) de volume nas últimas 24 h, 1 artista(s)" in texts(painel)

    at = page("views/alertas.py", curator)
    [table] = at.dataframe
    row = table.value.iloc[0]
    assert (row["categoria"], row["artista"], row["comentários"]) == ("CRÍTICA", "Kaique Sol", 92)
    assert "alerta(s) de volume nas últimas" not in texts(at)  # no banner on the Alertas page itself


def test_no_banner_without_recent_alerts(curator):
    seed_report_data()
    add_alert(Category.SPAM, None, hours_ago=30)
    assert "alerta(s) de volume" not in texts(page("views/painel.py", curator))


def test_artist_page_shows_trend_tags_quotes_and_alerts_never_spam(curator):
    seed_report_data()
    classified(
        "ingresso esgotou em 2 minutos, absurdo",
        Category.CRITICA,
        when=hours_ago(3),
        artista="Kaique Sol",
        tags={"feat_ingresso": "venda de ingressos"},
    )
    classified("siga @promo e ganhe ingresso para Kaique Sol", Category.SPAM, when=hours_ago(2), artista="Kaique Sol")
    classified("veja www.golpe.example agora, Kaique Sol", Category.CRITICA, when=hours_ago(1), artista="Kaique Sol")
    classified(
        "o clipe ficou lindo", Category.ELOGIO, when=hours_ago(4), artista="Kaique Sol", tags={"feat_clipe": "clipe"}
    )
    add_alert(Category.CRITICA, "Kaique Sol", hours_ago=1)

    at = page("views/artista.py", curator, query={"nome": "kaique sol"})  # any case: the catalogue spelling

    body = texts(at)
    assert at.selectbox(key="art_nome").value == "Kaique Sol"
    assert len(charts(at)) == 3  # weekly trend, tags in CRÍTICA, tags in ELOGIO
    assert "ingresso esgotou em 2 minutos, absurdo" in [t.value for t in at.text]  # st.text: plain text
    assert "hino demais 🔥🔥" in [t.value for t in at.text]
    assert "@promo" not in body and "golpe.example" not in body  # SPAM and unquotable texts stay out
    assert "1 alerta(s) de volume nos últimos 30 dias" in body
    assert any("Kaique Sol" in str(v) for v in at.dataframe[0].value["artista"])


def test_unknown_artist_gets_a_plain_message(curator):
    seed_report_data()
    at = page("views/artista.py", curator, query={"nome": "[Ninguém](//evil.example)"})
    assert "Artista não encontrado" in texts(at)
    assert "[Ninguém](//evil.example)" in [t.value for t in at.text]  # shown literally, never as a link
    assert not charts(at)


def test_the_comments_page_links_to_the_artist_page_when_an_artist_is_filtered(curator):
    seed_report_data()
    at = page("views/painel.py", curator)
    at.selectbox(key="f_artista").set_value("Luna Ferraz").run()
    links = [link for link in at.get("page_link")]
    assert any("Luna Ferraz" in link.proto.label and "artista" in link.proto.page for link in links)
