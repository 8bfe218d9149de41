"""Comments: intake (one or a batch), status by id, search with keyset pagination, streamed export."""

from __future__ import annotations

import functools
import uuid

from flask import Blueprint, current_app, stream_with_context
from flask_jwt_extended import current_user, jwt_required
from pydantic import TypeAdapter, ValidationError
from spectree import Response as Doc

from ingest_api.http import ApiError, payload, query_args, read_json, spend
from ingest_api.schemas import (
    ComentarioDetalhe,
    ConsultaComentarios,
    ConsultaExportacao,
    Erro,
    ErroValidacao,
    LoteComentarios,
    PaginaComentarios,
    Recebimento,
)
from ingest_api.spec import BEARER, api_spec
from shared.contracts import CommentIn
from shared.db import read_scope
from shared.ingest.intake import ingest
from shared.queue import enqueue_classification, get_queue, redis_connection
from shared.reporting import export, queries
from shared.settings import get_settings
from shared.validation import error_details
from shared.vocabulary import IntakeStatus

bp = Blueprint("comentarios", __name__)

_batch_adapter = TypeAdapter(list[CommentIn])
_INTAKE_ERRORS = {400: Erro, 401: Erro, 413: Erro, 415: Erro, 429: Erro, 503: Erro}


def _cached_enqueue():
    """Enqueue through one Redis connection pool per process and URL (not a new connection per request)."""
    url = get_settings().redis_url
    cache = current_app.extensions.setdefault("alumusic_queues", {})
    queue = cache.get(url)
    if queue is None:
        queue = cache[url] = get_queue(redis_connection(url))
    return functools.partial(enqueue_classification, queue=queue)


def _items_from_body() -> list[CommentIn]:
    settings = get_settings()
    data = read_json()
    if not isinstance(data, (list, dict)):
        raise ApiError(400, "envie um objeto (um comentário) ou uma lista de objetos (um lote)")
    if isinstance(data, list) and not data:
        raise ApiError(400, "lista vazia; envie pelo menos um comentário")
    batch = data if isinstance(data, list) else [data]
    if len(batch) > settings.max_batch_items:
        raise ApiError(413, f"lote com {len(batch)} itens; o máximo é {settings.max_batch_items} por requisição")
    try:
        return _batch_adapter.validate_python(batch)
    except ValidationError as exc:
        raise ApiError(
            422, "dados inválidos; nenhum comentário foi guardado", error_details(exc, indexed=True)
        ) from None


@bp.post("/api/comentarios")
@bp.post("/api/comments")
@api_spec.validate(
    json=LoteComentarios,
    resp=Doc(
        HTTP_202=Recebimento,
        HTTP_422=ErroValidacao,
        **{f"HTTP_{code}": model for code, model in _INTAKE_ERRORS.items()},
    ),
    tags=["comentários"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def receive():
    """Recebe um comentário ou um lote

    Valida todos os itens primeiro (422 e nada guardado se algum for inválido), guarda os novos numa única
    transação e só então os enfileira para classificação. Cada usuário tem uma cota de comentários
    (`INGEST_RATE_LIMIT`; 429 com `Retry-After` acima dela). Cada item volta como `enfileirado`, `duplicado`
    (mesmo id e mesmo texto: nada muda) ou `conflito` (mesmo id, outro texto: nada muda).
    `POST /api/comments` é um sinônimo (compatibilidade), e `text` é aceito no lugar de `texto`.
    """
    items = _items_from_body()
    spend(
        "ingestao", current_user.email, get_settings().ingest_rate_limit, cost=len(items), what="comentários enviados"
    )
    result = ingest(items, enqueue=_cached_enqueue())
    counts = result.counts()
    body = Recebimento(
        recebidos=len(result.items),
        enfileirados=counts[IntakeStatus.ENFILEIRADO],
        duplicados=counts[IntakeStatus.DUPLICADO],
        conflitos=counts[IntakeStatus.CONFLITO],
        itens=[{"id": str(comment_id), "status": status} for comment_id, status in result.items],
        aviso=(
            "fila de classificação indisponível: os comentários foram guardados e serão enfileirados automaticamente"
        )
        if result.queue_error
        else None,
    )
    return payload(body, 202)


@bp.get("/api/comentarios/<comment_id>")
@api_spec.validate(
    resp=Doc(HTTP_200=ComentarioDetalhe, HTTP_401=Erro, HTTP_404=Erro, HTTP_422=Erro, HTTP_503=Erro),
    path_parameter_descriptions={"comment_id": "UUID do comentário (o id enviado pelo cliente)"},
    tags=["comentários"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def show(comment_id: str):
    """Status e classificação de um comentário

    Situação (`pendente`, `processando`, `classificado`, `falhou` com o motivo), a classificação atual e o
    histórico completo de classificações.
    """
    try:
        parsed = uuid.UUID(comment_id)
    except ValueError:
        raise ApiError(422, "id inválido; use um UUID", [{"campo": "id", "mensagem": "UUID inválido"}]) from None
    with read_scope() as session:
        detail = queries.get_comment(session, parsed)
    if detail is None:
        raise ApiError(404, "comentário não encontrado")
    return payload(detail)


@bp.get("/api/comentarios")
@api_spec.validate(
    query=ConsultaComentarios,
    resp=Doc(HTTP_200=PaginaComentarios, HTTP_401=Erro, HTTP_422=ErroValidacao, HTTP_503=Erro),
    tags=["comentários"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def search():
    """Busca comentários

    Filtros combinados (categoria, tag, artista, álbum, status, busca textual em português, período,
    confiança, revisar); do mais recente ao mais antigo, com paginação por cursor opaco.
    """
    consulta = query_args(ConsultaComentarios)
    try:
        with read_scope() as session:
            page = queries.list_comments(session, consulta.filtro(), cursor=consulta.cursor, limit=consulta.limite)
    except queries.InvalidCursor as exc:
        raise ApiError(422, str(exc), [{"campo": "cursor", "mensagem": "cursor inválido"}]) from None
    return payload(page)


@bp.get("/api/comentarios/export")
@api_spec.validate(
    query=ConsultaExportacao,
    resp=Doc(HTTP_200=None, HTTP_401=Erro, HTTP_422=ErroValidacao),
    tags=["comentários"],
    security=BEARER,
    skip_validation=True,
)
@jwt_required()
def export_comments():
    """Exporta os comentários filtrados (CSV ou XLSX)

    Os mesmos filtros da busca; todos os comentários que atendem a eles, do mais recente ao mais antigo.
    `formato=csv` (padrão): UTF-8 com BOM, todos os campos entre aspas, transmitido direto do PostgreSQL
    (memória constante, qualquer tamanho). `formato=xlsx`: planilha (até 1.048.575 linhas). Em ambos, nenhuma
    célula vira fórmula: um apóstrofo protege `=`, `+`, `-`, `@` no início da célula e depois de separadores.
    """
    consulta = query_args(ConsultaExportacao)
    filtro = consulta.filtro()
    name = f"comentarios.{consulta.formato}"
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "Content-Type": export.FORMATS[consulta.formato],
    }
    # The body goes back as an iterator, not a Response: spectree's wrapper reads a Response's whole body into
    # memory (`get_data`) to re-wrap it, which turned this stream into a buffer of the whole file (680 MB for a
    # million rows). Flask makes the streamed Response from the iterator after the wrapper.
    if consulta.formato == "csv":
        return stream_with_context(export.stream_csv(filtro)), 200, headers
    try:
        file = export.xlsx_file(filtro)
    except export.ExportError as exc:
        raise ApiError(422, str(exc)) from None
    return _file_chunks(file), 200, headers


def _file_chunks(file, size: int = 256 * 1024):
    with file:
        while chunk := file.read(size):
            yield chunk
