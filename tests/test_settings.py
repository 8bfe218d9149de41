"""Production refuses missing or weak secrets; development starts and keeps generated secrets out of the code."""

from __future__ import annotations

import secrets

import pytest

from shared.settings import ConfigError, Settings, load_settings

STRONG = secrets.token_urlsafe(48)


def _prod(**overrides):
    base = dict(
        alumusic_env="production",
        database_url="postgresql://db/x",
        redis_url="redis://r:6379/0",
        jwt_secret_key=STRONG,
        cookie_key=STRONG,
    )
    base.update(overrides)
    return Settings(_env_file=None, **base)


def test_production_starts_with_strong_secrets():
    assert _prod().is_production


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("jwt_secret_key", None, "JWT_SECRET_KEY ausente"),
        ("jwt_secret_key", "change-me", "JWT_SECRET_KEY ausente ou com valor padrão"),
        ("cookie_key", "curta-demais", "COOKIE_KEY tem menos de 32 bytes"),
        ("database_url", None, "DATABASE_URL é obrigatório"),
    ],
)
def test_production_refuses_missing_or_weak_secrets(field, value, message):
    with pytest.raises(ConfigError, match=message):
        _prod(**{field: value})


def test_production_app_factory_refuses_to_start(monkeypatch):
    from ingest_api import create_app
    from shared.settings import reset_settings_cache

    monkeypatch.setenv("ALUMUSIC_ENV", "production")
    monkeypatch.delenv("JWT_SECRET_KEY")
    reset_settings_cache()
    with pytest.raises(ConfigError, match="JWT_SECRET_KEY"):
        create_app()


def test_development_generates_secrets_when_missing(monkeypatch):
    monkeypatch.delenv("JWT_SECRET_KEY")
    monkeypatch.delenv("COOKIE_KEY")
    settings = load_settings()
    assert len(settings.jwt_secret_key) >= 32 and len(settings.cookie_key) >= 32
    assert settings.jwt_secret_key != settings.cookie_key


def test_classifier_defaults_to_gemini_only_with_a_key(monkeypatch):
    monkeypatch.delenv("CLASSIFIER")
    assert Settings(_env_file=None).classifier_name == "local"
    assert Settings(_env_file=None, gemini_api_key="k").classifier_name == "gemini"
    assert Settings(_env_file=None, gemini_api_key="k", classifier="local").classifier_name == "local"


def test_recipients_are_split_from_one_variable(monkeypatch):
    monkeypatch.setenv("MAIL_TO", "a@x.com, b@y.com;c@z.com")
    assert Settings(_env_file=None).mail_to == ["a@x.com", "b@y.com", "c@z.com"]
