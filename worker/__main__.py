"""`python -m worker processar [--burst]` (an RQ worker) and `python -m worker agendador` (rq-scheduler).

The first version's names (`work`, `scheduler`) stay as hidden aliases.
"""

from __future__ import annotations

import logging
import os
import socket

import click
from rq.serializers import JSONSerializer

from shared.classification.registry import current_classifier
from shared.cli import hidden_alias
from shared.queue import get_queue, redis_connection, reuse_connections
from shared.settings import LOG_FORMAT, get_settings
from worker.schedules import make_scheduler, register_schedules
from worker.workers import ForkingWorker, InProcessWorker

log = logging.getLogger("worker")


def setup_logging() -> None:
    logging.basicConfig(level=get_settings().log_level.upper(), format=LOG_FORMAT)


@click.group()
def cli() -> None:
    """Processos de fundo do AluMusic: workers de classificação e agendador."""


@cli.command("processar")
@click.option("--burst", is_flag=True, help="Processa o que estiver na fila e sai.")
@click.option("--nome", "--name", "name", default=None, help="Nome do worker (padrão: host.pid).")
@click.option(
    "--fork/--no-fork",
    "fork",
    default=None,
    help="Um processo filho por job (isola falhas) ou tudo no processo do worker (mais rápido). Padrão: WORKER_FORK.",
)
def work(burst: bool, name: str | None, fork: bool | None) -> None:
    """Roda um worker RQ na fila de classificação."""
    setup_logging()
    reuse_connections()
    settings = get_settings()
    try:
        classifier = current_classifier()  # load the model once (before any work horse is forked)
    except (OSError, ValueError, RuntimeError) as exc:  # one clear line instead of a traceback
        raise click.ClickException(f"não foi possível preparar o classificador: {exc}") from None
    log.info("classificador: %s (%s, prompt %s)", classifier.name, classifier.model, classifier.prompt_version)
    connection = redis_connection()
    worker_class = ForkingWorker if (settings.worker_fork if fork is None else fork) else InProcessWorker
    worker = worker_class(
        [get_queue(connection)],
        connection=connection,
        serializer=JSONSerializer,
        name=name or f"{socket.gethostname()}.{os.getpid()}",
    )
    # with_scheduler: RQ's own scheduler moves retries (Retry intervals) back to the queue.
    worker.work(burst=burst, with_scheduler=True, logging_level=settings.log_level.upper())


@cli.command("agendador")
@click.option("--burst", is_flag=True, help="Registra os agendamentos, enfileira o que estiver vencido e sai.")
def scheduler(burst: bool) -> None:
    """Roda o agendador (resumo semanal, reconciliador e alertas). Deve haver apenas um."""
    setup_logging()
    settings = get_settings()
    sched = make_scheduler(redis_connection(), settings)
    register_schedules(sched, settings)
    sched.run(burst=burst)


cli.add_command(hidden_alias(work, "work"))
cli.add_command(hidden_alias(scheduler, "scheduler"))


if __name__ == "__main__":
    cli(prog_name="python -m worker")
