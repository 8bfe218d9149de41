"""Queries for the dashboard's operations panel and filter choices (aggregated in SQL).

- `llm_usage_by_day`: LLM calls, tokens and estimated cost per day (prices from Settings).
- `filter_options`: the artists, albums and tag codes the filters offer.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.settings import get_settings

OPTIONS_LIMIT = 300


def llm_usage_by_day(session: Session, days: int = 30, today: date | None = None) -> list[dict[str, Any]]:
    """One row per day of the last `days` days (zeros included), in settings.timezone.

    Cost is an estimate: tokens x the configured price per million tokens (input and output).
    """
    settings = get_settings()
    zone = ZoneInfo(settings.timezone)
    end_day = today or datetime.now(zone).date()
    start_day = end_day - timedelta(days=days - 1)
    rows = session.execute(text("""
        WITH usage AS (
          SELECT (created_at AT TIME ZONE :tz)::date AS dia,
                 count(*) AS chamadas,
                 count(*) FILTER (WHERE outcome <> 'ok') AS chamadas_com_erro,
                 coalesce(sum(items), 0) AS itens,
                 coalesce(sum(input_tokens), 0) AS tokens_entrada,
                 coalesce(sum(output_tokens), 0) AS tokens_saida,
                 coalesce(avg(latency_ms), 0) AS latencia_media_ms
          FROM llm_calls
          WHERE created_at >= :start AND created_at < :end
          GROUP BY 1
        )
        SELECT d.dia::date AS dia,
               coalesce(u.chamadas, 0) AS chamadas,
               coalesce(u.chamadas_com_erro, 0) AS chamadas_com_erro,
               coalesce(u.itens, 0) AS itens,
               coalesce(u.tokens_entrada, 0) AS tokens_entrada,
               coalesce(u.tokens_saida, 0) AS tokens_saida,
               coalesce(u.latencia_media_ms, 0) AS latencia_media_ms,
               (coalesce(u.tokens_entrada, 0) * :price_in + coalesce(u.tokens_saida, 0) * :price_out)
                 / 1000000.0 AS custo_estimado_usd
        FROM generate_series(CAST(:desde AS date), CAST(:ate AS date), interval '1 day') AS d(dia)
        LEFT JOIN usage u ON u.dia = d.dia::date
        ORDER BY d.dia
    """), {
        "tz": settings.timezone,
        "start": datetime.combine(start_day, datetime.min.time(), zone),
        "end": datetime.combine(end_day + timedelta(days=1), datetime.min.time(), zone),
        "desde": start_day, "ate": end_day,
        "price_in": settings.llm_price_input_per_mtok, "price_out": settings.llm_price_output_per_mtok,
    }).mappings()
    return [{
        "dia": r["dia"].isoformat(), "chamadas": int(r["chamadas"]), "chamadas_com_erro": int(r["chamadas_com_erro"]),
        "itens": int(r["itens"]), "tokens_entrada": int(r["tokens_entrada"]), "tokens_saida": int(r["tokens_saida"]),
        "latencia_media_ms": round(float(r["latencia_media_ms"]), 1),
        "custo_estimado_usd": round(float(r["custo_estimado_usd"]), 6),
    } for r in rows]


def filter_options(session: Session, limit: int = OPTIONS_LIMIT) -> dict[str, list[str]]:
    """Distinct artists and albums (as sent or as recognised) and tag codes in use, most frequent first."""
    def values(sql: str) -> list[str]:
        return [r[0] for r in session.execute(text(sql), {"limit": limit})]

    return {
        "artistas": values("""
            SELECT name FROM (
              SELECT artista AS name, count(*) AS n FROM comments WHERE artista IS NOT NULL GROUP BY 1
              UNION ALL
              SELECT artista, count(*) FROM classifications WHERE is_current AND artista IS NOT NULL GROUP BY 1
            ) s GROUP BY name ORDER BY sum(n) DESC, name LIMIT :limit
        """),
        "albuns": values("""
            SELECT name FROM (
              SELECT album AS name, count(*) AS n FROM comments WHERE album IS NOT NULL GROUP BY 1
              UNION ALL
              SELECT album, count(*) FROM classifications WHERE is_current AND album IS NOT NULL GROUP BY 1
            ) s GROUP BY name ORDER BY sum(n) DESC, name LIMIT :limit
        """),
        "tags": values("""
            SELECT t.codigo FROM classification_tags t
            JOIN classifications k ON k.id = t.classification_id AND k.is_current
            GROUP BY t.codigo ORDER BY count(*) DESC, t.codigo LIMIT :limit
        """),
    }
