"""Real RQ workers (burst mode, JSON serializer) on the test Redis: end to end, faults of the fake Gemini,
a worker killed with SIGKILL, a Redis flush, parallel worker processes and the scheduler registration."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from rq import SimpleWorker
from rq.job import Job
from rq.serializers import JSONSerializer

from shared import clock, operations
from shared.classification import requeue
from shared.contracts import CommentIn
from shared.dispatch import DRAIN_JOB, Dispatcher, armed_key
from shared.ingest.intake import ingest
from shared.queue import enqueue_classification, get_queue
from shared.settings import ROOT, get_settings
from shared.vocabulary import Source
from tests.conftest import subprocess_env
from tests.fake_gemini import (
    Confidence,
    DuplicatedIds,
    ExtraIds,
    InvalidCategory,
    MalformedJson,
    MissingIds,
    Slow,
    Status,
    Valid,
    wait_for,
)
from tests.pipeline_helpers import (
    add_comments,
    comment,
    current,
    history,
    ingest_one_by_one,
    max_current_per_comment,
    postgres_restarting,
    smtp_env,
    start_smtp,
    statuses,
)
from worker.schedules import (
    ALERTS_JOB_ID,
    RECONCILE_JOB_ID,
    WEEKLY_SUMMARY_JOB_ID,
    JsonJob,
    SelfHealingScheduler,
    make_scheduler,
    register_schedules,
)

TEXTS = [
    "amei o show de ontem",
    "o som estava ruim demais",
    "quando sai o disco novo?",
    "podia ter mais músicas antigas no setlist",
    "sigam meu perfil http://spam.example",
    "que voz linda",
]


def drain(redis_conn, max_rounds: int = 10) -> None:
    """Run burst workers until the queue is empty, fast-forwarding RQ retries scheduled for later
    (the worker's own scheduler then moves them back to the queue)."""
    queue = get_queue(redis_conn)
    for _ in range(max_rounds):
        registry = queue.scheduled_job_registry
        for job_id in registry.get_job_ids():
            job = Job.fetch(job_id, connection=redis_conn, serializer=JSONSerializer)
            registry.schedule(job, datetime.now(UTC))
        SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True, with_scheduler=True)
        if queue.count == 0 and queue.scheduled_job_registry.count == 0:
            return
    raise AssertionError("a fila não esvaziou")


def assert_nothing_lost(ids) -> dict:
    """Every comment ends `classificado` (one current classification) or `falhou` with a reason."""
    final = statuses(ids)
    assert len(final) == len(ids)
    for cid, status in final.items():
        assert status in ("classificado", "falhou"), (cid, status)
        if status == "falhou":
            assert comment(cid).last_error, cid
            assert current(cid) is None
        else:
            assert current(cid) is not None
    assert max_current_per_comment() <= 1
    return final


def worker_env(**extra: str) -> dict[str, str]:
    return subprocess_env(**extra)


def start_worker(*args: str, **env: str) -> subprocess.Popen:
    """`python -m worker <args>` as its own process group (killpg takes the worker and its work horse)."""
    return subprocess.Popen(
        [sys.executable, "-m", "worker", *args],
        cwd=ROOT,
        env=worker_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def run_cli(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "worker", *args],
        cwd=ROOT,
        env=worker_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- end to end


def test_burst_worker_classifies_a_queued_batch_with_the_local_classifier(services, redis_conn):
    result = ingest([CommentIn(id=i, texto=t) for i, t in zip(_uuids(6), TEXTS, strict=True)], Source.API)

    drain(redis_conn)

    final = assert_nothing_lost(result.new_ids)
    assert set(final.values()) == {"classificado"}
    cls = current(result.new_ids[0])
    assert cls.model.startswith("local-tfidf-") and cls.origin.value == "local" and cls.llm_call_id is None
    assert comment(result.new_ids[0]).attempts == 1


def test_burst_worker_classifies_through_gemini_and_records_the_call(services, fake_gemini, redis_conn):
    ids = add_comments(TEXTS)
    enqueue_classification(ids)

    drain(redis_conn)

    assert set(assert_nothing_lost(ids).values()) == {"classificado"}
    critica = current(ids[1])
    assert critica.category.value == "CRÍTICA" and critica.llm_call_id is not None
    assert critica.model == get_settings().gemini_model and critica.origin.value == "llm"


def test_the_same_job_run_twice_leaves_one_current_classification_each(services, redis_conn):
    ids = add_comments(TEXTS)
    enqueue_classification(ids)
    enqueue_classification(ids)

    drain(redis_conn)

    assert_nothing_lost(ids)
    assert all(len(history(i)) == 1 for i in ids)
    assert all(comment(i).attempts == 1 for i in ids)  # the second job found them done


def test_the_same_gemini_job_twice_makes_one_llm_call(services, fake_gemini, redis_conn):
    ids = add_comments(TEXTS)
    enqueue_classification(ids)
    enqueue_classification(ids)

    drain(redis_conn)

    assert len(fake_gemini.requests) == 1 and max_current_per_comment() == 1


def test_repeated_spam_reuses_the_first_result_without_another_llm_call(services, fake_gemini, redis_conn):
    [first] = add_comments(["ganhe seguidores http://spam.example"])
    enqueue_classification([first])
    drain(redis_conn)
    copies = add_comments(["ganhe seguidores http://spam.example"] * 3)
    enqueue_classification(copies)

    drain(redis_conn)

    assert len(fake_gemini.requests) == 1
    assert {current(c).reused_from_id for c in copies} == {current(first).id}


# --- faults of the fake Gemini: each ends with every comment classified or failed with its reason

FAULTS = {
    "valid": ([], Valid(), "classificado"),
    "missing ids once": ([MissingIds(count=2)], Valid(), "classificado"),
    "missing ids always": ([], MissingIds(count=1), None),
    "extra id": ([ExtraIds()], Valid(), "classificado"),
    "duplicated id": ([DuplicatedIds()], Valid(), "classificado"),
    "invalid category always": ([], InvalidCategory("MOCK"), "falhou"),
    "confidence 1.7 always": ([], Confidence(1.7), "falhou"),
    "malformed json once": ([MalformedJson()], Valid(), "classificado"),
    "429 then success": ([Status(429)], Valid(), "classificado"),
    "500 always": ([], Status(500), "falhou"),
    "slower than the timeout once": ([Slow(2.5)], Valid(), "classificado"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_each_fault_ends_with_every_comment_classified_or_failed_with_reason(
    fault, services, fake_gemini, redis_conn, use_settings
):
    use_settings(gemini_batch_size="3", gemini_timeout_seconds="1", job_max_attempts="2")
    first, default, expected = FAULTS[fault]
    fake_gemini.push(*first)
    fake_gemini.default = default
    ids = add_comments(TEXTS)
    enqueue_classification(ids)

    drain(redis_conn)

    final = assert_nothing_lost(ids)
    if expected:
        assert set(final.values()) == {expected}
    else:
        assert "falhou" in final.values() and "classificado" in final.values()
    if fault == "500 always":
        assert all(comment(i).attempts == 2 and "500" in comment(i).last_error for i in ids)


# --- crashes: a killed worker and a flushed Redis lose nothing once the reconciler runs


def test_worker_killed_with_sigkill_mid_job_loses_nothing_after_the_reconciler(
    services, fake_gemini, redis_conn, use_settings
):
    use_settings(gemini_max_attempts="1")
    fake_gemini.push(Slow(60))  # the first call hangs: the worker is killed while waiting for it
    ids = add_comments(TEXTS)
    enqueue_classification(ids)
    proc = start_worker("processar", "--burst")
    try:
        assert wait_for(lambda: len(fake_gemini.requests) == 1, timeout=60), "o worker não chegou ao Gemini"
        assert set(statuses(ids).values()) == {"processando"}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the worker and its work horse, like a container dying
        proc.wait(10)
    assert set(statuses(ids).values()) == {"processando"}  # stuck: nobody will finish them

    assert requeue.reconcile(stuck_after_seconds=0) == len(ids)
    drain(redis_conn)

    assert set(assert_nothing_lost(ids).values()) == {"classificado"}


def test_redis_flush_loses_nothing_after_the_reconciler(services, redis_conn):
    result = ingest([CommentIn(id=i, texto=t) for i, t in zip(_uuids(6), TEXTS, strict=True)], Source.API)
    assert result.enqueued_jobs == 1
    redis_conn.flushdb()
    assert get_queue(redis_conn).count == 0

    assert requeue.reconcile(stuck_after_seconds=0) == 6
    drain(redis_conn)

    assert set(assert_nothing_lost(result.new_ids).values()) == {"classificado"}


def test_after_a_redis_flush_the_running_scheduler_and_worker_finish_every_comment(services, redis_conn):
    env = {"RECONCILE_EVERY_SECONDS": "1", "STUCK_AFTER_SECONDS": "1"}
    procs = [start_worker(*args, **env) for args in (["agendador"], ["processar", "--name", "sobrevivente"])]
    try:
        assert wait_for(
            lambda: set(_scheduled(redis_conn)) == {WEEKLY_SUMMARY_JOB_ID, RECONCILE_JOB_ID, ALERTS_JOB_ID}, 60
        )
        redis_conn.flushdb()  # the schedules, the queue and the workers' registrations are gone
        ids = add_comments(TEXTS)  # stored, never enqueued: only the periodic reconciler can find them

        assert wait_for(lambda: set(statuses(ids).values()) == {"classificado"}, timeout=60)
        assert set(_scheduled(redis_conn)) == {WEEKLY_SUMMARY_JOB_ID, RECONCILE_JOB_ID, ALERTS_JOB_ID}
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(30)
    assert_nothing_lost(ids)


# --- the dispatcher: comments that arrive one by one are classified in groups, and survive the same crashes


def _finished(redis_conn, func_name: str) -> list[Job]:
    queue = get_queue(redis_conn)
    jobs = [
        Job.fetch(j, connection=redis_conn, serializer=JSONSerializer)
        for j in queue.finished_job_registry.get_job_ids()
    ]
    return [job for job in jobs if job.func_name == func_name]


def assert_classified_once(ids) -> None:
    assert set(assert_nothing_lost(ids).values()) == {"classificado"}
    assert all(len(history(i)) == 1 for i in ids)  # nothing classified twice


def test_single_comments_are_classified_in_groups_by_drain_jobs(services, redis_conn, use_settings):
    use_settings(dispatch_batch_size="4")
    ids = ingest_one_by_one([f"{TEXTS[n % len(TEXTS)]} ({n})" for n in range(10)])
    queue = get_queue(redis_conn)
    assert [Job.fetch(j, connection=redis_conn, serializer=JSONSerializer).func_name for j in queue.job_ids] == [
        DRAIN_JOB
    ]  # ten requests, one waiting job

    drain(redis_conn)

    assert_classified_once(ids)
    reports = sorted(job.return_value()["classified"] for job in _finished(redis_conn, DRAIN_JOB))
    assert reports == [2, 4, 4]  # groups of DISPATCH_BATCH_SIZE, each drain job arming the next
    assert Dispatcher.of(queue).pending() == 0 and not redis_conn.exists(armed_key(queue.name))


def test_worker_killed_with_sigkill_mid_drain_loses_nothing_and_classifies_nothing_twice(
    services, fake_gemini, redis_conn, use_settings
):
    use_settings(gemini_max_attempts="1")
    fake_gemini.push(Slow(60))  # the drain job's call hangs: the worker dies holding ids it took from the list
    ids = ingest_one_by_one(TEXTS)
    proc = start_worker("processar", "--burst")
    try:
        assert wait_for(lambda: len(fake_gemini.requests) == 1, timeout=60), "o worker não chegou ao Gemini"
        assert set(statuses(ids).values()) == {"processando"}
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    assert Dispatcher.of(get_queue(redis_conn)).pending() == 0  # the ids left Redis with the dead worker
    later = ingest_one_by_one(["chegou depois da queda", "outro que chegou depois"])  # arms a new drain job

    assert requeue.reconcile(stuck_after_seconds=0) == len(ids) + len(later)  # later ones are in two places now
    drain(redis_conn)

    assert_classified_once(ids + later)


def test_redis_flush_with_the_dispatcher_in_the_path_loses_nothing(services, redis_conn):
    before = ingest_one_by_one(TEXTS[:3])
    redis_conn.flushdb()  # the list, the armed marker and the drain job are gone
    after = ingest_one_by_one(TEXTS[3:])  # a new drain job is armed for these
    queue = get_queue(redis_conn)
    assert Dispatcher.of(queue).waiting_ids() == [str(i) for i in after] and len(queue.job_ids) == 1

    drain(redis_conn)
    assert set(statuses(before).values()) == {"pendente"}  # only PostgreSQL still knows about these
    assert requeue.reconcile(stuck_after_seconds=0) == len(before)
    drain(redis_conn)

    assert_classified_once(before + after)


def test_postgres_restart_with_the_dispatcher_in_the_path_loses_nothing(services, redis_conn):
    ids = ingest_one_by_one(TEXTS)  # stored, in the dispatcher's list, one drain job waiting
    with postgres_restarting(services):  # the drain job takes the ids while the database refuses connections
        done = run_cli("processar", "--burst", "--name", "sem-banco")
    assert done.returncode == 0, done.stderr
    assert Dispatcher.of(get_queue(redis_conn)).pending() == 0
    [retry] = get_queue(redis_conn).scheduled_job_registry.get_job_ids()  # handed to a job with retries
    assert sorted(Job.fetch(retry, connection=redis_conn, serializer=JSONSerializer).args[0]) == sorted(map(str, ids))

    drain(redis_conn)  # the database is back

    assert_classified_once(ids)


def test_intake_after_a_postgres_restart_stores_on_a_new_connection(services):
    ingest_one_by_one(["antes do reinício"])  # the intake's pool now holds a connection
    with postgres_restarting(services):
        pass  # that connection is dead now
    [cid] = ingest_one_by_one(["depois do reinício"])
    assert statuses([cid]) == {cid: "pendente"}


def test_worker_refuses_to_start_with_a_clear_message_when_the_classifier_cannot_be_built(services):
    done = run_cli("processar", "--burst", CLASSIFIER="gemini", GEMINI_API_KEY="")

    assert done.returncode == 1
    assert "não foi possível preparar o classificador" in done.stderr and "Traceback" not in done.stderr


def test_reconcile_job_through_a_worker_uses_the_configured_threshold(services, redis_conn, use_settings):
    use_settings(stuck_after_seconds="0")
    ids = add_comments(TEXTS[:2])  # stored while Redis was "down": never enqueued
    queue = get_queue(redis_conn)
    job = queue.enqueue("worker.jobs.reconcile")

    SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)

    job.refresh()
    assert job.return_value() == 2
    assert set(statuses(ids).values()) == {"classificado"}  # the same burst ran the re-enqueued job


# --- worker processes


@pytest.mark.parametrize("mode", ["--fork", "--no-fork"])
def test_python_m_worker_work_burst_classifies_with_or_without_forked_work_horses(mode, services):
    ids = add_comments(TEXTS)
    enqueue_classification(ids, chunk_size=2)

    done = run_cli("work", "--burst", mode, "--name", "teste-burst")

    assert done.returncode == 0, done.stderr
    assert set(assert_nothing_lost(ids).values()) == {"classificado"}
    assert "Worker teste-burst: done, quitting" in done.stdout + done.stderr


def test_two_worker_processes_share_one_big_batch(services, fake_gemini, redis_conn):
    fake_gemini.default = Valid(delay=0.1)
    ids = add_comments([f"comentário número {n} sobre o show" for n in range(60)])
    enqueue_classification(ids, chunk_size=2)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "worker", "processar", "--burst", "--name", f"paralelo-{n}"],
            cwd=ROOT,
            env=worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(2)
    ]
    try:
        codes = [p.wait(120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()

    assert codes == [0, 0]
    assert set(assert_nothing_lost(ids).values()) == {"classificado"}
    queue = get_queue(redis_conn)
    names = {
        Job.fetch(j, connection=redis_conn, serializer=JSONSerializer).worker_name
        for j in queue.finished_job_registry.get_job_ids()
    }
    assert names == {"paralelo-0", "paralelo-1"}


def test_queue_stats_sees_a_live_worker_with_its_heartbeat(services, fake_gemini):
    proc = subprocess.Popen(
        [sys.executable, "-m", "worker", "work", "--name", "vivo-1"],
        cwd=ROOT,
        env=worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # "idle" once it waits for jobs (its signal handlers are installed by then)
        assert wait_for(lambda: [w.state for w in operations.queue_stats().workers] == ["idle"], timeout=60)
        [info] = operations.queue_stats().workers
        assert info.name == "vivo-1" and info.alive and info.last_heartbeat is not None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(30) == 0
    assert operations.queue_stats().live_workers == 0  # a clean stop unregisters the worker


# --- scheduler


@pytest.fixture
def restore_zone():
    """make_scheduler sets this process's TZ (as the scheduler process does); put it back afterwards."""
    before = os.environ.get("TZ")
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def _scheduled(redis_conn) -> dict[str, float]:
    key = SelfHealingScheduler.scheduled_jobs_key
    return {k.decode(): v for k, v in redis_conn.zrange(key, 0, -1, withscores=True)}


def _next_monday_9(zone: str) -> datetime:
    """The next Monday 09:00 in `zone` (what "0 9 * * 1" means there), as an aware datetime."""
    local = datetime.now(ZoneInfo(zone))
    candidate = local.replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=(7 - local.weekday()) % 7)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))


def test_scheduler_started_many_times_registers_exactly_one_weekly_job(services, redis_conn):
    runs = [run_cli("agendador", "--burst") for _ in range(2)]
    together = [
        subprocess.Popen(
            [sys.executable, "-m", "worker", "agendador", "--burst"],
            cwd=ROOT,
            env=worker_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3)
    ]
    assert [p.wait(60) for p in together] == [0, 0, 0]

    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    scheduled = _scheduled(redis_conn)
    assert set(scheduled) == {WEEKLY_SUMMARY_JOB_ID, RECONCILE_JOB_ID, ALERTS_JOB_ID}
    settings = get_settings()
    assert scheduled[WEEKLY_SUMMARY_JOB_ID] == _next_monday_9(settings.timezone).timestamp()
    job = Job.fetch(WEEKLY_SUMMARY_JOB_ID, connection=redis_conn, serializer=JSONSerializer)
    assert job.func_name == "worker.jobs.start_weekly_summary" and job.origin == settings.queue_name


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "America/Sao_Paulo"])
def test_the_weekly_cron_is_evaluated_in_the_configured_time_zone(zone, redis_conn, use_settings, restore_zone):
    settings = use_settings(timezone=zone)
    register_schedules(make_scheduler(redis_conn, settings), settings)

    when = datetime.fromtimestamp(_scheduled(redis_conn)[WEEKLY_SUMMARY_JOB_ID], ZoneInfo(zone))
    assert (when.isoweekday(), when.hour, when.minute) == (1, 9, 0)
    assert when == _next_monday_9(zone)


def _run_due_weekly_trigger(redis_conn, scheduler) -> None:
    redis_conn.zadd(scheduler.scheduled_jobs_key, {WEEKLY_SUMMARY_JOB_ID: time.time() - 1})
    scheduler.enqueue_jobs()


def test_a_due_weekly_job_runs_in_a_worker_and_is_rescheduled_for_next_week(services, redis_conn, restore_zone):
    settings = get_settings()
    scheduler = make_scheduler(redis_conn, settings)
    register_schedules(scheduler, settings)
    _run_due_weekly_trigger(redis_conn, scheduler)
    queue = get_queue(redis_conn)
    assert WEEKLY_SUMMARY_JOB_ID in queue.job_ids
    SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)

    week = clock.previous_iso_week()
    summary_job = Job.fetch(f"alumusic-resumo-{week}", connection=redis_conn, serializer=JSONSerializer)
    assert summary_job.get_status() == "finished"
    assert summary_job.return_value()["semana"] == week
    assert _scheduled(redis_conn)[WEEKLY_SUMMARY_JOB_ID] == _next_monday_9(settings.timezone).timestamp()


def test_a_weekly_run_that_cannot_reach_smtp_is_retried_and_the_mail_arrives_once(
    services, redis_conn, use_settings, restore_zone
):
    from shared.dev.embedded import free_port
    from shared.vocabulary import Category
    from tests.report_seed import classified, utc

    port = free_port()
    settings = use_settings(**smtp_env(port))  # nothing listens there yet
    classified("show lindo", Category.ELOGIO, when=utc(2026, 11, 18))
    scheduler = make_scheduler(redis_conn, settings)
    register_schedules(scheduler, settings)
    queue = get_queue(redis_conn)
    week_job = f"alumusic-resumo-{clock.previous_iso_week()}"

    _run_due_weekly_trigger(redis_conn, scheduler)
    SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)
    assert queue.scheduled_job_registry.get_job_ids() == [week_job]  # waiting for its retry

    controller, inbox = start_smtp(port)
    try:
        drain(redis_conn)
        _run_due_weekly_trigger(redis_conn, scheduler)  # the trigger again for the same week: nothing new sent
        drain(redis_conn)
    finally:
        controller.stop()

    assert len(inbox.messages) == 1
    assert Job.fetch(week_job, connection=redis_conn, serializer=JSONSerializer).get_status() == "finished"


def test_scheduler_jobs_use_the_json_serializer(redis_conn, restore_zone):
    settings = get_settings()
    register_schedules(make_scheduler(redis_conn, settings), settings)
    job = JsonJob.fetch(RECONCILE_JOB_ID, connection=redis_conn)
    assert job.serializer is JSONSerializer


def _uuids(n: int):
    import uuid

    return [uuid.uuid4() for _ in range(n)]


def test_worker_registers_itself_again_after_a_redis_flush(redis_conn):
    from rq import Worker
    from rq.serializers import JSONSerializer

    from shared.queue import get_queue
    from worker.workers import InProcessWorker

    worker = InProcessWorker(
        [get_queue(redis_conn)], connection=redis_conn, serializer=JSONSerializer, name="sobrevivente"
    )
    worker.register_birth()
    assert [w.name for w in Worker.all(connection=redis_conn)] == ["sobrevivente"]
    redis_conn.flushdb()
    assert Worker.all(connection=redis_conn) == []
    worker.heartbeat()
    assert [w.name for w in Worker.all(connection=redis_conn)] == ["sobrevivente"]


def test_workers_refuse_jobs_that_name_a_function_outside_worker_jobs(services, redis_conn, tmp_path):
    from worker.workers import InProcessWorker

    marker = tmp_path / "executado"
    queue = get_queue(redis_conn)
    job = queue.enqueue("os.system", f"touch {marker}")  # what anyone with Redis access could try
    InProcessWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)
    job.refresh()
    assert job.get_status() == "failed"
    assert "função de job não permitida" in job.latest_result().exc_string
    assert not marker.exists()
