"""`make bench`: every benchmark in turn, each printing its own figures.

Uses BENCH_ADMIN_URL (a PostgreSQL server where benchmark databases may be created and dropped), else
TEST_DATABASE_URL, else one embedded PostgreSQL started for the whole run. Run on a quiet machine: the
figures are wall-clock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from shared.dev import embedded

STEPS = [
    ("Ingestão pela API (bench.ingest)", ["bench.ingest"], True),
    ("Workers de ponta a ponta, lotes e um por requisição (bench.worker)", ["bench.worker"], True),
    ("LLM: lotes e chamadas simultâneas, Gemini falso a 400 ms (bench.llm_batching)", ["bench.llm_batching"], True),
    ("Exportação CSV/XLSX de 1.000.000 de linhas (bench.export)", ["bench.export"], True),
    ("Dados do relatório: 1.000.000 de comentários por COPY (bench.seed_data)", ["bench.seed_data"], True),
    ("Consultas do relatório e do painel (bench.report)", ["bench.report"], False),
    ("Custo dos gatilhos dos agregados nas escritas (bench.rollup_writes)", ["bench.rollup_writes"], True),
]


def main() -> int:
    admin = os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL")
    if admin:
        return run_all(admin)
    with tempfile.TemporaryDirectory(prefix="alumusic-bench-") as tmp:
        server = embedded.start_postgres(Path(tmp) / "pgdata")
        try:
            return run_all(server.url("postgres"))
        finally:
            server.stop()


def run_all(admin: str) -> int:
    failures = 0
    for title, module, takes_admin in STEPS:
        print(f"\n=== {title}", flush=True)
        args = [sys.executable, "-m", *module]
        if takes_admin:
            args += ["--admin-url", admin]
        if module[0] == "bench.report":
            args += ["--database-url", embedded.database_url_with_name(admin, "alumusic_bench")]
        code = subprocess.call(args)
        if code:
            print(f"(falhou com código {code})", flush=True)
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
