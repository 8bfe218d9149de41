"""Benchmark data (run by hand): N comments (default 1,000,000) with classifications, history, tags and artists,
loaded by PostgreSQL COPY in chunks (bounded memory), then ANALYZE.

    python -m bench.seed_data [--rows 1000000] [--days 365] [--db-name alumusic_bench] [--admin-url URL]
    python -m bench.seed_data --rows 10000000 --db-name alumusic_bench_10m
    python -m bench.seed_data --rollups rebuild      # triggers off during the load, one rollup_rebuild() at the end

The database `--db-name` is dropped and created again (migrated with Alembic) on the server of `--admin-url`
(default BENCH_ADMIN_URL or TEST_DATABASE_URL), or on an embedded PostgreSQL kept in .local/bench when none is
given (`bench.report` finds it there). The hourly rollups (migration 0005) are filled as in production, by the
triggers of every COPY (`--rollups triggers`, default), or by one rebuild after a load with triggers disabled
(`--rollups rebuild`); the time of each phase is printed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import psycopg2

from shared.catalog import ARTISTS
from shared.classification.tags import TAG_CODES
from shared.dev.stack import DevStack, dev_stack
from shared.migrate import upgrade
from shared.text import text_hash
from shared.vocabulary import CATEGORY_VALUES

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / ".local" / "bench"  # the embedded server's data, when no server URL is given
DEFAULT_DB = "alumusic_bench"
# Only PostgreSQL is used; a URL here keeps dev_stack from starting a Redis the benchmark does not need.
NO_REDIS = "redis://unused.invalid:6379/0"
CHUNK = 100_000
CATEGORY_WEIGHTS = [0.34, 0.24, 0.16, 0.14, 0.12]
SUFFIXES = ["!", "kkk", "sério", "pprt", "né"]
COMMENT_COLUMNS = [
    "id",
    "text",
    "text_hash",
    "artist",
    "album",
    "song",
    "written_at",
    "received_at",
    "source",
    "status",
    "status_changed_at",
    "attempts",
    "last_error",
]
CLASSIFICATION_COLUMNS = [
    "id",
    "comment_id",
    "category",
    "confidence",
    "artist",
    "album",
    "origin",
    "model",
    "prompt_version",
    "is_current",
    "created_at",
]
TAG_COLUMNS = ["id", "classification_id", "code", "explanation"]


@contextmanager
def bench_server(admin_url: str | None) -> Iterator[DevStack]:
    """The PostgreSQL server of the benchmarks: the given one, else the embedded server kept in .local/bench."""
    with dev_stack(DATA_DIR, postgres_url=admin_url, redis_url=NO_REDIS) as stack:
        yield stack


def corpus_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((ROOT / "shared" / "data" / "corpus").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            texts.extend((row["texto"], row["categoria"]) for row in csv.DictReader(fh))
    return texts


@lru_cache(maxsize=200_000)
def _hash(texto: str) -> str:
    return text_hash(texto)


def _ages(rng: random.Random, rows: int, days: int) -> list[float]:
    """Days before now, oldest first: growing volume (the newest day has 3x the oldest), busier weekends."""
    today = datetime.now().toordinal()
    ages = []
    while len(ages) < rows:
        age = rng.random() * days
        weight = (1 + 2 * (days - age) / days) / 3
        if (today - int(age)) % 7 in (5, 6):
            weight *= 1.3
        if rng.random() * 1.3 < weight:
            ages.append(age)
    ages.sort(reverse=True)  # comments arrive in time order: the table's physical order follows time
    return ages


def _copy(cursor, table: str, columns: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


class Generator:
    """Rows for one chunk at a time (in COPY's CSV format an unquoted empty field is NULL)."""

    def __init__(self, seed_value: int, rows: int, days: int):
        self.rng = random.Random(seed_value)
        self.texts = corpus_texts()
        self.catalogue = [(a.name, a.albums[0]) for a in ARTISTS]
        self.now = datetime.now(UTC)
        self.ages = _ages(self.rng, rows, days)
        self.class_id = 0
        self.tag_id = 0

    def chunk(self, start: int, size: int) -> tuple[list[list], list[list], list[list]]:
        rng = self.rng
        comments, classifications, tags = [], [], []
        for index in range(start, start + size):
            cid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            base, label = self.texts[rng.randrange(len(self.texts))]
            texto = base if rng.random() < 0.5 else f"{base} {rng.choice(SUFFIXES)}"
            written = self.now - timedelta(days=self.ages[index])
            roll = rng.random()
            if roll < 0.55:
                artist, album = rng.choice(self.catalogue)
                album = album if rng.random() < 0.5 else ""
            elif roll < 0.60:  # a name the client sent that the catalogue does not have
                artist, album = f"Artista Cliente {rng.randrange(50)}", ""
            else:
                artist, album = "", ""
            roll = rng.random()
            status = "classificado" if roll < 0.97 else "pendente" if roll < 0.99 else "falhou"
            stamp = written.isoformat()
            comments.append(
                [
                    cid,
                    texto,
                    _hash(texto),
                    artist,
                    album,
                    "",
                    stamp,
                    (written + timedelta(seconds=5)).isoformat(),
                    "api",
                    status,
                    stamp,
                    1 if status != "pendente" else 0,
                    "LLM indisponível" if status == "falhou" else "",
                ]
            )
            if status != "classificado":
                continue
            category = label if rng.random() < 0.85 else rng.choices(CATEGORY_VALUES, CATEGORY_WEIGHTS)[0]
            if rng.random() < 0.05:  # history: an older, non-current classification
                self.class_id += 1
                classifications.append(
                    [
                        self.class_id,
                        cid,
                        rng.choice(CATEGORY_VALUES),
                        round(rng.uniform(0.4, 0.9), 3),
                        artist,
                        album,
                        "llm",
                        "gemini-2.5-flash",
                        "v1",
                        "false",
                        (written + timedelta(seconds=30)).isoformat(),
                    ]
                )
            detected = artist
            if not detected:
                roll = rng.random()
                if roll < 0.10:  # recognised in the text: a catalogue name
                    detected = rng.choice(self.catalogue)[0]
                elif roll < 0.12:  # extracted by an LLM before the catalogue rule: never shown publicly
                    detected = f"Nome Extraído {rng.randrange(500)}"
            self.class_id += 1
            classifications.append(
                [
                    self.class_id,
                    cid,
                    category,
                    round(rng.uniform(0.5, 1.0), 3),
                    detected,
                    album,
                    "local",
                    "local-bench",
                    "v2",
                    "true",
                    (written + timedelta(seconds=60)).isoformat(),
                ]
            )
            for code in rng.sample(TAG_CODES, rng.choices([0, 1, 2, 3], [0.35, 0.35, 0.2, 0.1])[0]):
                self.tag_id += 1
                tags.append([self.tag_id, self.class_id, code, f"cita {code[5:].replace('_', ' ')}"])
        return comments, classifications, tags


def seed(database_url: str, rows: int, days: int, rollups: str = "triggers", seed_value: int = 7) -> None:
    conn = psycopg2.connect(database_url.replace("postgresql+psycopg2://", "postgresql://"))
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM comments")
    if cur.fetchone()[0]:
        raise SystemExit("o banco já tem comentários; use um banco novo")
    if rollups == "rebuild":
        cur.execute("SET session_replication_role = replica")  # no triggers (nor FK checks) during the load
    started = time.monotonic()
    generator = Generator(seed_value, rows, days)
    generating = copying = 0.0
    for start in range(0, rows, CHUNK):
        size = min(CHUNK, rows - start)
        t0 = time.monotonic()
        comments, classifications, tags = generator.chunk(start, size)
        t1 = time.monotonic()
        _copy(cur, "comments", COMMENT_COLUMNS, comments)
        _copy(cur, "classifications", CLASSIFICATION_COLUMNS, classifications)
        _copy(cur, "classification_tags", TAG_COLUMNS, tags)
        conn.commit()
        generating += t1 - t0
        copying += time.monotonic() - t1
        print(f"  {start + size:,} comentários ({time.monotonic() - started:.0f} s)", flush=True)
    cur.execute("SELECT setval(pg_get_serial_sequence('classifications', 'id'), %s)", (max(generator.class_id, 1),))
    cur.execute("SELECT setval(pg_get_serial_sequence('classification_tags', 'id'), %s)", (max(generator.tag_id, 1),))
    conn.commit()
    rebuilding = 0.0
    if rollups == "rebuild":
        cur.execute("SET session_replication_role = origin")
        t0 = time.monotonic()
        cur.execute("SELECT rollup_rebuild()")
        conn.commit()
        rebuilding = time.monotonic() - t0
    t0 = time.monotonic()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    vacuum = time.monotonic() - t0
    cur.execute("SELECT count(*), sum(comments) FROM rollup_comments_hourly")
    rollup_rows, rollup_total = cur.fetchone()
    conn.close()
    how = "pelos gatilhos a cada COPY" if rollups == "triggers" else f"por rollup_rebuild() em {rebuilding:.0f} s"
    print(
        f"Pronto: {rows:,} comentários, {generator.class_id:,} classificações, {generator.tag_id:,} tags em "
        f"{time.monotonic() - started:.0f} s (gerar linhas em Python {generating:.0f} s, COPY com índices e "
        f"gatilhos {copying:.0f} s, VACUUM ANALYZE {vacuum:.0f} s); agregados {how} "
        f"({rollup_total:,} comentários em {rollup_rows:,} linhas de rollup_comments_hourly)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="comentários (ex.: 1000000, 10000000)")
    parser.add_argument(
        "--days",
        type=int,
        default=365,
        help="período coberto; com 1.000.000 em 365 dias, ~27 mil comentários na última semana",
    )
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL") or None
    )
    parser.add_argument("--db-name", default=DEFAULT_DB)
    parser.add_argument("--rollups", choices=["triggers", "rebuild"], default="triggers")
    args = parser.parse_args()

    with bench_server(args.admin_url) as stack:
        stack.drop(args.db_name)
        url = stack.database(args.db_name)
        print(f"Banco novo: {args.db_name}")
        t0 = time.monotonic()
        upgrade(url)
        print(f"Migrações: {time.monotonic() - t0:.1f} s")
        seed(url, args.rows, args.days, args.rollups)
    server = f" --admin-url {args.admin_url}" if args.admin_url else ""
    print(f"Agora rode: python -m bench.report --db-name {args.db_name}{server}")


if __name__ == "__main__":
    main()
