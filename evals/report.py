"""The evaluation report: one dict (written as JSON) and its Markdown rendering (written and printed)."""

from __future__ import annotations

import json
from pathlib import Path

from shared.vocabulary import CATEGORY_LABELS, Category

EVALS_DIR = Path(__file__).resolve().parent
GOLDEN_PATH = EVALS_DIR / "golden.csv"
CHALLENGE_PATH = EVALS_DIR / "challenge.csv"
REPORT_PATH = EVALS_DIR / "REPORT.md"


def _num(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _cell(text: object) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ").strip()


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _limit(limits: dict, name: str, sign: str = "≥") -> str:
    value = limits.get(name)
    return "" if value is None else f"{sign} {value:.2f}"


def render_markdown(report: dict, include_errors: bool = True, level: int = 1, errors_note: str | None = None) -> str:
    """One dataset's report. `level` shifts the headings (2 = embedded in a bigger document)."""
    m, run, limits = report["metricas"], report["execucao"], report["gate"]["limites"]
    gate = report["gate"]
    verdict = "aprovado" if gate["aprovado"] else "REPROVADO: " + "; ".join(gate["abaixo_do_limite"])
    confident = m.get("erros_confiantes") or {"limiar": 0.9, "quantidade": 0, "taxa": 0.0}
    out = [
        "# Avaliação do classificador",
        "",
        f"- Data: {run['data']}",
        f"- Classificador: `{run['classificador']}` (modelo `{run['modelo']}`, versão do prompt "
        f"`{run['versao_prompt']}`)",
        f"- Conjunto: `{run['conjunto']}` ({m['itens']} comentários, {m['falhas']} sem resultado válido — "
        "contados como erro)",
        f"- Gate: **{verdict}**",
        "",
        "Gerado por `python -m evals`. Falhas e saídas inválidas contam como erro (rótulo previsto `ERRO`).",
        "",
        "## Resumo",
        "",
    ]
    llm, lat, cal, tags = m["llm"], m["latencia"], m["calibracao"], m["tags"]
    out += _table(
        ["métrica", "valor", "limite"],
        [
            ["macro-F1", _num(m["macro_f1"]), _limit(limits, "macro_f1")],
            ["recall de SPAM", _num(m["recall_spam"]), _limit(limits, "spam_recall")],
            [
                "menor F1 por categoria",
                _num(min(r["f1"] for r in m["por_categoria"].values())),
                _limit(limits, "category_f1"),
            ],
            ["acurácia", _num(m["acuracia"]), ""],
            ["recall de tags", _num(tags["recall"]), ""],
            ["erro de calibração esperado (ECE)", _num(cal["ece"]), _limit(limits, "ece", "≤")],
            [
                f"erros com confiança ≥ {confident['limiar']:.1f} (parcela de todas as respostas)",
                f"{_num(confident['taxa'])} ({confident['quantidade']})",
                _limit(limits, "confident_error_rate", "≤"),
            ],
            ["latência p50 / p95 (ms)", f"{lat['p50_ms']:.0f} / {lat['p95_ms']:.0f}", ""],
            ["chamadas ao LLM", llm["chamadas"], ""],
            ["tokens (entrada / saída)", f"{llm['tokens_entrada']} / {llm['tokens_saida']}", ""],
            ["custo estimado (US$)", f"{llm['custo_estimado_usd']:.4f}", ""],
        ],
    )
    out += ["", "## Por categoria", ""]
    out += _table(
        ["categoria", "precisão", "recall", "F1", "suporte"],
        [
            [
                f"{CATEGORY_LABELS[Category(c)]} (`{c}`)",
                _num(r["precisao"]),
                _num(r["recall"]),
                _num(r["f1"]),
                r["suporte"],
            ]
            for c, r in m["por_categoria"].items()
        ],
    )
    cm = m["matriz_confusao"]
    out += ["", "## Matriz de confusão", "", "Linhas: categoria esperada; colunas: categoria prevista.", ""]
    out += _table(
        ["esperado \\ previsto", *cm["colunas_previsto"]],
        [[label, *values] for label, values in zip(cm["linhas_esperado"], cm["valores"], strict=True)],
    )
    out += ["", "## Tags de funcionalidades", ""]
    if tags["linhas_com_tags"]:
        out.append(
            f"Em {tags['linhas_com_tags']} comentários com tags esperadas: {tags['tags_encontradas']} de "
            f"{tags['tags_esperadas']} tags encontradas (recall {_num(tags['recall'])}, precisão "
            f"{_num(tags['precisao'])} nessas linhas)."
        )
    else:
        out.append("O conjunto não tem a coluna `tags_esperadas` preenchida.")
    out += ["", "## Calibração da confiança", ""]
    if cal["faixas"]:
        out += _table(
            ["confiança", "itens", "confiança média", "acurácia"],
            [
                [f"{b['de']:.1f}–{b['ate']:.1f}", b["itens"], _num(b["confianca_media"]), _num(b["acuracia"])]
                for b in cal["faixas"]
            ],
        )
        out += ["", f"ECE: {_num(cal['ece'])} (itens sem resultado não têm confiança: {cal['sem_confianca']})."]
    else:
        out.append("Nenhum resultado válido: calibração não medida.")
    out += [
        "",
        "## Desempenho",
        "",
        f"Latência por comentário (da chamada que o respondeu): p50 {lat['p50_ms']:.0f} ms, "
        f"p95 {lat['p95_ms']:.0f} ms. Duração total {lat['duracao_total_s']:.1f} s "
        f"(lotes de {run['tamanho_lote']}).",
    ]
    if llm["chamadas"]:
        out.append(f"Chamadas ao LLM por resultado: {llm['por_resultado']}.")
    errors = m["erros_de_classificacao"]
    out += ["", f"## Erros de classificação ({len(errors)})", ""]
    if not include_errors:
        out.append(errors_note or "Lista completa no relatório gravado em disco.")
    elif errors:
        out += _table(
            ["id", "esperado", "previsto", "confiança", "texto", "nota / erro"],
            [
                [
                    e["id"],
                    e["esperado"],
                    e["previsto"],
                    _num(e["confianca"], 2),
                    e["texto"],
                    " / ".join(x for x in (e["nota"], e["erro"]) if x),
                ]
                for e in errors
            ],
        )
    else:
        out.append("Nenhum.")
    if level > 1:
        out = [line.replace("## ", "#" * (level + 1) + " ", 1) if line.startswith("## ") else line for line in out]
        out[0] = f"{'#' * level} Conjunto `{run['conjunto']}`"
    return "\n".join(out) + "\n"


def write_reports(report: dict, out_dir: Path, stem: str) -> list[Path]:
    """JSON + Markdown of one dataset in `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return [json_path, md_path]


# --- the headline numbers, side by side, before -> after


def headline(metrics: dict) -> dict:
    """The main numbers of a run (an evaluation set or the cross-validation)."""
    per = metrics["por_categoria"]
    worst = min((c for c in per if per[c]["suporte"]), key=lambda c: per[c]["f1"], default=None)
    confident = metrics.get("erros_confiantes") or {"quantidade": 0, "taxa": 0.0}
    return {
        "macro_f1": metrics["macro_f1"],
        "acuracia": metrics["acuracia"],
        "recall_spam": metrics["recall_spam"],
        "menor_f1": per[worst]["f1"] if worst else None,
        "menor_f1_categoria": worst,
        "ece": metrics["calibracao"]["ece"],
        "erros_confiantes": confident["quantidade"],
        "taxa_erros_confiantes": confident["taxa"],
        "itens": metrics["itens"],
    }


HEADLINE_ROWS = (
    ("macro-F1", "macro_f1"),
    ("acurácia", "acuracia"),
    ("recall de SPAM", "recall_spam"),
    ("menor F1 (categoria)", "menor_f1"),
    ("ECE", "ece"),
    ("erros com confiança ≥ 0.9", "taxa_erros_confiantes"),
)


def _headline_cell(h: dict, key: str) -> str:
    if key == "menor_f1":
        return f"{_num(h['menor_f1'])} ({h['menor_f1_categoria'] or '—'})"
    if key == "taxa_erros_confiantes":
        return f"{_num(h['taxa_erros_confiantes'])} ({h['erros_confiantes']} de {h['itens']})"
    return _num(h[key])


def render_side_by_side(columns: list[tuple[str, dict]]) -> str:
    """`columns`: (title, metrics) pairs -> one Markdown table, a column per run."""
    heads = [(title, headline(metrics)) for title, metrics in columns]
    rows = [[label, *(_headline_cell(h, key) for _, h in heads)] for label, key in HEADLINE_ROWS]
    categories = list(columns[0][1]["por_categoria"])
    rows += [[f"F1 {c}", *(_num(metrics["por_categoria"][c]["f1"]) for _, metrics in columns)] for c in categories]
    return "\n".join(_table(["métrica", *(title for title, _ in heads)], rows)) + "\n"


COMPARED = (
    ("macro-F1", "macro_f1"),
    ("acurácia", "acuracia"),
    ("recall de SPAM", "recall_spam"),
    ("menor F1", "menor_f1"),
    ("ECE", "ece"),
    ("erros confiantes", "erros_confiantes"),
)


def render_before_after(before: dict, after: dict) -> list[str]:
    """Lines "métrica: antes → depois" between two history entries (different models, same dataset)."""
    lines = [f"{after['conjunto']}: antes ({before['modelo']}, {before['data']}) → depois ({after['modelo']})"]
    for label, key in COMPARED:
        old, new = before["headline"].get(key), after["headline"].get(key)
        if key == "erros_confiantes":
            text = f"{old} → {new}"
        else:
            text = f"{_num(old)} → {_num(new)}"
        if key == "menor_f1":
            text += f" ({before['headline'].get('menor_f1_categoria')} → {after['headline'].get('menor_f1_categoria')})"
        lines.append(f"  {label}: {text}")
    return lines


HISTORY_NAME = "historico.jsonl"


def history_entry(report: dict) -> dict:
    run = report["execucao"]
    return {
        "data": run["data"],
        "conjunto": run["conjunto"],
        "classificador": run["classificador"],
        "modelo": run["modelo"],
        "headline": headline(report["metricas"]),
    }


def read_history(out_dir: Path) -> list[dict]:
    path = out_dir / HISTORY_NAME
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a torn line never stops an evaluation
    return entries


def previous_model_run(out_dir: Path, entry: dict) -> dict | None:
    """The latest stored run of the same dataset and classifier with ANOTHER model (None if there is none)."""
    for old in reversed(read_history(out_dir)):
        same_set = old.get("conjunto") == entry["conjunto"] and old.get("classificador") == entry["classificador"]
        if same_set and old.get("modelo") != entry["modelo"]:
            return old
    return None


def append_history(out_dir: Path, entry: dict) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / HISTORY_NAME).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


# --- evals/REPORT.md: both evaluation sets (and the latest cross-validation)

CV_NAME = "cv-local.json"
NAMES = {"golden": "dourado", "challenge": "desafio"}


def render_full_report(reports: list[dict], cv: dict | None = None) -> str:
    run = reports[0]["execucao"]
    out = [
        "# Avaliação do classificador",
        "",
        f"- Data: {run['data']}",
        f"- Classificador: `{run['classificador']}` (modelo `{run['modelo']}`, versão do prompt "
        f"`{run['versao_prompt']}`)",
        "- Conjuntos: "
        + "; ".join(
            f"`{r['execucao']['conjunto']}` ({r['metricas']['itens']} comentários, gate "
            + ("**aprovado**" if r["gate"]["aprovado"] else "**REPROVADO**")
            + ")"
            for r in reports
        ),
        "",
        "Gerado por `python -m evals`. Falhas e saídas inválidas contam como erro (rótulo previsto `ERRO`). "
        "Erros confiantes: respostas erradas com confiança ≥ 0.9, como parcela de todas as respostas.",
        "",
        "## Lado a lado",
        "",
    ]
    columns = [
        (NAMES.get(r["execucao"].get("secao_limites"), r["execucao"]["conjunto"]), r["metricas"]) for r in reports
    ]
    if cv:
        columns.append((f"validação cruzada ({cv['execucao']['partes']} partes, corpus)", cv["metricas"]))
    out.append(render_side_by_side(columns).rstrip("\n"))
    if cv:
        c = cv["execucao"]
        out += [
            "",
            f"Validação cruzada: `python -m evals --cv`, {c['exemplos']} exemplos do corpus, modelo "
            f"`{c['modelo']}` (só o corpus, sem correções), {c['data']}.",
        ]
    for report in reports:
        section = report["execucao"].get("secao_limites")
        out += [""]
        out.append(
            render_markdown(
                report,
                include_errors=section != "challenge",
                level=2,
                errors_note="O conjunto de desafio mede, não ensina: seus erros não são listados aqui "
                "(estão só no relatório gravado em `evals/out/`).",
            ).rstrip("\n")
        )
    return "\n".join(out) + "\n"
