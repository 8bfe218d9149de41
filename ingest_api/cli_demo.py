"""`flask --app ingest_api carregar-demo`: the demo data set through the real intake and worker pipeline."""
from __future__ import annotations

import click
from flask import Flask

from shared import demo


def register(app: Flask) -> None:
    app.cli.add_command(carregar_demo)


@click.command("carregar-demo")
@click.option("--quantidade", default=demo.DEFAULT_COUNT, show_default=True, type=click.IntRange(1, 100_000),
              help="Número de comentários de demonstração.")
@click.option("--semanas", default=demo.DEFAULT_WEEKS, show_default=True, type=click.IntRange(1, 52),
              help="Semanas cobertas (terminando hoje).")
@click.option("--esperar/--sem-esperar", default=True, show_default=True,
              help="Esperar os workers classificarem (e então gerar os resumos semanais).")
@click.option("--timeout", "timeout_s", default=900, show_default=True, type=click.IntRange(1),
              help="Espera máxima pelos workers, em segundos.")
@click.option("--resumos/--sem-resumos", default=True, show_default=True,
              help="Gerar os resumos semanais das semanas passadas.")
def carregar_demo(quantidade: int, semanas: int, esperar: bool, timeout_s: int, resumos: bool) -> None:
    """Carrega comentários de demonstração pelo pipeline real (idempotente: rodar de novo não duplica)."""
    say = lambda line: click.echo(line)  # noqa: E731 - unbuffered progress lines
    try:
        result = demo.load_demo(quantidade, semanas, wait=esperar, timeout_s=timeout_s, summaries=resumos, say=say)
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        raise click.ClickException(f"falha ao carregar a demonstração: {exc}") from None
    click.echo(
        f"Demonstração pronta: {result.total} comentários ({result.novos} novos), "
        f"{result.classificados} classificados, {result.falhos} com falha, {result.pendentes} na fila, "
        f"{result.resumos} resumo(s) semanais; {result.tempo_espera_s:.0f} s."
    )
