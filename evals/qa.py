"""The Q&A eval: questions (`evals/qa.toml`) answered over the demo data, each checked for the facts its answer
must contain; the pass rate is gated by `[qa] pass_rate` in evals/thresholds.toml.

The answers come from the real code of `POST /insights/perguntar` (`shared.reporting.qa.answer_question`) in
offline mode, over a fresh database loaded with the demo set (`evals.demo_db`). Facts are compared folded
(`shared.text.fold`: no accents, lower case).
"""

from __future__ import annotations

import json
import re
import time
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from evals.gate import THRESHOLDS_PATH, load_qa_pass_rate
from shared import clock
from shared.text import fold

QA_PATH = Path(__file__).resolve().parent / "qa.toml"
_PLACEHOLDER = re.compile(r"\{(semana_atual|semana_inicial|semana-(\d{1,2}))\}")
DEFAULT_WEEKS = 8


@dataclass(frozen=True)
class QaCase:
    question: str
    facts: tuple[str, ...]
    absent: tuple[str, ...] = ()


def load_cases(path: Path = QA_PATH) -> list[QaCase]:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    cases = []
    for number, entry in enumerate(data.get("pergunta", []), start=1):
        if not entry.get("texto") or not entry.get("fatos"):
            raise ValueError(f"{path.name}: a pergunta {number} precisa de 'texto' e de 'fatos'")
        cases.append(QaCase(entry["texto"], tuple(entry["fatos"]), tuple(entry.get("ausentes", ()))))
    if not cases:
        raise ValueError(f"{path.name}: nenhuma pergunta ([[pergunta]])")
    return cases


def resolve(fact: str, today: date) -> str:
    """The placeholders of a fact replaced by the ISO weeks they name, counted back from `today`."""

    def week(match: re.Match[str]) -> str:
        back = DEFAULT_WEEKS - 1 if match.group(1) == "semana_inicial" else int(match.group(2) or 0)
        return clock.iso_week_of(today - timedelta(weeks=back))

    return _PLACEHOLDER.sub(week, fact)


def check(case: QaCase, answer: str, today: date) -> dict[str, Any]:
    folded = fold(answer)
    missing = [f for f in (resolve(f, today) for f in case.facts) if fold(f) not in folded]
    present = [f for f in (resolve(f, today) for f in case.absent) if fold(f) in folded]
    return {"pergunta": case.question, "aprovada": not missing and not present, "faltam": missing, "sobram": present}


def run_cases(cases: list[QaCase]) -> list[dict[str, Any]]:
    """Answer every question on the current database (offline) and check it."""
    from shared.reporting.qa import answer_question

    today = clock.today()
    results = []
    for case in cases:
        answer = answer_question(case.question)
        result = check(case, answer.resposta, today)
        results.append({**result, "intencao": answer.intencao, "modo": answer.modo, "resposta": answer.resposta})
    return results


def evaluate_qa(path: Path = QA_PATH, say=print) -> dict[str, Any]:
    """Load the demo data into a fresh database, answer every question, and report against the gate."""
    from evals.demo_db import demo_database

    cases = load_cases(path)
    started = time.perf_counter()
    with demo_database(say=say):
        results = run_cases(cases)
    passed = sum(1 for r in results if r["aprovada"])
    rate = passed / len(results)
    limit = load_qa_pass_rate(THRESHOLDS_PATH)
    return {
        "execucao": {
            "conjunto": str(path.relative_to(path.parent.parent))
            if path.is_relative_to(path.parent.parent)
            else str(path),
            "data": clock.local_now().strftime("%Y-%m-%d %H:%M %Z"),
            "semana_atual": clock.iso_week_of(clock.today()),
            "duracao_s": round(time.perf_counter() - started, 1),
        },
        "metricas": {"perguntas": len(results), "aprovadas": passed, "taxa_acerto": round(rate, 4)},
        "gate": {
            "limite": limit,
            "aprovado": rate >= limit,
            "abaixo_do_limite": [] if rate >= limit else [f"taxa de acerto {rate:.3f} < {limit:.2f}"],
        },
        "resultados": results,
    }


def render_qa_markdown(report: dict[str, Any], level: int = 2) -> str:
    h = "#" * level
    run, m, gate = report["execucao"], report["metricas"], report["gate"]
    out = [
        f"{h} Perguntas (`{run['conjunto']}`)",
        "",
        f"- Data: {run['data']} (semana atual {run['semana_atual']}); dados de demonstração, modo offline",
        f"- Acerto: **{m['aprovadas']} de {m['perguntas']}** ({m['taxa_acerto']:.1%}); limite {gate['limite']:.0%}, "
        + ("gate **aprovado**" if gate["aprovado"] else "gate **REPROVADO**"),
        "",
        "| pergunta | intenção | resultado |",
        "|---|---|---|",
    ]
    for r in report["resultados"]:
        if r["aprovada"]:
            verdict = "ok"
        else:
            verdict = "; ".join(
                [
                    f"falta {', '.join(r['faltam'])}" if r["faltam"] else "",
                    f"sobra {', '.join(r['sobram'])}" if r["sobram"] else "",
                ]
            ).strip("; ")
        out.append(f"| {r['pergunta']} | {r['intencao']} | {verdict} |")
    return "\n".join(out) + "\n"


def write_qa_report(report: dict[str, Any], out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data, page = out_dir / "perguntas.json", out_dir / "perguntas.md"
    data.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    page.write_text(render_qa_markdown(report, level=1), encoding="utf-8")
    return [data, page]
