"""Gunicorn settings for the API: `gunicorn -c ingest_api/gunicorn_conf.py "ingest_api:create_app()"`.

Values come from shared.settings (API_HOST, API_PORT, API_WORKERS, API_THREADS, LOG_LEVEL); the usual
GUNICORN_CMD_ARGS still override them. The app is built in each worker after the fork (no preload), and
every worker drops database pools inherited from the master, so no connection is shared across processes.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from shared.db import reset_engines
from shared.settings import get_settings

_settings = get_settings()


def _workers() -> int:
    if _settings.api_workers > 0:
        return _settings.api_workers
    return min(4, max(2, multiprocessing.cpu_count()))


bind = f"{_settings.api_host}:{_settings.api_port}"
workers = _workers()
threads = max(1, _settings.api_threads)
worker_class = "gthread" if threads > 1 else "sync"
timeout = 60
graceful_timeout = 20
keepalive = 5
loglevel = _settings.log_level.lower()
errorlog = "-"
accesslog = None  # access logs cost throughput; enable with GUNICORN_CMD_ARGS="--access-logfile -"
proc_name = "alumusic-api"
# Heartbeat files in RAM (gunicorn's documented advice for containers), not a place for data.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108


def post_fork(server, worker) -> None:
    reset_engines()
