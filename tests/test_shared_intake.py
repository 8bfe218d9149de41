"""shared.ingest.intake: one bulk statement per batch, statuses per item, store-then-enqueue (real PostgreSQL, RQ)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from shared.contracts import CommentIn
from shared.db import session_scope
from shared.ingest.intake import ingest, store_comments
from shared.models import Comment
from shared.text import text_hash
from shared.vocabulary import CommentStatus, IntakeStatus, Source


def _item(texto: str, comment_id: uuid.UUID | None = None, **extra) -> CommentIn:
    return CommentIn(id=comment_id or uuid.uuid4(), texto=texto, **extra)


def test_every_column_is_stored_and_the_hash_is_the_normalised_text_hash():
    when = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)
    full = _item("Que show!", artista="Anitta", album="Funk Generation", musica="Bellakeo", data=when)
    bare = _item("Só o texto")
    with session_scope() as session:
        store_comments(session, [full, bare], Source.CSV)
    with session_scope() as session:
        stored = session.get(Comment, full.id)
        plain = session.get(Comment, bare.id)
        assert (stored.artist, stored.album, stored.song, stored.written_at) == (
            "Anitta",
            "Funk Generation",
            "Bellakeo",
            when,
        )
        assert stored.source is Source.CSV and stored.status is CommentStatus.PENDENTE
        assert stored.text_hash == text_hash("Que show!")
        assert (plain.artist, plain.album, plain.song, plain.written_at) == (None, None, None, None)
        assert plain.occurred_at == plain.received_at


def test_a_single_comment_takes_the_one_row_statement_with_every_column_and_the_same_statuses():
    when = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    one = _item("Show lindo", artista="Anitta", album="Funk Generation", musica="Bellakeo", data=when)
    for item, expected in [
        (one, IntakeStatus.ENFILEIRADO),
        (_item("show   LINDO", one.id), IntakeStatus.DUPLICADO),
        (_item("Outro texto", one.id), IntakeStatus.CONFLITO),
    ]:
        with session_scope() as session:
            assert store_comments(session, [item], Source.API) == [(one.id, expected)]
    with session_scope() as session:
        stored = session.get(Comment, one.id)
        assert (stored.text, stored.artist, stored.album, stored.song, stored.written_at) == (
            "Show lindo",
            "Anitta",
            "Funk Generation",
            "Bellakeo",
            when,
        )
        assert stored.source is Source.API and stored.text_hash == text_hash("Show lindo")


def test_repeated_ids_in_one_batch_are_judged_against_the_first_occurrence():
    shared_id = uuid.uuid4()
    items = [_item("Primeiro", shared_id), _item("primeiro", shared_id), _item("Outro texto", shared_id)]
    with session_scope() as session:
        statuses = [s for _, s in store_comments(session, items, Source.API)]
    assert statuses == [IntakeStatus.ENFILEIRADO, IntakeStatus.DUPLICADO, IntakeStatus.CONFLITO]
    with session_scope() as session:
        assert session.get(Comment, shared_id).text == "Primeiro"


def test_a_later_batch_sees_duplicates_and_conflicts_without_changing_rows():
    kept = _item("Texto guardado")
    with session_scope() as session:
        store_comments(session, [kept], Source.API)
    again = [_item("Texto  GUARDADO", kept.id), _item("Mudou", kept.id), _item("Novo")]
    with session_scope() as session:
        statuses = [s for _, s in store_comments(session, again, Source.API)]
        assert statuses == [IntakeStatus.DUPLICADO, IntakeStatus.CONFLITO, IntakeStatus.ENFILEIRADO]
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 2


def test_ingest_commits_before_enqueueing_only_the_new_ids():
    existing = _item("Já existia")
    ingest([existing], enqueue=lambda ids: 1)
    seen: list[list[str]] = []

    def enqueue(ids):
        with session_scope() as session:  # a separate transaction sees the rows: they were committed
            assert session.scalar(select(func.count()).select_from(Comment)) == 2
        seen.append([str(i) for i in ids])
        return 1

    fresh = _item("Novo")
    result = ingest([existing, fresh], enqueue=enqueue)
    assert seen == [[str(fresh.id)]]
    assert result.enqueued_jobs == 1 and result.queue_error is None


def test_queue_failure_keeps_the_rows_and_reports_the_error():
    def broken(ids):
        raise ConnectionError("redis fora")

    item = _item("Sem fila")
    result = ingest([item], enqueue=broken)
    assert result.queue_error == "ConnectionError: redis fora"
    assert result.items == [(item.id, IntakeStatus.ENFILEIRADO)]
    with session_scope() as session:
        assert session.get(Comment, item.id).status is CommentStatus.PENDENTE


def test_database_error_writes_nothing_and_enqueues_nothing():
    enqueued = []
    bad = CommentIn.model_construct(id=uuid.uuid4(), texto="", artista=None, album=None, musica=None, data=None)
    with pytest.raises(Exception):
        ingest([_item("válido"), bad], enqueue=lambda ids: enqueued.append(ids) or 1)  # CHECK text_not_empty
    assert enqueued == []
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Comment)) == 0


def test_the_one_row_statement_is_prepared_once_per_connection_and_again_after_the_server_drops_it():
    from shared.db import autocommit_engine
    from shared.ingest.intake import store_committed

    def prepared_on(connection) -> int:
        return connection.exec_driver_sql(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = 'alumusic_store_one'"
        ).scalar()

    engine = autocommit_engine()
    engine.dispose()  # start from an empty pool: one connection, used by every call below
    first = _item("primeiro")
    assert store_committed([first], Source.API) == [(first.id, IntakeStatus.ENFILEIRADO)]
    assert store_committed([_item("primeiro", first.id)], Source.API) == [(first.id, IntakeStatus.DUPLICADO)]
    with engine.connect() as connection:
        assert prepared_on(connection) == 1  # prepared by the first call, reused by the second
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with session_scope() as session:  # the server ends that connection (a restart, an admin, a failover)
        session.execute(select(func.pg_terminate_backend(backend)))
    second = _item("segundo")
    assert store_committed([second], Source.API) == [(second.id, IntakeStatus.ENFILEIRADO)]
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != backend
        assert prepared_on(connection) == 1
    with session_scope() as session:
        assert session.scalar(select(func.count()).where(Comment.id.in_([first.id, second.id]))) == 2
