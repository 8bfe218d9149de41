"""The README stays true: every setting is documented, and the two commands it promises exist."""

from __future__ import annotations

import re
from pathlib import Path

from shared.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_configuration_table():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", README))
    missing = sorted(name.upper() for name in Settings.model_fields if name.upper() not in documented)
    assert not missing, f"configurações sem linha no README: {missing}"


def test_quick_start_commands_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text()
    assert "make run" in README and "make test" in README
    assert re.search(r"^run:", makefile, re.M) and re.search(r"^test:", makefile, re.M)


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)


def test_every_cli_command_is_in_the_readme(app):
    flask_commands = {name for name, cmd in app.cli.commands.items() if not getattr(cmd, "hidden", False)}
    flask_commands -= {"routes", "shell", "run"}  # Flask's own
    from worker.__main__ import cli as worker_cli

    worker_commands = {name for name, cmd in worker_cli.commands.items() if not cmd.hidden}
    missing = sorted(c for c in flask_commands if f"`{c}" not in README)
    missing += sorted(f"python -m worker {c}" for c in worker_commands if f"python -m worker {c}" not in README)
    assert not missing, f"comandos sem menção no README: {missing}"


def test_no_file_points_outside_the_repository_or_patches_the_import_path():
    offenders = []
    for path in ROOT.rglob("*"):
        if not path.is_file() or any(part in {".venv", ".git", ".local", "node_modules"} for part in path.parts):
            continue
        if path.suffix not in {".py", ".md", ".toml", ".yml", ".yaml", ".txt", ".cfg", ".ini"} and path.name not in {
            "Makefile",
            "Dockerfile",
            "run",
        }:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        if path.name == "test_readme.py":
            continue
        if "DESIGN.md" in text or "../shared/" in text or "sys.path.insert" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
