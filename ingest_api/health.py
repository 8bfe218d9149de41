"""Health: PostgreSQL, Redis, a live worker (RQ heartbeat) and the queue depth. 200 when all is well, else 503."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from spectree import Response as Doc
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ingest_api.schemas import Saude
from ingest_api.spec import api_spec
from shared.db import session_scope
from shared.operations import queue_stats

bp = Blueprint("health", __name__)


def _postgres() -> dict:
    try:
        with session_scope() as session:
            session.execute(text("SET LOCAL statement_timeout = 2000"))
            session.execute(text("SELECT 1"))
        return {"ok": True}
    except SQLAlchemyError as exc:  # reported, not raised
        return {"ok": False, "erro": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}


@bp.get("/health")
@api_spec.validate(resp=Doc(HTTP_200=Saude, HTTP_503=Saude), tags=["operação"], skip_validation=True)
def health():
    """Saúde do serviço

    PostgreSQL, Redis, pelo menos um worker vivo (heartbeat do RQ) e a profundidade da fila.
    200 quando tudo está bem; 503 dizendo o que está fora. O texto do erro de cada serviço (que pode conter
    nomes de máquinas e usuários) só aparece para quem envia um token válido.
    """
    pg = _postgres()
    stats = queue_stats()
    live = stats.live_workers
    services = {
        "postgresql": pg,
        "redis": {"ok": stats.redis_ok, **({"erro": stats.error} if stats.error else {})},
        "worker": {"ok": live > 0, "vivos": live, "registrados": len(stats.workers)},
    }
    down = [name for name, state in services.items() if not state["ok"]]
    body = {
        "status": "indisponivel" if down else "ok",
        "servicos": services,
        "fila": {
            "nome": stats.queue,
            "na_fila": stats.queued,
            "em_execucao": stats.started,
            "agendados": stats.scheduled,
            "falhos": stats.failed,
        },
    }
    if down:
        body["erro"] = "fora do ar: " + ", ".join(down)
    if not _authenticated():
        for state in services.values():
            state.pop("erro", None)
    return jsonify(body), 503 if down else 200


def _authenticated() -> bool:
    """Whether the request carries a valid token of an active user (a bad or missing token is just "no")."""
    try:
        return verify_jwt_in_request(optional=True) is not None
    except (JWTExtendedException, PyJWTError, SQLAlchemyError):  # with PostgreSQL down, only a cached user counts
        return False
