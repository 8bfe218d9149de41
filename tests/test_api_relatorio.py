"""GET /api/relatorio/semana: public, counts comments by current classification, cached at most 60 s."""

from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.vocabulary import CATEGORY_VALUES, Category
from tests.api_fixtures import closed_port_url
from tests.report_seed import add_comment, classified, classify, hours_ago, utc

WEEK = {"desde": "2026-11-16", "ate": "2026-11-22"}


def test_report_is_public_and_counts_a_reclassified_comment_once(client):
    cid = add_comment("Achei ruim, depois mudei de ideia", when=utc(2026, 11, 18))
    classify(cid, Category.CRITICA, 0.7)
    classify(cid, Category.ELOGIO, 0.9)
    response = client.get("/api/relatorio/semana", query_string=WEEK)
    assert response.status_code == 200
    body = response.json
    dist = {row["categoria"]: row["total"] for row in body["distribuicao_categorias"]}
    assert dist == {"ELOGIO": 1, "CRÍTICA": 0, "SUGESTÃO": 0, "DÚVIDA": 0, "SPAM": 0}
    assert body["totais"]["classificados"] == 1
    assert body["confianca_por_categoria"] == [
        {"categoria": "ELOGIO", "total": 1, "confianca_media": 0.9, "confianca_mediana": 0.9}
    ]


def test_report_has_every_section_with_zero_days_and_week_over_week_change(client):
    classified("Semana anterior", Category.SPAM, when=utc(2026, 11, 12))
    classified("Anitta arrasou", Category.ELOGIO, when=utc(2026, 11, 17), artista="Anitta")
    classified("Anitta de novo", Category.ELOGIO, when=utc(2026, 11, 19), artista="Anitta")
    body = client.get("/api/relatorio/semana", query_string=WEEK).json
    assert body["periodo"]["desde"] == "2026-11-16" and body["periodo"]["ate"] == "2026-11-22"
    assert body["periodo_anterior"] == {"desde": "2026-11-09", "ate": "2026-11-15"}
    assert len(body["evolucao_diaria"]) == 7 * len(CATEGORY_VALUES)
    assert {"dia": "2026-11-20", "categoria": "ELOGIO", "total": 0} in body["evolucao_diaria"]
    assert body["totais"]["variacao_percentual"] == 100.0
    assert body["categorias_por_artista"] == [
        {"artista": "Anitta", "categoria": "ELOGIO", "total": 2, "total_artista": 2}
    ]
    assert body["top_tags"]["horas"] == 48


def test_default_period_is_the_last_seven_days_with_top_tags_of_the_last_48_hours(client):
    classified("Autotune", Category.CRITICA, when=hours_ago(2), tags={"feat_autotune": "autotune"})
    classified("Autotune antigo", Category.CRITICA, when=hours_ago(72), tags={"feat_letra": "letra"})
    body = client.get("/api/relatorio/semana").json
    today = clock.today()
    assert body["periodo"]["ate"] == today.isoformat()
    assert body["periodo"]["desde"] == (today - timedelta(days=6)).isoformat()
    assert body["top_tags"]["itens"] == [{"codigo": "feat_autotune", "total": 1}]
    assert body["totais"]["total"] == 2


def test_report_is_cached_for_the_configured_seconds_at_most_sixty(client, redis_conn):
    classified("Primeiro", Category.ELOGIO, when=utc(2026, 11, 18))
    first = client.get("/api/relatorio/semana", query_string=WEEK)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    keys = redis_conn.keys("alumusic:relatorio:*")
    assert len(keys) == 1 and 0 < redis_conn.ttl(keys[0]) <= 60
    classified("Segundo", Category.ELOGIO, when=utc(2026, 11, 18))
    assert client.get("/api/relatorio/semana", query_string=WEEK).json["totais"]["total"] == 1  # cached
    redis_conn.delete(*keys)  # what expiry does after at most 60 s
    assert client.get("/api/relatorio/semana", query_string=WEEK).json["totais"]["total"] == 2


def test_cache_can_be_turned_off_but_never_above_sixty_seconds(client, redis_conn, use_settings):
    use_settings(report_cache_seconds="0")
    classified("Primeiro", Category.ELOGIO, when=utc(2026, 11, 18))
    assert client.get("/api/relatorio/semana", query_string=WEEK).json["totais"]["total"] == 1
    classified("Segundo", Category.ELOGIO, when=utc(2026, 11, 18))
    assert client.get("/api/relatorio/semana", query_string=WEEK).json["totais"]["total"] == 2
    assert redis_conn.keys("alumusic:relatorio:*") == []

    import pytest
    from pydantic import ValidationError

    from shared.settings import Settings

    with pytest.raises(ValidationError):
        Settings(report_cache_seconds=61)


def test_report_still_answers_when_redis_is_down(client, use_settings):
    use_settings(redis_url=closed_port_url("redis"))
    classified("Sem cache", Category.ELOGIO, when=utc(2026, 11, 18))
    response = client.get("/api/relatorio/semana", query_string=WEEK)
    assert response.status_code == 200 and response.json["totais"]["total"] == 1


def test_bad_periods_are_422(client):
    for params in (
        {"desde": "2026-11-22", "ate": "2026-11-01"},
        {"desde": "22/11/2026"},
        {"desde": "2020-01-01", "ate": "2026-01-01"},
        {"semana": "47"},
    ):
        response = client.get("/api/relatorio/semana", query_string=params)
        assert response.status_code == 422, params
        assert response.is_json and response.json["erro"]


def test_public_report_is_limited_per_client_address(client, use_settings):
    use_settings(report_rate_limit="2 per minute")
    answers = [client.get("/api/relatorio/semana", environ_base={"REMOTE_ADDR": "10.9.0.1"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "Retry-After" in answers[2].headers
    assert client.get("/api/relatorio/semana", environ_base={"REMOTE_ADDR": "10.9.0.2"}).status_code == 200


def test_a_read_query_past_the_time_limit_is_stopped_and_answers_503(app, use_settings):
    from sqlalchemy import text

    from shared.db import read_scope

    use_settings(query_timeout_ms=200)

    @app.get("/teste/lento")
    def slow():
        with read_scope() as session:
            session.execute(text("SELECT pg_sleep(2)"))
        return "nunca"

    response = app.test_client().get("/teste/lento")
    assert response.status_code == 503
    assert response.is_json and "demorou demais" in response.json["erro"]
