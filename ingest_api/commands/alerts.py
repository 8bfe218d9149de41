"""`flask verificar-alertas`: the scheduler's alert check, once, with what it found."""

from __future__ import annotations

import click
from sqlalchemy.exc import OperationalError

from shared import alerts, clock
from shared.alerts.notify import one_line


@click.command("verificar-alertas")
@click.option("--sem-envio", is_flag=True, help="Só verifica e grava; não envia e-mail nem webhook.")
def check_alerts(sem_envio: bool) -> None:
    """Compara o volume recente de CRÍTICA e SPAM (geral e por artista) com a linha de base, grava os alertas
    novos (um por janela) e envia as notificações pendentes. O agendador faz o mesmo a cada ALERT_EVERY_SECONDS."""
    try:
        report = alerts.run_check(notify=not sem_envio)
    except OperationalError as exc:
        raise click.ClickException(f"banco de dados indisponível: {str(exc).splitlines()[0][:200]}") from None
    start, end = clock.as_local(report.window.start), clock.as_local(report.window.end)
    click.echo(f"Janela: {start:%d/%m/%Y %H:%M} a {end:%H:%M} ({clock.zone_name()}).")
    if not report.findings:
        click.echo("Nenhuma série de CRÍTICA ou SPAM com volume suficiente para comparar.")
    for f in report.findings:
        who = one_line(f.artist) if f.artist else "geral"
        verdict = "ACIMA DO NORMAL" if f.fires else "normal"
        click.echo(
            f"  {f.category} / {who}: {f.count} comentário(s); linha de base {f.baseline:.1f}, "
            f"limiar {f.threshold:.1f} -> {verdict}"
        )
    click.echo(f"{len(report.created)} alerta(s) novo(s).")
    if not sem_envio:
        n = report.notified
        click.echo(f"Enviados: {n.emails} e-mail(s), {n.webhooks} webhook(s).")
        for failure in n.failures:
            click.echo(f"  falha (nova tentativa na próxima verificação): {failure}")


COMMANDS = (check_alerts,)
