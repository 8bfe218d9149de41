"""dashboard.charts: one colour per category everywhere, tooltips on every chart, selections where they filter."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from dashboard import charts
from shared.vocabulary import CATEGORY_COLORS, CATEGORY_VALUES, Category

DIST = pd.DataFrame([{"categoria": c, "total": i + 1, "percentual": 20.0} for i, c in enumerate(CATEGORY_VALUES)])
DAILY = pd.DataFrame(
    [{"dia": f"2026-11-{d:02d}", "categoria": c, "total": d % 3} for d in range(16, 23) for c in CATEGORY_VALUES]
)
TAGS = pd.DataFrame([{"codigo": "feat_autotune", "total": 5}, {"codigo": "feat_clipe", "total": 2}])
ARTISTS = pd.DataFrame(
    [
        {"artista": "Luna Ferraz", "categoria": "ELOGIO", "total": 3, "total_artista": 4},
        {"artista": "Luna Ferraz", "categoria": "CRÍTICA", "total": 1, "total_artista": 4},
    ]
)
CONFIDENCE = pd.DataFrame([{"categoria": "ELOGIO", "total": 3, "confianca_media": 0.9, "confianca_mediana": 0.92}])
COST = pd.DataFrame(
    [
        {
            "dia": "2026-11-20",
            "chamadas": 2,
            "chamadas_com_erro": 0,
            "itens": 40,
            "tokens_entrada": 1000,
            "tokens_saida": 200,
            "latencia_media_ms": 800.0,
            "custo_estimado_usd": 0.0008,
        }
    ]
)

BUILDERS = [
    (charts.chart_category_distribution, DIST, True),
    (charts.chart_category_share, DIST, True),
    (charts.chart_daily_evolution, DAILY, True),
    (charts.chart_categories_by_artist, ARTISTS, True),
    (charts.chart_confidence_by_category, CONFIDENCE, True),
    (charts.chart_top_tags, TAGS, False),
    (charts.chart_llm_cost, COST, False),
]


def _spec(chart) -> dict:
    return chart.to_dict()


def _encodings(spec: dict) -> list[dict]:
    layers = spec.get("layer") or [spec]
    return [layer.get("encoding", {}) for layer in layers] + [spec.get("encoding", {})]


@pytest.mark.parametrize("builder, frame, by_category", BUILDERS, ids=[b[0].__name__ for b in BUILDERS])
def test_every_chart_has_tooltips_and_category_charts_use_the_fixed_colours(builder, frame, by_category):
    spec = _spec(builder(frame))
    encodings = _encodings(spec)
    assert any(e.get("tooltip") for e in encodings)
    colors = [e["color"] for e in encodings if "color" in e and "field" in e["color"]]
    if by_category:
        assert colors, "gráfico por categoria sem cor por categoria"
        for color in colors:
            assert color["scale"]["domain"] == list(CATEGORY_VALUES)
            assert color["scale"]["range"] == [CATEGORY_COLORS[Category(v)] for v in CATEGORY_VALUES]
    else:
        text = json.dumps(spec)
        assert not any(CATEGORY_COLORS[c] in text for c in Category)  # no category colour on non-category data


def test_dashboard_charts_carry_the_point_selections_that_filter_the_table():
    dist = json.dumps(_spec(charts.chart_category_distribution(DIST, selectable=True)))
    tags = json.dumps(_spec(charts.chart_top_tags(TAGS, selectable=True)))
    assert charts.SELECT_CATEGORY in dist and '"categoria"' in dist
    assert charts.SELECT_TAG in tags and '"codigo"' in tags
    assert charts.SELECT_CATEGORY not in json.dumps(_spec(charts.chart_category_distribution(DIST)))


def test_daily_evolution_labels_days_without_time_zone_shift():
    frame = charts.chart_daily_evolution(DAILY).data
    assert list(dict.fromkeys(frame["dia_rotulo"])) == [f"{d}/11" for d in range(16, 23)]
