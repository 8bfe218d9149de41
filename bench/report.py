"""Benchmark (run by hand): the public report, each of its queries, the weekly summary's aggregates and the
dashboard's filtered queries on a big database, every figure printed next to its target.

Load the data first with `python -m bench.seed_data` (1,000,000 comments by COPY; `--rows 10000000` for 10M),
then:

    python -m bench.report [--db-name alumusic_bench] [--admin-url URL] [--repeat 7]
    python -m bench.report --database-url postgresql://postgres@127.0.0.1:5432/alumusic_bench

Nothing is cached: each call runs its SQL (the API and the dashboard add a cache of up to 60 s on top). Each
query runs once to warm PostgreSQL's buffers, then `--repeat` times; the median and the worst are printed.
Targets: the full public report and each of its queries ≤ 50 ms, the dashboard's queries ≤ 300 ms.
`--explain NAME` prints the plans (EXPLAIN ANALYZE) of one query instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, text

from bench.seed_data import DEFAULT_DB, bench_server
from shared import clock, operations
from shared.db import get_engine, session_scope
from shared.dev.embedded import database_url_with_name
from shared.reporting import queries as q
from shared.reporting import reports
from shared.reporting.filters import CommentFilter, filter_options
from shared.reporting.periods import Period
from shared.reporting.summary import aggregates
from shared.reporting.summary.archive import latest_summary
from shared.vocabulary import Category

REPORT_TARGET_MS = 50.0
DASHBOARD_TARGET_MS = 300.0


def queries() -> dict[str, tuple[Callable, float]]:
    """Name -> (function of a session, target in ms)."""
    week = Period.last_days(7)
    month = Period.last_days(28)
    today = clock.today()
    last_30 = {"desde": today - timedelta(days=29), "ate": today}
    by_category = CommentFilter(categoria=Category.CRITICA, **last_30)
    filtered = CommentFilter(categoria=Category.CRITICA, artista="Banda Aurora", **last_30)
    search = CommentFilter(q="show atrasou", **last_30)
    by_tag = CommentFilter(tag="feat_autotune", confianca_min=0.7, **last_30)
    by_status = CommentFilter(status="falhou", **last_30)
    unfiltered = CommentFilter()
    summary_week = clock.previous_iso_week()

    def second_page(s):
        first = q.list_comments(s, filtered, limit=50)
        return q.list_comments(s, filtered, cursor=first.proximo_cursor, limit=50)

    report, dashboard = REPORT_TARGET_MS, DASHBOARD_TARGET_MS
    return {
        "relatório: totais (7 dias)": (lambda s: reports.totals(s, week), report),
        "relatório: distribuição por categoria": (lambda s: reports.category_distribution(s, week), report),
        "relatório: evolução diária": (lambda s: reports.daily_evolution(s, week), report),
        "relatório: top tags 48 h": (lambda s: reports.top_tags(s), report),
        "relatório: categorias por artista": (lambda s: reports.categories_by_artist(s, week), report),
        "relatório: confiança por categoria": (lambda s: reports.confidence_by_category(s, week), report),
        "relatório: último resumo": (latest_summary, report),
        "relatório: COMPLETO, 7 dias (todas acima)": (lambda s: reports.weekly_report(s, week), report),
        "relatório: COMPLETO, 28 dias": (lambda s: reports.weekly_report(s, month), report),
        "resumo semanal: agregados (com citações)": (lambda s: aggregates.build_aggregates(s, summary_week), dashboard),
        "resumo semanal: só as citações": (
            lambda s: aggregates.sample_quotes(s, aggregates.week_period(summary_week)),
            dashboard,
        ),
        "painel: contagem, 30 dias + categoria": (lambda s: q.count_comments(s, by_category), dashboard),
        "painel: contagem, 30 dias + categoria + artista": (lambda s: q.count_comments(s, filtered), dashboard),
        "painel: contagem, 30 dias + tag + confiança ≥ 0,7": (lambda s: q.count_comments(s, by_tag), dashboard),
        "painel: contagem, 30 dias + status falhou": (lambda s: q.count_comments(s, by_status), dashboard),
        "painel: contagem da busca textual, 30 dias": (lambda s: q.count_comments(s, search), dashboard),
        "painel: contagem sem filtro": (lambda s: q.count_comments(s, unfiltered), dashboard),
        "painel: página 1, categoria + artista, 30 dias": (lambda s: q.list_comments(s, filtered, limit=50), dashboard),
        "painel: página 2 (cursor)": (second_page, dashboard),
        "painel: página, busca 'show atrasou', 30 dias": (lambda s: q.list_comments(s, search, limit=50), dashboard),
        "painel: página, tag + confiança ≥ 0,7, 30 dias": (lambda s: q.list_comments(s, by_tag, limit=50), dashboard),
        "painel: página 1 sem filtro": (lambda s: q.list_comments(s, unfiltered, limit=50), dashboard),
        "painel: opções dos filtros": (filter_options, dashboard),
        "operações: uso do LLM por dia": (operations.llm_usage_by_day, dashboard),
    }


def _time(database_url: str, fn: Callable, repeat: int) -> list[float]:
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
    engine = get_engine(database_url)
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    with session_scope(database_url) as session:
        queries()[name][0](session)
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


@contextmanager
def database(args: argparse.Namespace) -> Iterator[str]:
    if args.database_url:
        yield args.database_url
        return
    with bench_server(args.admin_url) as stack:
        yield database_url_with_name(stack.admin_url, args.db_name)


def run(database_url: str, repeat: int) -> None:
    with session_scope(database_url) as session:
        total = session.scalar(text("SELECT count(*) FROM comments"))
        week_total = reports.totals(session, Period.last_days(7)).total
    print(
        f"Banco: {total:,} comentários ({week_total:,} nos últimos 7 dias); {repeat} execuções por consulta "
        f"(após 1 de aquecimento), sem cache\n"
    )
    width = max(len(n) for n in queries())
    print(f"{'consulta':<{width}}  {'mediana':>9}  {'pior':>9}  {'meta':>8}")
    slow = []
    for name, (fn, target) in queries().items():
        times = _time(database_url, fn, repeat)
        median, worst = statistics.median(times), max(times)
        mark = "ok" if median <= target else "ACIMA"
        if median > target:
            slow.append(name)
        print(f"{name:<{width}}  {median:7.1f}ms  {worst:7.1f}ms  ≤{target:4.0f}ms  {mark}", flush=True)
    print()
    print("Todas dentro da meta." if not slow else f"Acima da meta: {', '.join(slow)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL") or os.environ.get("TEST_DATABASE_URL") or None
    )
    parser.add_argument("--db-name", default=DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--explain", default=None, help="nome de uma consulta (como listado) para ver o plano")
    args = parser.parse_args()
    with database(args) as url:
        if args.explain:
            explain(url, args.explain)
        else:
            run(url, args.repeat)


if __name__ == "__main__":
    main()
