"""Response payloads of the read side: built once by the query functions, validated, returned by the API as
they are (the same classes generate the OpenAPI document) and read by the dashboard.

Field names are the public contract (Portuguese).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import ClassificationOut
from shared.vocabulary import Category, CommentStatus, Origin, Source


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True)


# --- comments


class ComentarioBase(Payload):
    id: str
    texto: str
    artista: str | None = Field(description="Artista enviado pelo cliente ou reconhecido no texto.")
    album: str | None
    musica: str | None
    data: datetime | None = Field(description="Quando o comentário foi escrito (enviado pelo cliente).")
    recebido_em: datetime
    origem_dado: Source = Field(description="Como o comentário entrou: api, csv ou demo.")
    status: CommentStatus
    tentativas: int
    erro: str | None = Field(description="Motivo da falha, quando status = falhou.")


class ComentarioResumo(ComentarioBase):
    """Um comentário numa página de busca, com a classificação atual resumida."""

    ocorrido_em: datetime = Field(description="`data`, ou `recebido_em` quando o cliente não enviou a data.")
    categoria: Category | None
    confianca: float | None
    revisar: bool = Field(description="Classificação automática com confiança abaixo de REVIEW_BELOW_CONFIDENCE.")
    tags: list[str]
    modelo: str | None
    versao_prompt: str | None
    origem: Origin | None
    classificado_em: datetime | None


class ClassificacaoHistorico(ClassificationOut):
    model_config = ConfigDict(frozen=True)
    atual: bool


class ComentarioDetalhe(ComentarioBase):
    """Um comentário com a classificação atual e o histórico completo (mais antigo primeiro)."""

    status_alterado_em: datetime
    classificacao: ClassificacaoHistorico | None
    historico: list[ClassificacaoHistorico]


class PaginaComentarios(Payload):
    itens: list[ComentarioResumo]
    proximo_cursor: str | None = Field(description="Envie em `cursor` para a próxima página; null na última.")
    limite: int


# --- weekly report


class Periodo(Payload):
    desde: date
    ate: date


class PeriodoRelatorio(Periodo):
    fuso_horario: str = Field(description="Fuso em que os dias são contados (TIMEZONE).")


class Totais(Payload):
    total: int = Field(description="Comentários do período, classificados ou não.")
    classificados: int
    total_anterior: int
    classificados_anterior: int
    variacao_percentual: float | None = Field(description="null quando o período anterior não teve comentários.")


class CategoriaTotal(Payload):
    categoria: Category
    total: int
    percentual: float


class DiaCategoria(Payload):
    dia: date
    categoria: Category
    total: int


class TagTotal(Payload):
    codigo: str
    total: int


class TopTags(Payload):
    horas: int = Field(description="Horas inteiras (UTC) contadas, terminando no fim da hora de `ate`.")
    ate: datetime
    itens: list[TagTotal]


class ArtistaCategoria(Payload):
    artista: str
    categoria: Category
    total: int
    total_artista: int


class ConfiancaCategoria(Payload):
    categoria: Category
    total: int
    confianca_media: float | None
    confianca_mediana: float | None = Field(
        description="Aproximada: estimada de um histograma de 20 faixas de confiança (0,05 cada), por interpolação "
        "linear dentro da faixa que contém a mediana."
    )


class Relatorio(Payload):
    """Os dados do relatório semanal público (os mesmos dos gráficos da página)."""

    periodo: PeriodoRelatorio
    periodo_anterior: Periodo
    totais: Totais
    distribuicao_categorias: list[CategoriaTotal]
    evolucao_diaria: list[DiaCategoria]
    top_tags: TopTags
    categorias_por_artista: list[ArtistaCategoria]
    confianca_por_categoria: list[ConfiancaCategoria]
    gerado_em: datetime


# --- weekly summaries


class ResumoSemanal(Payload):
    semana: str
    desde: date
    ate: date
    texto: str
    modelo: str
    versao_prompt: str
    criado_em: datetime
    enviado_em: datetime | None
    destinatarios: list[str]


def dump(model: BaseModel) -> dict[str, Any]:
    """The JSON shape of a payload (what the API sends)."""
    return model.model_dump(mode="json")


# --- alerts


class Alerta(Payload):
    """Um alerta: volume de CRÍTICA ou SPAM muito acima do normal numa janela (geral ou de um artista)."""

    id: int
    categoria: Category
    artista: str | None = Field(description="null: todos os comentários da categoria.")
    inicio: datetime = Field(description="Início da janela contada.")
    fim: datetime = Field(description="Fim da janela contada (exclusivo).")
    total: int = Field(description="Comentários da categoria (e do artista) na janela.")
    linha_base: float = Field(description="Média da mesma janela nas ALERT_BASELINE_WEEKS semanas anteriores.")
    limiar: float = Field(description="Contagem a partir da qual a janela gera alerta.")
    criado_em: datetime
    email_enviado_em: datetime | None = Field(description="null: e-mail ainda não enviado (nova tentativa a seguir).")
    webhook_enviado_em: datetime | None = Field(description="null: não enviado ou ALERT_WEBHOOK_URL não definido.")


class ListaAlertas(Payload):
    periodo: Periodo
    fuso_horario: str
    total: int = Field(description="Alertas que atendem aos filtros (a lista traz no máximo `limite`).")
    limite: int
    itens: list[Alerta] = Field(description="Do mais recente ao mais antigo.")
