"""Benchmark: end-to-end comments per second from `pendente` to `classificado` with the local classifier.

    .venv/bin/python -m bench.worker [--comments 10000] [--workers 1,2] [--database-url URL] [--redis-url URL]

For each worker count: starts N real `python -m worker work` processes, waits until they are idle, then
stores the comments through the real intake (`shared.intake.ingest`, batches of MAX_BATCH_ITEMS, the API's path:
bulk INSERT + enqueue in chunks of ENQUEUE_CHUNK_SIZE) and waits until every comment is `classificado`.
Texts come from the training corpus, each made unique (no dedup shortcut); `--duplicates 0.3` makes that share
of them repeat earlier texts, to see the dedup path.

It never touches your data: it creates its own database (`alumusic_bench_<hex>`) on the PostgreSQL server of
`--database-url` (default: TEST_DATABASE_URL, else DATABASE_URL, else an embedded server) and drops it at the
end, and starts a private embedded Redis unless `--redis-url` is given (which must be a Redis you can flush).
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_environment(args: argparse.Namespace, stoppers: list) -> tuple[str, str]:
    from shared import embedded

    tmp = Path(tempfile.mkdtemp(prefix="alumusic-bench-"))
    admin = args.database_url or os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not admin:
        pg = embedded.start_postgres(tmp / "pgdata")
        stoppers.append(pg.stop)
        admin = pg.url("postgres")
    name = f"alumusic_bench_{uuid.uuid4().hex[:8]}"
    database_url = embedded.ensure_database(admin, name)
    stoppers.append(lambda: embedded.drop_database(admin, name))
    redis_url = args.redis_url
    if not redis_url:
        rd = embedded.start_redis(tmp / "redis", persist=False)
        stoppers.append(rd.stop)
        redis_url = rd.url
    os.environ.update({
        "ALUMUSIC_IGNORE_ENV_FILES": "1", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "CLASSIFIER": "local", "LOG_LEVEL": "WARNING", "OUTBOX_DIR": str(tmp / "outbox"),
    })
    for key in ("GEMINI_API_KEY", "GEMINI_BASE_URL"):
        os.environ.pop(key, None)
    from shared.settings import reset_settings_cache
    reset_settings_cache()
    from shared.migrate import upgrade
    upgrade(database_url)
    return database_url, redis_url


def _texts(count: int, duplicates: float, seed: int = 7) -> list[str]:
    from shared.classifiers.local import load_corpus

    corpus, _ = load_corpus()
    rng = random.Random(seed)
    texts: list[str] = []
    for n in range(count):
        if texts and rng.random() < duplicates:
            texts.append(rng.choice(texts))
        else:
            texts.append(f"{rng.choice(corpus)} #{n}")
    return texts


def _reset_state() -> None:
    from sqlalchemy import text

    from shared.db import session_scope
    from shared.models import Base
    from shared.queue import redis_connection

    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with session_scope() as session:
        session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    redis_connection().flushdb()


def _start_workers(count: int) -> list[subprocess.Popen]:
    from shared import pipeline

    procs = [subprocess.Popen([sys.executable, "-m", "worker", "work", "--name", f"bench-{n + 1}"], cwd=ROOT,
                              env=os.environ.copy(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True) for n in range(count)]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stats = pipeline.queue_stats()
        if len([w for w in stats.workers if w.state == "idle"]) == count:
            return procs
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.2)
    _stop(procs)
    raise SystemExit("os workers não ficaram prontos; rode `python -m worker work` à mão para ver o erro")


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def run_once(workers: int, texts: list[str], batch: int) -> dict[str, float]:
    from shared import pipeline
    from shared.contracts import CommentIn, Source
    from shared.intake import ingest

    _reset_state()
    items = [CommentIn(id=uuid.uuid4(), texto=t, artista=None) for t in texts]
    procs = _start_workers(workers)
    try:
        started = time.perf_counter()
        for start in range(0, len(items), batch):
            result = ingest(items[start:start + batch], Source.API)
            if result.queue_error:
                raise SystemExit(f"fila indisponível: {result.queue_error}")
        stored = time.perf_counter()
        done = 0
        while True:
            counts = pipeline.status_counts()
            done = counts["classificado"] + counts["falhou"]
            if done >= len(items):
                break
            if time.perf_counter() - started > 600:
                raise SystemExit(f"tempo esgotado: {counts}")
            time.sleep(0.05)
        finished = time.perf_counter()
    finally:
        _stop(procs)
    counts = pipeline.status_counts()
    return {
        "workers": workers, "comentarios": len(items), "classificados": counts["classificado"],
        "falhas": counts["falhou"], "ingestao_s": stored - started, "total_s": finished - started,
        "por_segundo": len(items) / (finished - started),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2,4")
    parser.add_argument("--duplicates", type=float, default=0.0, help="share of repeated texts (dedup path)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)

    stoppers: list = []
    try:
        _prepare_environment(args, stoppers)
        from shared.classifiers.local import LocalClassifier
        from shared.settings import get_settings

        settings = get_settings()
        model = LocalClassifier().model  # trains once here if needed, not inside the timed runs
        texts = _texts(args.comments, args.duplicates)
        batch = settings.max_batch_items
        print(f"modelo {model}; {args.comments} comentários (duplicados: {args.duplicates:.0%}); "
              f"lotes de {batch} na ingestão, jobs de {settings.enqueue_chunk_size}; {os.cpu_count()} CPUs")
        print(f"{'workers':>7} {'ingestão (s)':>13} {'total (s)':>10} {'coment./s':>10} {'falhas':>7}")
        for workers in (int(w) for w in args.workers.split(",")):
            r = run_once(workers, texts, batch)
            print(f"{r['workers']:>7} {r['ingestao_s']:>13.2f} {r['total_s']:>10.2f} {r['por_segundo']:>10.0f} "
                  f"{r['falhas']:>7}", flush=True)
    finally:
        from shared.db import reset_engines
        reset_engines()
        for stop in reversed(stoppers):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - best effort cleanup
                print(f"limpeza: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
