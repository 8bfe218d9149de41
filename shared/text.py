"""Text helpers shared by intake (dedup hash), tags, classifiers, reports and the corpus checks.

- `normalize_text` / `text_hash`: the identity of a comment's content (case-folded, spaces collapsed).
- `fold` / `fold_with_offsets`: lower case, no accents, runs of 3+ equal letters squeezed ("caaaro" -> "caro"),
  the form every keyword pattern (tags, cues, catalogue) is matched against.
- `slug`: lower snake case ASCII (tag codes).
- `URL`, `HANDLE`, `EMAIL`, `PHONE`: what counts as a link, a @handle, an e-mail or a phone number anywhere.
- `limit_words`: cut a text to N words, keeping paragraphs.
- `neutralize`: a spreadsheet cell that can never run as a formula (`FORMULA_START`/`FORMULA_GUARD` also drive
  the SQL of the export).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_LETTER_RUN = re.compile(r"([^\W\d_])\1{2,}")

# Links with a scheme or www, and bare domains with a common top-level domain ("golpe.example", "site.com.br").
URL = re.compile(
    r"(?:https?:)?//\S+|www\.\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|br|app|top|club|blog|link|ly|xyz|info|site|shop|me|io|co|tv|"
    r"online|store|live|example|gg|pt|es|us)\b\S*",
    re.IGNORECASE,
)
HANDLE = re.compile(r"(?<![\w.])@[\w.]{2,}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+?\d[\d\s().-]{7,}\d)")
# A formula start at the beginning of a cell or after a separator / line break inside it, and its guard (a
# leading apostrophe). The same two strings drive Python's `re.sub` and PostgreSQL's `regexp_replace`.
FORMULA_START = r"(^|[,;\t\r\n])([=+@\t\r-])"
FORMULA_GUARD = r"\1'\2"
_FORMULA = re.compile(FORMULA_START)


def strip_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def normalize_text(text: str) -> str:
    """Case-folded, NFC, whitespace-collapsed text: the identity of a comment's content."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def slug(text: str) -> str:
    """Lower snake case ASCII: `Feat Autotune` -> `feat_autotune`."""
    return _NON_WORD.sub("_", strip_accents(text).lower()).strip("_")


def fold(text: str) -> str:
    """Lower case, accents removed, runs of 3+ equal letters squeezed to one."""
    decomposed = unicodedata.normalize("NFKD", text)
    if not decomposed.isascii():
        decomposed = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _LETTER_RUN.sub(r"\1", decomposed.lower())


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)).lower()


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """`fold(text)` (for ordinary text) plus, for every folded character, the index of the original
    character it came from."""
    pieces: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        folded_ch = ch.lower() if ch.isascii() else _fold_char(ch)
        pieces.append(folded_ch)
        offsets.extend([index] * len(folded_ch))
    folded = "".join(pieces)
    if not _LETTER_RUN.search(folded):
        return folded, offsets
    out: list[str] = []
    kept: list[int] = []
    last = 0
    for match in _LETTER_RUN.finditer(folded):
        out.append(folded[last : match.start() + 1])
        kept.extend(offsets[last : match.start() + 1])
        last = match.end()
    out.append(folded[last:])
    kept.extend(offsets[last:])
    return "".join(out), kept


# Markdown link/image syntax and raw HTML tags: never acceptable in a public quote.
_MARKUP = re.compile(r"!?\[[^\]]*\]\([^)]*\)|<[a-zA-Z/!][^>]*>")


def publicly_quotable(text: str) -> bool:
    """Whether a listener's text may be quoted on public pages: no link, bare domain, @handle, e-mail, phone
    number or markup (a tracking pixel or a phishing link must never reach the public report)."""
    return not any(p.search(text) for p in (URL, HANDLE, EMAIL, PHONE, _MARKUP))


def limit_words(value: str, limit: int) -> str:
    """Cut a text to `limit` words (keeping paragraphs), ending with an ellipsis when cut."""
    count, out = 0, []
    for paragraph in value.strip().split("\n\n"):
        words = paragraph.split()
        if count + len(words) <= limit:
            out.append(" ".join(words))
            count += len(words)
            continue
        rest = limit - count
        if rest > 0:
            out.append(" ".join(words[:rest]).rstrip(",;:") + "…")
        break
    return "\n\n".join(p for p in out if p)


def neutralize(value: object) -> object:
    """A text cell with every formula start guarded ("amei;=1+1" -> "amei;'=1+1"); other values unchanged."""
    if isinstance(value, str):
        return _FORMULA.sub(FORMULA_GUARD, value)
    return value
