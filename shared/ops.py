"""Queries for the dashboard's operations panel and filter choices (aggregated in SQL).

- `llm_usage_by_day`: LLM calls, tokens and estimated cost per day (prices from Settings).
- `filter_options`: the artists, albums and tag codes the filters offer (index skip scans).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from shared.catalog import ARTIST_NAMES, ARTISTS
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


def _distinct(session: Session, table: str, column: str, limit: int, where: str = "") -> list[str]:
    """Distinct values of an indexed column by a "skip scan" (one index probe per value, not a full scan)."""
    extra = f" AND {where}" if where else ""
    sql = f"""
        WITH RECURSIVE v(value) AS (
          (SELECT {column} FROM {table} WHERE {column} IS NOT NULL{extra} ORDER BY {column} LIMIT 1)
          UNION ALL
          SELECT (SELECT {column} FROM {table} WHERE {column} > v.value{extra} ORDER BY {column} LIMIT 1)
          FROM v WHERE v.value IS NOT NULL
        )
        SELECT value FROM v WHERE value IS NOT NULL LIMIT :limit
    """
    return [r[0] for r in session.execute(text(sql), {"limit": limit})]


def filter_options(session: Session, limit: int = OPTIONS_LIMIT) -> dict[str, list[str]]:
    """Artists, albums and tag codes the filters offer, in alphabetical order.

    Artists and albums: those sent by clients plus the known catalogue (the names the classifier recognises
    in texts). Tags: every code ever used. Each list comes from an index, so it stays fast on big tables.
    """
    artists = set(_distinct(session, "comments", "artista", limit)) | set(ARTIST_NAMES)
    albums = set(_distinct(session, "comments", "album", limit)) | {a for artist in ARTISTS for a in artist.albums}
    return {
        "artistas": sorted(artists, key=str.casefold)[:limit],
        "albuns": sorted(albums, key=str.casefold)[:limit],
        "tags": _distinct(session, "classification_tags", "codigo", limit),
    }
