"""Training command (`flask --app ingest_api treinar`, `make train`): the offline classifier learns from the
corpus and the curators' corrections."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:  # the training module brings scikit-learn: loaded only when the command runs, not by the API
    from shared.classification.training import TrainingSummary


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
    from shared.classification import training

    summary, problem = training.train_current(use_corrections=not without_corrections)
    for line in summary_lines(summary, problem, use_corrections=not without_corrections):
        click.echo(line)


def summary_lines(summary: TrainingSummary, problem: str | None, use_corrections: bool = True) -> list[str]:
    """The Portuguese summary printed by `make train` and `flask treinar`."""
    if not use_corrections:
        source = "correções: não usadas (--sem-correcoes)"
    elif problem:
        source = f"correções: não lidas do banco ({problem}); treinado só com o corpus"
    else:
        source = (
            f"correções da curadoria usadas: {summary.corrections_used}; descartadas por repetirem (ou quase) um "
            f"texto dos conjuntos de avaliação: {summary.corrections_dropped}"
        )
    state = "já existia: mesmos dados, parâmetros e código" if summary.reused else "treinado agora"
    return [
        f"modelo local treinado: {summary.model} ({state}; {summary.seconds:.1f}s)",
        f"  corpus: {summary.corpus_rows} exemplos"
        + (f" ({summary.corpus_rows_overridden} com o rótulo da curadoria)" if summary.corpus_rows_overridden else ""),
        f"  {source}",
        f"  total de exemplos: {summary.examples}; arquivo: {summary.path}",
        "  os workers passam a usar este modelo no próximo job; depois rode "
        "`flask --app ingest_api reclassificar --desde AAAA-MM-DD`",
    ]


COMMANDS = (train,)
