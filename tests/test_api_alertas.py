"""GET /api/alertas: authenticated, filters by period, category and artist, clear 400 errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from shared import clock
from shared.db import session_scope
from shared.models import Alert
from shared.vocabulary import Category


def add_alert(category: Category, artist: str | None, hours_ago: float = 1, count: int = 40) -> int:
    end = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=hours_ago)
    with session_scope() as session:
        return session.execute(
            insert(Alert)
            .values(
                category=category,
                artist=artist,
                window_start=end - timedelta(minutes=60),
                window_end=end,
                count=count,
                baseline=2.5,
                threshold=10.0,
                created_at=end,
            )
            .returning(Alert.id)
        ).scalar_one()


def test_requires_a_token(client):
    response = client.get("/api/alertas")
    assert response.status_code == 401 and "erro" in response.json


def test_lists_recent_alerts_newest_first_with_portuguese_fields(client, auth):
    older = add_alert(Category.SPAM, None, hours_ago=30)
    newer = add_alert(Category.CRITICA, "Kaique Sol", hours_ago=1)
    add_alert(Category.CRITICA, "Luna Ferraz", hours_ago=24 * 20)  # outside the default 7 days

    response = client.get("/api/alertas", headers=auth)

    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2 and [a["id"] for a in body["itens"]] == [newer, older]
    assert body["periodo"]["ate"] == clock.today().isoformat() and body["fuso_horario"] == clock.zone_name()
    first = body["itens"][0]
    assert first["categoria"] == "CRÍTICA" and first["artista"] == "Kaique Sol" and first["total"] == 40
    assert set(first) == {
        "id",
        "categoria",
        "artista",
        "inicio",
        "fim",
        "total",
        "linha_base",
        "limiar",
        "criado_em",
        "email_enviado_em",
        "webhook_enviado_em",
    }


def test_filters_by_category_artist_and_period(client, auth):
    spam = add_alert(Category.SPAM, None, hours_ago=2)
    kaique = add_alert(Category.CRITICA, "Kaique Sol", hours_ago=3)
    old = add_alert(Category.CRITICA, "Kaique Sol", hours_ago=24 * 20)

    def ids(**params):
        response = client.get("/api/alertas", query_string=params, headers=auth)
        assert response.status_code == 200, response.json
        return [a["id"] for a in response.json["itens"]]

    assert ids(categoria="SPAM") == [spam]
    assert ids(artista="kaique sol") == [kaique]
    since = (clock.today() - timedelta(days=30)).isoformat()
    assert ids(artista="Kaique Sol", desde=since) == [kaique, old]
    assert ids(categoria="CRÍTICA", desde=since, limite=1) == [kaique]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"categoria": "ELOGIO"}, "categoria"),
        ({"categoria": "critica"}, "categoria"),
        ({"desde": "ontem"}, "desde"),
        ({"limite": "0"}, "limite"),
        ({"limite": "9999"}, "limite"),
        ({"desconhecido": "1"}, "desconhecido"),
        ({"desde": "2026-11-20", "ate": "2026-11-01"}, "desde"),
    ],
)
def test_bad_parameters_get_a_400_that_says_which(client, auth, params, field):
    response = client.get("/api/alertas", query_string=params, headers=auth)
    assert response.status_code == 400
    body = response.json
    assert body["erro"] and any(d["campo"] == field for d in body["detalhes"]), body
