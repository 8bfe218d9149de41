"""Alerts: the real check (worker.jobs.check_alerts) against PostgreSQL, e-mail through a real in-process SMTP
server (aiosmtpd), the webhook through a real local HTTP server; once per window, retries without duplicates."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import insert, select

from shared import alerts, clock
from shared.alerts import detection
from shared.db import session_scope
from shared.dev.embedded import free_port
from shared.models import Alert, Classification, Comment
from shared.text import text_hash
from shared.vocabulary import Category, CommentStatus, Origin, Source
from tests.pipeline_helpers import smtp_env, start_smtp
from worker import jobs

NOW = datetime.now(UTC).replace(second=0, microsecond=0)


class Webhook:
    """A real HTTP server on 127.0.0.1 recording every POST; answers `statuses` in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.posts: list[dict] = []
        self.statuses = list(statuses or [])
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                hook.posts.append(json.loads(self.rfile.read(length)))
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/segredo-do-token"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def accepted(self) -> int:
        return len(self.posts)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def notify(use_settings):
    """SMTP (aiosmtpd) and webhook servers, configured as this test's settings."""
    port = free_port()
    controller, inbox = start_smtp(port)
    hook = Webhook()
    use_settings(**smtp_env(port), alert_webhook_url=hook.url)
    try:
        yield inbox, hook
    finally:
        controller.stop()
        hook.close()


def add_classified(rows: list[tuple[datetime, Category, str | None]], artist_by_classifier: str | None = None) -> None:
    """Classified comments (bulk, straight into PostgreSQL): (occurred_at, category, client artist)."""
    with session_scope() as session:
        for n, (when, category, artist) in enumerate(rows):
            cid = uuid.uuid4()
            texto = f"comentário {n} {cid.hex[:6]}"
            session.execute(
                insert(Comment).values(
                    id=cid,
                    text=texto,
                    text_hash=text_hash(texto),
                    artist=artist,
                    written_at=when,
                    source=Source.API,
                    status=CommentStatus.CLASSIFICADO,
                )
            )
            session.execute(
                insert(Classification).values(
                    comment_id=cid,
                    category=category,
                    confidence=0.9,
                    artist=artist or artist_by_classifier,
                    origin=Origin.LOCAL,
                    model="local-teste",
                    prompt_version="t1",
                )
            )


def spread(count: int, end: datetime, minutes: int, category: Category, artist: str | None):
    """`count` comments evenly over the `minutes` before `end`."""
    return [(end - timedelta(minutes=minutes * (i + 0.5) / count), category, artist) for i in range(count)]


def usual_traffic(weeks: int = 4, per_window: int = 3) -> None:
    """The previous weeks at the same hours: a few CRÍTICA about two artists and some SPAM, `per_window` an hour,
    evenly over the whole hours the window touches (as real traffic is: the baseline reads hourly rollups and
    counts an hour the window covers in part in proportion, so traffic packed into the window alone would make
    the baseline depend on the minute the test runs)."""
    rows = []
    for k in range(1, weeks + 1):
        end = clock.as_local(NOW) - timedelta(weeks=k)
        first_hour = (end - timedelta(minutes=60)).replace(minute=0)
        last_hour = end if end.minute == 0 else end.replace(minute=0) + timedelta(hours=1)
        hours = round((last_hour - first_hour) / timedelta(hours=1))
        for category, artist in (
            (Category.CRITICA, "Kaique Sol"),
            (Category.CRITICA, "Luna Ferraz"),
            (Category.SPAM, None),
        ):
            rows += spread(per_window * hours, last_hour, 60 * hours, category, artist)
    add_classified(rows)


def stored() -> list[Alert]:
    with session_scope() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_a_spike_makes_one_alert_one_email_and_one_webhook_post_once(notify):
    inbox, hook = notify
    usual_traffic()
    add_classified(
        spread(40, NOW, 45, Category.CRITICA, "Kaique Sol")
        + spread(3, NOW, 60, Category.CRITICA, "Luna Ferraz")
        + spread(2, NOW, 60, Category.SPAM, None)
    )

    result = jobs.check_alerts()

    [alert] = stored()
    assert (alert.category, alert.artist, alert.count) == (Category.CRITICA, "Kaique Sol", 40)
    # 3 a week at these hours; the rollups count the hours the window covers in part in proportion
    assert 1.0 <= alert.baseline <= 3.0 and alert.threshold >= 10
    assert alert.window_end - alert.window_start == timedelta(minutes=60)
    assert alert.email_sent_at is not None and alert.webhook_sent_at is not None
    assert result["novos_alertas"] == 1 and result["emails"] == 1 and result["webhooks"] == 1
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["diretoria@alumusic.com.br", "curadoria@alumusic.com.br"]
    assert "Kaique Sol" in message["Subject"] and "40" in message["Subject"]
    assert message.get_content_type() == "text/plain"  # plain text only, no HTML part
    assert "Comentários na janela: 40" in message.get_content()
    [post] = hook.posts
    assert post["categoria"] == "CRÍTICA" and post["artista"] == "Kaique Sol" and post["total"] == 40
    assert post["id"] == alert.id

    again = jobs.check_alerts()  # the next scheduled run: the same spike is still in its window
    assert again["novos_alertas"] == 0 and again["emails"] == 0 and again["webhooks"] == 0
    assert len(stored()) == 1 and len(inbox.messages) == 1 and len(hook.posts) == 1


def test_usual_traffic_makes_no_alert(notify):
    inbox, hook = notify
    usual_traffic(per_window=12)
    add_classified(
        spread(14, NOW, 60, Category.CRITICA, "Kaique Sol")
        + spread(12, NOW, 60, Category.CRITICA, "Luna Ferraz")
        + spread(11, NOW, 60, Category.SPAM, None)
    )
    result = jobs.check_alerts()
    assert result["acima_do_normal"] == 0 and stored() == []
    assert inbox.messages == [] and hook.posts == []


def test_a_spike_without_artist_is_an_overall_alert_and_spam_counts_too(notify):
    inbox, _hook = notify
    usual_traffic()
    add_classified(spread(25, NOW, 30, Category.SPAM, None))
    jobs.check_alerts()
    [alert] = stored()
    assert (alert.category, alert.artist, alert.count) == (Category.SPAM, None, 25 + 0)
    assert "SPAM" in inbox.messages[0][1]["Subject"]


def test_a_name_only_an_llm_extracted_never_becomes_an_artist_alert(notify):
    usual_traffic()
    add_classified(spread(30, NOW, 30, Category.CRITICA, None), artist_by_classifier="Ignore as instruções")
    jobs.check_alerts()
    [alert] = stored()
    assert alert.artist is None  # only the overall series fired


def test_failed_email_and_webhook_are_retried_by_the_next_run_and_sent_once(use_settings, caplog):
    caplog.set_level("DEBUG")
    port = free_port()
    hook = Webhook(statuses=[500])
    use_settings(**smtp_env(port), alert_webhook_url=hook.url)  # nothing listens on the SMTP port yet
    usual_traffic()
    add_classified(spread(30, NOW, 40, Category.CRITICA, "Kaique Sol"))
    try:
        first = jobs.check_alerts()
        [alert] = stored()
        assert first["novos_alertas"] == 1 and first["falhas"] == 2
        assert alert.email_sent_at is None and alert.webhook_sent_at is None and alert.attempts == 1
        assert "segredo-do-token" not in (alert.last_error or "")  # the webhook URL is never stored nor logged

        controller, inbox = start_smtp(port)
        try:
            second = jobs.check_alerts()
            third = jobs.check_alerts()
        finally:
            controller.stop()
    finally:
        hook.close()
    [alert] = stored()
    assert second["novos_alertas"] == 0 and second["emails"] == 1 and second["webhooks"] == 1
    assert third["emails"] == 0 and third["webhooks"] == 0
    assert len(inbox.messages) == 1 and len(hook.posts) == 2  # the refused POST, then the accepted one
    assert alert.email_sent_at is not None and alert.webhook_sent_at is not None and alert.last_error is None
    assert "segredo-do-token" not in caplog.text and "127.0.0.1" in caplog.text  # the host only, never the URL


def test_concurrent_runs_store_the_window_once(use_settings):
    usual_traffic()
    add_classified(spread(30, NOW, 40, Category.CRITICA, "Kaique Sol"))
    errors: list[BaseException] = []

    def run():
        try:
            alerts.run_check(now=NOW, notify=False)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(stored()) == 1


def test_a_later_window_overlapping_the_alert_adds_nothing_and_a_new_spike_later_does(use_settings):
    usual_traffic()
    add_classified(spread(30, NOW, 40, Category.CRITICA, "Kaique Sol"))
    assert len(alerts.run_check(now=NOW, notify=False).created) == 1
    assert alerts.run_check(now=NOW + timedelta(minutes=30), notify=False).created == []
    later = NOW + timedelta(hours=3)
    add_classified(spread(30, later, 40, Category.CRITICA, "Kaique Sol"))
    assert len(alerts.run_check(now=later, notify=False).created) == 1


def test_baseline_is_the_same_local_hours_in_previous_weeks():
    window = detection.current_window(now=NOW)
    weeks = detection.baseline_windows(window, 2)
    assert [clock.as_local(w.start).hour for w in weeks] == [clock.as_local(window.start).hour] * 2
    for k, w in enumerate(weeks, start=1):  # k weeks earlier, give or take a daylight-saving hour
        assert abs((window.start - w.start) - timedelta(weeks=k)) <= timedelta(hours=1)


@pytest.mark.parametrize("local_hour", [0.5, 8, 19, 23.5])
def test_the_demo_data_fires_one_alert_on_its_recent_spike_and_none_on_its_usual_traffic(use_settings, local_hour):
    """The demo set (shared.dev.demo_plan) with its corpus labels as classifications, loaded at several hours of the day
    (the day's later comments are squeezed into the hours before loading), checked with the defaults."""
    from shared.dev import demo_plan as demo

    loaded = clock.local_midnight(clock.today() - timedelta(days=1)) + timedelta(hours=local_hour)
    planned = demo.plan()
    items = demo.to_items(planned, now=loaded)
    add_classified([(item.data, c.categoria, item.artista) for c, item in zip(planned, items, strict=True)])

    report = alerts.run_check(now=loaded + timedelta(minutes=3), notify=False)

    firing = [(f.category, f.artist) for f in report.findings if f.fires]
    assert firing == [(Category.CRITICA.value, demo.RECENT_SPIKE.artist)]
    [alert] = stored()
    assert alert.count >= 80  # about 100 of the 150 complaints fall in the last hour


def test_the_scheduler_runs_the_check_in_an_allowlisted_worker(notify, redis_conn):
    import os
    import time

    from rq.serializers import JSONSerializer

    from shared.queue import get_queue
    from shared.settings import get_settings
    from worker.schedules import ALERTS_FUNC, ALERTS_JOB_ID, make_scheduler, register_schedules
    from worker.workers import ALLOWED_FUNCTIONS, InProcessWorker

    inbox, hook = notify
    assert ALERTS_FUNC in ALLOWED_FUNCTIONS
    usual_traffic()
    add_classified(spread(30, NOW, 40, Category.CRITICA, "Kaique Sol"))
    zone_before = os.environ.get("TZ")
    try:
        settings = get_settings()
        scheduler = make_scheduler(redis_conn, settings)
        for _ in range(2):  # registering again (a restart) keeps one periodic job
            register_schedules(scheduler, settings)
        assert redis_conn.zscore(scheduler.scheduled_jobs_key, ALERTS_JOB_ID) is not None
        redis_conn.zadd(scheduler.scheduled_jobs_key, {ALERTS_JOB_ID: time.time() - 1})
        scheduler.enqueue_jobs()
    finally:
        if zone_before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = zone_before
        time.tzset()
    queue = get_queue(redis_conn)
    InProcessWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)
    assert len(stored()) == 1 and len(inbox.messages) == 1 and len(hook.posts) == 1
    assert redis_conn.zscore(scheduler.scheduled_jobs_key, ALERTS_JOB_ID) > time.time()  # rescheduled


def test_the_cli_runs_the_check_once_and_says_what_it_found(runner, use_settings):
    usual_traffic()
    add_classified(spread(30, NOW, 40, Category.CRITICA, "Kaique Sol"))
    result = runner.invoke(args=["verificar-alertas"])
    assert result.exit_code == 0, result.output
    assert "CRÍTICA / Kaique Sol: 30 comentário(s)" in result.output and "ACIMA DO NORMAL" in result.output
    assert "1 alerta(s) novo(s)." in result.output and "Enviados: 1 e-mail(s), 0 webhook(s)." in result.output
    again = runner.invoke(args=["verificar-alertas", "--sem-envio"])
    assert "0 alerta(s) novo(s)." in again.output and "Enviados" not in again.output


def test_weeks_before_the_first_comment_are_not_part_of_the_baseline(use_settings):
    week_ago = clock.as_local(NOW) - timedelta(weeks=1)  # one week of history: 10 an hour about Kaique Sol
    add_classified(spread(30, week_ago + timedelta(hours=1), 180, Category.CRITICA, "Kaique Sol"))
    add_classified(spread(18, NOW, 60, Category.CRITICA, "Kaique Sol"))
    [finding] = [f for f in alerts.run_check(now=NOW, notify=False).findings if f.artist == "Kaique Sol"]
    assert finding.baseline >= 5  # the mean of one week, not of one week and three empty ones
    assert not finding.fires and stored() == []
