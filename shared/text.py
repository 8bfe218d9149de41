"""Text normalisation shared by intake (dedup hash), tags and the training/eval corpus checks."""
from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


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
