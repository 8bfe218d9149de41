"""The classification pipeline on real PostgreSQL and Redis: claim, dedup, write, failures, re-queue, corrections."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, update

from shared import operations
from shared.classification import classify, corrections, requeue
from shared.classification.base import ClassificationFailure
from shared.db import session_scope
from shared.models import Comment
from shared.queue import CLASSIFY_JOB, get_queue
from shared.vocabulary import CommentStatus, Origin
from tests.pipeline_helpers import (
    KeywordClassifier,
    add_comments,
    comment,
    current,
    history,
    max_current_per_comment,
    statuses,
)

pytestmark = pytest.mark.usefixtures("services")


def queued_ids(redis_conn) -> list[str]:
    """Every comment id carried by the jobs waiting in the classification queue."""
    queue = get_queue(redis_conn)
    ids: list[str] = []
    for job in queue.get_jobs():
        assert job.func_name == CLASSIFY_JOB
        ids.extend(job.args[0])
    return ids


def test_classify_writes_current_classification_tags_and_status_in_one_go():
    [cid] = add_comments(["o autotune nessa faixa ficou ruim demais"])
    classifier = KeywordClassifier()

    report = classify.classify_comments([str(cid)], classifier)

    assert report.classified == 1 and report.skipped == 0
    row = comment(cid)
    assert (row.status, row.attempts, row.last_error) == (CommentStatus.CLASSIFICADO, 1, None)
    cls = current(cid)
    assert cls.category.value == "CRÍTICA" and cls.confidence == 0.8
    assert (cls.model, cls.prompt_version, cls.origin) == ("palavras-1", "t1", Origin.LOCAL)
    assert cls.artist == "Luna Ferraz" and cls.reused_from_id is None
    assert [(t.code, t.explanation) for t in cls.tags] == [("feat_autotune", "autotune citado")]


def test_running_the_same_batch_twice_leaves_one_current_classification_and_no_second_call():
    ids = add_comments(["amei o show", "quando sai o disco novo?"])
    classifier = KeywordClassifier()

    classify.classify_comments(ids, classifier)
    second = classify.classify_comments(ids, classifier)

    assert second.skipped == 2 and second.classified == 0
    assert len(classifier.batches) == 1
    assert all(len(history(i)) == 1 for i in ids)
    assert max_current_per_comment() == 1


def test_identical_text_reuses_the_existing_result_without_calling_the_classifier():
    [first] = add_comments(["SIGAM meu perfil http://spam.example"])
    classifier = KeywordClassifier()
    classify.classify_comments([first], classifier)

    [again] = add_comments(["  sigam   MEU perfil http://spam.example "])  # same normalised text
    report = classify.classify_comments([again], classifier)

    assert report.reused == 1 and report.classified == 0
    assert classifier.seen == [str(first)]
    original, copy = current(first), current(again)
    assert copy.reused_from_id == original.id
    assert copy.category == original.category and copy.llm_call_id is None
    assert comment(again).status is CommentStatus.CLASSIFICADO


def test_identical_texts_in_one_batch_are_classified_once_and_the_others_reuse_it():
    ids = add_comments(["promo imperdível http://x.example"] * 3 + ["que show lindo"])
    classifier = KeywordClassifier()

    report = classify.classify_comments(ids, classifier)

    assert (report.classified, report.reused) == (2, 2)
    assert len(classifier.seen) == 2
    spam = [current(i) for i in ids[:3]]
    [rep] = [c for c in spam if c.reused_from_id is None]
    assert sorted(c.reused_from_id or 0 for c in spam) == [0, rep.id, rep.id]
    assert all(s == "classificado" for s in statuses(ids).values())


def test_reuse_copies_an_artist_found_in_the_text_but_not_one_from_the_other_comments_field():
    [given] = add_comments(["amei o show"], artista="Luna Ferraz")
    [named] = add_comments(["a Banda Aurora arrasou"], artista=None)
    classifier = KeywordClassifier()
    classify.classify_comments([given, named], classifier)

    copy_given, copy_named = add_comments(["amei o show", "a Banda Aurora arrasou"], artista=None)
    classify.classify_comments([copy_given, copy_named], classifier)

    assert current(given).artist == "Luna Ferraz" and current(copy_given).artist is None
    assert current(copy_named).artist == "Banda Aurora"
    assert current(copy_given).reused_from_id == current(given).id


def test_a_human_correction_made_while_the_job_classifies_wins_and_its_twin_is_still_classified():
    first, twin = add_comments(["o som estava ruim", "o som estava ruim"])
    order = sorted([first, twin])  # the batch's representative is the smallest id

    class CuratorActsMeanwhile(KeywordClassifier):
        def during_classify(self, items):
            corrections.save_human_correction(order[0], "ELOGIO", "ana@alumusic.com.br")

    report = classify.classify_comments([first, twin], CuratorActsMeanwhile())

    assert current(order[0]).origin is Origin.HUMANO and len(history(order[0])) == 1
    other = current(order[1])
    assert other.category.value == "CRÍTICA" and other.reused_from_id is None
    assert (report.classified, report.skipped) == (1, 1) and max_current_per_comment() == 1


def test_a_different_model_does_not_reuse_results_of_another_model():
    [first] = add_comments(["amei a mixagem"])
    classify.classify_comments([first], KeywordClassifier(model="palavras-1"))
    [again] = add_comments(["amei a mixagem"])
    other = KeywordClassifier(model="palavras-2")

    report = classify.classify_comments([again], other)

    assert report.classified == 1 and other.seen == [str(again)]
    assert current(again).reused_from_id is None


def test_transient_failure_raises_for_retry_then_fails_after_the_last_attempt(use_settings):
    use_settings(job_max_attempts="2")
    ok, bad = add_comments(["show perfeito", "música boa mas o servidor caiu"])
    classifier = KeywordClassifier(failures={"servidor caiu": ClassificationFailure("HTTP 503 UNAVAILABLE", True)})

    with pytest.raises(classify.TransientClassificationError, match="503"):
        classify.classify_comments([ok, bad], classifier)

    assert comment(ok).status is CommentStatus.CLASSIFICADO
    row = comment(bad)
    assert (row.status, row.attempts, row.last_error) == (CommentStatus.PROCESSANDO, 1, "HTTP 503 UNAVAILABLE")

    report = classify.classify_comments([ok, bad], classifier)  # the RQ retry: last attempt

    assert (report.failed, report.skipped) == (1, 1)
    row = comment(bad)
    assert (row.status, row.attempts, row.last_error) == (CommentStatus.FALHOU, 2, "HTTP 503 UNAVAILABLE")
    assert current(bad) is None
    assert sorted(classifier.batches[0]) == sorted([str(ok), str(bad)])
    assert classifier.batches[1] == [str(bad)]


def test_invalid_output_marks_the_comment_failed_at_once_with_the_reason():
    [cid] = add_comments(["texto que o modelo não consegue classificar"])
    reason = "saída inválida repetida: categoria 'MOCK' fora do enum"
    classifier = KeywordClassifier(failures={"não consegue": ClassificationFailure(reason, False)})

    report = classify.classify_comments([cid], classifier)

    assert report.failed == 1
    row = comment(cid)
    assert (row.status, row.attempts, row.last_error) == (CommentStatus.FALHOU, 1, reason)


def test_a_crashing_classifier_is_a_transient_failure_of_every_item():
    class Broken(KeywordClassifier):
        def classify(self, items):
            raise ConnectionError("rede fora")

    ids = add_comments(["um", "dois"])

    with pytest.raises(classify.TransientClassificationError):
        classify.classify_comments(ids, Broken())

    assert all(comment(i).last_error == "erro no classificador: ConnectionError: rede fora" for i in ids)
    assert set(statuses(ids).values()) == {"processando"}


def test_a_comment_whose_jobs_keep_dying_gives_up_after_max_attempts(use_settings):
    use_settings(job_max_attempts="3")
    [cid] = add_comments(["derruba o worker"])
    with session_scope() as session:
        session.execute(update(Comment).where(Comment.id == cid).values(attempts=3, status=CommentStatus.PROCESSANDO))
    classifier = KeywordClassifier()

    report = classify.classify_comments([cid], classifier)

    assert report.failed == 1 and classifier.seen == []
    row = comment(cid)
    assert row.status is CommentStatus.FALHOU and "desistência após 3 tentativas" in row.last_error


def test_failed_comments_are_skipped_until_requeued_then_classified(redis_conn):
    [cid] = add_comments(["falha permanente"])
    classify.classify_comments([cid], KeywordClassifier(failures={"falha": ClassificationFailure("inválido", False)}))
    classifier = KeywordClassifier()
    assert classify.classify_comments([cid], classifier).skipped == 1

    assert requeue.requeue_failed() == 1

    row = comment(cid)
    assert (row.status, row.attempts) == (CommentStatus.PENDENTE, 0)
    assert queued_ids(redis_conn) == [str(cid)]
    classify.classify_comments([cid], classifier)
    row = comment(cid)
    assert (row.status, row.last_error) == (CommentStatus.CLASSIFICADO, None)


def test_requeue_failed_with_ids_touches_only_those(redis_conn):
    ids = add_comments(["a falha", "b falha", "c ok"])
    classify.classify_comments(ids, KeywordClassifier(failures={"falha": ClassificationFailure("inválido", False)}))

    assert requeue.requeue_failed([ids[0], ids[2]]) == 1

    assert statuses(ids) == {ids[0]: "pendente", ids[1]: "falhou", ids[2]: "classificado"}
    assert queued_ids(redis_conn) == [str(ids[0])]


def test_human_correction_becomes_current_keeps_history_and_tags():
    [cid] = add_comments(["o autotune ficou ótimo"])
    classify.classify_comments([cid], KeywordClassifier())
    before = current(cid)

    out = corrections.save_human_correction(cid, "CRÍTICA", "curadoria@alumusic.com.br")

    assert (out.categoria.value, out.origem, out.criado_por) == ("CRÍTICA", Origin.HUMANO, "curadoria@alumusic.com.br")
    now = current(cid)
    assert now.origin is Origin.HUMANO and now.created_by == "curadoria@alumusic.com.br"
    assert [t.code for t in now.tags] == [t.code for t in before.tags] == ["feat_autotune"]
    assert [c.is_current for c in history(cid)] == [False, True]


def test_human_correction_with_new_tags_and_invalid_input():
    [cid] = add_comments(["o show atrasou"])

    out = corrections.save_human_correction(
        cid, "CRÍTICA", "ana@alumusic.com.br", tags=["Atraso", {"codigo": "feat_som", "explicacao": "som baixo"}]
    )

    assert [t.codigo for t in out.tags_funcionalidades] == ["feat_atraso", "feat_som"]
    assert comment(cid).status is CommentStatus.CLASSIFICADO
    with pytest.raises(ValueError, match="categoria inválida"):
        corrections.save_human_correction(cid, "OTIMO", "ana@alumusic.com.br")
    with pytest.raises(corrections.CommentNotFound):
        corrections.save_human_correction("00000000-0000-0000-0000-000000000001", "ELOGIO", "ana@alumusic.com.br")


def test_a_job_never_overwrites_a_human_correction():
    [cid] = add_comments(["amei"])
    corrections.save_human_correction(cid, "SPAM", "ana@alumusic.com.br")
    classifier = KeywordClassifier()

    report = classify.classify_comments([cid], classifier)

    assert report.skipped == 1 and classifier.seen == []
    assert current(cid).origin is Origin.HUMANO and len(history(cid)) == 1


def test_reclassify_enqueues_only_other_versions_in_the_period_and_never_human_ones(redis_conn):
    inside = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
    old, human, same = add_comments(["amei", "odiei", "bom demais"], data=inside)
    [outside] = add_comments(["fora do período"], data=datetime(2026, 10, 1, tzinfo=UTC))
    v1 = KeywordClassifier(prompt_version="t1")
    classify.classify_comments([old, human, outside], v1)
    corrections.save_human_correction(human, "ELOGIO", "ana@alumusic.com.br")
    v2 = KeywordClassifier(prompt_version="t2")
    classify.classify_comments([same], v2)

    count = requeue.reclassify(date(2026, 11, 16), date(2026, 11, 22), classifier=v2)

    assert count == 1
    assert queued_ids(redis_conn) == [str(old)]
    classify.classify_comments([old, human, same], v2)  # even if a human-corrected id is sent, it is skipped
    assert [(c.prompt_version, c.is_current) for c in history(old)] == [("t1", False), ("t2", True)]
    assert current(human).origin is Origin.HUMANO and len(history(human)) == 2
    assert len(history(same)) == 1 and max_current_per_comment() == 1


def test_reconcile_reenqueues_only_comments_stuck_longer_than_the_threshold(redis_conn):
    stuck_pending, stuck_processing, fresh, done = add_comments(["a", "b", "c", "d"])
    classify.classify_comments([done], KeywordClassifier())
    with session_scope() as session:
        session.execute(
            update(Comment)
            .where(Comment.id.in_([stuck_pending, stuck_processing, done]))
            .values(status_changed_at=func.now() - func.make_interval(0, 0, 0, 0, 1))
        )
        session.execute(update(Comment).where(Comment.id == stuck_processing).values(status=CommentStatus.PROCESSANDO))

    assert requeue.reconcile(stuck_after_seconds=600) == 2

    assert sorted(queued_ids(redis_conn)) == sorted([str(stuck_pending), str(stuck_processing)])
    assert statuses([stuck_processing])[stuck_processing] == "pendente"
    assert requeue.reconcile(stuck_after_seconds=600) == 0  # touched: not re-enqueued again at once


def test_queue_stats_reports_depth_failed_jobs_and_no_workers(redis_conn):
    add = add_comments(["x", "y"])
    from shared.queue import enqueue_classification

    enqueue_classification(add, chunk_size=1)

    stats = operations.queue_stats()

    assert stats.redis_ok and stats.error is None
    assert (stats.queued, stats.failed, stats.live_workers, stats.scheduler_alive) == (2, 0, 0, False)


def test_queue_stats_reports_a_redis_outage_instead_of_raising(use_settings):
    use_settings(redis_url="redis://127.0.0.1:1/0")

    stats = operations.queue_stats()

    assert not stats.redis_ok and "Connection" in stats.error


def test_status_counts_lists_every_status():
    ids = add_comments(["um", "dois", "três"])
    classify.classify_comments(ids[:1], KeywordClassifier())

    assert operations.status_counts() == {"pendente": 2, "processando": 0, "classificado": 1, "falhou": 0}
