"""Request helpers shared by the blueprints: the API's one error shape, JSON body and query parsing."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError

from shared import quotas
from shared.settings import get_settings
from shared.validation import error_details

M = TypeVar("M", bound=BaseModel)

JSON_MIMETYPES = {"application/json"}
# No request the API accepts nests deeper than a few levels; deeper documents are refused before validation.
MAX_JSON_DEPTH = 32


class ApiError(Exception):
    """An answer in the API's one error shape, `{"erro": ..., "detalhes": ...}`, raised from anywhere."""

    def __init__(self, status: int, erro: str, detalhes: Any = None, headers: dict[str, str] | None = None):
        super().__init__(erro)
        self.status, self.erro, self.detalhes, self.headers = status, erro, detalhes, headers or {}

    def response(self) -> Response:
        body: dict[str, Any] = {"erro": self.erro}
        if self.detalhes is not None:
            body["detalhes"] = self.detalhes
        response = jsonify(body)
        response.status_code = self.status
        response.headers.update(self.headers)
        return response


def read_json() -> Any:
    """The request's JSON document: 415 for another content type, 413 when too large, 400 when malformed/empty."""
    if request.mimetype not in JSON_MIMETYPES and not request.mimetype.endswith("+json"):
        raise ApiError(415, "tipo de conteúdo não suportado; envie Content-Type: application/json")
    limit = get_settings().max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"corpo da requisição grande demais: o máximo é {limit} bytes")
    raw = request.get_data(cache=False)  # werkzeug stops at MAX_CONTENT_LENGTH for chunked bodies
    if len(raw) > limit:
        raise ApiError(413, f"corpo da requisição grande demais: o máximo é {limit} bytes")
    if not raw.strip():
        raise ApiError(400, "corpo vazio; envie um documento JSON")
    too_deep = ApiError(400, f"JSON aninhado demais: o máximo são {MAX_JSON_DEPTH} níveis")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "JSON malformado", str(exc)[:200]) from None
    except RecursionError:  # thousands of levels: the parser itself gives up
        raise too_deep from None
    if _too_deep(data):
        raise too_deep
    return data


def _too_deep(data: Any) -> bool:
    """Whether `data` nests lists/objects more than MAX_JSON_DEPTH levels (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def validate(model: type[M], data: Any) -> M:
    """Validate `data` with `model`; 422 with the list of problems otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "dados inválidos", error_details(exc)) from None


def json_body(model: type[M]) -> M:
    data = read_json()
    if not isinstance(data, dict):
        raise ApiError(422, "dados inválidos", [{"campo": None, "mensagem": "envie um objeto JSON"}])
    return validate(model, data)


def query_args(model: type[M]) -> M:
    """Query parameters (each one once) validated by `model`; repeated or unknown parameters give 422."""
    args = request.args
    repeated = sorted(key for key in args if len(args.getlist(key)) > 1)
    if repeated:
        raise ApiError(422, "dados inválidos", [{"campo": key, "mensagem": "parâmetro repetido"} for key in repeated])
    return validate(model, {key: value for key, value in args.items() if value != ""})


def spend(kind: str, key: str, limit: str, cost: int = 1, what: str = "uso") -> None:
    """Count against a quota (`shared.quotas`); 429 with `Retry-After` when it is used up."""
    try:
        quotas.spend(kind, key, limit, cost=cost, what=what)
    except quotas.QuotaExceeded as exc:
        raise ApiError(
            429,
            f"limite de {what} atingido; tente de novo em {exc.retry_after} s",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None


def payload(model: BaseModel, status: int = 200) -> tuple[dict, int]:
    """A response payload model as the JSON answer (the same model documents the route). Returned as a dict, not a
    Response: the routes' spectree wrapper would read a Response's body back and build a second one."""
    return model.model_dump(mode="json"), status
