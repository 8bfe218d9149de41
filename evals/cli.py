"""`python -m evals`: classify the labelled sets, print and write the reports, enforce the quality gate.

With no options it evaluates BOTH held-out sets (the golden set and the challenge set) with the configured
classifier, prints them side by side, writes their JSON/Markdown reports, regenerates `evals/REPORT.md` and
applies each set's limits (evals/thresholds.toml). `--conjunto/--dataset X` evaluates any CSV instead.
`--cv` runs the 5-fold cross-validation of the local model on its training corpus.

The default run also runs the Q&A eval (`evals.qa`: the questions of `evals/qa.toml` answered over the demo
data, loaded into a fresh database) and gates its pass rate; `--perguntas` runs only that eval,
`--sem-perguntas` leaves it out.

Every run is remembered in `<out>/historico.jsonl`; when the model differs from the last stored run of the same
dataset, the main numbers are printed as "antes → depois".

Exit codes: 0 gate holds; 1 gate failed (the message names every limit that fell short);
2 the run could not start (bad dataset, classifier not available).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NoReturn

import click

from evals.dataset import DatasetError
from evals.evaluation import evaluate
from evals.qa import QA_PATH, evaluate_qa, render_qa_markdown, write_qa_report
from evals.report import (
    CHALLENGE_PATH,
    CV_NAME,
    EVALS_DIR,
    GOLDEN_PATH,
    NAMES,
    REPORT_PATH,
    append_history,
    history_entry,
    previous_model_run,
    render_before_after,
    render_full_report,
    render_markdown,
    render_side_by_side,
    write_reports,
)
from shared.classification.registry import get_classifier
from shared.settings import get_settings

EXIT_GATE_FAILED = 1
EXIT_CANNOT_RUN = 2
HELD_OUT = (GOLDEN_PATH, CHALLENGE_PATH)


def _fail(ctx: click.Context, message: str) -> NoReturn:
    click.echo(f"Erro: {message}", err=True)
    ctx.exit(EXIT_CANNOT_RUN)


def _read_cv(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / CV_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _run_cv(ctx: click.Context, corpus: Path | None, folds: int, out_dir: Path, progress: bool) -> None:
    from evals.crossval import cross_validate  # trains models: imported only when asked for
    from shared.classification.training import CORPUS_DIR

    def tick(number: int, total: int) -> None:
        if progress:
            click.echo(f"  parte {number}/{total} pronta", err=True)

    click.echo(f"Validação cruzada estratificada ({folds} partes) do modelo local no corpus de treino...")
    try:
        report = cross_validate(corpus or CORPUS_DIR, folds, progress=tick)
    except (OSError, ValueError) as exc:
        _fail(ctx, f"não foi possível rodar a validação cruzada: {exc}")
    run, m = report["execucao"], report["metricas"]
    click.echo(f"Modelo {run['modelo']}, {run['exemplos']} exemplos, {run['duracao_s']:.0f} s.")
    click.echo(render_side_by_side([(f"validação cruzada ({folds} partes)", m)]))
    confident = m["erros_confiantes"]
    worst = min(m["por_categoria"], key=lambda c: m["por_categoria"][c]["f1"])
    click.echo(
        f"macro-F1 {m['macro_f1']:.3f}; pior categoria {worst} (F1 {m['por_categoria'][worst]['f1']:.3f}); "
        f"erros com confiança ≥ {confident['limiar']:.1f}: {confident['quantidade']} "
        f"({confident['taxa']:.1%} das respostas)."
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    if corpus is None:  # only the real corpus's CV goes into evals/REPORT.md
        path = out_dir / CV_NAME
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        click.echo(f"Relatório gravado em: {path}")


@click.command(
    help="Mede a qualidade do classificador nos conjuntos dourado e de desafio (lado a lado) e aplica o gate "
    "de qualidade; com --conjunto, em qualquer CSV rotulado; com --cv, faz a validação cruzada do modelo local."
)
@click.option(
    "--classificador",
    "--classifier",
    "classifier_name",
    type=click.Choice(["local", "gemini"]),
    default=None,
    help="Classificador a avaliar (padrão: o configurado; CLASSIFIER / GEMINI_API_KEY).",
)
@click.option(
    "--conjunto",
    "--dataset",
    "datasets",
    type=click.Path(path_type=Path, dir_okay=False),
    multiple=True,
    help="CSV com ao menos as colunas texto e categoria (id, tags_esperadas, artista, nota opcionais); "
    "pode repetir. Padrão: evals/golden.csv e evals/challenge.csv.",
)
@click.option(
    "--saida",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=EVALS_DIR / "out",
    show_default="evals/out",
    help="Pasta onde gravar os relatórios (JSON e Markdown) e o histórico.",
)
@click.option(
    "--tamanho-lote",
    "--batch-size",
    "batch_size",
    type=click.IntRange(min=1),
    default=None,
    help="Comentários por chamada ao classificador (padrão: GEMINI_BATCH_SIZE).",
)
@click.option(
    "--cv",
    "--validacao-cruzada",
    "cv",
    is_flag=True,
    help="Validação cruzada estratificada do modelo local no corpus de treino (não avalia os conjuntos).",
)
@click.option(
    "--partes",
    "--folds",
    "folds",
    type=click.IntRange(min=2),
    default=5,
    show_default=True,
    help="Partes da validação cruzada.",
)
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    default=None,
    help="Pasta com os CSV de treino para a validação cruzada (padrão: shared/data/corpus).",
)
@click.option(
    "--progresso/--sem-progresso",
    "--progress/--no-progress",
    "progress",
    default=True,
    help="Mostra a barra de progresso.",
)
@click.option(
    "--perguntas/--sem-perguntas",
    "--qa/--no-qa",
    "qa",
    default=None,
    help="--perguntas: só a avaliação de perguntas (evals/qa.toml sobre os dados de demonstração); "
    "--sem-perguntas: a execução padrão sem ela. Padrão: incluída quando nenhum --conjunto é dado.",
)
@click.option(
    "--arquivo-perguntas",
    "--qa-file",
    "qa_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=QA_PATH,
    show_default="evals/qa.toml",
    help="Perguntas e fatos esperados da avaliação de perguntas.",
)
@click.pass_context
def main(
    ctx: click.Context,
    classifier_name: str | None,
    datasets: tuple[Path, ...],
    out_dir: Path,
    batch_size: int | None,
    cv: bool,
    folds: int,
    corpus: Path | None,
    progress: bool,
    qa: bool | None,
    qa_file: Path,
) -> None:
    if cv:
        _run_cv(ctx, corpus, folds, out_dir, progress)
        return
    if qa:
        report = _run_qa(ctx, qa_file, out_dir)
        if not _gate_holds(report, "perguntas"):
            ctx.exit(EXIT_GATE_FAILED)
        return
    settings = get_settings()
    name = classifier_name or settings.classifier_name
    # Tests may inject a factory (click's ctx.obj); the command otherwise uses the shared one.
    factory = (ctx.obj or {}).get("get_classifier", get_classifier)
    try:
        classifier = factory(name)
    except Exception as exc:  # noqa: BLE001 - reported to the user in plain words
        _fail(ctx, f"não foi possível iniciar o classificador {name!r}: {exc}")

    paths = list(datasets) or list(HELD_OUT)
    reports = []
    for dataset in paths:
        try:
            reports.append(evaluate(classifier, dataset, batch_size or settings.gemini_batch_size, progress=progress))
        except DatasetError as exc:
            _fail(ctx, f"conjunto de dados inválido: {exc}")

    if len(reports) == 1:
        click.echo(render_markdown(reports[0], include_errors=False))
    else:
        click.echo(f"Classificador `{classifier.name}`, modelo `{classifier.model}`\n")
        columns = [
            (NAMES.get(r["execucao"]["secao_limites"], r["execucao"]["conjunto"]), r["metricas"]) for r in reports
        ]
        click.echo(render_side_by_side(columns))

    written: list[Path] = []
    for dataset, report in zip(paths, reports, strict=True):
        written += write_reports(report, out_dir, stem=f"{dataset.stem}-{classifier.name}")
        entry = history_entry(report)
        before = previous_model_run(out_dir, entry)
        if before:
            click.echo("\n".join(render_before_after(before, entry)))
        append_history(out_dir, entry)
    qa_report = _run_qa(ctx, qa_file, out_dir) if qa is None and not datasets else None
    if {p.resolve() for p in paths} >= set(HELD_OUT):
        held_out = [r for r in reports if r["execucao"]["secao_limites"] in ("golden", "challenge")]
        page = render_full_report(held_out, _read_cv(out_dir))
        if qa_report:
            page += "\n" + render_qa_markdown(qa_report)
        REPORT_PATH.write_text(page, encoding="utf-8")
        written.append(REPORT_PATH)
    click.echo("Relatório gravado em: " + ", ".join(str(p) for p in written))

    held = [_gate_holds(report, report["execucao"]["conjunto"]) for report in reports]
    if qa_report:
        held.append(_gate_holds(qa_report, "perguntas"))
    if not all(held):
        ctx.exit(EXIT_GATE_FAILED)


def _gate_holds(report: dict, where: str) -> bool:
    problems = report["gate"]["abaixo_do_limite"]
    if problems:
        click.echo(f"Gate de qualidade REPROVADO ({where}): " + "; ".join(problems), err=True)
        return False
    click.echo(f"Gate de qualidade aprovado ({where}).")
    return True


def _run_qa(ctx: click.Context, qa_file: Path, out_dir: Path) -> dict:
    """The Q&A eval over the demo data (its own database), printed and written to `out_dir`."""
    click.echo("\nAvaliação de perguntas (dados de demonstração, modo offline)...")
    try:
        report = evaluate_qa(qa_file, say=click.echo)
    except (OSError, ValueError) as exc:
        _fail(ctx, f"avaliação de perguntas: {exc}")
    except Exception as exc:  # noqa: BLE001 - no database server, failed migration...: said in plain words
        _fail(ctx, f"avaliação de perguntas: não foi possível preparar o banco ({type(exc).__name__}: {exc})")
    m = report["metricas"]
    click.echo(f"Perguntas: {m['aprovadas']} de {m['perguntas']} com todos os fatos ({m['taxa_acerto']:.1%}).")
    for result in report["resultados"]:
        if not result["aprovada"]:
            missing = ", ".join(result["faltam"] + [f"não deveria ter {x}" for x in result["sobram"]])
            click.echo(f"  ✗ {result['pergunta']} ({result['intencao']}): {missing}")
    click.echo("Relatório gravado em: " + ", ".join(str(p) for p in write_qa_report(report, out_dir)))
    return report
