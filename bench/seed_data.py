"""Benchmark data (run by hand): N comments (default 1,000,000) with classifications, history and tags, by COPY.

Creates a fresh database (migrated with Alembic) on the given server unless --database-url points at an
existing one, then streams rows with PostgreSQL COPY in chunks (bounded memory) and runs ANALYZE.

    python -m bench.seed_data [--rows 1000000] [--days 365] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
    python -m bench.seed_data --database-url postgresql://postgres@127.0.0.1:5432/alumusic_bench

Prints the database URL to use with `python -m bench.report`.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from shared.catalog import ARTISTS  # noqa: E402
from shared.text import text_hash  # noqa: E402
from shared.vocabulary import CATEGORY_VALUES  # noqa: E402

DEFAULT_DB = "alumusic_bench"
CHUNK = 100_000
TAGS = [
    "feat_autotune",
    "feat_mixagem",
    "feat_letra",
    "feat_producao",
    "feat_vocal",
    "feat_instrumental",
    "feat_clipe",
    "feat_cenario",
    "feat_iluminacao",
    "feat_figurino",
    "feat_coreografia",
    "feat_duracao_show",
    "feat_atraso",
    "feat_som",
    "feat_ingresso",
    "feat_preco",
    "feat_setlist",
    "feat_local",
    "feat_seguranca",
    "feat_acessibilidade",
    "feat_merch",
    "feat_capa",
    "feat_lancamento",
    "feat_streaming",
    "feat_turne",
]
CATEGORY_WEIGHTS = [0.34, 0.24, 0.16, 0.14, 0.12]


def corpus_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((ROOT / "shared" / "data" / "corpus").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            texts.extend((row["texto"], row["categoria"]) for row in csv.DictReader(fh))
    return texts


def _age(rng: random.Random, days: int) -> float:
    """Days before now: growing volume (the newest day has 3x the oldest), busier weekends."""
    while True:
        age = rng.random() * days
        weight = (1 + 2 * (days - age) / days) / 3
        if (datetime.now().toordinal() - int(age)) % 7 in (5, 6):
            weight *= 1.3
        if rng.random() * 1.3 < weight:
            return age


def _copy(cursor, table: str, columns: list[str], rows: list[list]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)", buffer)


def seed(database_url: str, rows: int, days: int, seed_value: int = 7) -> None:
    import psycopg2

    rng = random.Random(seed_value)
    texts = corpus_texts()
    artists = [(a.name, a.albums[0]) for a in ARTISTS]
    now = datetime.now(UTC)
    conn = psycopg2.connect(database_url.replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = False
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM comments")
    if cur.fetchone()[0]:
        raise SystemExit("o banco já tem comentários; use um banco novo (sem --database-url cria um)")
    class_id = 0
    tag_id = 0
    started = time.monotonic()
    # Comments arrive in time order in real use (the table's physical order follows time): oldest first.
    ages = sorted((_age(rng, days) for _ in range(rows)), reverse=True)
    for start in range(0, rows, CHUNK):
        size = min(CHUNK, rows - start)
        comments, classifications, tags = [], [], []
        for index in range(start, start + size):
            cid = uuid.UUID(int=rng.getrandbits(128), version=4)
            base, label = texts[rng.randrange(len(texts))]
            texto = base if rng.random() < 0.5 else f"{base} {rng.choice(['!', 'kkk', 'sério', 'pprt', 'né'])}"
            written = now - timedelta(days=ages[index])
            artist, album = rng.choice(artists) if rng.random() < 0.6 else (None, None)
            if album and rng.random() < 0.5:
                album = None
            roll = rng.random()
            status = "classificado" if roll < 0.97 else "pendente" if roll < 0.99 else "falhou"
            comments.append(
                [
                    str(cid),
                    texto,
                    text_hash(texto),
                    artist or "",
                    album or "",
                    "",
                    written.isoformat(),
                    (written + timedelta(seconds=5)).isoformat(),
                    "api",
                    status,
                    written.isoformat(),
                    1 if status != "pendente" else 0,
                    "LLM indisponível" if status == "falhou" else "",
                ]
            )
            if status != "classificado":
                continue
            categoria = label if rng.random() < 0.85 else rng.choices(CATEGORY_VALUES, CATEGORY_WEIGHTS)[0]
            if rng.random() < 0.05:  # history: an older, non-current classification
                class_id += 1
                classifications.append(
                    [
                        class_id,
                        str(cid),
                        rng.choice(CATEGORY_VALUES),
                        round(rng.uniform(0.4, 0.9), 3),
                        artist or "",
                        album or "",
                        "llm",
                        "gemini-2.5-flash",
                        "v1",
                        "false",
                        (written + timedelta(seconds=30)).isoformat(),
                    ]
                )
            class_id += 1
            detected = artist or (rng.choice(artists)[0] if rng.random() < 0.1 else "")
            classifications.append(
                [
                    class_id,
                    str(cid),
                    categoria,
                    round(rng.uniform(0.5, 1.0), 3),
                    detected,
                    album or "",
                    "local",
                    "local-bench",
                    "v2",
                    "true",
                    (written + timedelta(seconds=60)).isoformat(),
                ]
            )
            for code in rng.sample(TAGS, rng.choices([0, 1, 2, 3], [0.35, 0.35, 0.2, 0.1])[0]):
                tag_id += 1
                tags.append([tag_id, class_id, code, f"cita {code[5:].replace('_', ' ')}"])
        _copy(
            cur,
            "comments",
            [
                "id",
                "texto",
                "text_hash",
                "artista",
                "album",
                "musica",
                "written_at",
                "received_at",
                "source",
                "status",
                "status_changed_at",
                "attempts",
                "last_error",
            ],
            comments,
        )
        _copy(
            cur,
            "classifications",
            [
                "id",
                "comment_id",
                "categoria",
                "confianca",
                "artista",
                "album",
                "origin",
                "model",
                "prompt_version",
                "is_current",
                "created_at",
            ],
            classifications,
        )
        _copy(cur, "classification_tags", ["id", "classification_id", "codigo", "explicacao"], tags)
        conn.commit()
        done = start + size
        print(f"  {done:,} comentários ({time.monotonic() - started:.0f} s)", flush=True)
    # (In COPY's CSV format an unquoted empty field is NULL: optional columns stay NULL.)
    cur.execute("SELECT setval(pg_get_serial_sequence('classifications', 'id'), %s)", (max(class_id, 1),))
    cur.execute("SELECT setval(pg_get_serial_sequence('classification_tags', 'id'), %s)", (max(tag_id, 1),))
    conn.commit()
    conn.autocommit = True
    cur.execute("VACUUM ANALYZE")
    conn.close()
    print(
        f"Pronto: {rows:,} comentários, {class_id:,} classificações, {tag_id:,} tags em "
        f"{time.monotonic() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--days",
        type=int,
        default=365,
        help="período coberto; com 1.000.000 em 365 dias, ~27 mil comentários na última semana",
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--db-name", default=DEFAULT_DB)
    args = parser.parse_args()

    from shared.dev import embedded
    from shared.migrate import upgrade

    url = args.database_url
    if not url:
        embedded.drop_database(args.admin_url, args.db_name)
        url = embedded.ensure_database(args.admin_url, args.db_name)
        print(f"Banco novo: {args.db_name}")
    upgrade(url)
    seed(url, args.rows, args.days)
    print(f"Agora rode: python -m bench.report --database-url {url.replace('postgresql+psycopg2://', 'postgresql://')}")


if __name__ == "__main__":
    main()
