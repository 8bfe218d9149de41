"""POST/GET /api/comentarios through the real app, real PostgreSQL and real Redis/RQ."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.db import reset_engines, session_scope
from shared.dispatch import DRAIN_JOB
from shared.models import Comment
from shared.queue import CLASSIFY_JOB
from shared.settings import reset_settings_cache
from shared.vocabulary import Category, CommentStatus, Origin
from tests.api_fixtures import closed_port_url, comment_count, new_item, queued_ids, queued_jobs
from tests.report_seed import add_comment, classify, utc


def _statuses(response) -> list[str]:
    return [item["status"] for item in response.json["itens"]]


def _stored(comment_id: str) -> Comment | None:
    with session_scope() as session:
        return session.get(Comment, uuid.UUID(comment_id))


# --- intake


def test_single_comment_is_stored_pending_and_handed_to_the_dispatcher(client, auth, redis_conn):
    item = new_item("Que álbum incrível", artista="Anitta", data="2026-11-20T14:30:00-03:00")
    response = client.post("/api/comentarios", json=item, headers=auth)
    assert response.status_code == 202
    assert response.json["recebidos"] == 1
    assert response.json["itens"] == [{"id": item["id"], "status": "enfileirado"}]
    stored = _stored(item["id"])
    assert stored.status is CommentStatus.PENDENTE
    assert stored.artist == "Anitta"
    assert stored.written_at == utc(2026, 11, 20, 17).replace(minute=30)
    assert queued_ids(redis_conn) == [item["id"]]  # ids only, never texts
    [job] = queued_jobs(redis_conn)  # one drain job will take it (with whatever else arrives meanwhile)
    assert (job.func_name, list(job.args)) == (DRAIN_JOB, [])


def test_single_comments_share_one_waiting_drain_job(client, auth, redis_conn):
    items = [new_item(f"Um de cada vez {i}") for i in range(5)]
    for item in items:
        assert client.post("/api/comentarios", json=item, headers=auth).status_code == 202
    assert queued_ids(redis_conn) == [item["id"] for item in items]
    assert [job.func_name for job in queued_jobs(redis_conn)] == [DRAIN_JOB]


def test_batch_above_the_dispatch_threshold_is_spread_over_jobs_of_at_most_the_chunk(
    client, auth, redis_conn, use_settings
):
    use_settings(enqueue_chunk_size="2", dispatch_threshold="4")
    items = [new_item(f"Comentário {i}") for i in range(5)]
    response = client.post("/api/comentarios", json=items, headers=auth)
    assert response.status_code == 202
    assert response.json["enfileirados"] == 5
    jobs = queued_jobs(redis_conn)
    assert {job.func_name for job in jobs} == {CLASSIFY_JOB}
    assert sorted(len(job.args[0]) for job in jobs) == [1, 2, 2]
    assert sorted(i for job in jobs for i in job.args[0]) == sorted(item["id"] for item in items)


def test_text_is_accepted_as_alias_of_texto_and_comments_route_is_an_alias(client, auth):
    item = {"id": str(uuid.uuid4()), "text": "Compatível com a versão antiga"}
    response = client.post("/api/comments", json=[item], headers=auth)
    assert response.status_code == 202
    assert _stored(item["id"]).text == "Compatível com a versão antiga"


def test_duplicate_and_conflict_in_one_batch(client, auth, redis_conn):
    existing = new_item("Texto original")
    assert client.post("/api/comentarios", json=existing, headers=auth).status_code == 202
    before = len(queued_ids(redis_conn))
    fresh = new_item("Novo comentário")
    batch = [
        fresh,
        dict(fresh),  # repeated in the same batch: duplicado
        {"id": existing["id"], "texto": "  TEXTO   original "},  # same text once normalised: duplicado
        {"id": existing["id"], "texto": "Outro texto"},  # same id, other text: conflito
    ]
    response = client.post("/api/comentarios", json=batch, headers=auth)
    assert response.status_code == 202
    assert _statuses(response) == ["enfileirado", "duplicado", "duplicado", "conflito"]
    assert (response.json["enfileirados"], response.json["duplicados"], response.json["conflitos"]) == (1, 2, 1)
    assert _stored(existing["id"]).text == "Texto original"  # conflict changed nothing
    assert queued_ids(redis_conn)[before:] == [fresh["id"]]  # only the new comment was enqueued


def test_resending_a_batch_enqueues_nothing_new(client, auth, redis_conn):
    items = [new_item(f"Reenvio {i}") for i in range(3)]
    client.post("/api/comentarios", json=items, headers=auth)
    handed = len(queued_ids(redis_conn))
    response = client.post("/api/comentarios", json=items, headers=auth)
    assert _statuses(response) == ["duplicado"] * 3
    assert len(queued_ids(redis_conn)) == handed == 3


def test_invalid_item_gives_422_with_index_field_and_message_and_stores_nothing(client, auth, redis_conn):
    batch = [
        new_item("Válido"),
        {"id": str(uuid.uuid4())},
        new_item("Tentando escolher a categoria", categoria="ELOGIO"),
        {"id": "não-é-uuid", "texto": "x"},
        new_item("   "),
    ]
    response = client.post("/api/comentarios", json=batch, headers=auth)
    assert response.status_code == 422
    assert response.json["erro"].startswith("dados inválidos")
    detalhes = response.json["detalhes"]
    assert {"indice": 1, "campo": "texto", "mensagem": "campo obrigatório"} in detalhes
    assert {"indice": 2, "campo": "categoria", "mensagem": "campo não permitido"} in detalhes
    assert {"indice": 3, "campo": "id", "mensagem": "UUID inválido"} in detalhes
    assert {"indice": 4, "campo": "texto", "mensagem": "não pode ser vazio"} in detalhes
    assert all(d["indice"] != 0 for d in detalhes)
    assert comment_count() == 0
    assert queued_jobs(redis_conn) == [] and queued_ids(redis_conn) == []


def test_limits_come_from_settings(client, auth, use_settings):
    use_settings(max_text_chars="10")
    use_settings(max_batch_items="2")
    long_text = client.post("/api/comentarios", json=new_item("x" * 11), headers=auth)
    assert long_text.status_code == 422
    assert long_text.json["detalhes"][0]["mensagem"] == "texto com 11 caracteres; o máximo é 10"
    too_many = client.post("/api/comentarios", json=[new_item("a"), new_item("b"), new_item("c")], headers=auth)
    assert too_many.status_code == 413
    assert "máximo é 2" in too_many.json["erro"]
    assert comment_count() == 0


def test_body_over_the_byte_limit_is_413_json(client, auth, use_settings):
    use_settings(max_body_bytes="200")
    response = client.post("/api/comentarios", json=[new_item("x" * 300)], headers=auth)
    assert response.status_code == 413
    assert response.is_json and "máximo é 200 bytes" in response.json["erro"]


def test_bad_requests_answer_json_in_portuguese(client, auth):
    cases = [
        (dict(data="id,texto", content_type="text/csv"), 415),
        (dict(data='{"id": ', content_type="application/json"), 400),
        (dict(data="", content_type="application/json"), 400),
        (dict(data="[]", content_type="application/json"), 400),
        (dict(data='"só um texto"', content_type="application/json"), 400),
        (dict(data=b"\xff\xfe{", content_type="application/json"), 400),
    ]
    for kwargs, status in cases:
        response = client.post("/api/comentarios", headers=auth, **kwargs)
        assert response.status_code == status, kwargs
        assert response.is_json and response.json["erro"], kwargs
    assert comment_count() == 0


def test_intake_requires_a_token(client):
    response = client.post("/api/comentarios", json=new_item())
    assert response.status_code == 401
    assert "Authorization" in response.json["erro"]
    assert comment_count() == 0


def test_redis_down_still_answers_202_and_keeps_rows_pending(client, auth, use_settings):
    use_settings(redis_url=closed_port_url("redis"))
    items = [new_item("Redis fora 1"), new_item("Redis fora 2")]
    response = client.post("/api/comentarios", json=items, headers=auth)
    assert response.status_code == 202
    assert _statuses(response) == ["enfileirado", "enfileirado"]
    assert "indisponível" in response.json["aviso"]
    for item in items:
        assert _stored(item["id"]).status is CommentStatus.PENDENTE


def test_postgres_down_answers_503_json_and_writes_nothing(client, auth, redis_conn, use_settings):
    use_settings(database_url=closed_port_url("postgresql"))
    try:
        response = client.post("/api/comentarios", json=[new_item("PG fora")], headers=auth)
        assert response.status_code == 503
        assert response.is_json and "banco de dados indisponível" in response.json["erro"]
    finally:
        reset_settings_cache()  # back to the run's database
        reset_engines()
    assert comment_count() == 0
    assert queued_jobs(redis_conn) == [] and queued_ids(redis_conn) == []


# --- status by id


def test_status_of_a_pending_comment(client, auth):
    item = new_item("Aguardando")
    client.post("/api/comentarios", json=item, headers=auth)
    response = client.get(f"/api/comentarios/{item['id']}", headers=auth)
    assert response.status_code == 200
    assert response.json["status"] == "pendente"
    assert response.json["classificacao"] is None and response.json["historico"] == []


def test_status_shows_current_classification_in_the_public_shape_and_the_history(client, auth):
    cid = add_comment("Autotune demais nesse álbum", when=utc(2026, 11, 20))
    classify(cid, Category.ELOGIO, 0.5, created_at=utc(2026, 11, 20, 13))
    classify(
        cid,
        Category.CRITICA,
        0.87,
        {"feat_autotune": "uso excessivo de autotune"},
        artista="Anitta",
        origin=Origin.LLM,
        model="gemini-2.5-flash",
        created_at=utc(2026, 11, 20, 14),
    )
    response = client.get(f"/api/comentarios/{cid}", headers=auth)
    body = response.json
    assert response.status_code == 200 and body["status"] == "classificado"
    current = body["classificacao"]
    assert {
        k: current[k]
        for k in ("categoria", "confianca", "tags_funcionalidades", "artista", "album", "modelo", "versao_prompt")
    } == {
        "categoria": "CRÍTICA",
        "confianca": 0.87,
        "tags_funcionalidades": [{"codigo": "feat_autotune", "explicacao": "uso excessivo de autotune"}],
        "artista": "Anitta",
        "album": None,
        "modelo": "gemini-2.5-flash",
        "versao_prompt": "v1",
    }
    assert [h["categoria"] for h in body["historico"]] == ["ELOGIO", "CRÍTICA"]


def test_status_of_a_failed_comment_shows_the_reason(client, auth):
    cid = add_comment("Falhou", status=CommentStatus.FALHOU, last_error="resposta do modelo inválida")
    response = client.get(f"/api/comentarios/{cid}", headers=auth)
    assert response.json["status"] == "falhou"
    assert response.json["erro"] == "resposta do modelo inválida"


def test_unknown_id_is_404_and_malformed_id_is_422(client, auth):
    missing = client.get(f"/api/comentarios/{uuid.uuid4()}", headers=auth)
    assert missing.status_code == 404 and missing.json["erro"] == "comentário não encontrado"
    malformed = client.get("/api/comentarios/123", headers=auth)
    assert malformed.status_code == 422 and malformed.is_json


# --- search


def test_search_filters_and_walks_pages_with_the_opaque_cursor(client, auth):
    ids = []
    for i in range(5):
        cid = add_comment(f"Música boa {i}", when=utc(2026, 11, 10, 10 + i), artista="Anitta")
        classify(cid, Category.ELOGIO, tags={"feat_producao": "produção"})
        ids.append(str(cid))
    add_comment("Outro artista", when=utc(2026, 11, 10), artista="Pabllo")
    seen, cursor = [], None
    while True:
        params = {"artista": "anitta", "categoria": "ELOGIO", "tag": "Producao", "limite": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get("/api/comentarios", query_string=params, headers=auth)
        assert response.status_code == 200
        seen += [item["id"] for item in response.json["itens"]]
        cursor = response.json["proximo_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_search_full_text_status_and_dates(client, auth):
    hit = add_comment("As músicas novas estão incríveis", when=utc(2026, 11, 12))
    add_comment("Show cancelado", when=utc(2026, 11, 12))
    add_comment("As músicas antigas", when=utc(2026, 10, 1))
    response = client.get(
        "/api/comentarios", query_string={"q": "música", "desde": "2026-11-01", "status": "pendente"}, headers=auth
    )
    assert [item["id"] for item in response.json["itens"]] == [str(hit)]


def test_search_rejects_bad_parameters_with_422(client, auth):
    for params in (
        {"limite": 201},
        {"categoria": "BOM"},
        {"desde": "ontem"},
        {"cursor": "xyz"},
        {"confianca_min": 2},
        {"desconhecido": "1"},
    ):
        response = client.get("/api/comentarios", query_string=params, headers=auth)
        assert response.status_code == 422, params
        assert response.json["detalhes"], params


def test_search_requires_a_token(client):
    assert client.get("/api/comentarios").status_code == 401


def test_unknown_route_and_wrong_method_answer_json(client):
    for response in (client.get("/api/nao-existe"), client.delete("/api/comentarios")):
        assert response.is_json
        assert "erro" in json.loads(response.data)
    assert client.get("/api/nao-existe").status_code == 404
    assert client.delete("/api/comentarios").status_code == 405


def test_nul_characters_far_dates_and_impossible_offsets_are_422_not_database_errors(client, auth):
    batch = [
        new_item("texto com \u0000 nulo"),
        new_item("data antiga", data="1615-08-18T01:34:07-03:00"),
        new_item("fuso impossível", data="2026-03-25T22:49:07+16:37"),
        new_item("artista", artista="A\u0000"),
    ]
    response = client.post("/api/comentarios", json=batch, headers=auth)
    assert response.status_code == 422
    assert [(d["indice"], d["campo"]) for d in response.json["detalhes"]] == [
        (0, "texto"),
        (1, "data"),
        (2, "data"),
        (3, "artista"),
    ]
    assert comment_count() == 0


def test_a_date_without_offset_is_read_in_the_configured_time_zone(client, auth):
    item = new_item("sem fuso", data="2026-11-20T14:30:00")
    assert client.post("/api/comentarios", json=item, headers=auth).status_code == 202
    assert _stored(item["id"]).written_at == utc(2026, 11, 20, 17).replace(minute=30)  # São Paulo is UTC-3


@pytest.mark.parametrize("depth", [40, 5_000, 200_000])
@pytest.mark.parametrize("route", ["/api/comentarios", "/api/auth/login", "/insights/perguntar", "/api/auth/logout"])
def test_deeply_nested_json_gets_a_400_on_every_route(client, auth, route, depth):
    body = "[" * depth + "]" * depth
    response = client.post(route, data=body, content_type="application/json", headers=auth)
    assert response.status_code == 400
    assert response.is_json and "aninhado demais" in response.json["erro"]
    nested_object = '{"a":' * depth + "1" + "}" * depth
    response = client.post(route, data=nested_object, content_type="application/json", headers=auth)
    assert response.status_code == 400


def test_ingest_past_the_per_user_quota_gets_429_and_stores_nothing_of_that_request(client, auth, use_settings):
    use_settings(ingest_rate_limit="3 per minute")
    first = client.post("/api/comentarios", json=[new_item("um"), new_item("dois")], headers=auth)
    second = client.post("/api/comentarios", json=[new_item("três"), new_item("quatro")], headers=auth)
    assert (first.status_code, second.status_code) == (202, 429)
    assert "limite de comentários enviados" in second.json["erro"] and int(second.headers["Retry-After"]) > 0
    assert comment_count() == 2
    assert client.post("/api/comentarios", json=new_item("cinco"), headers=auth).status_code == 202  # fits


def test_export_through_the_api_is_streamed_not_buffered(client, auth):
    for index in range(3):
        add_comment(f"comentário {index} para exportar", when=utc(2026, 11, 20, 12))
    csv_response = client.get("/api/comentarios/export?formato=csv", headers=auth, buffered=False)
    assert csv_response.status_code == 200 and csv_response.is_streamed  # never the whole file in memory
    assert csv_response.mimetype == "text/csv" and "comentarios.csv" in csv_response.headers["Content-Disposition"]
    body = b"".join(csv_response.response)
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\n") == 4
    xlsx_response = client.get("/api/comentarios/export?formato=xlsx", headers=auth, buffered=False)
    assert xlsx_response.is_streamed and xlsx_response.mimetype.endswith("spreadsheetml.sheet")
    assert b"".join(xlsx_response.response).startswith(b"PK")
