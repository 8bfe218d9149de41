"""Benchmark: end-to-end comments per second from `pendente` to `classificado` with the local classifier.

    .venv/bin/python -m bench.worker [--comments 10000] [--workers 1,2] [--database-url URL] [--redis-url URL]

For each worker count: starts N real `python -m worker work` processes and waits until they are idle. Then
(1) "pendente→classificado": the comments are already stored as `pendente`; the clock starts when their jobs are
enqueued (chunks of ENQUEUE_CHUNK_SIZE) and stops when every comment is `classificado`; (2) "com a ingestão": the
clock also covers storing them through the real intake (`shared.ingest.intake.ingest`, batches of MAX_BATCH_ITEMS: the
API's path, bulk INSERT + enqueue), which competes with the workers for the same CPUs.
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


def _prepare_environment(args: argparse.Namespace, stoppers: list) -> tuple[str, str]:
    from shared.dev import embedded

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
    os.environ.update(
        {
            "ALUMUSIC_IGNORE_ENV_FILES": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CLASSIFIER": "local",
            "LOG_LEVEL": "WARNING",
            "OUTBOX_DIR": str(tmp / "outbox"),
        }
    )
    for key in ("GEMINI_API_KEY", "GEMINI_BASE_URL"):
        os.environ.pop(key, None)
    from shared.settings import reset_settings_cache

    reset_settings_cache()
    from shared.migrate import upgrade

    upgrade(database_url)
    return database_url, redis_url


def _texts(count: int, duplicates: float, seed: int = 7) -> list[str]:
    from shared.classification.training import load_corpus

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

    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "worker", "work", "--name", f"bench-{n + 1}"],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(count)
    ]
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


def _wait_done(total: int, started: float) -> float:
    """Poll with a query that costs next to nothing (index on status), so the clock steals no CPU."""
    from sqlalchemy import exists, select

    from shared.contracts import CommentStatus
    from shared.db import session_scope
    from shared.models import Comment

    waiting = select(exists().where(Comment.status.in_([CommentStatus.PENDENTE, CommentStatus.PROCESSANDO])))
    while True:
        with session_scope() as session:
            if not session.scalar(waiting):
                return time.perf_counter()
        if time.perf_counter() - started > 900:
            raise SystemExit("tempo esgotado esperando a classificação")
        time.sleep(0.05)


def run_once(workers: int, texts: list[str], batch: int, via_intake: bool) -> dict[str, float]:
    """`via_intake`: the clock starts before the API's intake (store + enqueue); otherwise the comments are
    already stored as `pendente` and the clock starts when their jobs are enqueued."""
    from shared import pipeline
    from shared.contracts import CommentIn, Source
    from shared.ingest.intake import ingest
    from shared.queue import enqueue_classification

    _reset_state()
    items = [CommentIn(id=uuid.uuid4(), texto=t, artista=None) for t in texts]
    if not via_intake:
        for start in range(0, len(items), batch):
            ingest(items[start : start + batch], Source.API, enqueue=lambda ids: 0)
    procs = _start_workers(workers)
    try:
        started = time.perf_counter()
        if via_intake:
            for start in range(0, len(items), batch):
                result = ingest(items[start : start + batch], Source.API)
                if result.queue_error:
                    raise SystemExit(f"fila indisponível: {result.queue_error}")
        else:
            enqueue_classification([i.id for i in items])
        finished = _wait_done(len(items), started)
    finally:
        _stop(procs)
    counts = pipeline.status_counts()
    return {
        "workers": workers,
        "comentarios": len(items),
        "falhas": counts["falhou"],
        "total_s": finished - started,
        "por_segundo": len(items) / (finished - started),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2,4")
    parser.add_argument("--duplicates", type=float, default=0.0, help="share of repeated texts (dedup path)")
    parser.add_argument("--chunk", type=int, default=None, help="comments per job (default ENQUEUE_CHUNK_SIZE)")
    parser.add_argument("--fork", action="store_true", help="workers fork a work horse per job (WORKER_FORK)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration; the best is shown")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--redis-url", default=None)
    args = parser.parse_args(argv)

    stoppers: list = []
    try:
        _prepare_environment(args, stoppers)
        if args.chunk:
            os.environ["ENQUEUE_CHUNK_SIZE"] = str(args.chunk)
        os.environ["WORKER_FORK"] = "true" if args.fork else "false"
        from shared.settings import reset_settings_cache

        reset_settings_cache()
        from shared.classification.local import LocalClassifier
        from shared.settings import get_settings

        settings = get_settings()
        model = LocalClassifier().model  # trains once here if needed, not inside the timed runs
        texts = _texts(args.comments, args.duplicates)
        batch = settings.max_batch_items
        print(
            f"modelo {model}; {args.comments} comentários (duplicados: {args.duplicates:.0%}); "
            f"jobs de {settings.classify_chunk_size}; worker {'com' if args.fork else 'sem'} fork por job; "
            f"{os.cpu_count()} CPUs"
        )
        print(f"{'workers':>7} {'pendente→classificado':>22} {'com a ingestão (API)':>21} {'falhas':>7}")
        for workers in (int(w) for w in args.workers.split(",")):
            row = []
            for via_intake in (False, True):
                best = max(
                    (run_once(workers, texts, batch, via_intake) for _ in range(args.repeat)),
                    key=lambda r: r["por_segundo"],
                )
                row.append(best)
            print(
                f"{workers:>7} {row[0]['por_segundo']:>12.0f} coment./s {row[1]['por_segundo']:>11.0f} coment./s "
                f"{row[0]['falhas'] + row[1]['falhas']:>7}  ({row[0]['total_s']:.1f} s / {row[1]['total_s']:.1f} s)",
                flush=True,
            )
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
