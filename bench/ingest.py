"""Benchmark (run by hand): `POST /api/comentarios` under the API server (Granian), started as `make run` starts it.

Measures, against a fresh database and a private Redis (`bench.common`):
- one comment per request, one sequential client: latency p50/p99 and requests per second;
- one comment per request, N concurrent clients (keep-alive): requests per second and p50;
- batches of 100 and 1,000 with N clients: comments per second.
"Accepted" means stored in PostgreSQL and handed to the queue (dispatcher or jobs), answered 202; no RQ worker
runs, so these are the intake path alone. Each phase runs `--repeat` times; the median is shown.

The one-comment phases are driven by `wrk` (a C load generator, `bench/post_one.lua`) when it is installed
(`apt-get install wrk`), else by the Python client below: with 8 threads under one GIL, the Python client costs
more CPU than a bare Flask request and caps what it can measure on 2 cores. `--driver python` forces it.

Two references follow, the two one-comment phases under the same server and client: `bench/bare_app.py`
(Flask that only parses the JSON: the machine's ceiling for any Flask intake) and `bench/intake_without_redis.py`
(the real API with every Redis call taken out of the request: an experiment, unsafe to serve).

    python -m bench.ingest [--clients 8] [--seconds 8] [--repeat 3] [--workers N] [--threads N] [--no-reference]
                           [--driver auto|wrk|python]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.common import api_server, bench_env, default_admin_url, load, load_note, login, median, percentile, verdict
from shared.db import session_scope
from shared.models import Comment

BARE_APP = "bench.bare_app:app"
REFERENCES = [
    ("Flask que só lê o JSON (bench/bare_app.py)", BARE_APP),
    ("a API sem nenhuma ida ao Redis, experimento (bench/intake_without_redis.py)", "bench.intake_without_redis:app"),
]

TEXTS = [
    "amei o show de ontem, a Luna Ferraz cantou demais",
    "que horas abre o portão no sábado?",
    "som ruim demais, não dava pra ouvir a voz",
    "podia tocar mais músicas do primeiro álbum no setlist",
    "o clipe novo ficou lindo, a fotografia é de cinema",
    "ingresso caro e o show atrasou uma hora",
]


WRK_SCRIPT = Path(__file__).with_name("post_one.lua")


@dataclass
class Phase:
    requests: int
    comments: int
    seconds: float
    latencies_ms: list[float]
    errors: int
    unanswered: int = 0  # sent when the time ran out, never answered (wrk): stored or not
    percentiles: dict[int, float] = field(default_factory=dict)  # given by the driver (wrk)

    def latency(self, p: int) -> float:
        return self.percentiles.get(p) or percentile(self.latencies_ms, p)

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def comments_per_second(self) -> float:
        return self.comments / self.seconds if self.seconds else 0.0


def body(batch: int) -> bytes:
    items = [
        {"id": str(uuid.uuid4()), "texto": f"{TEXTS[i % len(TEXTS)]} #{uuid.uuid4().hex[:8]}", "artista": "Luna Ferraz"}
        for i in range(batch)
    ]
    return json.dumps(items if batch > 1 else items[0], ensure_ascii=False).encode()


def post_load(port: int, token: str, batch: int, clients: int, seconds: float, max_requests: int) -> Phase:
    """`clients` threads, each with one keep-alive connection, post pre-built bodies until time or count runs out."""
    per_client = max(1, max_requests // clients)
    bodies = [[body(batch) for _ in range(per_client)] for _ in range(clients)]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    totals = {"errors": 0, "sent": 0}
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client(mine: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        local: list[float] = []
        failed = 0
        gate.wait()
        for payload in mine:
            if time.perf_counter() > deadline[0]:
                break
            t0 = time.perf_counter()
            conn.request("POST", "/api/comentarios", body=payload, headers=headers)
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - t0) * 1000)
            failed += response.status != 202
        conn.close()
        with lock:
            latencies.extend(local)
            totals["errors"] += failed
            totals["sent"] += len(local)

    threads = [threading.Thread(target=client, args=(bodies[i],)) for i in range(clients)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return Phase(totals["sent"], totals["sent"] * batch, elapsed, latencies, totals["errors"])


def wrk_load(port: int, token: str, clients: int, seconds: float) -> Phase:
    """One-comment requests from `clients` keep-alive connections driven by wrk (`bench/post_one.lua`)."""
    command = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{seconds:g}s", "-s", str(WRK_SCRIPT)]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{port}"],
        env={**os.environ, "TOKEN": token, "TEXTS": "\n".join(TEXTS)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts = dict(re.findall(r"(\w+)=(\d+)", out.split("alumusic ", 1)[1]))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    received = int(counts["received"])
    return Phase(
        received,
        received,
        received / rate if rate else seconds,
        [],
        int(counts["refused"]),
        unanswered=int(counts["sent"]) - received,
        percentiles={50: int(counts["p50_us"]) / 1000, 99: int(counts["p99_us"]) / 1000},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (keep-alive)")
    parser.add_argument("--seconds", type=float, default=8.0, help="time limit per phase")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each phase (the median is shown)")
    parser.add_argument("--admin-url", default=default_admin_url())
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--workers", default="", help="API_WORKERS, server processes (default: as configured)")
    parser.add_argument(
        "--threads", default="", help="API_THREADS, threads per server process (default: as configured)"
    )
    parser.add_argument("--only-single", action="store_true", help="skip the batch phases")
    parser.add_argument(
        "--driver",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator for the one-comment phases (auto: wrk when installed)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="skip the references (bench/bare_app.py, bench/intake_without_redis.py)",
    )
    args = parser.parse_args(argv)
    use_wrk = args.driver == "wrk" or (args.driver == "auto" and shutil.which("wrk") is not None)
    if args.driver == "wrk" and not shutil.which("wrk"):
        parser.error("wrk não está instalado (apt-get install wrk)")
    if not use_wrk and args.driver == "auto":
        print("aviso: wrk não encontrado; as fases de 1 comentário usam o cliente Python (apt-get install wrk)")

    def single(port: int, token: str, clients: int, cap: int) -> Phase:
        if use_wrk:
            return wrk_load(port, token, clients, args.seconds)
        return post_load(port, token, 1, clients, args.seconds, cap)

    n = args.clients
    phases = [
        ("1 comentário, 1 cliente", 1, 1, 6000),
        (f"1 comentário, {n} clientes", 1, n, 30000),
    ]
    if not args.only_single:
        phases += [(f"lote de 100, {n} clientes", 100, n, 1600), (f"lote de 1.000, {n} clientes", 1000, n, 240)]
    with bench_env(args.admin_url, args.redis_url) as bench:
        with api_server(bench, api_workers=args.workers, api_threads=args.threads) as api:
            port = api.port
            before = load()
            token = login(port, bench.password)
            warmup = post_load(port, token, 10, n, 3.0, n * 50)
            runs: dict[str, list[Phase]] = {label: [] for label, *_ in phases}
            for _ in range(args.repeat):
                for label, batch, clients, cap in phases:
                    if batch == 1:
                        runs[label].append(single(port, token, clients, cap))
                    else:
                        runs[label].append(post_load(port, token, batch, clients, args.seconds, cap))
        references: dict[str, dict[str, list[Phase]]] = {}
        stored_by_experiment: list[Phase] = []  # the experiment stores what it accepts; the bare app stores nothing
        if not args.no_reference:
            for title, app in REFERENCES:
                with api_server(bench, app=app, api_workers=args.workers, api_threads=args.threads) as ref:
                    ref_token = "" if app == BARE_APP else login(ref.port, bench.password)
                    ref_runs = [post_load(ref.port, ref_token, 1, n, 2.0, n * 200)]  # warm-up
                    references[title] = {
                        label: [single(ref.port, ref_token, clients, cap) for _ in range(args.repeat)]
                        for label, _, clients, cap in phases[:2]
                    }
                    ref_runs += [p for results in references[title].values() for p in results]
                    if app != BARE_APP:
                        stored_by_experiment += ref_runs
        with session_scope() as session:
            stored = session.scalar(select(func.count()).select_from(Comment))
        expected = warmup.comments + sum(p.comments for results in runs.values() for p in results)
        expected += sum(p.comments for p in stored_by_experiment)
        in_flight = sum(p.unanswered for results in runs.values() for p in results)
        in_flight += sum(p.unanswered for p in stored_by_experiment)
        errors = sum(p.errors for results in runs.values() for p in results)
        errors += sum(p.errors for results in references.values() for phase in results.values() for p in phase)
        print(
            f"\nIngestão sob o servidor da API, Granian (API_WORKERS={args.workers or 'padrão'}, "
            f"API_THREADS={args.threads or 'padrão'}), "
            f"mediana de {args.repeat} execuções de até {args.seconds:.0f} s; "
            f"cliente das fases de 1 comentário: {'wrk' if use_wrk else 'Python (http.client, threads)'}"
        )
        print(f"{'fase':<28}{'req/s':>9}{'coment./s':>11}{'p50 ms':>8}{'p99 ms':>8}  meta")
        for label, batch, clients, _ in phases:
            results = runs[label]
            rate = median([p.per_second for p in results])
            rate_c = median([p.comments_per_second for p in results])
            p50 = median([p.latency(50) for p in results])
            p99 = median([p.latency(99) for p in results])
            if batch == 1 and clients == 1:
                goal = f"p50 ≤ 2 ms ({verdict(p50, 2.0, False)}), ≥ 450 req/s ({verdict(rate, 450)})"
            elif batch == 1:
                goal = f"≥ 1.500 req/s ({verdict(rate, 1500)})"
            elif batch == 1000:
                goal = f"≥ 20.000 coment./s ({verdict(rate_c, 20000)})"
            else:
                goal = "—"
            print(f"{label:<28}{rate:>9,.0f}{rate_c:>11,.0f}{p50:>8.2f}{p99:>8.2f}  {goal}")
            print(f"{'':<28}execuções: " + ", ".join(f"{p.per_second:,.0f} req/s" for p in results))
        for title, results_by_phase in references.items():
            print(f"referência — {title}, mesmo servidor, mesmo cliente:")
            for label, results in results_by_phase.items():
                rate = median([p.per_second for p in results])
                p50 = median([p.latency(50) for p in results])
                print(f"{label:<28}{rate:>9,.0f}{'':>11}{p50:>8.2f}")
        expected_text = f"{expected}" if not in_flight else f"{expected} a {expected + in_flight}"
        print(
            f"comentários no banco: {stored} (esperado {expected_text}; {in_flight} enviados sem resposta quando o "
            f"tempo acabou podem ter sido gravados); respostas diferentes de 202: {errors}"
        )
        print(load_note(before))
        return 0 if expected <= stored <= expected + in_flight and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
