"""`make run` end to end: the launcher starts embedded PostgreSQL and Redis, every process, prints the URLs and
the first user's credentials, and stops everything on Ctrl+C; a second run reuses the data."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from shared.dev.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
READY = re.compile(r"Pronto em [\d.]+ s")


class LauncherRun:
    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "launcher.py"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in iter(self.process.stdout.readline, ""):
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: re.Pattern, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pattern.search(self.output):
                return
            assert self.process.poll() is None, f"o launcher terminou antes da hora:\n{self.output[-4000:]}"
            time.sleep(0.2)
        raise AssertionError(f"launcher não ficou pronto em {timeout} s:\n{self.output[-4000:]}")

    def stop(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code


def _get(url: str) -> tuple[int, dict]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - localhost
        return response.status, json.loads(response.read() or b"{}")


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - localhost
        return response.status, json.loads(response.read())


def _postgres_running(pgdata: Path) -> bool:
    import psutil

    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(pgdata) in " ".join(proc.info["cmdline"] or []):
            return True
    return False


def _worker_process(launcher_pid: int, timeout: float = 10):
    """The live `python -m worker processar` child of the launcher."""
    import psutil

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for child in psutil.Process(launcher_pid).children():
            try:
                if "processar" in child.cmdline() and child.status() != psutil.STATUS_ZOMBIE:
                    return child
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.2)
    raise AssertionError("nenhum worker vivo sob o launcher")


def test_make_run_starts_everything_embedded_and_stops_cleanly(tmp_path):
    local_dir = tmp_path / "local"
    api_port, dash_port = free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "ALUMUSIC_IGNORE_ENV_FILES", "JWT_SECRET_KEY", "COOKIE_KEY"}
    }
    env.update(
        {
            "ALUMUSIC_LOCAL_DIR": str(local_dir),
            "API_PORT": str(api_port),
            "DASHBOARD_PORT": str(dash_port),
            "DEMO_DATA": "false",
            "WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )

    run = LauncherRun(env)
    try:
        run.wait_for(READY, timeout=120)
        out = run.output
        assert f"http://127.0.0.1:{dash_port}" in out and f"http://127.0.0.1:{api_port}/api" in out
        password = re.search(r"senha:\s+(\S+)", out).group(1)
        runtime = (local_dir / "runtime.env").read_text()
        assert "DATABASE_URL=" in runtime and "REDIS_URL=redis://127.0.0.1:" in runtime

        status, health = _get(f"http://127.0.0.1:{api_port}/health")
        assert status == 200, health
        status, tokens = _post_json(
            f"http://127.0.0.1:{api_port}/api/auth/login", {"email": "admin@alumusic.example", "password": password}
        )
        assert status == 200 and tokens["access_token"]
        with urllib.request.urlopen(f"http://127.0.0.1:{dash_port}/_stcore/health", timeout=5) as response:
            assert response.status == 200

        # Supervision: a worker killed with SIGKILL is back within 10 s, and the API never stops.
        worker = _worker_process(run.process.pid)
        worker.kill()
        started = time.monotonic()
        run.wait_for(re.compile(r"worker-1 reiniciado"), timeout=10)
        replacement = _worker_process(run.process.pid)
        assert replacement.pid != worker.pid and time.monotonic() - started <= 10
        status, _ = _get(f"http://127.0.0.1:{api_port}/health")
        assert status == 200 and run.process.poll() is None
    finally:
        code = run.stop()
    assert code == 0, run.output[-4000:]
    assert "Tudo parado." in run.output
    assert not (local_dir / "runtime.env").exists()
    assert not _postgres_running(local_dir / "pgdata"), run.output[-3000:]

    second = LauncherRun(env)
    try:
        second.wait_for(READY, timeout=120)
        assert "Primeiro usuário criado" not in second.output  # same data: the user from the first run
    finally:
        assert second.stop() == 0
