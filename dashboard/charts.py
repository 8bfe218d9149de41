"""Altair chart builders: small functions `chart_x(df) -> alt.Chart` over already aggregated frames.

Category colours come only from `shared.vocabulary.CATEGORY_COLORS` (the same on every chart); every mark
has a tooltip. Charts meant to filter the dashboard's table carry a named point selection
(`SELECT_CATEGORY`, `SELECT_TAG`); `selected_values` reads what the user clicked.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
from pydantic import BaseModel

from shared.vocabulary import CATEGORY_COLORS, CATEGORY_VALUES, Category

SELECT_CATEGORY = "sel_categoria"
SELECT_TAG = "sel_tag"
SELECT_ARTIST = "sel_artista"
TAG_COLOR = "#4c78a8"  # tags are not categories: one neutral colour
COST_COLOR = "#4c78a8"
HEIGHT = 280
COUNT_AXIS = alt.Axis(tickMinStep=1, format="d")  # counts: whole numbers only


def category_scale() -> alt.Scale:
    """Fixed category -> colour mapping, in canonical order."""
    return alt.Scale(domain=list(CATEGORY_VALUES), range=[CATEGORY_COLORS[Category(v)] for v in CATEGORY_VALUES])


def _color(legend: bool = True) -> alt.Color:
    return alt.Color(
        "categoria:N",
        title="Categoria",
        scale=category_scale(),
        sort=list(CATEGORY_VALUES),
        legend=alt.Legend(orient="bottom") if legend else None,
    )


def frame(rows: list[dict[str, Any]] | list[BaseModel] | pd.DataFrame) -> pd.DataFrame:
    """A frame from already aggregated rows (dicts or payload models; enum values as their text)."""
    if isinstance(rows, pd.DataFrame):
        return rows
    return pd.DataFrame([r.model_dump(mode="json") if isinstance(r, BaseModel) else r for r in rows])


def chart_category_distribution(df: pd.DataFrame, selectable: bool = False) -> alt.Chart:
    """Comments per category (bars), with the share in the tooltip. Clicking a bar selects its category."""
    df = frame(df)
    chart = (
        alt.Chart(df, height=HEIGHT)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X("total:Q", title="Comentários", axis=COUNT_AXIS),
            y=alt.Y("categoria:N", title=None, sort=list(CATEGORY_VALUES)),
            color=_color(legend=False),
            tooltip=[
                alt.Tooltip("categoria:N", title="Categoria"),
                alt.Tooltip("total:Q", title="Comentários"),
                alt.Tooltip("percentual:Q", title="% dos classificados", format=".1f"),
            ],
        )
    )
    if selectable:
        pick = alt.selection_point(name=SELECT_CATEGORY, fields=["categoria"], on="click", clear="dblclick")
        chart = chart.encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35))).add_params(pick)
    return chart


def _day_labels(df: pd.DataFrame, column: str = "dia") -> pd.DataFrame:
    """Calendar days as dd/mm labels (ordinal axis): no time-zone shift in the viewer's browser."""
    df = df.copy()
    days = pd.to_datetime(df[column])
    df["dia_rotulo"] = days.dt.strftime("%d/%m")
    df["dia_completo"] = days.dt.strftime("%d/%m/%Y")
    return df


def _day_axis(df: pd.DataFrame) -> alt.X:
    order = list(dict.fromkeys(df.sort_values("dia")["dia_rotulo"]))
    return alt.X("dia_rotulo:O", title="Dia", sort=order, axis=alt.Axis(labelAngle=0 if len(order) <= 14 else -45))


def chart_daily_evolution(df: pd.DataFrame) -> alt.Chart:
    """Comments per day and category (days without comments are zero rows). The legend highlights a line."""
    df = _day_labels(frame(df))
    highlight = alt.selection_point(name="destaque", fields=["categoria"], bind="legend")
    return (
        alt.Chart(df, height=HEIGHT)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=_day_axis(df),
            y=alt.Y("total:Q", title="Comentários", axis=COUNT_AXIS),
            color=_color(),
            opacity=alt.condition(highlight, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("dia_completo:N", title="Dia"),
                alt.Tooltip("categoria:N", title="Categoria"),
                alt.Tooltip("total:Q", title="Comentários"),
            ],
        )
        .add_params(highlight)
    )


def chart_top_tags(df: pd.DataFrame, selectable: bool = False) -> alt.Chart:
    """The most cited feature tags (bars, most cited on top). Clicking a bar selects its tag."""
    df = frame(df)
    chart = (
        alt.Chart(df, height=max(HEIGHT, 24 * len(df) + 60))
        .mark_bar(color=TAG_COLOR, cornerRadiusEnd=3)
        .encode(
            x=alt.X("total:Q", title="Comentários que citam", axis=COUNT_AXIS),
            y=alt.Y("codigo:N", title=None, sort="-x"),
            tooltip=[alt.Tooltip("codigo:N", title="Tag"), alt.Tooltip("total:Q", title="Comentários")],
        )
    )
    if selectable:
        pick = alt.selection_point(name=SELECT_TAG, fields=["codigo"], on="click", clear="dblclick")
        chart = chart.encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35))).add_params(pick)
    return chart


def chart_categories_by_artist(df: pd.DataFrame, selectable: bool = False) -> alt.Chart:
    """Stacked bars: for the most commented artists, comments per category. `selectable`: a click picks the
    artist (selection `SELECT_ARTIST`, field `artista`)."""
    df = frame(df).copy()
    df["ordem"] = df["categoria"].map({v: i for i, v in enumerate(CATEGORY_VALUES)})
    height = max(HEIGHT, 34 * df["artista"].nunique() + 110)  # the height includes axis and legend
    chart = (
        alt.Chart(df, height=height)
        .mark_bar()
        .encode(
            x=alt.X("total:Q", title="Comentários", stack="zero", axis=COUNT_AXIS),
            y=alt.Y("artista:N", title=None, sort=alt.EncodingSortField("total_artista", op="max", order="descending")),
            color=_color(),
            order=alt.Order("ordem:Q"),
            tooltip=[
                alt.Tooltip("artista:N", title="Artista"),
                alt.Tooltip("categoria:N", title="Categoria"),
                alt.Tooltip("total:Q", title="Comentários"),
                alt.Tooltip("total_artista:Q", title="Total do artista"),
            ],
        )
    )
    if selectable:
        pick = alt.selection_point(name=SELECT_ARTIST, fields=["artista"], on="click")
        chart = chart.add_params(pick)
    return chart


def chart_confidence_by_category(df: pd.DataFrame) -> alt.Chart:
    """Average confidence per category (bars) with the median as a tick."""
    df = frame(df)
    base = alt.Chart(df, height=HEIGHT).encode(
        x=alt.X("categoria:N", title=None, sort=list(CATEGORY_VALUES), axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("categoria:N", title="Categoria"),
            alt.Tooltip("total:Q", title="Comentários"),
            alt.Tooltip("confianca_media:Q", title="Confiança média", format=".0%"),
            alt.Tooltip("confianca_mediana:Q", title="Confiança mediana", format=".0%"),
        ],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y(
            "confianca_media:Q", title="Confiança média", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=".0%")
        ),
        color=_color(legend=False),
    )
    ticks = base.mark_tick(color="#222222", thickness=2, size=28).encode(y="confianca_mediana:Q")
    return alt.layer(bars, ticks)


def chart_category_share(df: pd.DataFrame) -> alt.Chart:
    """Share of each category among the classified comments (donut)."""
    df = frame(df)
    df = df[df["total"] > 0]
    return (
        alt.Chart(df, height=HEIGHT)
        .mark_arc(innerRadius=60, stroke="#ffffff")
        .encode(
            theta=alt.Theta("total:Q", stack=True),
            color=_color(),
            order=alt.Order("total:Q", sort="descending"),
            tooltip=[
                alt.Tooltip("categoria:N", title="Categoria"),
                alt.Tooltip("total:Q", title="Comentários"),
                alt.Tooltip("percentual:Q", title="%", format=".1f"),
            ],
        )
    )


def chart_llm_cost(df: pd.DataFrame) -> alt.Chart:
    """Estimated LLM cost per day (bars), calls and tokens in the tooltip."""
    df = _day_labels(frame(df))
    return (
        alt.Chart(df, height=220)
        .mark_bar(color=COST_COLOR)
        .encode(
            x=_day_axis(df),
            y=alt.Y("custo_estimado_usd:Q", title="Custo estimado (US$)"),
            tooltip=[
                alt.Tooltip("dia_completo:N", title="Dia"),
                alt.Tooltip("chamadas:Q", title="Chamadas"),
                alt.Tooltip("chamadas_com_erro:Q", title="Chamadas com erro"),
                alt.Tooltip("tokens_entrada:Q", title="Tokens de entrada", format=","),
                alt.Tooltip("tokens_saida:Q", title="Tokens de saída", format=","),
                alt.Tooltip("custo_estimado_usd:Q", title="Custo estimado (US$)", format="$.4f"),
            ],
        )
    )


def selected_values(event: Any, selection: str, field: str) -> list[str]:
    """The values of `field` the user picked in a chart's point selection (Streamlit's on_select state)."""
    if not event:
        return []
    try:
        state = event["selection"][selection]
    except (KeyError, TypeError):
        return []
    if isinstance(state, dict):  # {"categoria": [...]} or {"categoria": "X"}
        value = state.get(field)
        values = value if isinstance(value, list) else [value] if value is not None else []
    else:  # [{"categoria": "X"}, ...]
        values = [item.get(field) for item in state or [] if isinstance(item, dict)]
    return [str(v) for v in values if v is not None]


def chart_weekly_trend(df: pd.DataFrame) -> alt.Chart:
    """Comments per ISO week and category (weeks without comments are zero rows). The legend highlights a line."""
    df = frame(df).copy()
    weeks = pd.to_datetime(df["semana"])
    df["semana_rotulo"] = weeks.dt.strftime("%d/%m")
    df["semana_completa"] = "semana de " + weeks.dt.strftime("%d/%m/%Y")
    order = list(dict.fromkeys(df.sort_values("semana")["semana_rotulo"]))
    highlight = alt.selection_point(name="destaque_semana", fields=["categoria"], bind="legend")
    return (
        alt.Chart(df, height=HEIGHT)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("semana_rotulo:O", title="Semana (segunda-feira)", sort=order, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("total:Q", title="Comentários", axis=COUNT_AXIS),
            color=_color(),
            opacity=alt.condition(highlight, alt.value(1.0), alt.value(0.15)),
            tooltip=[
                alt.Tooltip("semana_completa:N", title="Semana"),
                alt.Tooltip("categoria:N", title="Categoria"),
                alt.Tooltip("total:Q", title="Comentários"),
            ],
        )
        .add_params(highlight)
    )
