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


def render_markdown(report: dict, include_errors: bool = True) -> str:
    m, run, limits = report["metricas"], report["execucao"], report["gate"]["limites"]
    gate = report["gate"]
    verdict = "aprovado" if gate["aprovado"] else "REPROVADO: " + "; ".join(gate["abaixo_do_limite"])
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
            ["macro-F1", _num(m["macro_f1"]), f"≥ {limits['macro_f1']:.2f}"],
            ["recall de SPAM", _num(m["recall_spam"]), f"≥ {limits['spam_recall']:.2f}"],
            [
                "menor F1 por categoria",
                _num(min(r["f1"] for r in m["por_categoria"].values())),
                f"≥ {limits['category_f1']:.2f}",
            ],
            ["acurácia", _num(m["acuracia"]), ""],
            ["recall de tags", _num(tags["recall"]), ""],
            ["erro de calibração esperado (ECE)", _num(cal["ece"]), ""],
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
        out.append("Lista completa no relatório gravado em disco.")
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
    return "\n".join(out) + "\n"


def write_reports(report: dict, out_dir: Path, stem: str) -> list[Path]:
    """JSON + Markdown in `out_dir`; also `evals/REPORT.md` when the dataset is the golden set."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    markdown = render_markdown(report)
    md_path.write_text(markdown, encoding="utf-8")
    written = [json_path, md_path]
    if report["execucao"]["conjunto_dourado"]:
        REPORT_PATH.write_text(markdown, encoding="utf-8")
        written.append(REPORT_PATH)
    return written
