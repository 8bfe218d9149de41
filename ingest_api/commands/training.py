"""Training command: the offline classifier learns from the corpus and the curators' corrections."""

from __future__ import annotations

import click

from shared.classification import local


@click.command("treinar")
@click.option(
    "--sem-correcoes",
    "--no-corrections",
    "without_corrections",
    is_flag=True,
    help="Treina só com o corpus, sem as correções da curadoria.",
)
def train(without_corrections: bool) -> None:
    """Retreina o classificador offline com o corpus e as correções da curadoria (classificações humanas
    atuais). Correções iguais ou quase iguais a textos dos conjuntos de avaliação são descartadas. O novo
    modelo vira o atual: os workers o carregam no próximo job."""
    summary, problem = local.train_current(use_corrections=not without_corrections)
    for line in local.summary_lines(summary, problem, use_corrections=not without_corrections):
        click.echo(line)


COMMANDS = (train,)
