"""What a question asks about, read offline: a category (what bothered, was praised, is asked for or asked
about), a trend over the weeks, an artist of the catalogue, a tag, and how many weeks.

Everything is matched on folded text (`shared.text.fold`: lower case, no accents), so "CRÍTICAS", "criticas"
and "Críticas" are the same word. Artists are the catalogue's names and aliases (`shared.catalog`); tags are
the lexicon's codes and labels, and the lexicon's own patterns (`shared.classification.tags.find_tags`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from shared.catalog import ARTISTS
from shared.classification.tags import LEXICON, find_tags
from shared.text import fold
from shared.vocabulary import Category

# Word beginnings that point at a category (matched at the start of a word of the folded question).
CATEGORY_CUES: dict[Category, tuple[str, ...]] = {
    Category.CRITICA: (
        r"incomod",
        r"reclam",
        r"critic",
        r"problema",
        r"negativ",
        r"ruim",
        r"ruins\b",
        r"pior",
        r"odi[aeo]",
        r"irrit",
        r"insatisf",
        r"chate",
        r"desagrad",
        r"decepc",
        r"frustr",
        r"queix",
        r"bronca",
        r"falh",
        r"detest",
    ),
    Category.ELOGIO: (
        r"elogi",
        r"gost(?:ou|aram|am|ei)\b",
        r"amou\b",
        r"amaram\b",
        r"ador",
        r"positiv",
        r"agrad",
        r"curt[iu]",
        r"aprov",
        r"bem recebid",
        r"sucesso",
        r"melhor",
        r"destaque positiv",
    ),
    Category.SUGESTAO: (
        r"suger",
        r"sugest",
        r"ped(?:e|em|iram|indo|idos?|iu)\b",
        r"quer(?:em|ia|iam)?\b(?! saber)",
        r"gostari",
        r"desej",
        r"melhori",
        r"ideia",
        r"recomend",
    ),
    Category.DUVIDA: (
        r"duvid",
        r"pergunt",
        r"quer(?:em)? saber",
        r"question",
        r"confus",
        r"nao entend",
        r"informac",
        r"esclarec",
    ),
    Category.SPAM: (r"spam", r"golpe", r"propaganda", r"divulgac", r"\bbots?\b", r"lixo eletronico"),
}
TREND_CUES = (
    r"evolu",
    r"tendenc",
    r"ao longo",
    r"semana a semana",
    r"por semana",
    r"cresc",
    r"aument",
    r"caiu",
    r"cair",
    r"diminu",
    r"variac",
    r"mudou",
    r"mudanc",
    r"compar",
    r"historic",
    r"trajetoria",
)
_NUMBERS = {"duas": 2, "dois": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7, "oito": 8, "doze": 12}
_WEEKS = re.compile(r"\bultim[ao]s\s+(\d{1,2}|" + "|".join(_NUMBERS) + r")\s+semanas\b")
_THIS_WEEK = re.compile(r"\b(?:n?esta|n?essa)\s+semana\b|\bsemana atual\b")


@dataclass(frozen=True)
class Intent:
    category: Category | None = None
    trend: bool = False
    artist: str | None = None  # a catalogue name
    tag: str | None = None  # a tag code
    weeks: int | None = None  # asked for ("últimas 4 semanas"); None: the default

    @property
    def kind(self) -> str:
        """One word for the report and the logs: tendencia, artista, tag, categoria or geral."""
        if self.trend:
            return "tendencia"
        if self.artist:
            return "artista"
        if self.tag:
            return "tag"
        return "categoria" if self.category else "geral"


def _cue(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern if pattern.startswith(r"\b") else r"\b" + pattern)


@lru_cache(maxsize=1)
def _compiled() -> tuple[dict[Category, list[re.Pattern[str]]], list[re.Pattern[str]]]:
    categories = {category: [_cue(p) for p in cues] for category, cues in CATEGORY_CUES.items()}
    return categories, [_cue(p) for p in TREND_CUES]


def _phrase(words: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\s+".join(re.escape(w) for w in fold(words).split()) + r"\b")


@lru_cache(maxsize=1)
def _artist_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Every catalogue name and alias, longest first (so "Luna Ferraz" wins over "Luna")."""
    names = [(name, a.name) for a in ARTISTS for name in (a.name, *a.aliases)]
    names.sort(key=lambda pair: -len(pair[0]))
    return tuple((_phrase(name), artist) for name, artist in names)


@lru_cache(maxsize=1)
def _tag_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Every tag code (with and without `feat_`, underscores as spaces) and label, longest first."""
    names = []
    for tag in LEXICON:
        bare = tag.code.removeprefix("feat_")
        names += [(tag.code, tag.code), (bare.replace("_", " "), tag.code), (tag.label, tag.code)]
    names.sort(key=lambda pair: -len(pair[0]))
    return tuple((re.compile(r"\b" + re.escape(fold(name)) + r"\b"), code) for name, code in names)


def find_artist(folded: str) -> str | None:
    found = [(m.start(), artist) for pattern, artist in _artist_patterns() if (m := pattern.search(folded))]
    return min(found)[1] if found else None


def find_tag(question: str, folded: str) -> str | None:
    found = [(m.start(), code) for pattern, code in _tag_patterns() if (m := pattern.search(folded))]
    if found:
        return min(found)[1]
    tags = find_tags(question)
    return tags[0].codigo if tags else None


def find_category(folded: str) -> Category | None:
    """The category with most cues in the question (ties: the order of CATEGORY_CUES)."""
    categories, _ = _compiled()
    scores = {c: sum(1 for p in patterns if p.search(folded)) for c, patterns in categories.items()}
    best = max(scores.values())
    return next(c for c, score in scores.items() if score == best) if best else None


def find_weeks(folded: str) -> int | None:
    if _THIS_WEEK.search(folded):
        return 1
    match = _WEEKS.search(folded)
    if not match:
        return None
    value = match.group(1)
    return int(value) if value.isdigit() else _NUMBERS[value]


def parse(question: str) -> Intent:
    folded = fold(question)
    _, trend = _compiled()
    artist = find_artist(folded)
    return Intent(
        category=find_category(folded),
        trend=any(p.search(folded) for p in trend),
        artist=artist,
        tag=None if artist else find_tag(question, folded),
        weeks=find_weeks(folded),
    )
