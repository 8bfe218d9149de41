"""The demo set's shape: a realistic, deterministic plan of comments, dated relative to today.

- Texts are drawn (seeded) from the training corpus `shared/data/corpus/*.csv` — never from the evaluation
  sets — so the classifier sees what it was built for, and the dashboards look like real use.
- Shape: a steady base volume over the last 8 weeks (more on weekends, slowly growing), plus events:
  a criticism spike right after an album release, a praise wave after a show, a spam wave, and a burst of
  complaints in the last hour and a half before loading (`RECENT_SPIKE`), so a first `make run` shows an alert.
- Ids are deterministic (uuid5 of the position) and texts depend only on the seed.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shared import clock
from shared.catalog import albums_of, match_artist
from shared.classification.tags import find_tags
from shared.contracts import CommentIn
from shared.vocabulary import Category

DEMO_NAMESPACE = uuid.UUID("2d8f6b1e-5c3a-4f7e-9a41-0c6e8d3b7a90")
DEFAULT_COUNT = 2400
DEFAULT_WEEKS = 8
SEED = 20260101

# Everyday mix of categories (weights).
BASE_MIX: dict[Category, float] = {
    Category.ELOGIO: 0.34,
    Category.CRITICA: 0.22,
    Category.SUGESTAO: 0.17,
    Category.DUVIDA: 0.15,
    Category.SPAM: 0.12,
}
# How often each artist is commented on (most comments about the big names).
ARTIST_WEIGHTS: dict[str, float] = {
    "Luna Ferraz": 5,
    "MC Vento Norte": 4,
    "Banda Aurora": 4,
    "Kaique Sol": 3,
    "Duda Ribeiro": 3,
    "Marina Lua": 2.5,
    "Trio Mandacaru": 2,
    "Os Cometas": 2,
    "Rafa Dantas": 2,
    "Coletivo Maré": 1.5,
}
SHARE_WITH_ARTIST = 0.65  # comments whose client sends an artist (the rest name none, or only in the text)
SHARE_WITH_ALBUM = 0.45


@dataclass(frozen=True)
class Event:
    """Extra comments about one artist for a few days: what makes the report's lines move."""

    name: str
    artist: str
    album: str | None
    days_ago: int  # first day of the event, counted back from today
    per_day: tuple[int, ...]  # extra comments on each day of the event
    mix: dict[Category, float] = field(default_factory=dict)


EVENTS: tuple[Event, ...] = (
    Event(
        "lançamento de Ruído Branco (mixagem criticada)",
        "Banda Aurora",
        "Ruído Branco",
        24,
        (70, 55, 35, 20, 10),
        {
            Category.CRITICA: 0.62,
            Category.ELOGIO: 0.14,
            Category.DUVIDA: 0.1,
            Category.SUGESTAO: 0.1,
            Category.SPAM: 0.04,
        },
    ),
    Event(
        "onda de spam em Baile do Norte",
        "MC Vento Norte",
        "Baile do Norte",
        38,
        (45, 30, 12),
        {Category.SPAM: 0.7, Category.ELOGIO: 0.15, Category.CRITICA: 0.15},
    ),
    Event(
        "show de Luna Ferraz",
        "Luna Ferraz",
        "Maré Alta",
        5,
        (60, 45, 25, 12),
        {
            Category.ELOGIO: 0.58,
            Category.CRITICA: 0.16,
            Category.SUGESTAO: 0.12,
            Category.DUVIDA: 0.1,
            Category.SPAM: 0.04,
        },
    ),
    Event(
        "anúncio de turnê de Kaique Sol",
        "Kaique Sol",
        "Concreto",
        12,
        (35, 20),
        {Category.DUVIDA: 0.45, Category.ELOGIO: 0.3, Category.SUGESTAO: 0.15, Category.CRITICA: 0.1},
    ),
)


@dataclass(frozen=True)
class RecentSpike:
    """A burst of one category about one artist and one subject (a tag), in the minutes before loading."""

    name: str
    artist: str
    album: str | None
    tag: str
    category: Category
    count: int
    within_minutes: int


RECENT_SPIKE = RecentSpike(
    "venda de ingressos da turnê de Kaique Sol fora do ar",
    "Kaique Sol",
    "Concreto",
    "feat_ingresso",
    Category.CRITICA,
    count=150,
    within_minutes=90,
)


@dataclass(frozen=True)
class CorpusText:
    texto: str
    categoria: Category
    artist: str | None
    album: str | None
    tags: tuple[str, ...] = ()


def load_corpus() -> list[CorpusText]:
    """The labeled training corpus (the demo never reads the evaluation sets)."""
    # Imported here: the training module brings scikit-learn, SciPy and pandas (~150 MB), and this module is
    # imported by the API's CLI commands, so at module level every API server process would carry them.
    from shared.classification import training

    texts, labels = training.load_corpus()
    out = []
    for text, label in zip(texts, labels, strict=True):
        artist, album = match_artist(text)
        out.append(CorpusText(text, Category(label), artist, album, tuple(t.codigo for t in find_tags(text))))
    return out


class _Pools:
    """Seeded draw of texts per category; every text is used once before any repeats."""

    def __init__(self, corpus: list[CorpusText], rng: random.Random):
        self.rng = rng
        self.source: dict[tuple[Category, bool], list[CorpusText]] = {}
        for text in corpus:
            self.source.setdefault((text.categoria, text.artist is not None), []).append(text)
        self.left: dict[tuple[Category, bool], list[CorpusText]] = {}
        self.by_tag: dict[tuple[Category, str], list[CorpusText]] = {}
        self.left_by_tag: dict[tuple[Category, str], list[CorpusText]] = {}
        for text in corpus:
            if text.artist is None:
                for tag in text.tags:
                    self.by_tag.setdefault((text.categoria, tag), []).append(text)

    def draw_about(self, categoria: Category, tag: str) -> CorpusText:
        """A text of that category about that subject that names no artist (one use each while they last)."""
        key = (categoria, tag)
        pool = self.left_by_tag.setdefault(key, [])
        if not pool:
            pool.extend(self.by_tag[key])
            self.rng.shuffle(pool)
        return pool.pop()

    def draw(self, categoria: Category, neutral_only: bool = False) -> CorpusText:
        if neutral_only:
            key = (categoria, False)
        else:
            sizes = [len(self.source.get((categoria, m), [])) for m in (False, True)]
            key = (categoria, self.rng.random() < sizes[1] / max(sum(sizes), 1))
        if not self.source.get(key):
            key = (categoria, not key[1])
        pool = self.left.get(key)
        if not pool:
            pool = list(self.source[key])
            self.rng.shuffle(pool)
            self.left[key] = pool
        return pool.pop()


def _pick(rng: random.Random, weights: dict) -> object:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass(frozen=True)
class DemoComment:
    index: int
    days_ago: int
    minute_of_day: int  # ignored when minutes_ago is set
    texto: str
    categoria: Category  # the corpus label (the classifier decides the stored one)
    artista: str | None
    album: str | None
    minutes_ago: int | None = None  # the recent spike: dated this many minutes before loading

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(DEMO_NAMESPACE, f"demo-{self.index}")


def plan(count: int = DEFAULT_COUNT, weeks: int = DEFAULT_WEEKS, seed: int = SEED) -> list[DemoComment]:
    """The demo set, independent of the current date (dates are 'days ago'): same seed, same comments."""
    rng = random.Random(seed)
    pools = _Pools(load_corpus(), rng)
    days = weeks * 7
    out: list[DemoComment] = []

    def minute() -> int:  # more comments in the evening
        hour = _pick(rng, {h: (0.3 if h < 7 else 1.0 if h < 17 else 2.0 if h < 23 else 1.0) for h in range(24)})
        return int(hour) * 60 + rng.randrange(60)

    def add(days_ago: int, categoria: Category, artist: str | None, album: str | None, event: bool) -> None:
        text = pools.draw(categoria, neutral_only=event)
        if text.artist:  # the text names an artist: the client metadata agrees with it
            artist, album = text.artist, text.album or (album if artist == text.artist else None)
        out.append(DemoComment(len(out), days_ago, minute(), text.texto, categoria, artist, album))

    spike = RECENT_SPIKE
    for _ in range(min(spike.count, count)):
        text = pools.draw_about(spike.category, spike.tag)
        album = spike.album if rng.random() < 0.7 else None
        minutes_ago = rng.randrange(1, spike.within_minutes + 1)
        out.append(
            DemoComment(len(out), 0, 0, text.texto, spike.category, spike.artist, album, minutes_ago=minutes_ago)
        )

    events = [e for e in EVENTS if e.days_ago < days]
    for event in events:
        for offset, extra in enumerate(event.per_day):
            days_ago = event.days_ago - offset
            if days_ago < 0:
                break
            for _ in range(extra):
                if len(out) >= count:
                    break
                album = event.album if rng.random() < 0.7 else None
                add(days_ago, _pick(rng, event.mix), event.artist, album, event=True)

    # Base volume: weekends busier, a gentle upward trend towards today.
    weights = {}
    for days_ago in range(days):
        weekday = (days - days_ago) % 7
        weights[days_ago] = (1.35 if weekday in (5, 6) else 1.0) * (1.0 + 0.5 * (days - days_ago) / days)
    while len(out) < count:
        days_ago = int(_pick(rng, weights))
        artist = _pick(rng, ARTIST_WEIGHTS) if rng.random() < SHARE_WITH_ARTIST else None
        albums = albums_of(artist) if artist else ()
        album = albums[0] if albums and rng.random() < SHARE_WITH_ALBUM else None
        add(days_ago, _pick(rng, BASE_MIX), artist, album, event=False)
    return out


def to_items(comments: list[DemoComment], today: date | None = None, now: datetime | None = None) -> list[CommentIn]:
    """Dated comments: `days_ago` counted back from today (configured time zone), never in the future."""
    now = now or clock.local_now()
    today = today or clock.as_local(now).date()
    items = []
    for c in comments:
        day = today - timedelta(days=c.days_ago)
        when = clock.local_midnight(day) + timedelta(minutes=c.minute_of_day)
        if c.minutes_ago is not None:
            when = now - timedelta(minutes=c.minutes_ago)
        elif when > now:
            when = now - timedelta(minutes=(c.index % 180) + 1)
        items.append(CommentIn(id=c.id, texto=c.texto, artista=c.artista, album=c.album, data=when))
    return items
