"""Pipeline commands: re-classify, re-queue failures, reconcile, weekly summary."""

from __future__ import annotations

from datetime import date

import click
from redis.exceptions import RedisError

from shared import clock
from shared.classification import requeue
from shared.classification.registry import current_classifier
from shared.db import session_scope
from shared.reporting import rollups, summary


def _queue_error(exc: RedisError) -> click.ClickException:
    return click.ClickException(f"fila (Redis) indisponível: {exc}. Nada foi alterado; tente de novo.")


@click.command("reclassificar")
@click.option("--desde", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Primeiro dia (AAAA-MM-DD).")
@click.option("--ate", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Último dia (AAAA-MM-DD), inclusive.")
def reclassify(desde, ate) -> None:
    """Re-enfileira os comentários do período cuja classificação atual veio de outro modelo ou versão de
    prompt. Correções humanas nunca são sobrescritas; as classificações antigas ficam no histórico."""
    start: date = desde.date()
    end: date | None = ate.date() if ate else None
    if end and end < start:
        raise click.BadParameter("--ate deve ser igual ou posterior a --desde", param_hint="--ate")
    try:
        count = requeue.reclassify(start, end)
    except RedisError as exc:
        raise _queue_error(exc) from None
    classifier = current_classifier()
    click.echo(f"{count} comentário(s) re-enfileirado(s) para {classifier.model} (prompt {classifier.prompt_version}).")


@click.command("reprocessar-falhas")
@click.argument("ids", nargs=-1)
def requeue_failed(ids: tuple[str, ...]) -> None:
    """Devolve à fila os comentários com status `falhou` (todos, ou só os IDS informados)."""
    try:
        count = requeue.requeue_failed(list(ids) if ids else None)
    except RedisError as exc:
        raise _queue_error(exc) from None
    click.echo(f"{count} comentário(s) com falha devolvido(s) à fila.")


@click.command("reconciliar")
@click.option(
    "--parados-ha",
    "stuck_after",
    type=click.IntRange(min=0),
    default=None,
    help="Segundos parado em pendente/processando (padrão: STUCK_AFTER_SECONDS).",
)
def reconcile(stuck_after: int | None) -> None:
    """Re-enfileira comentários parados em `pendente` ou `processando` (Redis apagado, worker morto)."""
    try:
        count = requeue.reconcile(stuck_after)
    except RedisError as exc:
        raise _queue_error(exc) from None
    click.echo(f"{count} comentário(s) parado(s) re-enfileirado(s).")


@click.command("resumo-semanal")
@click.option("--semana", default=None, help="Semana ISO, ex.: 2026-W47 (padrão: a última semana completa).")
@click.option("--reenviar", is_flag=True, help="Envia de novo mesmo que já tenha sido enviado.")
@click.option("--refazer", is_flag=True, help="Gera o texto de novo a partir dos dados atuais.")
@click.option(
    "--backfill",
    type=click.IntRange(min=1),
    default=None,
    help="Gera os resumos que faltam das últimas N semanas completas (sem enviar e-mail).",
)
@click.option("--enviar", is_flag=True, help="Com --backfill: envia também o e-mail das semanas geradas.")
def weekly_summary(semana: str | None, reenviar: bool, refazer: bool, backfill: int | None, enviar: bool) -> None:
    """Gera, guarda e envia por e-mail o resumo semanal (uma vez por semana ISO)."""
    if backfill and (semana or reenviar or refazer):
        raise click.UsageError("use --backfill sozinho (ou com --enviar), sem --semana/--reenviar/--refazer")
    try:
        if backfill:
            outcomes = summary.backfill(backfill, send=enviar)
        else:
            outcomes = [
                summary.build_weekly_summary(semana or clock.previous_iso_week(), resend=reenviar, rebuild=refazer)
            ]
    except summary.SummaryError as exc:
        raise click.ClickException(str(exc)) from None
    for o in outcomes:
        built = "gerado" if o.created else "já existia"
        if o.sent:
            where = f" -> {o.path}" if o.path else " por SMTP"
            sent = f"enviado{where}"
        else:
            sent = "não enviado (já tinha sido)" if not backfill or enviar else "não enviado"
        click.echo(f"{o.iso_week}: {built} ({o.model}); {sent}.")


@click.command("recalcular-agregados")
def rebuild_rollups() -> None:
    """Recalcula do zero, numa transação, os agregados por hora que o relatório lê (a partir dos comentários,
    classificações e tags). As escritas esperam o fim; as leituras continuam."""
    with session_scope() as session:
        report = rollups.rebuild(session)
    click.echo(
        f"Agregados recalculados: {report.comments} comentário(s), {report.classified} com classificação atual, "
        f"{report.tag_mentions} menção(ões) de tag."
    )
    for table, count in report.rows.items():
        click.echo(f"  {table}: {count} linha(s)")


COMMANDS = (reclassify, requeue_failed, reconcile, weekly_summary, rebuild_rollups)
