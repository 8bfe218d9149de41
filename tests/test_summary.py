"""Weekly summary: SQL aggregates, text (template offline, Gemini through the fake server), storage and an
e-mail sent exactly once through a real in-process SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import json
import logging
from datetime import date

import pytest
from rq import SimpleWorker
from rq.serializers import JSONSerializer
from sqlalchemy import select

from shared import clock
from shared.classification.prompts import SUMMARY_MAX_WORDS, SUMMARY_PROMPT_VERSION
from shared.db import session_scope
from shared.dev.embedded import free_port
from shared.models import LlmCall, WeeklySummary
from shared.queue import get_queue
from shared.reporting import summary
from shared.reporting.summary import aggregates, writing
from shared.settings import get_settings
from shared.text import limit_words
from shared.vocabulary import Category
from tests.fake_gemini import Status, Text
from tests.pipeline_helpers import smtp_env, start_smtp
from tests.report_seed import add_comment, classified, classify, utc

WEEK = "2026-W47"  # Monday 2026-11-16 .. Sunday 2026-11-22


@pytest.fixture
def smtp_server(use_settings):
    port = free_port()
    controller, inbox = start_smtp(port)
    use_settings(**smtp_env(port))
    try:
        yield inbox
    finally:
        controller.stop()


def seed_week() -> None:
    """W46: 2 CRÍTICA, 3 ELOGIO. W47: 9 CRÍTICA (6 on Wednesday), 3 ELOGIO, 1 SPAM, 1 DÚVIDA."""
    for day in (10, 12):
        classified("o som do show estava baixo", Category.CRITICA, when=utc(2026, 11, day), artista="Luna Ferraz")
    for day in (9, 11, 13):
        classified("show incrível", Category.ELOGIO, when=utc(2026, 11, day), artista="Luna Ferraz")
    for n in range(9):
        day = 18 if n < 6 else 16 + n - 6
        classified(
            f"o autotune estragou a faixa {n}",
            Category.CRITICA,
            confianca=0.7 + n / 100,
            when=utc(2026, 11, day),
            artista="Luna Ferraz",
            tags={"feat_autotune": "autotune exagerado"},
        )
    for n in range(3):
        classified(
            f"que voz linda, amei o clipe {n}",
            Category.ELOGIO,
            confianca=0.95,
            when=utc(2026, 11, 17 + n),
            artista="Banda Aurora",
            tags={"feat_clipe": "clipe elogiado"},
        )
    classified("ganhe seguidores em http://spam.example agora mesmo", Category.SPAM, when=utc(2026, 11, 19))
    classified("quando sai a turnê de verão?", Category.DUVIDA, when=utc(2026, 11, 20), artista="Banda Aurora")


def stored() -> WeeklySummary:
    with session_scope() as session:
        return session.scalar(select(WeeklySummary).where(WeeklySummary.iso_week == WEEK))


def run_job_in_worker(redis_conn, iso_week: str) -> None:
    queue = get_queue(redis_conn)
    job = queue.enqueue("worker.jobs.weekly_summary", iso_week)
    SimpleWorker([queue], connection=redis_conn, serializer=JSONSerializer).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished", job.latest_result().exc_string if job.latest_result() else job


def test_aggregates_count_categories_changes_tags_artists_spikes_and_quotes(services):
    seed_week()
    with session_scope() as session:
        agg = aggregates.build_aggregates(session, WEEK)

    assert agg["periodo"] == {"desde": "2026-11-16", "ate": "2026-11-22"}
    assert agg["totais"]["total"] == 14 and agg["totais"]["total_anterior"] == 5
    critica = next(c for c in agg["categorias"] if c["categoria"] == "CRÍTICA")
    assert (critica["total"], critica["anterior"], critica["variacao_percentual"]) == (9, 2, 350.0)
    assert agg["top_tags"][0] == {"codigo": "feat_autotune", "total": 9}
    assert agg["artistas"][0]["artista"] == "Luna Ferraz" and agg["artistas"][0]["categorias"]["CRÍTICA"] == 9
    kinds = {(s["tipo"], s["categoria"]) for s in agg["picos"]}
    assert ("semana", "CRÍTICA") in kinds and ("dia", "CRÍTICA") in kinds
    quotes = agg["citacoes"]
    assert {q["categoria"] for q in quotes} == {"ELOGIO", "CRÍTICA", "DÚVIDA"}  # never SPAM, never links
    assert all(len(q["texto"]) <= aggregates.QUOTE_MAX_CHARS and "http" not in q["texto"] for q in quotes)
    json.dumps(agg)  # JSON-ready (stored in JSONB)


def test_quotes_and_artists_never_show_a_name_only_the_classifier_extracted(services):
    cid = add_comment("que show maravilhoso, amei demais", when=utc(2026, 11, 18))
    classify(cid, Category.ELOGIO, 0.99, artista="Nome Inventado")  # extracted, not in the catalogue
    cid = add_comment("quando sai o disco novo da banda?", when=utc(2026, 11, 18))
    classify(cid, Category.DUVIDA, 0.99, artista="Banda Aurora")  # extracted, a catalogue name
    classified("que letra ruim, não gostei nada", Category.CRITICA, when=utc(2026, 11, 18), artista="Cliente Enviou")
    with session_scope() as session:
        agg = aggregates.build_aggregates(session, WEEK)
    by_category = {q["categoria"]: q["artista"] for q in agg["citacoes"]}
    assert by_category == {"ELOGIO": None, "DÚVIDA": "Banda Aurora", "CRÍTICA": "Cliente Enviou"}
    assert {a["artista"] for a in agg["artistas"]} == {"Banda Aurora", "Cliente Enviou"}
    assert "Nome Inventado" not in json.dumps(agg, ensure_ascii=False)


def test_offline_template_states_the_key_numbers_in_portuguese_within_250_words(services):
    seed_week()
    with session_scope() as session:
        agg = aggregates.build_aggregates(session, WEEK)

    body = writing.template_text(agg)

    assert "14 comentário(s)" in body and "+180,0%" in body
    assert "crítica subiu de 2 para 9" in body.lower()
    assert "autotune (9)" in body
    assert len(body.split()) <= SUMMARY_MAX_WORDS


def test_limit_words_cuts_long_texts_at_250_words():
    long_text = ("palavra " * 180).strip() + "\n\n" + ("outra " * 180).strip()

    cut = limit_words(long_text, SUMMARY_MAX_WORDS)

    assert len(cut.split()) == 250 and cut.endswith("…") and cut.count("\n\n") == 1


def test_weekly_summary_job_arrives_exactly_once_across_two_runs(services, smtp_server, redis_conn):
    seed_week()

    run_job_in_worker(redis_conn, WEEK)
    run_job_in_worker(redis_conn, WEEK)

    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["diretoria@alumusic.com.br", "curadoria@alumusic.com.br"]
    assert message["Subject"] == "AluMusic: resumo da semana 2026-W47 (16/11 a 22/11/2026)"
    plain = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "Comentários: 14 (+180,0% vs. semana anterior)" in plain
    assert "<td>Crítica</td><td align='right'>9</td>" in page
    row = stored()
    assert row.sent_at is not None and row.recipients == recipients
    assert row.model == writing.TEMPLATE_MODEL and row.aggregates["totais"]["total"] == 14


def test_resend_sends_the_stored_summary_again_without_rebuilding_it(services, smtp_server):
    seed_week()
    first = summary.build_weekly_summary(WEEK)
    text_before = stored().text

    again = summary.build_weekly_summary(WEEK)
    resent = summary.build_weekly_summary(WEEK, resend=True)

    assert (first.created, first.sent) == (True, True)
    assert (again.created, again.sent) == (False, False)
    assert (resent.created, resent.sent) == (False, True)
    assert len(smtp_server.messages) == 2 and stored().text == text_before


def test_without_smtp_host_the_message_goes_to_the_outbox_as_an_eml_file(services, caplog):
    seed_week()
    caplog.set_level(logging.WARNING, logger="shared.mail")

    outcome = summary.build_weekly_summary(WEEK)

    assert outcome.transport == "arquivo" and outcome.path.suffix == ".eml"
    message = email.message_from_bytes(outcome.path.read_bytes(), policy=email.policy.default)
    assert "resumo da semana 2026-W47" in message["Subject"]
    assert "SMTP_HOST não definido" in caplog.text and str(outcome.path) in caplog.text
    assert summary.build_weekly_summary(WEEK).sent is False  # recorded as sent: never written twice


def test_gemini_writes_the_summary_from_aggregates_sent_as_data(services, fake_gemini, smtp_server):
    seed_week()
    fake_gemini.push(Text("A semana teve 14 comentários, com alta forte de críticas ao autotune."))

    outcome = summary.build_weekly_summary(WEEK)

    assert outcome.model == get_settings().gemini_model
    [request] = fake_gemini.requests
    assert "no máximo 250 palavras" in request.system_instruction
    assert request.data["totais"]["total"] == 14 and request.data["semana"] == WEEK
    sent_texts = json.dumps(request.data, ensure_ascii=False)
    assert "o som do show estava baixo" not in sent_texts  # only aggregates and a few quotes, not the raw week
    row = stored()
    assert row.text.startswith("A semana teve 14 comentários") and row.prompt_version == SUMMARY_PROMPT_VERSION
    with session_scope() as session:
        assert session.scalar(select(LlmCall.purpose)) == "summary"
    assert "A semana teve 14 comentários" in smtp_server.messages[0][1].get_body(("plain",)).get_content()


def test_gemini_failure_falls_back_to_the_offline_template(services, fake_gemini):
    seed_week()
    fake_gemini.default = Status(400, "chave inválida")

    outcome = summary.build_weekly_summary(WEEK, send=False)

    assert outcome.model == writing.TEMPLATE_MODEL
    assert "14 comentário(s)" in stored().text


def test_backfill_builds_missing_past_weeks_oldest_first_without_sending(services, smtp_server):
    seed_week()
    summary.build_weekly_summary("2026-W46", send=False)

    outcomes = summary.backfill(3, today=date(2026, 11, 25))  # a Wednesday of W48

    assert [o.iso_week for o in outcomes] == ["2026-W45", "2026-W46", "2026-W47"]
    assert [o.created for o in outcomes] == [True, False, True]
    assert not any(o.sent for o in outcomes) and smtp_server.messages == []


@pytest.mark.parametrize("value", ["2026-47", "2026-W54", "semana passada", "2026-W00"])
def test_invalid_iso_weeks_are_rejected_in_portuguese(value):
    with pytest.raises(clock.WeekError, match="semana"):
        clock.parse_iso_week(value)
    with pytest.raises(summary.SummaryError, match="semana"):
        summary.build_weekly_summary(value)


def test_previous_iso_week_is_the_last_complete_week():
    assert clock.previous_iso_week(date(2026, 11, 23)) == "2026-W47"  # Monday 09:00 run
    assert clock.previous_iso_week(date(2027, 1, 4)) == "2026-W53"


def test_quotes_never_carry_links_domains_handles_emails_phones_or_markup(services):
    from shared.reporting.periods import Period

    unsafe = [
        "amei o show ![](//pixel.evil.example/p.png) demais",
        "ingressos baratos [aqui](//golpe.example) galera",
        "show lindo, me segue no insta @fulano_oficial",
        "melhor show do ano, chama no 11 99999-8888",
        "escreve pra mim: fa@exemplo.com sobre o show",
        "show incrível, veja golpe.example/fotos agora",
    ]
    for text in unsafe:
        classified(text, Category.ELOGIO, when=utc(2026, 11, 18), confianca=0.99)
    classified("o show de ontem foi lindo demais", Category.ELOGIO, when=utc(2026, 11, 18), confianca=0.5)
    with session_scope() as session:
        quotes = aggregates.sample_quotes(session, Period.last_days(7, ending=utc(2026, 11, 22).date()))
    assert [q["texto"] for q in quotes] == ["o show de ontem foi lindo demais"]
