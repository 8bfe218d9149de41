"""The schema enforces the domain rules, and the migrations go up and down on a fresh database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DataError, IntegrityError

from shared.db import session_scope
from shared.dev import embedded
from shared.migrate import downgrade, upgrade
from shared.settings import to_sqlalchemy_url


def _insert_comment(session, comment_id=None) -> uuid.UUID:
    comment_id = comment_id or uuid.uuid4()
    session.execute(text("INSERT INTO comments (id, text, text_hash) VALUES (:id, 'ok', 'h')"), {"id": comment_id})
    return comment_id


def _insert_classification(session, comment_id, categoria="ELOGIO", confianca=0.5, current=True):
    session.execute(
        text(
            "INSERT INTO classifications (comment_id, category, confidence, origin, model, prompt_version, is_current) "
            "VALUES (:c, :cat, :conf, 'local', 'm', 'v1', :cur)"
        ),
        {"c": comment_id, "cat": categoria, "conf": confianca, "cur": current},
    )


def test_migrations_upgrade_and_downgrade_on_fresh_database(services):
    name = f"alumusic_mig_{uuid.uuid4().hex[:8]}"
    url = embedded.ensure_database(services.admin_url, name)
    try:
        upgrade(url)
        engine = create_engine(to_sqlalchemy_url(url))
        tables = set(inspect(engine).get_table_names())
        assert {
            "comments",
            "classifications",
            "classification_tags",
            "users",
            "weekly_summaries",
            "llm_calls",
        } <= tables
        engine.dispose()
        downgrade(url, "base")
        engine = create_engine(to_sqlalchemy_url(url))
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM pg_type WHERE typname IN ('categoria', 'category')")).scalar()
                == 0
            )
        engine.dispose()
        upgrade(url)  # and up again: the downgrade left nothing behind
    finally:
        embedded.drop_database(services.admin_url, name)


def test_schema_rejects_unknown_category():
    with pytest.raises(DataError), session_scope() as s:
        _insert_classification(s, _insert_comment(s), categoria="MOCK")


def test_schema_rejects_confidence_above_one():
    with pytest.raises(IntegrityError, match="confidence_between_0_and_1"), session_scope() as s:
        _insert_classification(s, _insert_comment(s), confianca=1.7)


def test_schema_rejects_second_current_classification():
    with session_scope() as s:
        cid = _insert_comment(s)
        _insert_classification(s, cid)
        _insert_classification(s, cid, current=False)  # history is fine
    with pytest.raises(IntegrityError, match="uq_classifications_one_current"), session_scope() as s:
        _insert_classification(s, cid, categoria="SPAM")


def test_schema_rejects_second_summary_for_same_iso_week():
    sql = text(
        "INSERT INTO weekly_summaries (iso_week, period_start, period_end, text, aggregates, model, "
        "prompt_version) VALUES ('2026-W47', '2026-11-16', '2026-11-22', 't', '{}', 'm', 'v1')"
    )
    with session_scope() as s:
        s.execute(sql)
    with pytest.raises(IntegrityError, match="weekly_summaries_iso_week_key"), session_scope() as s:
        s.execute(sql)


def test_schema_rejects_tag_code_not_snake_case():
    with session_scope() as s:
        cid = _insert_comment(s)
        _insert_classification(s, cid)
        class_id = s.execute(text("SELECT id FROM classifications")).scalar()
    with pytest.raises(IntegrityError, match="code_snake_case"), session_scope() as s:
        s.execute(
            text(
                "INSERT INTO classification_tags (classification_id, code, explanation) "
                "VALUES (:i, 'Feat Autotune', 'x')"
            ),
            {"i": class_id},
        )


def test_full_text_search_uses_portuguese_stemming():
    with session_scope() as s:
        s.execute(
            text("INSERT INTO comments (id, text, text_hash) VALUES (:id, 'As músicas novas são ótimas', 'h')"),
            {"id": uuid.uuid4()},
        )
        found = s.execute(
            text("SELECT count(*) FROM comments WHERE search @@ plainto_tsquery('portuguese', 'música')")
        ).scalar()
    assert found == 1


def test_models_match_the_migrations(services):
    """Alembic's own comparison finds nothing between the migrated database and the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from shared.models import Base

    engine = create_engine(to_sqlalchemy_url(services.database_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
