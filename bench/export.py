"""Benchmark (run by hand): the comment export (CSV and XLSX) at 1,000,000 rows, through the module and the API.

Seeds `--rows` classified comments (a quarter with tags, some texts starting with `=`, `+`, `-`, `@` to exercise
the formula guard) with one SQL statement per table on a fresh database (`bench.common`), then measures, each
`--repeat` times in a fresh process (median shown):
- module: `shared.reporting.export.stream_csv` / `write_xlsx` into a null sink / a temporary file;
- API: `GET /api/comentarios/export?formato=csv|xlsx` from the API server (one worker process, started as
  `make run` starts it), the body read by a client;
rows per second and the peak resident memory (VmHWM) of the process that builds the file.

    python -m bench.export [--rows 1000000] [--repeat 3] [--formats csv,xlsx]
"""

from __future__ import annotations

import argparse
import http.client
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from bench.common import api_server, bench_env, default_admin_url, load, load_note, login, median, verdict
from shared.db import autocommit_engine, session_scope
from shared.reporting import export
from shared.settings import ROOT

TARGETS = {"csv": 150_000, "xlsx": 20_000}
MAX_RSS_MB = 150

_SEED = [
    """
    INSERT INTO comments (id, text, text_hash, artist, album, song, written_at, source, status, attempts)
    SELECT md5('c' || n)::uuid,
           (ARRAY['amei o show de ontem, a Luna Ferraz cantou demais', 'que horas abre o portão no sábado?',
                  '=HYPERLINK("http://golpe.example")', '-som ruim demais; +1 pra quem concorda',
                  '@produtora podia tocar mais músicas do primeiro álbum', 'ingresso caro e o show atrasou'])[1 + n % 6]
               || ' #' || n,
           md5('t' || n),
           CASE WHEN n % 3 = 0 THEN 'Luna Ferraz' END,
           CASE WHEN n % 5 = 0 THEN 'Ruído Branco' END,
           NULL,
           now() - make_interval(mins => n % 500000),
           'api', 'classificado', 1
    FROM generate_series(1, :rows) AS n
    """,
    """
    INSERT INTO classifications (comment_id, category, confidence, artist, album, origin, model, prompt_version)
    SELECT md5('c' || n)::uuid,
           (ARRAY['ELOGIO', 'DÚVIDA', 'SPAM', 'CRÍTICA', 'SUGESTÃO', 'CRÍTICA'])[1 + n % 6]::category,
           0.5 + (n % 50) / 100.0,
           CASE WHEN n % 7 = 0 THEN 'Luna Ferraz' END, NULL, 'local', 'local-bench', 'v1'
    FROM generate_series(1, :rows) AS n
    """,
    """
    INSERT INTO classification_tags (classification_id, code, explanation)
    SELECT id, (ARRAY['feat_autotune', 'feat_setlist', 'feat_ingresso'])[1 + id % 3], 'citado no comentário'
    FROM classifications WHERE id % 4 = 0
    """,
]


def seed(rows: int) -> float:
    started = time.perf_counter()
    with session_scope() as session:
        for statement in _SEED:
            session.execute(text(statement), {"rows": rows})
    with autocommit_engine().connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    return time.perf_counter() - started


def peak_rss_mb(pid: int | None = None) -> float:
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_module(fmt: str) -> dict:
    """In this (fresh) process: the export through the module; rows, seconds, peak RSS."""
    started = time.perf_counter()
    if fmt == "csv":
        size = 0
        lines = 0
        for chunk in export.stream_csv():
            size += len(chunk)
            lines += chunk.count(b"\n")
        rows = lines - 1  # the header (texts here have no line breaks)
    else:
        with tempfile.TemporaryFile() as out:
            rows = export.write_xlsx(None, out)
            size = out.tell()
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "bytes": size, "rss_mb": peak_rss_mb()}


def measure_api(port: int, token: str, fmt: str, rows: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    conn.request("GET", f"/api/comentarios/export?formato={fmt}", headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    size = 0
    while chunk := response.read(1 << 20):
        size += len(chunk)
    seconds = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"exportação {fmt} pela API respondeu {response.status}")
    return {"rows": rows, "seconds": seconds, "bytes": size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--admin-url", default=default_admin_url())
    parser.add_argument("--measure", default=None, help=argparse.SUPPRESS)  # internal: one module run, as JSON
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_module(args.measure)))
        return 0

    formats = [f for f in args.formats.split(",") if f]
    results: dict[tuple[str, str], list[dict]] = {}
    with bench_env(args.admin_url) as bench:
        print(f"semeando {args.rows:,} comentários classificados...", flush=True)
        print(f"  {seed(args.rows):.0f} s", flush=True)
        before = load()
        for fmt in formats:
            for _ in range(args.repeat):
                done = subprocess.run(
                    [sys.executable, "-m", "bench.export", "--measure", fmt],
                    cwd=ROOT,
                    env=bench.env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results.setdefault(("módulo", fmt), []).append(json.loads(done.stdout.strip().splitlines()[-1]))
        for fmt in formats:
            for _ in range(args.repeat):
                with api_server(bench, api_workers=1) as api:
                    token = login(api.port, bench.password)
                    run = measure_api(api.port, token, fmt, args.rows)
                    run["rss_mb"] = max(peak_rss_mb(pid) for pid in api.worker_pids())
                results.setdefault(("API", fmt), []).append(run)

    print(f"\nExportação de {args.rows:,} linhas (mediana de {args.repeat}; memória = pico de RSS do processo)")
    print(f"{'caminho':<9}{'formato':<9}{'linhas/s':>11}{'s':>8}{'MB':>9}{'pico RSS MB':>13}  meta")
    for (path, fmt), runs in results.items():
        rate = median([r["rows"] / r["seconds"] for r in runs])
        rss = median([r["rss_mb"] for r in runs])
        goal = (
            f"≥ {TARGETS[fmt]:,} linhas/s ({verdict(rate, TARGETS[fmt])}), "
            f"≤ {MAX_RSS_MB} MB ({verdict(rss, MAX_RSS_MB, False)})"
        )
        print(
            f"{path:<9}{fmt:<9}{rate:>11,.0f}{median([r['seconds'] for r in runs]):>8.1f}"
            f"{median([r['bytes'] for r in runs]) / 1e6:>9.0f}{rss:>13.0f}  {goal}"
        )
    print(load_note(before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
