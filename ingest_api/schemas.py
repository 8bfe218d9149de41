"""Request models of the API and the responses built here; the read side's payloads come from
`shared.reporting.payloads`. The same classes validate the requests, shape the answers and generate the
OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from shared.alerts.listing import MAX_ITEMS
from shared.contracts import CommentIn
from shared.reporting.filters import CommentFilter
from shared.reporting.payloads import ComentarioDetalhe, ListaAlertas, PaginaComentarios, Relatorio
from shared.reporting.qa.aggregates import MAX_WEEKS as MAX_QUESTION_WEEKS
from shared.settings import get_settings
from shared.validation import check_date, reject_nul
from shared.vocabulary import WATCHED_CATEGORIES, Category, IntakeStatus

# documented payloads, re-exported
__all__ = ["ComentarioDetalhe", "ListaAlertas", "PaginaComentarios", "Relatorio"]


class Erro(BaseModel):
    """Every error answer of the API."""

    erro: str = Field(description="O que aconteceu, em português.")
    detalhes: Any = Field(default=None, description="Detalhes (por exemplo, a lista de campos inválidos).")


class DetalheValidacao(BaseModel):
    indice: int | None = Field(default=None, description="Posição do item no lote (0 = primeiro).")
    campo: str | None = None
    mensagem: str


class ErroValidacao(BaseModel):
    erro: str
    detalhes: list[DetalheValidacao]


# --- auth


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=1, max_length=320, examples=["curadoria@alumusic.com.br"])
    password: str = Field(min_length=1, max_length=200)

    _no_nul = field_validator("email", "password")(lambda value: reject_nul(value))


class Tokens(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Validade do access_token, em segundos.")


class Logout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str | None = Field(default=None, max_length=4000, description="Revogar também este token.")
    todos: bool = Field(default=False, description="Encerrar todos os tokens e sessões desta conta.")


class Saida(BaseModel):
    saiu: bool
    todos: bool


# --- comentarios


class LoteComentarios(RootModel[CommentIn | list[CommentIn]]):
    """Um comentário (objeto) ou um lote (lista). `text` é aceito como sinônimo de `texto`."""


class ItemRecebido(BaseModel):
    id: str
    status: IntakeStatus = Field(
        description=(
            "enfileirado: novo, guardado e na fila; duplicado: mesmo id e mesmo texto já recebidos, nada muda; "
            "conflito: mesmo id com outro texto, nada muda (use outro id)."
        )
    )


class Recebimento(BaseModel):
    recebidos: int
    enfileirados: int
    duplicados: int
    conflitos: int
    itens: list[ItemRecebido]
    aviso: str | None = Field(default=None, description="Presente quando a fila estava indisponível.")


class ConsultaComentarios(CommentFilter):
    cursor: str | None = Field(default=None, max_length=500, description="Valor de `proximo_cursor`.")
    limite: int = Field(default=50, ge=1, description="Itens por página (máximo: PAGE_SIZE_MAX, padrão 200).")

    @field_validator("limite")
    @classmethod
    def _page_limit(cls, value: int) -> int:
        maximum = get_settings().page_size_max
        if value > maximum:
            raise ValueError(f"no máximo {maximum} itens por página")
        return value

    def filtro(self) -> CommentFilter:
        return CommentFilter(**self.model_dump(exclude={"cursor", "limite"}))


class ConsultaExportacao(CommentFilter):
    formato: Literal["csv", "xlsx"] = Field(default="csv", description="csv (padrão) ou xlsx.")

    def filtro(self) -> CommentFilter:
        return CommentFilter(**self.model_dump(exclude={"formato"}))


# --- relatorio


class ConsultaRelatorio(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: date | None = Field(default=None, description="Primeiro dia (padrão: 6 dias antes de `ate`).")
    ate: date | None = Field(default=None, description="Último dia (padrão: hoje, no fuso configurado).")


# --- alertas


class ConsultaAlertas(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    desde: date | None = Field(default=None, description="Primeiro dia de criação (padrão: 6 dias antes de `ate`).")
    ate: date | None = Field(default=None, description="Último dia de criação (padrão: hoje, no fuso configurado).")
    categoria: Category | None = Field(default=None, description="CRÍTICA ou SPAM (as categorias vigiadas).")
    artista: str | None = Field(
        default=None, max_length=200, description="Artista (sem diferenciar maiúsculas); sem ele, todos."
    )
    limite: int = Field(default=100, ge=1, le=MAX_ITEMS, description=f"Itens (máximo {MAX_ITEMS}).")

    @field_validator("categoria")
    @classmethod
    def _watched(cls, value: Category | None) -> Category | None:
        if value is not None and value not in WATCHED_CATEGORIES:
            raise ValueError("só há alertas de " + " e ".join(c.value for c in WATCHED_CATEGORIES))
        return value

    @field_validator("artista")
    @classmethod
    def _artist(cls, value: str | None) -> str | None:
        return reject_nul(value) or None

    @field_validator("desde", "ate")
    @classmethod
    def _sane_date(cls, value: date | None) -> date | None:
        return check_date(value) if value is not None else None


# --- insights


class Pergunta(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    pergunta: str = Field(
        min_length=1,
        description="Pergunta curta (até MAX_QUESTION_CHARS, padrão 500).",
        examples=["O que mais incomodou o público nas últimas semanas?"],
    )
    semanas: int | None = Field(
        default=None,
        ge=1,
        le=MAX_QUESTION_WEEKS,
        description="Semanas ISO do período (a atual incluída). Padrão: as que a pergunta citar "
        '("últimas 4 semanas"), senão 8.',
    )

    @field_validator("pergunta")
    @classmethod
    def _limit(cls, value: str) -> str:
        reject_nul(value)
        maximum = get_settings().max_question_chars
        if len(value) > maximum:
            raise ValueError(f"pergunta com {len(value)} caracteres; o máximo é {maximum}")
        return value


class Resposta(BaseModel):
    resposta: str = Field(description="Até 150 palavras, com números e as semanas usadas.")
    semanas_citadas: list[str] = Field(
        description="Semanas em que a resposta se baseia (as que cita).", examples=[["2026-W46", "2026-W47"]]
    )
    semanas: list[str] = Field(
        description="Todas as semanas ISO do período agregado, da mais antiga à atual.",
        examples=[["2026-W42", "2026-W43", "2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]],
    )
    periodo: dict[str, date] = Field(
        description="Primeiro e último dia do período ('desde', 'ate'; fuso TIMEZONE).",
        examples=[{"desde": "2026-10-12", "ate": "2026-12-02"}],
    )
    modo: Literal["gemini", "offline"]
    intencao: Literal["categoria", "tendencia", "artista", "tag", "geral"] = Field(
        description="O que a pergunta pede, lido sem IA: uma categoria (o que incomodou, foi elogiado, é pedido "
        "ou perguntado), a evolução por semana, um artista, um tema (tag) ou um panorama geral."
    )
    aviso: str | None = None


# --- health


class Saude(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: Literal["ok", "indisponivel"]
    servicos: dict[str, Any]
    fila: dict[str, Any]
    erro: str | None = None
