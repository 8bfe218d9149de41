"""`python -m evals`: classify a labeled dataset, print and write the report, enforce the quality gate.

Exit codes: 0 gate holds; 1 gate failed (the message names every limit that fell short);
2 the run could not start (bad dataset, classifier not available).
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from evals.dataset import DatasetError
from evals.evaluation import evaluate
from evals.gate import load_thresholds
from evals.report import EVALS_DIR, GOLDEN_PATH, render_markdown, write_reports
from shared.classification.registry import get_classifier
from shared.settings import get_settings

EXIT_GATE_FAILED = 1
EXIT_CANNOT_RUN = 2


def _fail(ctx: click.Context, message: str) -> NoReturn:
    click.echo(f"Erro: {message}", err=True)
    ctx.exit(EXIT_CANNOT_RUN)


@click.command(help="Mede a qualidade do classificador num conjunto rotulado e aplica o gate de qualidade.")
@click.option(
    "--classifier",
    "classifier_name",
    type=click.Choice(["local", "gemini"]),
    default=None,
    help="Classificador a avaliar (padrão: o configurado; CLASSIFIER / GEMINI_API_KEY).",
)
@click.option(
    "--dataset",
    type=click.Path(path_type=Path, dir_okay=False),
    default=GOLDEN_PATH,
    show_default="evals/golden.csv",
    help="CSV com ao menos as colunas texto e categoria (id, tags_esperadas, artista, nota opcionais).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=EVALS_DIR / "out",
    show_default="evals/out",
    help="Pasta onde gravar o relatório (JSON e Markdown).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=None,
    help="Comentários por chamada ao classificador (padrão: GEMINI_BATCH_SIZE).",
)
@click.option("--progress/--no-progress", default=True, help="Mostra a barra de progresso.")
@click.pass_context
def main(
    ctx: click.Context,
    classifier_name: str | None,
    dataset: Path,
    out_dir: Path,
    batch_size: int | None,
    progress: bool,
) -> None:
    settings = get_settings()
    name = classifier_name or settings.classifier_name
    # Tests may inject a factory (click's ctx.obj); the command otherwise uses the shared one.
    factory = (ctx.obj or {}).get("get_classifier", get_classifier)
    try:
        classifier = factory(name)
    except Exception as exc:  # noqa: BLE001 - reported to the user in plain words
        _fail(ctx, f"não foi possível iniciar o classificador {name!r}: {exc}")
    try:
        report = evaluate(
            classifier, dataset, batch_size or settings.gemini_batch_size, load_thresholds(), progress=progress
        )
    except DatasetError as exc:
        _fail(ctx, f"conjunto de dados inválido: {exc}")

    click.echo(render_markdown(report, include_errors=False))
    paths = write_reports(report, out_dir, stem=f"{dataset.stem}-{classifier.name}")
    click.echo("Relatório gravado em: " + ", ".join(str(p) for p in paths))
    problems = report["gate"]["abaixo_do_limite"]
    if problems:
        click.echo("Gate de qualidade REPROVADO: " + "; ".join(problems), err=True)
        ctx.exit(EXIT_GATE_FAILED)
    click.echo("Gate de qualidade aprovado.")
