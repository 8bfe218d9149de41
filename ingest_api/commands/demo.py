"""`carregar-demo`: the demo data set through the real intake and worker pipeline."""

from __future__ import annotations

import click
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from shared.dev import demo, demo_plan


@click.command("carregar-demo")
@click.option(
    "--quantidade",
    default=demo_plan.DEFAULT_COUNT,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Número de comentários de demonstração.",
)
@click.option(
    "--semanas",
    default=demo_plan.DEFAULT_WEEKS,
    show_default=True,
    type=click.IntRange(1, 52),
    help="Semanas cobertas (terminando hoje).",
)
@click.option(
    "--esperar/--sem-esperar",
    default=True,
    show_default=True,
    help="Esperar os workers classificarem (e então gerar os resumos semanais).",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=900,
    show_default=True,
    type=click.IntRange(1),
    help="Espera máxima pelos workers, em segundos.",
)
@click.option(
    "--resumos/--sem-resumos", default=True, show_default=True, help="Gerar os resumos semanais das semanas passadas."
)
def carregar_demo(quantidade: int, semanas: int, esperar: bool, timeout_s: int, resumos: bool) -> None:
    """Carrega comentários de demonstração pelo pipeline real (idempotente: rodar de novo não duplica)."""
    try:
        result = demo.load_demo(
            quantidade, semanas, wait=esperar, timeout_s=timeout_s, summaries=resumos, say=click.echo
        )
    except (SQLAlchemyError, RedisError, OSError) as exc:  # one clear line instead of a traceback
        raise click.ClickException(f"falha ao carregar a demonstração: {exc}") from None
    click.echo(
        f"Demonstração pronta: {result.total} comentários ({result.new} novos), "
        f"{result.classified} classificados, {result.failed} com falha, {result.pending} na fila, "
        f"{result.summaries} resumo(s) semanais; {result.wait_seconds:.0f} s."
    )


COMMANDS = (carregar_demo,)
