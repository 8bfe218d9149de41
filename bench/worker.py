"""Benchmark (run by hand): comments per second from arrival to `classificado`, local classifier, real workers.

Starts `--workers` real `python -m worker processar` processes and the API server (as `make run` starts it) on a fresh
database and a private Redis (`bench.common`), then, `--repeat` times each (median shown):
- lotes de 1.000: `--comments` comments through the intake (the API's path: one statement + enqueue) in batches
  of 1,000, which become classify jobs of ENQUEUE_CHUNK_SIZE; the clock runs from the first batch to the last
  `classificado`;
- um por requisição: `--comments` comments posted one per request by `--clients` HTTP clients while the workers
  run, handed to the dispatcher; the clock runs from the first POST to the last `classificado`, and the POST
  latency is measured while the drain jobs run;
- despacho: the same posting with the workers suspended (`rq suspend`), then the clock runs from their resume to
  the last `classificado`: the drain jobs' own rate.
Texts come from the training corpus, each made unique (no dedup shortcut).

    python -m bench.worker [--comments 10000] [--workers 2] [--clients 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
import uuid

from rq import suspension
from sqlalchemy import exists, select

from bench.common import api_server, bench_env, default_admin_url, load, load_note, login, median, percentile, verdict
from bench.ingest import post_load
from shared import operations
from shared.classification.local import LocalClassifier
from shared.classification.training import load_corpus
from shared.contracts import CommentIn
from shared.db import session_scope
from shared.ingest.intake import ingest
from shared.models import Comment
from shared.queue import redis_connection
from shared.settings import ROOT, get_settings
from shared.vocabulary import CommentStatus, Source


def texts(count: int, seed: int = 7) -> list[str]:
    corpus, _ = load_corpus()
    rng = random.Random(seed)
    return [f"{rng.choice(corpus)} #{n}" for n in range(count)]


def start_workers(count: int, env: dict[str, str]) -> list[subprocess.Popen]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "worker", "processar", "--name", f"bench-{n + 1}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(count)
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if len([w for w in operations.queue_stats().workers if w.state == "idle"]) == count:
            return procs
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.2)
    stop_workers(procs)
    raise SystemExit("os workers não ficaram prontos; rode `python -m worker processar` à mão para ver o erro")


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_classified(started: float, limit: float = 900) -> float:
    """Poll with a query that costs next to nothing (index on status), so the clock steals no CPU."""
    waiting = select(exists().where(Comment.status.in_([CommentStatus.PENDENTE, CommentStatus.PROCESSANDO])))
    while True:
        with session_scope() as session:
            if not session.scalar(waiting):
                return time.perf_counter()
        if time.perf_counter() - started > limit:
            raise SystemExit("tempo esgotado esperando a classificação")
        time.sleep(0.05)


def failed() -> int:
    return operations.status_counts()["falhou"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--admin-url", "--database-url", dest="admin_url", default=default_admin_url())
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)

    LocalClassifier()  # trains once here if needed, not inside the timed runs
    corpus_texts = texts(args.comments)
    rows: dict[str, list[float]] = {"lotes": [], "um a um": [], "despacho": [], "p50": [], "p99": []}
    lost = 0
    with bench_env(args.admin_url, args.redis_url) as bench:
        settings = get_settings()
        before = load()
        procs = start_workers(args.workers, bench.env)
        try:
            with api_server(bench) as api:
                port = api.port
                token = login(port, bench.password)
                for _ in range(args.repeat):
                    bench.flush()
                    items = [CommentIn(id=uuid.uuid4(), texto=t) for t in corpus_texts]
                    started = time.perf_counter()
                    for start in range(0, len(items), settings.max_batch_items):
                        ingest(items[start : start + settings.max_batch_items], Source.API)
                    rows["lotes"].append(args.comments / (wait_classified(started) - started))
                    lost += failed()

                    bench.flush()
                    per_client = args.comments // args.clients
                    started = time.perf_counter()
                    posted = post_load(port, token, 1, args.clients, 3600, per_client * args.clients)
                    rows["um a um"].append(posted.requests / (wait_classified(started) - started))
                    rows["p50"].append(percentile(posted.latencies_ms, 50))
                    rows["p99"].append(percentile(posted.latencies_ms, 99))
                    lost += failed() + posted.errors

                    bench.flush()
                    suspension.suspend(redis_connection())
                    time.sleep(1.5)  # workers notice the suspension between jobs
                    posted = post_load(port, token, 1, args.clients, 3600, per_client * args.clients)
                    started = time.perf_counter()
                    suspension.resume(redis_connection())
                    rows["despacho"].append(posted.requests / (wait_classified(started) - started))
                    lost += failed() + posted.errors
        finally:
            stop_workers(procs)

    print(
        f"\n{args.comments} comentários, {args.workers} workers (classificador local, sem fork), "
        f"jobs de {settings.classify_chunk_size} ids, despacho em grupos de até {settings.dispatch_size}; "
        f"mediana de {args.repeat}"
    )
    lotes, um, despacho = median(rows["lotes"]), median(rows["um a um"]), median(rows["despacho"])
    print(f"lotes de 1.000 (ingestão → classificado):        {lotes:>7,.0f} coment./s")
    print(
        f"um por requisição, {args.clients} clientes, workers rodando: {um:>7,.0f} coment./s "
        f"(POST p50 {median(rows['p50']):.1f} ms, p99 {median(rows['p99']):.1f} ms durante os jobs)"
    )
    print(
        f"despacho (postados antes, workers retomados):     {despacho:>7,.0f} coment./s "
        f"(meta ≥ 2.000/s: {verdict(despacho, 2000)})"
    )
    for name in ("lotes", "um a um", "despacho"):
        print(f"  execuções {name}: " + ", ".join(f"{v:,.0f}" for v in rows[name]))
    print(f"comentários com falha ou perdidos: {lost}")
    print(load_note(before))
    return 0 if not lost else 1


if __name__ == "__main__":
    sys.exit(main())
