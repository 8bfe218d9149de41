"""`make run`: the whole AluMusic system on one machine, supervised.

Starts embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set, migrates, creates the first
user, starts the API (Granian), the workers, the scheduler and Streamlit, loads the demo data on the first
run, prints the URLs, and stops everything cleanly on Ctrl+C. The URLs of the embedded servers are written
to `.local/runtime.env`, so commands run from another terminal (flask CLI, python -m evals, rq info) find them.

Supervision: a process that dies (a killed worker, the scheduler, Streamlit, even the API once it has
started) is started again after a growing pause (1 s, 2 s, 4 s ... up to 30 s; back to 1 s after a minute of
good health), and every restart is logged. Only a failure at start (the database, the migrations, or an API
that never answers) stops the system, with one clear line.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.exc import SQLAlchemyError

from shared import users
from shared.db import session_scope
from shared.dev.stack import start_stack
from shared.migrate import upgrade
from shared.models import Comment
from shared.settings import LOCAL_DIR, ROOT, RUNTIME_ENV, ConfigError, load_settings, reset_settings_cache

BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 90
FIRST_USER_EMAIL = "admin@alumusic.example"
BACKOFF_FIRST_S, BACKOFF_MAX_S = 1.0, 30.0
HEALTHY_AFTER_S = 60.0  # a process alive this long gets its backoff reset


def say(message: str) -> None:
    print(f"[alumusic] {message}", flush=True)


@dataclass
class Child:
    name: str
    args: list[str]
    restart: bool = True  # False: a one-off process (the demo loader)
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    backoff: float = BACKOFF_FIRST_S
    restart_at: float | None = None  # when a dead child is due to start again
    restarts: int = 0
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # our own Ctrl+C handling stops children in order
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        thread = threading.Thread(target=_pipe_output, args=(self.name, self.process.stdout), daemon=True)
        thread.start()
        self.threads.append(thread)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


def _pipe_output(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:<10}| {line}")
        sys.stdout.flush()


def supervise(children: list[Child], env: dict[str, str]) -> None:
    """One supervision pass: schedule a restart for every child that died, start those that are due."""
    now = time.monotonic()
    for child in children:
        if child.alive or child.process is None:
            continue
        if child.restart_at is None:
            if not child.restart:
                continue
            if now - child.started_at >= HEALTHY_AFTER_S:
                child.backoff = BACKOFF_FIRST_S
            child.restart_at = now + child.backoff
            say(f"{child.name} terminou (código {child.process.returncode}); reiniciando em {child.backoff:.0f} s.")
            child.backoff = min(child.backoff * 2, BACKOFF_MAX_S)
        elif now >= child.restart_at:
            child.restarts += 1
            child.start(env)
            say(f"{child.name} reiniciado (reinício nº {child.restarts}, pid {child.process.pid}).")


def stop_children(children: list[Child], timeout: float = 15.0) -> None:
    for child in children:
        if child.alive:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        if not child.process:
            continue
        try:
            child.process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            say(f"{child.name} não parou em {timeout:.0f} s; encerrando à força")
            child.process.kill()
            child.process.wait()


def wait_http(url: str, timeout: float, child: Child | None = None) -> bool:
    """Whether `url` answers (< 500) within `timeout`; gives up early when `child` has died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child is not None and not child.alive:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own localhost server
                if response.status < 500:
                    return True
        except OSError:  # not up yet
            time.sleep(0.5)
    return False


def write_runtime_env(values: dict[str, str]) -> None:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    content = "# Escrito por `make run`: URLs dos servidores embutidos em execução. Não edite.\n"
    content += "".join(f"{key}={value}\n" for key, value in values.items())
    RUNTIME_ENV.write_text(content)
    RUNTIME_ENV.chmod(0o600)


def ensure_first_user() -> None:
    with session_scope() as session:
        if users.count_users(session):
            return
        password = secrets.token_urlsafe(12)
        users.create_user(session, FIRST_USER_EMAIL, "Administrador", password)
    say("Primeiro usuário criado (guarde a senha; ela não será exibida de novo):")
    say(f"    e-mail: {FIRST_USER_EMAIL}")
    say(f"    senha:  {password}")
    say("    Outros usuários: .venv/bin/flask --app ingest_api criar-usuario EMAIL --nome NOME")


def has_comments() -> bool:
    with session_scope() as session:
        return bool(session.scalar(select(exists().where(Comment.id.isnot(None)))))


def processes(settings) -> list[Child]:
    """Every long-running process of the system (the API first)."""
    children = [Child("api", [sys.executable, "-m", "ingest_api.server"])]
    children += [
        Child(f"worker-{n + 1}", [sys.executable, "-m", "worker", "processar"]) for n in range(settings.workers)
    ]
    children += [
        Child("scheduler", [sys.executable, "-m", "worker", "agendador"]),
        Child(
            "dashboard",
            [
                str(BIN / "streamlit"),
                "run",
                "dashboard/app.py",
                "--server.port",
                str(settings.dashboard_port),
                "--server.address",
                settings.api_host,
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.maxUploadSize",
                str(settings.upload_max_mb),
            ],
        ),
    ]
    return children


def main() -> int:
    os.chdir(ROOT)
    stack = None
    children: list[Child] = []
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    started = time.monotonic()
    try:
        if RUNTIME_ENV.exists():
            RUNTIME_ENV.unlink()  # stale URLs from a previous run must not mask the "not configured" check
        reset_settings_cache()
        settings = load_settings()
        for name, value in (("DATABASE_URL", settings.database_url), ("REDIS_URL", settings.redis_url)):
            if not value:
                say(f"{name} não definido: iniciando o servidor embutido (dados em {LOCAL_DIR})...")
        stack = start_stack(LOCAL_DIR, postgres_url=settings.database_url, redis_url=settings.redis_url)
        runtime = {}
        if "PostgreSQL" in stack.started:
            runtime["DATABASE_URL"] = stack.database("alumusic")
        if "Redis" in stack.started:
            runtime["REDIS_URL"] = stack.redis_url
        if runtime:
            write_runtime_env(runtime)
        env = {**os.environ, **runtime, "PYTHONUNBUFFERED": "1"}
        os.environ.update(runtime)
        reset_settings_cache()
        settings = load_settings()

        say("Aplicando migrações...")
        upgrade()
        ensure_first_user()
        say(
            f"Classificador em uso: {settings.classifier_name}"
            + ("" if settings.classifier_name == "gemini" else " (offline; defina GEMINI_API_KEY para usar o Gemini)")
        )

        children = processes(settings)
        for child in children:
            child.start(env)
        api = children[0]
        api_url = f"http://{settings.api_host}:{settings.api_port}"
        dash_url = f"http://{settings.api_host}:{settings.dashboard_port}"
        if not wait_http(f"{api_url}/health", READY_TIMEOUT_S, api):
            say("ERRO: a API não iniciou (veja as mensagens acima); encerrando.")
            return 1
        if not wait_http(f"{dash_url}/_stcore/health", READY_TIMEOUT_S):
            say("ATENÇÃO: o painel não respondeu a tempo; ele continua sendo supervisionado.")
        say(f"Pronto em {time.monotonic() - started:.1f} s.")
        say(f"  Relatório público e painel: {dash_url}")
        say(f"  API:                        {api_url}/api   (documentação: {api_url}/api/docs)")
        say(f"  Saúde:                      {api_url}/health")
        say("  Ctrl+C encerra tudo.")

        if settings.demo_data and not has_comments():
            say("Primeira execução: carregando dados de demonstração pelo pipeline real...")
            demo = Child("demo", [str(BIN / "flask"), "--app", "ingest_api", "carregar-demo"], restart=False)
            demo.start(env)
            children.append(demo)

        while not stopping.wait(0.5):
            supervise(children, env)
        return 0
    except (ConfigError, SQLAlchemyError, OSError, RuntimeError) as exc:  # one clear line instead of a traceback
        say(f"ERRO ao iniciar: {exc}")
        return 1
    finally:
        say("Encerrando...")
        stop_children(children)
        if stack is not None:
            stack.stop()
            if stack.started and RUNTIME_ENV.exists():
                RUNTIME_ENV.unlink()
        say("Tudo parado.")


if __name__ == "__main__":
    sys.exit(main())
