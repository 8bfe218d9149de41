"""The API's HTTP server: Granian serving the Flask app over WSGI, as `make run`, compose and the image start it.

    python -m ingest_api.server

Settings (shared.settings): API_HOST, API_PORT, API_WORKERS (processes; 0 = 2 to 4 from the CPU count),
API_THREADS (threads per process running requests), API_ACCESS_LOG, LOG_LEVEL. Each worker process imports the app
and builds it after the fork, so no database or Redis connection is shared across processes. A worker that dies
is started again; SIGTERM or SIGINT stops the server gracefully (requests in progress finish).

Why Granian and not gunicorn: HTTP parsing and the connection handling run in Rust, outside the GIL, and the
request body is streamed to the app (a body over MAX_BODY_BYTES is refused before it is read). Measured side
by side on the benchmark machine, it served ~30% more one-comment requests per second than gunicorn's threaded
workers with 8 clients and ~10% more with 1 (the figures are in the README).
"""

from __future__ import annotations

import multiprocessing
from typing import Any

import click
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels

from shared.settings import LOG_FORMAT, Settings, get_settings

APP = "ingest_api:create_app"


def workers(settings: Settings) -> int:
    if settings.api_workers > 0:
        return settings.api_workers
    return min(4, max(2, multiprocessing.cpu_count()))


def _logging(level: str) -> dict[str, Any]:
    """Granian's own messages, the access log (when on) and the app's loggers, all on stderr in one format."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"generic": {"format": LOG_FORMAT}, "access": {"format": "%(asctime)s %(message)s"}},
        "handlers": {"console": {**handler, "formatter": "generic"}, "access": {**handler, "formatter": "access"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": level, "propagate": False},
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def options(settings: Settings, app: str = APP, factory: bool = True) -> dict[str, Any]:
    """Granian's arguments for these settings."""
    level = settings.log_level.upper()
    return {
        "target": app,
        "factory": factory,
        "interface": Interfaces.WSGI,
        "address": settings.api_host,
        "port": settings.api_port,
        "workers": workers(settings),
        "blocking_threads": max(1, settings.api_threads),
        "websockets": False,
        "respawn_failed_workers": True,
        "workers_kill_timeout": 20,  # seconds a worker has to finish its requests on shutdown
        "log_level": LogLevels(level.lower()),
        "log_dictconfig": _logging(level),
        "log_access": settings.api_access_log,
    }


@click.command()
@click.option("--app", default=APP, show_default=True, help="Aplicação WSGI (módulo:nome).")
@click.option("--factory/--no-factory", default=True, show_default=True, help="`--app` é uma fábrica (create_app).")
def main(app: str, factory: bool) -> None:
    """Servidor HTTP da API (Granian, WSGI), configurado por API_HOST, API_PORT, API_WORKERS e API_THREADS."""
    Granian(**options(get_settings(), app, factory)).serve()


if __name__ == "__main__":
    main()
