"""The known (fictional) artists of the AluMusic catalogue, their albums and the names fans use for them.

One place for the list: the local classifier matches comments against it, the Gemini classifier maps the
names it returns to the canonical ones, and the demo data reuses it.

Matching is accent-insensitive and on word boundaries. Names that are also common words ("Varanda",
"Concreto", "Pulso", "Luna", "Rafa"...; see CAPITALISED_ONLY) match only when written capitalised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from shared.text import strip_accents


@dataclass(frozen=True)
class Artist:
    name: str
    genre: str
    albums: tuple[str, ...]
    songs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other ways fans write the name


ARTISTS: tuple[Artist, ...] = (
    Artist("Luna Ferraz", "pop", ("Maré Alta",), ("Onda Rosa",), ("Luna",)),
    Artist("MC Vento Norte", "funk", ("Baile do Norte",), (), ("Vento Norte",)),
    Artist("Banda Aurora", "rock", ("Ruído Branco",), ("Cinza",), ("Aurora",)),
    Artist("Trio Mandacaru", "forró", ("Sertão Elétrico",), (), ("Mandacaru",)),
    Artist("Duda Ribeiro", "sertanejo", ("Estrada de Terra",), (), ("Duda",)),
    Artist("Os Cometas", "indie", ("Órbita",), (), ("Cometas",)),
    Artist("Kaique Sol", "rap", ("Concreto",), (), ("Kaique",)),
    Artist("Marina Lua", "MPB", ("Varanda",), ("Portão Azul",), ("Marina",)),
    Artist("Rafa Dantas", "pagode", ("Roda de Sábado",), (), ("Rafa",)),
    Artist("Coletivo Maré", "eletrônica", ("Pulso",), (), ()),
)

# Names that are also common words or first names: they count only when written capitalised (proper noun).
CAPITALISED_ONLY: frozenset[str] = frozenset(
    {
        "Luna",
        "Aurora",
        "Duda",
        "Cometas",
        "Marina",
        "Rafa",
        "Cinza",
        "Maré Alta",
        "Ruído Branco",
        "Estrada de Terra",
        "Órbita",
        "Concreto",
        "Varanda",
        "Portão Azul",
        "Roda de Sábado",
        "Pulso",
    }
)

ARTIST_NAMES: tuple[str, ...] = tuple(a.name for a in ARTISTS)
ALBUM_NAMES: tuple[str, ...] = tuple(album for a in ARTISTS for album in a.albums)


@dataclass(frozen=True)
class Mention:
    artist: str
    album: str | None  # set when the mention was an album name
    start: int


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    case_sensitive: bool
    artist: str
    album: str | None
    priority: int  # full names first, then albums, songs, short aliases


_BEFORE, _AFTER = r"(?<![\w@#/.])", r"(?!\w)"  # a name is a whole word, not part of a handle, tag or link


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    patterns: list[_Pattern] = []

    def add(raw: str, artist: str, album: str | None, priority: int) -> None:
        case_sensitive = raw in CAPITALISED_ONLY
        name = strip_accents(raw)
        words = r"\s+".join(re.escape(w) for w in name.split())
        flags = 0 if case_sensitive else re.IGNORECASE
        regex = re.compile(rf"{_BEFORE}{words}{_AFTER}", flags)
        patterns.append(_Pattern(regex, case_sensitive, artist, album, priority))

    for artist in ARTISTS:
        add(artist.name, artist.name, None, 0)
        for album in artist.albums:
            add(album, artist.name, album, 1)
        for song in artist.songs:
            add(song, artist.name, None, 2)
        for alias in artist.aliases:
            add(alias, artist.name, None, 3)
    return tuple(patterns)


@lru_cache(maxsize=1)
def _any_name() -> re.Pattern[str]:
    """One case-insensitive pattern for every name: most comments name no artist and stop here."""
    # The boundary checks are factored out of the alternation: one lookbehind per position instead of one per name.
    names = "|".join(p.regex.pattern.removeprefix(_BEFORE).removesuffix(_AFTER) for p in _patterns())
    return re.compile(rf"{_BEFORE}(?:{names}){_AFTER}", re.IGNORECASE)


def find_mentions(text: str) -> list[Mention]:
    """Every known artist or album named in the text, in reading order (one per artist)."""
    folded = strip_accents(text)
    if not _any_name().search(folded):
        return []
    if folded.isupper():  # ALL CAPS text: capitalisation says nothing, so only unambiguous names count
        candidates = [p for p in _patterns() if not p.case_sensitive]
    else:
        candidates = list(_patterns())
    found: dict[str, Mention] = {}
    for pattern in sorted(candidates, key=lambda p: p.priority):
        match = pattern.regex.search(folded)
        if not match:
            continue
        current = found.get(pattern.artist)
        if current is None or match.start() < current.start or (pattern.album and not current.album):
            album = pattern.album or (current.album if current else None)
            start = min(match.start(), current.start) if current else match.start()
            found[pattern.artist] = Mention(pattern.artist, album, start)
    return sorted(found.values(), key=lambda m: m.start)


def match_artist(text: str) -> tuple[str | None, str | None]:
    """(artist, album) of the first known artist mentioned in the text, or (None, None)."""
    mentions = find_mentions(text)
    if not mentions:
        return None, None
    first = mentions[0]
    return first.artist, first.album


def canonical_artist(name: str | None) -> str | None:
    """A name as the LLM or a client wrote it ("luna ferraz", "Luna") mapped to the catalogue name when known."""
    if not name or not name.strip():
        return None
    name = name.strip()
    folded = strip_accents(name).casefold()
    for artist in ARTISTS:
        options = {artist.name, *artist.aliases}
        if folded in {strip_accents(o).casefold() for o in options}:
            return artist.name
    return name


def canonical_album(name: str | None) -> str | None:
    if not name or not name.strip():
        return None
    name = name.strip()
    folded = strip_accents(name).casefold()
    for artist in ARTISTS:
        for album in artist.albums:
            if strip_accents(album).casefold() == folded:
                return album
    return name


def albums_of(artist_name: str) -> tuple[str, ...]:
    for artist in ARTISTS:
        if artist.name == artist_name:
            return artist.albums
    return ()
