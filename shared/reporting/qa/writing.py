"""The offline answer: Portuguese sentences over the aggregates (`aggregates.context`), one writer per intent.

Every number comes from the context; every answer names the weeks it used ("2026-W42 a 2026-W49").
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.classification.prompts import ANSWER_MAX_WORDS
from shared.reporting.qa.intents import Intent
from shared.text import limit_words
from shared.vocabulary import CATEGORY_VALUES, Category

# The category as the answer says it (plural noun, and what it means for the public).
NOUNS = {
    Category.ELOGIO.value: ("elogios", "o que o público elogiou"),
    Category.CRITICA.value: ("críticas", "o que mais incomodou"),
    Category.SUGESTAO.value: ("sugestões", "o que o público pede"),
    Category.DUVIDA.value: ("dúvidas", "o que o público pergunta"),
    Category.SPAM.value: ("spam", "mensagens de spam"),
}
NO_COMMENTS = "Sem comentários no período"
_SINGULAR = {"elogios": "elogio", "críticas": "crítica", "sugestões": "sugestão", "dúvidas": "dúvida"}


def _count(value: int, noun: str) -> str:
    """ "1 crítica", "2 críticas"."""
    return f"{value} {_SINGULAR.get(noun, noun) if value == 1 else noun}"


def weeks_phrase(ctx: dict[str, Any]) -> str:
    weeks = ctx["semanas"]
    text = weeks[0] if len(weeks) == 1 else f"{weeks[0]} a {weeks[-1]}"
    return text + (" (semana atual parcial)" if ctx.get("semana_atual_parcial") else "")


def _pct(value: float) -> str:
    return f"{value:.1f}%".replace(".", ",")


def _listing(rows: list[dict[str, Any]], key: str, count: int = 3) -> str:
    return ", ".join(f"{r[key]} ({r['total']})" for r in rows[:count])


def _day(value: str) -> str:
    return date.fromisoformat(value).strftime("%d/%m")


def _peak(weeks: list[dict[str, Any]], category: str | None = None) -> tuple[str, int] | None:
    values = [(w["por_categoria"][category] if category else w["total"], w["semana"]) for w in weeks]
    best = max(values, default=(0, ""))
    return (best[1], best[0]) if best[0] > 0 else None


def _spike_sentences(ctx: dict[str, Any], category: str | None = None) -> list[str]:
    out = []
    for spike in ctx["picos"]:
        if category and spike["categoria"] != category:
            continue
        noun = NOUNS[spike["categoria"]][0]
        if spike["tipo"] == "dia":
            out.append(
                f"Pico em {_day(spike['dia'])}: {spike['total']} {noun} (média de "
                f"{str(spike['media_diaria']).replace('.', ',')} por dia nos últimos 7 dias)."
            )
        else:
            out.append(f"Nos últimos 7 dias, {spike['total']} {noun} contra {spike['anterior']} nos 7 anteriores.")
    return out[:2]


def _recent_sentence(ctx: dict[str, Any], category: str) -> str | None:
    recent = ctx.get("recente")
    if not recent or not recent["por_categoria"].get(category):
        return None
    noun = NOUNS[category][0]
    parts = [f"Nas últimas {recent['horas']} horas: {recent['por_categoria'][category]} {noun}"]
    tags = recent["top_tags"].get(category, [])
    artists = recent["top_artistas"].get(category, [])
    about = [f"{t['rotulo']} ({t['total']})" for t in tags[:2]] + [
        f"{a['artista']} ({a['total']})" for a in artists[:1]
    ]
    if about:
        parts.append("sobretudo " + ", ".join(about))
    return ", ".join(parts) + "."


def _quote(ctx: dict[str, Any], category: str) -> str | None:
    quote = next((q for q in ctx["citacoes"] if q["categoria"] == category), None)
    if not quote:
        return None
    return f"Exemplo: “{quote['texto']}”" + (f" ({quote['artista']})." if quote.get("artista") else ".")


def category_answer(ctx: dict[str, Any], category: str) -> list[str]:
    noun, meaning = NOUNS[category]
    row = next(c for c in ctx["categorias"] if c["categoria"] == category)
    label = meaning if noun in meaning else f"{meaning} ({noun})"
    sentences = [
        f"{label[0].upper()}{label[1:]}, de {weeks_phrase(ctx)}: {row['total']} comentários, "
        f"{_pct(row['percentual'])} dos classificados."
    ]
    if not row["total"]:
        return sentences
    tags = ctx["top_tags"].get(category, [])
    if tags:
        sentences.append(f"Temas mais citados: {_listing(tags, 'rotulo')}.")
    artists = ctx["top_artistas"].get(category, [])
    if artists and category != Category.SPAM.value:
        sentences.append(f"Artistas com mais {noun}: {_listing(artists, 'artista')}.")
    peak = _peak(ctx["categorias_por_semana"], category)
    if peak:
        sentences.append(f"Semana com mais {noun}: {peak[0]} ({peak[1]}).")
    sentences += [s for s in (_recent_sentence(ctx, category), *_spike_sentences(ctx, category)) if s]
    quote = _quote(ctx, category)
    if quote:
        sentences.append(quote)
    return sentences


def _series(weeks: list[dict[str, Any]], category: str | None) -> str:
    return "; ".join(f"{w['semana']}: {w['por_categoria'][category] if category else w['total']}" for w in weeks)


def trend_answer(ctx: dict[str, Any], intent: Intent) -> list[str]:
    category = intent.category.value if intent.category else None
    focus = ctx.get("foco")
    if focus:
        weeks, name = focus["por_semana"], focus.get("artista") or focus["rotulo"]
        what = f"comentários sobre {name}" + (f" ({NOUNS[category][0]})" if category else "")
    else:
        weeks = ctx["categorias_por_semana"]
        what = NOUNS[category][0] if category else "comentários classificados"
    sentences = [f"Evolução semanal de {what}, {weeks_phrase(ctx)}: {_series(weeks, category)}."]
    peak = _peak(weeks, category)
    if peak:
        sentences.append(f"Maior semana: {peak[0]} ({peak[1]}).")
    complete = weeks[:-1] if ctx.get("semana_atual_parcial") else weeks
    if len(complete) >= 2:
        first, last = complete[0], complete[-1]
        a, b = ((w["por_categoria"][category] if category else w["total"]) for w in (first, last))
        sentences.append(
            f"Da primeira à última semana completa: de {a} ({first['semana']}) para {b} ({last['semana']})."
        )
    sentences += _spike_sentences(ctx, category) if not focus else []
    return sentences


def _by_category(counts: dict[str, int]) -> str:
    return ", ".join(_count(counts[c], NOUNS[c][0]) for c in CATEGORY_VALUES if counts.get(c))


def _sum_weeks(weeks: list[dict[str, Any]]) -> dict[str, int]:
    return {c: sum(w["por_categoria"][c] for w in weeks) for c in CATEGORY_VALUES}


def focus_answer(ctx: dict[str, Any], intent: Intent) -> list[str]:
    focus = ctx["foco"]
    category = intent.category.value if intent.category else None
    counts = _sum_weeks(focus["por_semana"])
    total = sum(counts.values())
    if focus.get("artista"):
        name, related, key, label = focus["artista"], focus["top_tags"], "rotulo", "Temas mais citados"
    else:
        name, related, key = f"{focus['rotulo']} ({focus['tag']})", focus["top_artistas"], "artista"
        label = "Artistas mais associados"
    if not total:
        return [f"{name}: nenhum comentário de {weeks_phrase(ctx)}."]
    sentences = [f"{name}, de {weeks_phrase(ctx)}: {total} comentários ({_by_category(counts)})."]
    if category:
        related = sorted(
            ({**r, "total": r["por_categoria"][category]} for r in related if r["por_categoria"].get(category)),
            key=lambda r: -r["total"],
        )
        label += f" nas {NOUNS[category][0]}"
    if related:
        sentences.append(f"{label}: {_listing(related, key)}.")
    peak = _peak(focus["por_semana"], category)
    if peak:
        sentences.append(f"Semana com mais {NOUNS[category][0] if category else 'comentários'}: {peak[0]} ({peak[1]}).")
    last = focus["por_semana"][-1]
    if ctx.get("semana_atual_parcial") and last["total"]:
        sentences.append(
            f"Na semana atual ({last['semana']}): {last['total']} ({_by_category(last['por_categoria'])})."
        )
    return sentences


def overview_answer(ctx: dict[str, Any]) -> list[str]:
    mix = ", ".join(f"{NOUNS[c['categoria']][0]} {c['total']} ({_pct(c['percentual'])})" for c in ctx["categorias"])
    sentences = [f"Panorama de {weeks_phrase(ctx)}: {ctx['classificados']} comentários classificados: {mix}."]
    critica = Category.CRITICA.value
    if ctx["top_tags"].get(critica):
        sentences.append(f"Temas mais citados nas críticas: {_listing(ctx['top_tags'][critica], 'rotulo')}.")
    if ctx["top_artistas"].get(critica):
        sentences.append(f"Artistas mais criticados: {_listing(ctx['top_artistas'][critica], 'artista')}.")
    elogio = Category.ELOGIO.value
    if ctx["top_artistas"].get(elogio):
        sentences.append(f"Artistas mais elogiados: {_listing(ctx['top_artistas'][elogio], 'artista')}.")
    sentences += _spike_sentences(ctx)
    sentences.append(
        "Para detalhes, pergunte sobre críticas, elogios, sugestões, dúvidas, a evolução por semana, "
        "um artista ou um tema."
    )
    return sentences


def offline_text(ctx: dict[str, Any], intent: Intent) -> str:
    """The answer to `intent` from the aggregates, at most ANSWER_MAX_WORDS words."""
    if not ctx["classificados"]:
        return f"{NO_COMMENTS} ({weeks_phrase(ctx)}): ainda não há comentários classificados para responder."
    if intent.trend:
        sentences = trend_answer(ctx, intent)
    elif ctx.get("foco"):
        sentences = focus_answer(ctx, intent)
    elif intent.category:
        sentences = category_answer(ctx, intent.category.value)
    else:
        sentences = overview_answer(ctx)
    return fit(sentences)


def fit(sentences: list[str], limit: int = ANSWER_MAX_WORDS) -> str:
    """Whole sentences while they fit in `limit` words (the first one always, cut if it must be)."""
    out, used = [], 0
    for sentence in sentences:
        words = len(sentence.split())
        if out and used + words > limit:
            break
        out.append(sentence)
        used += words
    return limit_words(" ".join(out), limit)
