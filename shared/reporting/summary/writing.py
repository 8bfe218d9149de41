"""The words of a weekly summary: Gemini over the aggregates, or a Portuguese template offline; the e-mail."""

from __future__ import annotations

import html
import logging
from datetime import date
from typing import Any

from shared.classification.llm import LlmError, generate_text, text_llm_enabled
from shared.classification.prompts import SUMMARY_INSTRUCTION, SUMMARY_MAX_WORDS, SUMMARY_PROMPT_VERSION
from shared.settings import get_settings
from shared.text import limit_words
from shared.vocabulary import CATEGORY_LABELS, Category, LlmPurpose

log = logging.getLogger(__name__)

TEMPLATE_MODEL = "modelo-texto"
TEMPLATE_VERSION = "t1"
MAX_OUTPUT_TOKENS = 800


def _fmt_change(value: float | None) -> str:
    if value is None:
        return "sem base de comparação"
    return f"{value:+.1f}%".replace(".", ",")


def _tag_name(code: str) -> str:
    return code.removeprefix("feat_").replace("_", " ")


def _label(category: str) -> str:
    return CATEGORY_LABELS[Category(category)]


def template_text(agg: dict[str, Any]) -> str:
    """The offline summary: short Portuguese paragraphs over the same aggregates."""
    period, totals = agg["periodo"], agg["totais"]
    start, end = date.fromisoformat(period["desde"]), date.fromisoformat(period["ate"])
    if totals["total"] == 0:
        return f"Na semana {agg['semana']} ({start:%d/%m} a {end:%d/%m/%Y}) não recebemos comentários."
    paragraphs = []
    intro = (
        f"Na semana {agg['semana']} ({start:%d/%m} a {end:%d/%m/%Y}) recebemos {totals['total']} comentário(s), "
        f"{_fmt_change(totals['variacao_percentual'])} em relação à semana anterior "
        f"({totals['total_anterior']}); {totals['classificados']} já estão classificados."
    )
    cats = [c for c in agg["categorias"] if c["total"] or c["anterior"]]
    if cats:
        parts = [
            f"{_label(c['categoria']).lower()} {c['total']} ({_fmt_change(c['variacao_percentual'])})" for c in cats
        ]
        intro += " Por categoria: " + ", ".join(parts) + "."
    paragraphs.append(intro)

    details = []
    for spike in agg["picos"]:
        label = _label(spike["categoria"])
        if spike["tipo"] == "semana":
            details.append(f"Atenção: {label.lower()} subiu de {spike['anterior']} para {spike['total']} comentários.")
        else:
            day = date.fromisoformat(spike["dia"])
            mean = f"{spike['media_diaria']:.1f}".replace(".", ",")
            details.append(
                f"Pico de {label.lower()} em {day:%d/%m}: {spike['total']} comentários, "
                f"contra uma média diária de {mean}."
            )
    if agg["top_tags"]:
        details.append(
            "Funcionalidades mais citadas: "
            + ", ".join(f"{_tag_name(t['codigo'])} ({t['total']})" for t in agg["top_tags"])
            + "."
        )
    if agg["artistas"]:
        details.append(
            "Artistas mais comentados: "
            + ", ".join(
                f"{a['artista']} ({a['total']}; {a['categorias'].get(Category.CRITICA.value, 0)} crítica(s))"
                for a in agg["artistas"][:3]
            )
            + "."
        )
    if details:
        paragraphs.append(" ".join(details))
    if agg["citacoes"]:
        quotes = [f"“{q['texto']}” ({_label(q['categoria']).lower()})" for q in agg["citacoes"][:2]]
        paragraphs.append("Vozes da semana: " + "; ".join(quotes) + ".")
    return limit_words("\n\n".join(paragraphs), SUMMARY_MAX_WORDS)


def write_text(agg: dict[str, Any]) -> tuple[str, str, str]:
    """(text, model, prompt_version): Gemini when free-text LLM is enabled, else the template.

    A Gemini failure falls back to the template (logged): the week still gets its summary."""
    if text_llm_enabled() and agg["totais"]["total"] > 0:
        try:
            answer = generate_text(
                LlmPurpose.SUMMARY,
                SUMMARY_PROMPT_VERSION,
                SUMMARY_INSTRUCTION,
                agg,
                max_output_tokens=MAX_OUTPUT_TOKENS,
            )
            return limit_words(answer, SUMMARY_MAX_WORDS), get_settings().gemini_model, SUMMARY_PROMPT_VERSION
        except LlmError as exc:
            log.warning("resumo semanal %s: Gemini falhou (%s); usando o modelo de texto offline", agg["semana"], exc)
    return template_text(agg), TEMPLATE_MODEL, TEMPLATE_VERSION


def subject(agg: dict[str, Any]) -> str:
    start, end = (date.fromisoformat(agg["periodo"][k]) for k in ("desde", "ate"))
    return f"AluMusic: resumo da semana {agg['semana']} ({start:%d/%m} a {end:%d/%m/%Y})"


def email_bodies(summary_text: str, agg: dict[str, Any]) -> tuple[str, str]:
    """(plain text, HTML) with the summary and its key numbers. Every text goes into the HTML escaped."""
    totals = agg["totais"]
    lines = [
        summary_text,
        "",
        "Números da semana",
        f"- Comentários: {totals['total']} ({_fmt_change(totals['variacao_percentual'])} vs. semana anterior)",
    ]
    lines += [
        f"- {_label(c['categoria'])}: {c['total']} ({_fmt_change(c['variacao_percentual'])})" for c in agg["categorias"]
    ]
    if agg["top_tags"]:
        lines.append("- Tags mais citadas: " + ", ".join(f"{t['codigo']} ({t['total']})" for t in agg["top_tags"]))
    plain = "\n".join(lines) + "\n"

    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(_label(c['categoria']))}</td><td align='right'>{c['total']}</td>"
        f"<td align='right'>{c['anterior']}</td>"
        f"<td align='right'>{esc(_fmt_change(c['variacao_percentual']))}</td></tr>"
        for c in agg["categorias"]
    )
    tags = "".join(f"<li>{esc(t['codigo'])}: {t['total']}</li>" for t in agg["top_tags"])
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in summary_text.split("\n\n"))
    page = (
        f"<html><body style='font-family: sans-serif'>"
        f"<h2>{esc(subject(agg))}</h2>{paragraphs}"
        f"<h3>Números da semana</h3>"
        f"<p><strong>{totals['total']}</strong> comentários "
        f"({esc(_fmt_change(totals['variacao_percentual']))} vs. semana anterior)</p>"
        f"<table border='1' cellpadding='4' cellspacing='0'>"
        f"<tr><th>Categoria</th><th>Semana</th><th>Anterior</th><th>Variação</th></tr>{rows}</table>"
        + (f"<h3>Tags mais citadas</h3><ul>{tags}</ul>" if tags else "")
        + "</body></html>"
    )
    return plain, page
