"""The OpenAPI document (spectree over the pydantic models) and what the routes share to describe themselves."""

from __future__ import annotations

from flask import request
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from spectree.models import SecureType

from ingest_api.schemas import ErroValidacao


def client_address() -> str:
    return request.remote_addr or "desconhecido"


# Interactive pages at /docs/swagger/, /docs/redoc/, /docs/scalar/; the document also at /api/openapi.json.
DOCS_PATH = "docs"
OPENAPI_URL = "/api/openapi.json"

api_spec = SpecTree(
    "flask",
    title="AluMusic API",
    description=(
        "API de ingestão e consulta de comentários da AluMusic. Obtenha um token em `POST /api/auth/login` e "
        "envie-o no cabeçalho `Authorization: Bearer <token>`. Erros respondem sempre "
        '`{"erro": ..., "detalhes": ...}`.'
    ),
    version="1.0.0",
    path=DOCS_PATH,
    filename="openapi.json",
    annotations=False,
    validation_error_model=ErroValidacao,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[
        SecurityScheme(
            name="bearerAuth", data=SecuritySchemeData(type=SecureType.HTTP, scheme="bearer", bearer_format="JWT")
        )
    ],
)
BEARER = {"bearerAuth": []}
