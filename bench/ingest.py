"""Benchmark (run by hand): comments per second accepted by `POST /api/comentarios` under gunicorn.

Starts gunicorn (ingest_api/gunicorn_conf.py) on a free port against a fresh database (and a private Redis
unless BENCH_REDIS_URL is set), logs in once, then measures:
- batch 1: latency p50/p99 with one client, then throughput with several concurrent clients;
- batch 100 and batch 1,000: throughput with several concurrent clients.
"Accepted" means stored in PostgreSQL (one transaction) and enqueued in Redis (RQ jobs), answered 202.
No RQ worker runs, so the numbers are the intake path alone.

    python -m bench.ingest [--clients 8] [--seconds 10] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

Without --admin-url (or BENCH_DATABASE_URL / TEST_DATABASE_URL) an embedded PostgreSQL is started.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "amei o show de ontem, a Luna Ferraz cantou demais",
    "que horas abre o portão no sábado?",
    "som ruim demais, não dava pra ouvir a voz",
    "podia tocar mais músicas do primeiro álbum no setlist",
    "o clipe novo ficou lindo, a fotografia é de cinema",
    "ingresso caro e o show atrasou uma hora",
]


@dataclass
class Result:
    label: str
    requests: int
    comments: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def comments_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _body(batch: int) -> bytes:
    items = [
        {"id": str(uuid.uuid4()), "texto": f"{TEXTS[i % len(TEXTS)]} #{uuid.uuid4().hex[:8]}", "artista": "Luna Ferraz"}
        for i in range(batch)
    ]
    return json.dumps(items if batch > 1 else items[0], ensure_ascii=False).encode()


def _load(port: int, token: str, batch: int, clients: int, seconds: float, max_requests: int, label: str) -> Result:
    """`clients` threads, each with one keep-alive connection, post pre-built bodies until time or count runs out."""
    per_client = max(1, max_requests // clients)
    bodies = [[_body(batch) for _ in range(per_client)] for _ in range(clients)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = [0]
    sent = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local, failed, count = [], 0, 0
        start_gate.wait()
        for body in mine:
            if time.perf_counter() > deadline[0]:
                break
            t0 = time.perf_counter()
            conn.request("POST", "/api/comentarios", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - t0) * 1000)
            if response.status != 202:
                failed += 1
            count += 1
        conn.close()
        with lock:
            latencies.extend(local)
            errors[0] += failed
            sent[0] += count

    threads = [threading.Thread(target=client, args=(bodies[i],)) for i in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    t0 = time.perf_counter()
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    return Result(label, sent[0], sent[0] * batch, elapsed, latencies, errors[0])


def _wait_for(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/openapi.json")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn não respondeu a tempo")


def _login(port: int, email: str, password: str) -> str:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (keep-alive)")
    parser.add_argument("--seconds", type=float, default=10.0, help="time limit per phase")
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"))
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0 = as configured)")
    parser.add_argument("--threads", type=int, default=0, help="threads per gunicorn worker (0 = as configured)")
    args = parser.parse_args(argv)
    from shared.db import reset_engines, session_scope
    from shared.dev import embedded, users
    from shared.migrate import upgrade
    from shared.settings import reset_settings_cache

    tmp = Path(tempfile.mkdtemp(prefix="alumusic-bench-"))
    stoppers = []
    gunicorn = None
    admin_url = args.admin_url
    db_name = f"alumusic_bench_{uuid.uuid4().hex[:8]}"
    try:
        if not admin_url:
            pg = embedded.start_postgres(tmp / "pg")
            stoppers.append(pg.stop)
            admin_url = pg.url("postgres")
        redis_url = args.redis_url
        if not redis_url:
            rd = embedded.start_redis(tmp / "redis", persist=False)
            stoppers.append(rd.stop)
            redis_url = rd.url
        database_url = embedded.ensure_database(admin_url, db_name)
        upgrade(database_url)
        port = embedded.free_port()
        env = {
            **os.environ,
            "ALUMUSIC_IGNORE_ENV_FILES": "1",
            "ALUMUSIC_ENV": "development",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(port),
            "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "COOKIE_KEY": secrets.token_urlsafe(48),
            "LOG_LEVEL": "WARNING",
            "CLASSIFIER": "local",
        }
        if args.workers:
            env["API_WORKERS"] = str(args.workers)
        if args.threads:
            env["API_THREADS"] = str(args.threads)
        os.environ.update(
            {
                k: env[k]
                for k in ("ALUMUSIC_IGNORE_ENV_FILES", "DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "COOKIE_KEY")
            }
        )
        reset_settings_cache()
        reset_engines()
        email, password = "bench@alumusic.com.br", secrets.token_urlsafe(16)
        with session_scope() as session:
            users.create_user(session, email, "Benchmark", password)

        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "ingest_api/gunicorn_conf.py",
                "ingest_api:create_app()",
            ],
            cwd=ROOT,
            env=env,
        )
        _wait_for(port)
        load_before = os.getloadavg()[0]
        token = _login(port, email, password)
        # warm-up: every worker imports, connects and compiles its statements
        warmup = _load(port, token, 10, args.clients, 3.0, args.clients * 5, "aquecimento")

        results = [
            _load(port, token, 1, 1, args.seconds, 2000, "lote 1, 1 cliente (latência)"),
            _load(port, token, 1, args.clients, args.seconds, 20000, f"lote 1, {args.clients} clientes"),
            _load(port, token, 100, args.clients, args.seconds, 800, f"lote 100, {args.clients} clientes"),
            _load(port, token, 1000, args.clients, args.seconds, 160, f"lote 1000, {args.clients} clientes"),
        ]
        from sqlalchemy import func, select

        from shared.models import Comment

        with session_scope() as session:
            stored = session.scalar(select(func.count()).select_from(Comment))
        expected = sum(r.comments for r in (warmup, *results))

        workers = env.get("API_WORKERS", "auto")
        threads = env.get("API_THREADS", "4")
        print(
            f"\nIngestão sob gunicorn (workers={workers}, threads={threads}), {os.cpu_count()} CPUs, "
            f"PostgreSQL e Redis na mesma máquina"
        )
        print(f"{'fase':<34}{'reqs':>7}{'coment.':>9}{'s':>7}{'coment./s':>12}{'p50 ms':>9}{'p99 ms':>9}{'erros':>7}")
        for r in results:
            print(
                f"{r.label:<34}{r.requests:>7}{r.comments:>9}{r.seconds:>7.1f}{r.comments_per_second:>12,.0f}"
                f"{r.percentile(50):>9.1f}{r.percentile(99):>9.1f}{r.errors:>7}"
            )
        print(f"comentários no banco: {stored} (esperado {expected})")
        print(
            f"carga da máquina (load average 1 min) no início/fim: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
            "(acima de ~1 significa outros processos disputando os 2 núcleos)"
        )
        return 0 if stored == expected and not any(r.errors for r in results) else 1
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        reset_engines()
        try:
            embedded.drop_database(admin_url, db_name)
        except Exception as exc:  # noqa: BLE001
            print(f"aviso: não consegui apagar o banco {db_name}: {exc}", file=sys.stderr)
        for stop in reversed(stoppers):
            stop()


if __name__ == "__main__":
    raise SystemExit(main())
