"""Benchmark (run by hand): time of each report query and of filtered dashboard queries on a big database.

Load the data first with `python -m bench.seed_data` (1,000,000 comments by COPY), then:

    python -m bench.report --database-url postgresql://postgres@127.0.0.1:5432/alumusic_bench [--repeat 7]

Each query runs once to warm the cache, then `--repeat` times; the median and the worst time are printed
against the target (300 ms). `--explain NAME` prints the plan (EXPLAIN ANALYZE) of one query instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TARGET_MS = 300.0


def queries() -> dict[str, Callable]:
    from shared import ops, reports
    from shared import queries as q
    from shared.reporting.reports import Period
    from shared.vocabulary import Category

    week = Period.last_days(7)
    month = Period.last_days(28)
    today = reports.today_local()
    last_30 = dict(desde=today - timedelta(days=29), ate=today)
    filtered = q.CommentFilter(categoria=Category.CRITICA, artista="Banda Aurora", **last_30)
    search = q.CommentFilter(q="show atrasou", **last_30)
    by_tag = q.CommentFilter(tag="feat_autotune", confianca_min=0.7, **last_30)
    unfiltered = q.CommentFilter()

    def second_page(s):
        first = q.list_comments(s, filtered, limit=50)
        return q.list_comments(s, filtered, cursor=first.next_cursor, limit=50)

    return {
        "relatorio: totais (7 dias)": lambda s: reports.totals(s, week),
        "relatorio: distribuição por categoria": lambda s: reports.category_distribution(s, week),
        "relatorio: evolução diária": lambda s: reports.daily_evolution(s, week),
        "relatorio: top tags 48 h": lambda s: reports.top_tags(s),
        "relatorio: categorias por artista": lambda s: reports.categories_by_artist(s, week),
        "relatorio: confiança por categoria": lambda s: reports.confidence_by_category(s, week),
        "relatorio: último resumo": lambda s: reports.latest_summary(s),
        "relatorio: completo, 7 dias (todas acima)": lambda s: reports.weekly_report(s, week),
        "relatorio: completo, 28 dias": lambda s: reports.weekly_report(s, month),
        "painel: página 1, categoria+artista, 30 dias": lambda s: q.list_comments(s, filtered, limit=50),
        "painel: página 2 (cursor)": second_page,
        "painel: contagem, categoria+artista, 30 dias": lambda s: q.count_comments(s, filtered),
        "painel: busca textual 'show atrasou', 30 dias": lambda s: q.list_comments(s, search, limit=50),
        "painel: contagem da busca textual": lambda s: q.count_comments(s, search),
        "painel: tag + confiança ≥ 0,7, 30 dias": lambda s: q.list_comments(s, by_tag, limit=50),
        "painel: contagem tag + confiança": lambda s: q.count_comments(s, by_tag),
        "painel: sem filtro, página 1": lambda s: q.list_comments(s, unfiltered, limit=50),
        "painel: contagem sem filtro": lambda s: q.count_comments(s, unfiltered),
        "painel: opções dos filtros": lambda s: ops.filter_options(s),
        "operações: uso do LLM por dia": lambda s: ops.llm_usage_by_day(s),
    }


def _time(database_url: str, fn: Callable, repeat: int) -> list[float]:
    from shared.db import session_scope

    times = []
    for attempt in range(repeat + 1):
        with session_scope(database_url) as session:
            started = time.perf_counter()
            fn(session)
            elapsed = (time.perf_counter() - started) * 1000
        if attempt:  # the first run warms the caches
            times.append(elapsed)
    return times


def explain(database_url: str, name: str) -> None:
    from sqlalchemy import event

    from shared.db import get_engine, session_scope

    engine = get_engine(database_url)
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with session_scope(database_url) as session:
        queries()[name](session)
    event.remove(engine, "before_cursor_execute", capture)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        for statement, parameters in statements:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            print("\n".join(r[0] for r in cur.fetchall()))
            print("-" * 80)
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/alumusic_bench"),
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", default=None, help="nome de uma consulta (como listado) para ver o plano")
    args = parser.parse_args()
    if args.explain:
        explain(args.database_url, args.explain)
        return

    from sqlalchemy import text

    from shared.db import session_scope

    with session_scope(args.database_url) as session:
        total = session.scalar(text("SELECT count(*) FROM comments"))
    print(
        f"Banco: {total:,} comentários; {args.repeat} execuções por consulta (após 1 de aquecimento); "
        f"meta ≤ {TARGET_MS:.0f} ms\n"
    )
    width = max(len(n) for n in queries())
    print(f"{'consulta':<{width}}  {'mediana':>9}  {'pior':>9}")
    slow = []
    for name, fn in queries().items():
        times = _time(args.database_url, fn, args.repeat)
        median, worst = statistics.median(times), max(times)
        mark = "ok" if median <= TARGET_MS else "LENTA"
        if median > TARGET_MS:
            slow.append(name)
        print(f"{name:<{width}}  {median:7.1f}ms  {worst:7.1f}ms  {mark}", flush=True)
    print()
    print("Todas dentro da meta." if not slow else f"Acima da meta: {', '.join(slow)}")


if __name__ == "__main__":
    main()
