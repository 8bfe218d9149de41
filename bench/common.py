"""What every benchmark shares: its own servers and database (`shared.dev.stack`), the API server, logins, figures.

A benchmark never touches real data: it creates a database of its own (`alumusic_bench_<hex>`) on the
PostgreSQL server it is given (BENCH_ADMIN_URL, else TEST_DATABASE_URL, else an embedded server) and drops it at
the end; Redis is a private embedded one unless BENCH_REDIS_URL names one it may flush.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from shared import users
from shared.db import session_scope
from shared.dev.embedded import free_port
from shared.dev.stack import dev_stack, scratch_environment
from shared.migrate import upgrade
from shared.models import Base
from shared.queue import redis_connection
from shared.settings import ROOT

BENCH_EMAIL = "bench@alumusic.com.br"


def default_admin_url() -> str | None:
    return os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL")


@dataclass
class BenchEnv:
    database_url: str
    redis_url: str
    env: dict[str, str]  # the environment for the processes a benchmark starts (API server, workers)
    password: str

    def flush(self) -> None:
        """Empty this benchmark's database tables (users kept) and its Redis."""
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables if t.name != "users")
        with session_scope() as session:
            session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        redis_connection().flushdb()


@contextmanager
def bench_env(admin_url: str | None = None, redis_url: str | None = None, **settings: str) -> Iterator[BenchEnv]:
    """Servers, a fresh migrated database with one user, and this process's settings pointing at them."""
    tmp = Path(tempfile.mkdtemp(prefix="alumusic-bench-"))
    redis_url = redis_url or os.environ.get("BENCH_REDIS_URL")
    with dev_stack(tmp, postgres_url=admin_url or default_admin_url(), redis_url=redis_url, persist=False) as stack:
        name = f"alumusic_bench_{uuid.uuid4().hex[:8]}"
        database_url = stack.database(name)
        try:
            upgrade(database_url)
            scratch = scratch_environment(
                DATABASE_URL=database_url,
                REDIS_URL=stack.redis_url,
                LOG_LEVEL="WARNING",
                OUTBOX_DIR=str(tmp / "outbox"),
                **settings,
            )
            with scratch as env:
                password = secrets.token_urlsafe(16)
                with session_scope() as session:
                    users.create_user(session, BENCH_EMAIL, "Benchmark", password)
                yield BenchEnv(database_url, stack.redis_url, env, password)
        finally:
            try:
                stack.drop(name)
            except Exception as exc:  # noqa: BLE001 - best effort cleanup
                print(f"aviso: não consegui apagar o banco {name}: {exc}", file=sys.stderr)


@dataclass
class Api:
    port: int
    pid: int  # the API server's main process (its children are the worker processes)

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@contextmanager
def api_server(bench: BenchEnv, app: str | None = None, **settings: str) -> Iterator[Api]:
    """The API server exactly as `make run` starts it (`python -m ingest_api.server`), on a free port; `app`
    (module:name of a WSGI app) replaces the API when a benchmark measures another app under the same server."""
    port = free_port()
    env = {**bench.env, "API_HOST": "127.0.0.1", "API_PORT": str(port)}
    env.update({key.upper(): str(value) for key, value in settings.items() if value not in (None, "")})
    command = [sys.executable, "-m", "ingest_api.server"]
    if app:
        command += ["--app", app, "--no-factory"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_http(port)
        yield Api(port, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_http(port: int, path: str = "/api/openapi.json", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("a API não respondeu a tempo")


def login(port: int, password: str, email: str = BENCH_EMAIL) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request(
        "POST",
        "/api/auth/login",
        body=json.dumps({"email": email, "password": password}),
        headers={"Content-Type": "application/json"},
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"login falhou: {response.status} {body}")
    return body["access_token"]


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class MachineState:
    load: float  # load average, 1 min
    loop_ms: float  # a fixed pure-Python loop, best of 3: the speed this (shared, virtual) CPU gives right now


def _reference_loop_ms() -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def load() -> MachineState:
    return MachineState(os.getloadavg()[0], _reference_loop_ms())


def load_note(before: MachineState) -> str:
    after = load()
    return (
        f"carga da máquina (load average 1 min) no início/fim: {before.load:.1f} / {after.load:.1f} "
        f"({os.cpu_count()} CPUs; acima de ~1 há outros processos disputando os núcleos); laço de referência "
        f"no início/fim: {before.loop_ms:.0f} / {after.loop_ms:.0f} ms (a mesma conta: quanto maior, mais lenta a "
        "CPU naquele momento; compare dias diferentes por ele)"
    )


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    ok = value >= target if higher_is_better else value <= target
    return "ok" if ok else "ABAIXO DA META" if higher_is_better else "ACIMA DA META"
