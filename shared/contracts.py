"""Pydantic contracts: what comes in (API, CSV) and what a classifier returns.

The same models validate API input, LLM output and CSV rows where they mean the same thing.
Field names are Portuguese, as the public contract specifies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.settings import get_settings
from shared.text import slug
from shared.validation import check_timestamp, reject_nul
from shared.vocabulary import Category, Origin

TAG_PREFIX = "feat_"
MAX_NAME_CHARS = 200
MAX_TAGS = 10
MAX_EXPLANATION_CHARS = 300


OptionalName = Annotated[str | None, Field(default=None, max_length=MAX_NAME_CHARS)]


class CommentIn(BaseModel):
    """One comment as accepted by the API and the CSV upload."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: UUID
    texto: str = Field(validation_alias=AliasChoices("texto", "text"), min_length=1)
    artista: OptionalName
    album: OptionalName
    musica: OptionalName
    data: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_text_field(cls, values: object) -> object:
        if isinstance(values, dict) and "texto" in values and "text" in values:
            raise ValueError("envie apenas um de 'texto' ou 'text'")
        return values

    @field_validator("texto", "artista", "album", "musica")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        return reject_nul(value)

    @field_validator("data")
    @classmethod
    def _sane_timestamp(cls, value: datetime | None) -> datetime | None:
        return check_timestamp(value)

    @field_validator("texto")
    @classmethod
    def _text_limit(cls, value: str) -> str:
        limit = get_settings().max_text_chars
        if len(value) > limit:
            raise ValueError(f"texto com {len(value)} caracteres; o máximo é {limit}")
        return value

    @field_validator("artista", "album", "musica")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None


def normalize_tag_code(raw: str) -> str:
    """`Feat Autotune`, `feat-autotune` and `autotune` all become `feat_autotune`."""
    code = slug(raw)
    if not code:
        raise ValueError("código de tag vazio")
    if not code.startswith(TAG_PREFIX):
        code = TAG_PREFIX + code
    return code[:64]


class Tag(BaseModel):
    codigo: str = Field(min_length=1, max_length=64)
    explicacao: str = Field(min_length=1, max_length=MAX_EXPLANATION_CHARS)

    @field_validator("codigo", mode="before")
    @classmethod
    def _normalize(cls, value: object) -> object:
        return normalize_tag_code(value) if isinstance(value, str) else value

    @field_validator("explicacao", mode="before")
    @classmethod
    def _trim(cls, value: object) -> object:
        return value.strip()[:MAX_EXPLANATION_CHARS] if isinstance(value, str) else value


class ClassificationResult(BaseModel):
    """What every classifier returns, validated. Anything else is rejected (and retried), never stored."""

    model_config = ConfigDict(extra="ignore")

    categoria: Category
    confianca: float = Field(ge=0.0, le=1.0)
    tags_funcionalidades: list[Tag] = Field(default_factory=list, max_length=MAX_TAGS)
    artista: OptionalName
    album: OptionalName

    @field_validator("tags_funcionalidades")
    @classmethod
    def _unique_codes(cls, tags: list[Tag]) -> list[Tag]:
        seen: dict[str, Tag] = {}
        for tag in tags:
            seen.setdefault(tag.codigo, tag)
        return list(seen.values())

    @field_validator("artista", "album", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip()[:MAX_NAME_CHARS] or None
        return value


class ClassificationOut(ClassificationResult):
    """A stored classification as the API shows it."""

    modelo: str
    versao_prompt: str
    origem: Origin
    criado_em: datetime
    criado_por: str | None = None
