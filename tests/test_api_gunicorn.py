"""The API served by gunicorn with ingest_api/gunicorn_conf.py, as `make run` and compose start it."""

from __future__ import annotations

import http.client
import json
import os
import runpy
import subprocess
import sys
import time
import uuid
from pathlib import Path

from shared.dev import embedded

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "ingest_api" / "gunicorn_conf.py"


def test_config_reads_bind_workers_and_threads_from_settings(use_settings):
    use_settings(api_host="0.0.0.0", api_port=8123, api_workers=3, api_threads=1)
    conf = runpy.run_path(str(CONF))
    assert conf["bind"] == "0.0.0.0:8123"
    assert conf["workers"] == 3
    assert (conf["threads"], conf["worker_class"]) == (1, "sync")
    use_settings(api_workers=0, api_threads=4)
    auto = runpy.run_path(str(CONF))
    assert 2 <= auto["workers"] <= 4 and auto["worker_class"] == "gthread"
    assert callable(auto["post_fork"])


def _request(port: int, method: str, path: str, body: object = None, token: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def test_gunicorn_serves_login_and_intake_from_several_workers(services, make_user):
    email, password = make_user()
    port = embedded.free_port()
    env = {**os.environ, "API_HOST": "127.0.0.1", "API_PORT": str(port), "API_WORKERS": "2", "API_THREADS": "2"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(CONF), "ingest_api:create_app()"],
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
        status, tokens = _request(port, "POST", "/api/auth/login", {"email": email, "password": password})
        assert status == 200
        ids = [str(uuid.uuid4()) for _ in range(20)]
        for comment_id in ids:  # several requests, so both workers (each with its own pools) take part
            status, body = _request(
                port, "POST", "/api/comentarios", {"id": comment_id, "texto": "Olá"}, tokens["access_token"]
            )
            assert status == 202 and body["itens"][0]["status"] == "enfileirado"
        status, detail = _request(port, "GET", f"/api/comentarios/{ids[-1]}", token=tokens["access_token"])
        assert status == 200 and detail["status"] == "pendente"
    finally:
        server.terminate()
        server.wait(timeout=30)
