"""`make run`: the whole AluMusic system on one machine.

Starts embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set, migrates, creates the first
user, starts the API (gunicorn), the workers, the scheduler and Streamlit, loads the demo data on the first
run, prints the URLs, and stops everything cleanly on Ctrl+C. The URLs of the embedded servers are written
to `.local/runtime.env`, so commands run from another terminal (flask CLI, python -m evals, rq info) find them.
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

from shared.settings import LOCAL_DIR, ROOT, RUNTIME_ENV, load_settings, reset_settings_cache

BIN = Path(sys.executable).parent
READY_TIMEOUT_S = 90
FIRST_USER_EMAIL = "admin@alumusic.example"


def say(message: str) -> None:
    print(f"[alumusic] {message}", flush=True)


@dataclass
class Child:
    name: str
    args: list[str]
    process: subprocess.Popen | None = None
    threads: list[threading.Thread] = field(default_factory=list)


def _pipe_output(name: str, stream) -> None:
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:<10}| {line}")
        sys.stdout.flush()


def start_child(child: Child, env: dict[str, str]) -> None:
    child.process = subprocess.Popen(
        child.args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        bufsize=1, start_new_session=True,  # our own Ctrl+C handling stops children in order
    )
    thread = threading.Thread(target=_pipe_output, args=(child.name, child.process.stdout), daemon=True)
    thread.start()
    child.threads.append(thread)


def stop_children(children: list[Child], timeout: float = 15.0) -> None:
    for child in children:
        if child.process and child.process.poll() is None:
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


def wait_http(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - localhost only
                if response.status < 500:
                    return True
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.5)
    return False


def write_runtime_env(values: dict[str, str]) -> None:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    content = "# Escrito por `make run`: URLs dos servidores embutidos em execução. Não edite.\n"
    content += "".join(f"{key}={value}\n" for key, value in values.items())
    RUNTIME_ENV.write_text(content)
    RUNTIME_ENV.chmod(0o600)


def start_infrastructure(settings, stoppers: list) -> dict[str, str]:
    """Embedded servers for whatever is not configured. Returns the URLs to record."""
    from shared import embedded

    runtime: dict[str, str] = {}
    if RUNTIME_ENV.exists():
        RUNTIME_ENV.unlink()  # stale URLs from a previous run must not mask the "not configured" check
        reset_settings_cache()
        settings = load_settings()
    if not settings.database_url:
        say(f"DATABASE_URL não definido: iniciando PostgreSQL embutido (dados em {LOCAL_DIR / 'pgdata'})...")
        pg = embedded.start_postgres(LOCAL_DIR / "pgdata")
        stoppers.append(("PostgreSQL", pg.stop))
        runtime["DATABASE_URL"] = embedded.ensure_database(pg.url("postgres"), "alumusic")
    if not settings.redis_url:
        say(f"REDIS_URL não definido: iniciando Redis embutido (dados em {LOCAL_DIR / 'redis'})...")
        rd = embedded.start_redis(LOCAL_DIR / "redis")
        stoppers.append(("Redis", rd.stop))
        runtime["REDIS_URL"] = rd.url
    if runtime:
        write_runtime_env(runtime)
    return runtime


def ensure_first_user() -> None:
    from shared import users
    from shared.db import session_scope

    with session_scope() as session:
        if users.count_users(session):
            return
        password = secrets.token_urlsafe(12)
        users.create_user(session, FIRST_USER_EMAIL, "Administrador", password)
    say("Primeiro usuário criado (guarde a senha; ela não será exibida de novo):")
    say(f"    e-mail: {FIRST_USER_EMAIL}")
    say(f"    senha:  {password}")
    say("    Outros usuários: .venv/bin/flask --app ingest_api create-user EMAIL --name NOME")


def has_comments() -> bool:
    from sqlalchemy import exists, select

    from shared.db import session_scope
    from shared.models import Comment

    with session_scope() as session:
        return bool(session.scalar(select(exists().where(Comment.id.isnot(None)))))


def processes(settings) -> list[Child]:
    """Every process of the system. Each area plugs its process in here."""
    children = [
        Child("api", [str(BIN / "gunicorn"), "-c", "ingest_api/gunicorn_conf.py", "ingest_api:create_app()"]),
    ]
    children += [Child(f"worker-{n + 1}", [sys.executable, "-m", "worker", "work"]) for n in range(settings.workers)]
    children += [
        Child("scheduler", [sys.executable, "-m", "worker", "scheduler"]),
        Child("dashboard", [
            str(BIN / "streamlit"), "run", "dashboard/app.py",
            "--server.port", str(settings.dashboard_port), "--server.address", settings.api_host,
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.maxUploadSize", str(settings.upload_max_mb),
        ]),
    ]
    return children


def main() -> int:
    os.chdir(ROOT)
    stoppers: list = []
    children: list[Child] = []
    stopping = threading.Event()

    def _on_signal(signum, _frame):
        stopping.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    started = time.monotonic()
    try:
        settings = load_settings()
        runtime = start_infrastructure(settings, stoppers)
        env = {**os.environ, **runtime, "PYTHONUNBUFFERED": "1"}
        os.environ.update(runtime)
        reset_settings_cache()
        settings = load_settings()

        from shared.migrate import upgrade
        say("Aplicando migrações...")
        upgrade()
        ensure_first_user()
        say(f"Classificador em uso: {settings.classifier_name}"
            + ("" if settings.classifier_name == "gemini" else " (offline; defina GEMINI_API_KEY para usar o Gemini)"))

        children = processes(settings)
        for child in children:
            start_child(child, env)

        api_url = f"http://{settings.api_host}:{settings.api_port}"
        dash_url = f"http://{settings.api_host}:{settings.dashboard_port}"
        api_ok = wait_http(f"{api_url}/health", READY_TIMEOUT_S)
        dash_ok = wait_http(f"{dash_url}/_stcore/health", READY_TIMEOUT_S)
        if not (api_ok and dash_ok):
            say("ATENÇÃO: " + ", ".join(n for n, ok in (("API", api_ok), ("painel", dash_ok)) if not ok)
                + " não respondeu a tempo; veja as mensagens acima.")
        say(f"Pronto em {time.monotonic() - started:.1f} s.")
        say(f"  Relatório público e painel: {dash_url}")
        say(f"  API:                        {api_url}/api   (documentação: {api_url}/api/docs)")
        say(f"  Saúde:                      {api_url}/health")
        say("  Ctrl+C encerra tudo.")

        if settings.demo_data and not has_comments():
            say("Primeira execução: carregando dados de demonstração pelo pipeline real...")
            demo = Child("demo", [str(BIN / "flask"), "--app", "ingest_api", "carregar-demo"])
            start_child(demo, env)
            children.append(demo)

        while not stopping.is_set():
            for child in children:
                if child.process and child.process.poll() is not None and child.name != "demo":
                    say(f"{child.name} terminou (código {child.process.returncode}); encerrando o sistema.")
                    stopping.set()
                    break
            stopping.wait(1.0)
        return 0
    except Exception as exc:  # noqa: BLE001 - one clear line instead of a traceback
        say(f"ERRO: {exc}")
        return 1
    finally:
        say("Encerrando...")
        stop_children(children)
        for name, stop in reversed(stoppers):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001
                say(f"falha ao parar {name}: {exc}")
        if stoppers and RUNTIME_ENV.exists():
            RUNTIME_ENV.unlink()
        say("Tudo parado.")


if __name__ == "__main__":
    sys.exit(main())
