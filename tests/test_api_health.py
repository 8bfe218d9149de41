"""GET /health: PostgreSQL, Redis, a live RQ worker (heartbeat) and the queue depth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Worker
from rq.serializers import JSONSerializer
from rq.utils import utcformat

from shared.db import reset_engines
from shared.queue import get_queue
from shared.settings import reset_settings_cache
from tests.api_fixtures import closed_port_url, new_item


@pytest.fixture
def live_worker(redis_conn):
    """A real RQ worker registration with a fresh heartbeat (what `python -m worker` does on start)."""
    worker = Worker([get_queue(redis_conn)], connection=redis_conn, serializer=JSONSerializer)
    worker.register_birth()
    worker.heartbeat()
    yield worker
    worker.register_death()


def test_all_up_is_200_with_the_queue_depth(client, auth, live_worker):
    client.post("/api/comentarios", json=[new_item("a"), new_item("b")], headers=auth)
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json
    assert body["status"] == "ok"
    assert body["servicos"]["postgresql"]["ok"] and body["servicos"]["redis"]["ok"]
    assert body["servicos"]["worker"] == {"ok": True, "vivos": 1, "registrados": 1}
    assert body["fila"]["na_fila"] == 1  # one job holding both ids


def test_no_worker_is_503_naming_the_worker(client):
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["erro"] == "fora do ar: worker"


def test_worker_with_a_stale_heartbeat_is_not_alive(client, live_worker, redis_conn):
    stale = datetime.now(UTC) - timedelta(seconds=live_worker.worker_ttl + 120)
    redis_conn.hset(live_worker.key, "last_heartbeat", utcformat(stale))
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json["servicos"]["worker"]["vivos"] == 0


def test_redis_down_is_503_naming_redis(client, live_worker, use_settings, auth):
    use_settings(redis_url=closed_port_url("redis"))
    response = client.get("/health")
    assert response.status_code == 503
    assert "redis" in response.json["erro"]
    assert response.json["servicos"]["postgresql"]["ok"] is True
    assert "erro" not in response.json["servicos"]["redis"]  # no internal details for anonymous callers
    detailed = client.get("/health", headers=auth).json
    assert "ConnectionError" in detailed["servicos"]["redis"]["erro"]


def test_postgres_down_is_503_naming_postgresql_and_details_need_a_token(client, live_worker, use_settings, auth):
    assert client.get("/health", headers=auth).status_code == 200  # the user's state is now cached in Redis
    use_settings(database_url=closed_port_url("postgresql"))
    try:
        anonymous = client.get("/health")
        detailed = client.get("/health", headers=auth)
    finally:
        reset_settings_cache()  # back to the run's database
        reset_engines()
    assert anonymous.status_code == detailed.status_code == 503
    assert anonymous.json["erro"] == "fora do ar: postgresql"
    assert "erro" not in anonymous.json["servicos"]["postgresql"]
    assert "127.0.0.1" not in anonymous.get_data(as_text=True)
    assert "OperationalError" in detailed.json["servicos"]["postgresql"]["erro"]
