"""compose.yml and the Dockerfile keep their promises (Docker itself cannot run on the CI machines)."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_compose_has_every_service_of_the_system():
    assert {"postgres", "redis", "migrate", "api", "worker", "scheduler", "dashboard", "mailpit"} <= set(
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
    assert "python:3.11-slim" in DOCKERFILE
    assert "\nUSER alumusic" in DOCKERFILE
    assert "pip install -r requirements.txt" in DOCKERFILE
    assert "requirements-dev" not in DOCKERFILE.split("RUN rm -rf")[0]


def test_streamlit_never_shows_error_details_to_visitors():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
