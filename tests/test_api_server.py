"""The API served by its HTTP server (`python -m ingest_api.server`, Granian), as `make run`, compose and the image
start it."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ingest_api import server as api_server
from shared.dev import embedded
from shared.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def test_options_read_bind_workers_threads_and_logs_from_settings(use_settings):
    use_settings(api_host="0.0.0.0", api_port=8123, api_workers=3, api_threads=1, log_level="WARNING")
    options = api_server.options(get_settings())
    assert (options["address"], options["port"], options["workers"], options["blocking_threads"]) == (
        "0.0.0.0",
        8123,
        3,
        1,
    )
    assert options["target"] == "ingest_api:create_app" and options["factory"] is True
    assert options["respawn_failed_workers"] is True and options["log_access"] is False
    assert options["log_dictconfig"]["root"]["level"] == "WARNING"
    use_settings(api_workers=0, api_threads=4, api_access_log=True)
    auto = api_server.options(get_settings(), "bench.bare_app:app", factory=False)
    assert 2 <= auto["workers"] <= 4 and auto["blocking_threads"] == 4 and auto["log_access"] is True
    assert (auto["target"], auto["factory"]) == ("bench.bare_app:app", False)


def _request(port: int, method: str, path: str, body: object = None, token: str | None = None, raw: bytes = b""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=raw or (json.dumps(body) if body is not None else None), headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


@pytest.fixture
def running_api(services):
    """The server with 2 worker processes of 2 threads each, on a free port; yields (port, process)."""
    port = embedded.free_port()
    env = {**os.environ, "API_HOST": "127.0.0.1", "API_PORT": str(port), "API_WORKERS": "2", "API_THREADS": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "ingest_api.server"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(port, "GET", "/api/openapi.json")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read().decode()[-2000:]
            time.sleep(0.2)
        yield port, server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _login(port: int, email: str, password: str) -> str:
    status, tokens = _request(port, "POST", "/api/auth/login", {"email": email, "password": password})
    assert status == 200
    return tokens["access_token"]


def test_server_serves_login_and_intake_from_several_workers(running_api, make_user):
    port, _ = running_api
    token = _login(port, *make_user())
    ids = [str(uuid.uuid4()) for _ in range(20)]
    for comment_id in ids:  # several requests, so both workers (each with its own pools) take part
        status, body = _request(port, "POST", "/api/comentarios", {"id": comment_id, "texto": "Olá"}, token)
        assert status == 202 and body["itens"][0]["status"] == "enfileirado"
    status, detail = _request(port, "GET", f"/api/comentarios/{ids[-1]}", token=token)
    assert status == 200 and detail["status"] == "pendente"


def test_a_body_over_the_limit_is_refused_in_json_without_being_read(running_api, make_user):
    port, _ = running_api
    token = _login(port, *make_user())
    too_big = b"[" + b" " * (get_settings().max_body_bytes + 1024) + b"]"
    status, body = _request(port, "POST", "/api/comentarios", token=token, raw=too_big)
    assert status == 413
    assert body["erro"] == f"corpo da requisição grande demais: o máximo é {get_settings().max_body_bytes} bytes"


def test_a_killed_worker_is_replaced_and_sigterm_stops_the_server(running_api, make_user):
    port, server = running_api
    token = _login(port, *make_user())
    workers = _children(server.pid)
    assert len(workers) == 2
    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (len(_children(server.pid) - {victim}) < 2) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_children(server.pid) - {victim}) == 2, "the dead worker was not replaced"
    for _ in range(10):  # every request is answered, whichever worker takes it
        status, _body = _request(port, "POST", "/api/comentarios", {"id": str(uuid.uuid4()), "texto": "Oi"}, token)
        assert status == 202
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=30) == 0
