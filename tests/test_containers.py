"""compose.yml and the Dockerfile keep their promises (Docker itself cannot run on the CI machines)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_compose_has_every_service_of_the_system():
    assert {"proxy", "postgres", "redis", "migrate", "api", "worker", "scheduler", "dashboard", "mailpit"} <= set(
        COMPOSE["services"]
    )


def test_infrastructure_has_healthchecks_and_apps_wait_for_them():
    services = COMPOSE["services"]
    for name in ("postgres", "redis", "api", "dashboard", "mailpit"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker", "scheduler", "dashboard"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_apps_run_in_production_mode_with_secrets_from_env_file():
    for name in ("api", "worker", "scheduler", "dashboard", "migrate"):
        service = COMPOSE["services"][name]
        assert service["environment"]["ALUMUSIC_ENV"] == "production"
        assert any(entry.get("path") == ".env" for entry in service["env_file"])
        assert "JWT_SECRET_KEY" not in service["environment"]  # never a default secret in the file


def test_exactly_one_scheduler_and_scalable_workers():
    assert COMPOSE["services"]["scheduler"]["deploy"]["replicas"] == 1
    assert "container_name" not in COMPOSE["services"]["worker"]  # --scale worker=N needs no fixed name


def test_image_is_slim_non_root_and_without_dev_dependencies():
    assert "python:3.11.14-slim" in DOCKERFILE
    assert "\nUSER alumusic" in DOCKERFILE
    assert "requirements-dev" not in DOCKERFILE.split("RUN rm -rf")[0]


def test_streamlit_never_shows_error_details_to_visitors():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"


# --- the production compose file


APP_SERVICES = ("migrate", "api", "worker", "scheduler", "dashboard")


def test_only_the_tls_proxy_is_published_and_mailpit_is_a_dev_extra():
    services = COMPOSE["services"]
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy", "mailpit"}
    assert services["mailpit"]["profiles"] == ["dev"]
    assert all(port.startswith("127.0.0.1:") for port in services["mailpit"]["ports"])
    assert "reverse_proxy api:8000" in (ROOT / "deploy" / "Caddyfile").read_text()
    assert COMPOSE["networks"]["backend"]["internal"] is True
    for name in ("postgres", "redis"):
        assert services[name]["networks"] == ["backend"]


def test_the_application_is_not_the_schema_owner_and_redis_needs_a_password():
    services = COMPOSE["services"]
    for name in ("api", "worker", "scheduler", "dashboard"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://alumusic_app:")
        assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD")
        assert env["SMTP_SECURITY"] == "${SMTP_SECURITY:-starttls}"
        assert all(entry["path"] != "db.env" for entry in services[name]["env_file"])
    assert any(entry["path"] == "db.env" for entry in services["migrate"]["env_file"])
    assert "--requirepass" in " ".join(services["redis"]["command"])


def test_images_are_pinned_and_containers_are_locked_down():
    services = COMPOSE["services"]
    for name, service in services.items():
        image = service.get("image", "")
        assert image and not image.endswith(":latest") and any(c.isdigit() for c in image.split(":")[-1]), name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        if name != "mailpit":
            assert service["deploy"]["resources"]["limits"]["memory"], name
    for name in APP_SERVICES:
        assert services[name]["read_only"] is True and services[name]["cap_drop"] == ["ALL"], name
    assert "python:3.11.14-slim" in DOCKERFILE
    assert "pip install --require-hashes -r requirements.lock" in DOCKERFILE
    assert "--chown" not in DOCKERFILE  # the code belongs to root; only /app/.local is the app user's


def test_the_lock_file_pins_every_runtime_requirement_with_hashes():
    lock = (ROOT / "requirements.lock").read_text()
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            assert f"\n{name.lower()}=={version} \\\n    --hash=sha256:" in "\n" + lock.lower(), line


def test_the_app_role_can_use_the_tables_but_not_change_the_schema(services):
    import shutil
    import subprocess
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ProgrammingError

    from shared.dev import embedded
    from shared.migrate import upgrade
    from shared.settings import to_sqlalchemy_url

    psql = shutil.which("psql")
    assert psql, "psql (PostgreSQL's client) is needed to run the init script as the container does"
    role, name = f"app_{uuid.uuid4().hex[:8]}", f"alumusic_role_{uuid.uuid4().hex[:8]}"
    admin_url = make_url(to_sqlalchemy_url(services.admin_url))
    url = embedded.ensure_database(services.admin_url, name)
    owner = make_url(url).username
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        subprocess.run(
            [
                psql,
                "-v",
                "ON_ERROR_STOP=1",
                "-v",
                f"app_role={role}",
                "-v",
                "app_password=senha-teste",
                "-v",
                f"owner={owner}",
                "-f",
                str(ROOT / "deploy" / "postgres" / "app-role.sql"),
                conninfo,
            ],
            check=True,
            capture_output=True,
        )
        upgrade(url)  # the owner migrates after the role exists, as in the stack
        app = create_engine(
            to_sqlalchemy_url(
                make_url(url).set(username=role, password="senha-teste").render_as_string(hide_password=False)
            )
        )
        with app.begin() as conn:
            conn.execute(text("INSERT INTO comments (id, text, text_hash) VALUES (gen_random_uuid(), 'ok', 'h')"))
            assert conn.execute(text("SELECT count(*) FROM comments")).scalar() == 1
        for ddl in (
            "CREATE TABLE x (id int)",
            "DROP TABLE comments",
            "TRUNCATE comments",
            "ALTER TABLE comments ADD COLUMN y int",
        ):
            with app.begin() as conn, pytest.raises(ProgrammingError, match="permission denied|must be owner"):
                conn.execute(text(ddl))
        app.dispose()
    finally:
        embedded.drop_database(services.admin_url, name)
        drop = create_engine(admin_url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
        with drop.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        drop.dispose()
