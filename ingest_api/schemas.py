"""Request and response models of the API: they validate requests and generate the OpenAPI document."""
from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, field_validator

from shared.contracts import ClassificationOut, CommentIn, CommentStatus
from shared.intake import ItemStatus
from shared.queries import CommentFilter
from shared.settings import get_settings
from shared.validation import reject_nul


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
    refresh_token: str | None = None
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(description="Validade do access_token, em segundos.")


# --- comentarios

class LoteComentarios(RootModel[CommentIn | list[CommentIn]]):
    """Um comentário (objeto) ou um lote (lista). `text` é aceito como sinônimo de `texto`."""


class ItemRecebido(BaseModel):
    id: str
    status: ItemStatus = Field(description=(
        "enfileirado: novo, guardado e na fila; duplicado: mesmo id e mesmo texto já recebidos, nada muda; "
        "conflito: mesmo id com outro texto, nada muda (use outro id)."))


class Recebimento(BaseModel):
    recebidos: int
    enfileirados: int
    duplicados: int
    conflitos: int
    itens: list[ItemRecebido]
    aviso: str | None = Field(default=None, description="Presente quando a fila estava indisponível.")


class ClassificacaoHistorico(ClassificationOut):
    atual: bool


class _ComentarioBase(BaseModel):
    id: str
    texto: str
    artista: str | None
    album: str | None
    musica: str | None
    data: str | None
    recebido_em: str


class ComentarioDetalhe(_ComentarioBase):
    origem_dado: str
    status: CommentStatus
    status_alterado_em: str
    tentativas: int
    erro: str | None = Field(description="Motivo da falha, quando status = falhou.")
    classificacao: ClassificacaoHistorico | None
    historico: list[ClassificacaoHistorico]


class ComentarioResumo(_ComentarioBase):
    ocorrido_em: str
    origem_dado: str | None
    status: CommentStatus
    tentativas: int
    erro: str | None
    categoria: str | None
    confianca: float | None
    tags: list[str]
    modelo: str | None
    versao_prompt: str | None
    origem: str | None
    classificado_em: str | None


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


class PaginaComentarios(BaseModel):
    itens: list[ComentarioResumo]
    proximo_cursor: str | None = Field(description="Envie em `cursor` para a próxima página; null na última.")
    limite: int


# --- relatorio

class ConsultaRelatorio(BaseModel):
    model_config = ConfigDict(extra="forbid")
    desde: date | None = Field(default=None, description="Primeiro dia (padrão: 6 dias antes de `ate`).")
    ate: date | None = Field(default=None, description="Último dia (padrão: hoje, no fuso configurado).")


class Relatorio(BaseModel):
    """Os dados dos gráficos do relatório público (ver shared/reports.py)."""
    model_config = ConfigDict(extra="allow")
    periodo: dict[str, str]
    periodo_anterior: dict[str, str]
    totais: dict[str, Any]
    distribuicao_categorias: list[dict[str, Any]]
    evolucao_diaria: list[dict[str, Any]]
    top_tags: dict[str, Any]
    categorias_por_artista: list[dict[str, Any]]
    confianca_por_categoria: list[dict[str, Any]]
    gerado_em: str


# --- insights

class Pergunta(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    pergunta: str = Field(min_length=1, description="Pergunta curta (até MAX_QUESTION_CHARS, padrão 500).",
                          examples=["O que mais incomodou o público nas últimas semanas?"])

    @field_validator("pergunta")
    @classmethod
    def _limit(cls, value: str) -> str:
        reject_nul(value)
        maximum = get_settings().max_question_chars
        if len(value) > maximum:
            raise ValueError(f"pergunta com {len(value)} caracteres; o máximo é {maximum}")
        return value


class Resposta(BaseModel):
    resposta: str = Field(description="Até 150 palavras.")
    semanas_citadas: list[str] = Field(examples=[["2026-W46", "2026-W47"]])
    modo: Literal["gemini", "offline"]
    aviso: str | None = None


# --- health

class Saude(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: Literal["ok", "indisponivel"]
    servicos: dict[str, Any]
    fila: dict[str, Any]
    erro: str | None = None
