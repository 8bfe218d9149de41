"""The OpenAPI document, the interactive docs page, and a bounded schemathesis run finding no 5xx."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# A few hundred generated requests in all (operations x examples), each with a short deadline.
EXAMPLES_PER_OPERATION = 40


def test_openapi_document_lists_every_route_with_bearer_security(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/comentarios",
        "/api/comments",
        "/api/comentarios/{comment_id}",
        "/api/comentarios/export",
        "/api/relatorio/semana",
        "/api/alertas",
        "/insights/perguntar",
        "/health",
    }
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    post = doc["paths"]["/api/comentarios"]["post"]
    assert post["security"] == [{"bearerAuth": []}]
    assert {"202", "400", "413", "415", "422", "503"} <= set(post["responses"])
    comment_in = doc["components"]["schemas"]["CommentIn"]
    assert comment_in["additionalProperties"] is False  # unknown fields rejected, in the document too
    assert "relatorio" in doc["paths"]["/api/relatorio/semana"]["get"]["operationId"]
    assert "security" not in doc["paths"]["/api/relatorio/semana"]["get"]
    alertas = doc["paths"]["/api/alertas"]["get"]
    assert alertas["security"] == [{"bearerAuth": []}] and {"200", "400", "401"} <= set(alertas["responses"])


def test_interactive_docs_page_is_served_without_any_cdn(client):
    page = client.get("/docs/swagger/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "SwaggerUIBundle" in html and "/docs/openapi.json" in html
    assert "unpkg.com" not in html and "cdn.jsdelivr" not in html
    redirect = client.get("/api/docs")
    assert redirect.status_code == 302 and redirect.headers["Location"].endswith("/docs/swagger/")


# Every documented operation (the first test above checks this list against the document).
OPERATIONS = [
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/comentarios"),
    ("GET", "/api/comentarios"),
    ("POST", "/api/comments"),
    ("GET", "/api/comentarios/{comment_id}"),
    ("GET", "/api/comentarios/export"),
    ("GET", "/api/relatorio/semana"),
    ("GET", "/api/alertas"),
    ("POST", "/insights/perguntar"),
    ("GET", "/health"),
]


def test_operations_list_matches_the_document(client):
    paths = client.get("/api/openapi.json").json["paths"]
    documented = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert documented == set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_never_get_a_server_error(app, auth, method, path):
    operation = schemathesis.openapi.from_wsgi("/api/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=timedelta(seconds=5),
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case):
        response = case.call(headers=auth)
        assert response.status_code < 500 or (path == "/health" and response.status_code == 503), (
            f"{case.method} {case.path} -> {response.status_code}: {response.text[:300]}"
        )
        if path.endswith("/export") and response.status_code == 200:  # a file, not a JSON document
            assert response.headers["content-type"][0].startswith(("text/csv", "application/vnd.openxml"))
            case.validate_response(response, checks=[status_code_conformance])
            return
        assert response.headers["content-type"][0].startswith("application/json")
        case.validate_response(
            response, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
        )

    check()
