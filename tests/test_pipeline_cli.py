"""The pipeline's Flask CLI commands against real PostgreSQL and Redis."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select, update

from shared.classification import classify
from shared.classification.base import ClassificationFailure
from shared.db import session_scope
from shared.models import Comment, WeeklySummary
from shared.queue import get_queue
from shared.vocabulary import Category
from tests.pipeline_helpers import KeywordClassifier, add_comments, statuses
from tests.report_seed import classified, utc


def queued(redis_conn) -> list[str]:
    return [i for job in get_queue(redis_conn).get_jobs() for i in job.args[0]]


def test_reprocessar_falhas_requeues_failed_comments(runner, redis_conn):
    ids = add_comments(["ok", "quebra"])
    classify.classify_comments(ids, KeywordClassifier(failures={"quebra": ClassificationFailure("inválido", False)}))

    result = runner.invoke(args=["reprocessar-falhas"])

    assert result.exit_code == 0, result.output
    assert "1 comentário(s) com falha devolvido(s) à fila." in result.output
    assert queued(redis_conn) == [str(ids[1])] and statuses([ids[1]])[ids[1]] == "pendente"


def test_reprocessar_falhas_accepts_specific_ids(runner, redis_conn):
    ids = add_comments(["quebra a", "quebra b"])
    classify.classify_comments(ids, KeywordClassifier(failures={"quebra": ClassificationFailure("inválido", False)}))

    result = runner.invoke(args=["reprocessar-falhas", str(ids[0])])

    assert "1 comentário(s)" in result.output and queued(redis_conn) == [str(ids[0])]


def test_reconciliar_requeues_stuck_comments(runner, redis_conn):
    ids = add_comments(["parado 1", "parado 2"])
    with session_scope() as session:
        session.execute(update(Comment).values(status_changed_at=func.now() - func.make_interval(0, 0, 0, 0, 2)))

    result = runner.invoke(args=["reconciliar", "--parados-ha", "3600"])

    assert result.exit_code == 0 and "2 comentário(s) parado(s) re-enfileirado(s)." in result.output
    assert sorted(queued(redis_conn)) == sorted(map(str, ids))


def test_reclassificar_reenqueues_a_period_classified_by_another_version(runner, redis_conn):
    [old] = add_comments(["amei"], data=datetime(2026, 11, 18, 12, tzinfo=UTC))
    classify.classify_comments([old], KeywordClassifier(model="outro-modelo"))

    result = runner.invoke(args=["reclassificar", "--desde", "2026-11-16", "--ate", "2026-11-22"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 comentário(s) re-enfileirado(s) para local-")
    assert queued(redis_conn) == [str(old)]


def test_reclassificar_refuses_an_inverted_period_and_bad_dates(runner):
    inverted = runner.invoke(args=["reclassificar", "--desde", "2026-11-22", "--ate", "2026-11-16"])
    bad = runner.invoke(args=["reclassificar", "--desde", "ontem"])

    assert inverted.exit_code != 0 and "--ate deve ser igual ou posterior a --desde" in inverted.output
    assert bad.exit_code != 0 and "ontem" in bad.output


def test_commands_say_in_portuguese_when_redis_is_down(runner, use_settings):
    ids = add_comments(["quebra"])
    classify.classify_comments(ids, KeywordClassifier(failures={"quebra": ClassificationFailure("inválido", False)}))
    use_settings(redis_url="redis://127.0.0.1:1/0")

    result = runner.invoke(args=["reprocessar-falhas"])

    assert result.exit_code == 1 and "fila (Redis) indisponível" in result.output
    assert statuses(ids)[ids[0]] == "falhou"  # nothing changed


def test_resumo_semanal_builds_and_sends_once_then_resends_on_request(runner, use_settings, tmp_path):
    use_settings(outbox_dir=str(tmp_path))
    classified("show lindo demais", Category.ELOGIO, when=utc(2026, 11, 18))

    first = runner.invoke(args=["resumo-semanal", "--semana", "2026-W47"])
    second = runner.invoke(args=["resumo-semanal", "--semana", "2026-W47"])
    third = runner.invoke(args=["resumo-semanal", "--semana", "2026-W47", "--reenviar"])

    assert first.exit_code == 0, first.output
    assert first.output.startswith("2026-W47: gerado (modelo-texto); enviado -> ")
    assert second.output.strip() == "2026-W47: já existia (modelo-texto); não enviado (já tinha sido)."
    assert third.output.startswith("2026-W47: já existia (modelo-texto); enviado -> ")
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_resumo_semanal_backfill_builds_past_weeks_without_sending(runner):
    result = runner.invoke(args=["resumo-semanal", "--backfill", "3"])

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3 and all(line.endswith("não enviado.") for line in lines)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(WeeklySummary)) == 3
        assert session.scalar(select(func.count()).where(WeeklySummary.sent_at.isnot(None))) == 0


def test_resumo_semanal_rejects_a_bad_week_and_mixed_options(runner):
    bad = runner.invoke(args=["resumo-semanal", "--semana", "2026-47"])
    mixed = runner.invoke(args=["resumo-semanal", "--backfill", "2", "--semana", "2026-W47"])

    assert bad.exit_code == 1 and "semana inválida" in bad.output
    assert mixed.exit_code == 2 and "use --backfill sozinho" in mixed.output
