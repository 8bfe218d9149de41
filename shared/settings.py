"""All configuration, read once from the environment and `.env` files.

Every knob is documented in README.md ("Configuração"). Precedence: real environment variables, then
`.local/runtime.env` (URLs of the embedded servers written by `make run`), then `.local/secrets.env`
(development secrets generated once), then `.env`.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
# Git-ignored folder for local state (embedded servers' data, generated dev secrets, outbox, model cache).
LOCAL_DIR = Path(os.environ.get("ALUMUSIC_LOCAL_DIR") or ROOT / ".local").resolve()
RUNTIME_ENV = LOCAL_DIR / "runtime.env"
SECRETS_ENV = LOCAL_DIR / "secrets.env"
ENV_FILES = (ROOT / ".env", SECRETS_ENV, RUNTIME_ENV)

MIN_SECRET_BYTES = 32
# Values that must never be accepted as secrets in production (copied from examples, docs, etc.).
KNOWN_WEAK_SECRETS = {"", "change-me", "changeme", "secret", "dev", "troque-me", "please-change-me"}
# One log line format for every process (API server, workers, scheduler).
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ConfigError(RuntimeError):
    """Configuration that the system refuses to start with; the message says what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=ENV_FILES, env_file_encoding="utf-8", extra="ignore")

    # --- mode and infrastructure
    alumusic_env: Literal["development", "production"] = "development"
    database_url: str | None = None
    redis_url: str | None = None
    log_level: str = "INFO"

    # --- secrets
    jwt_secret_key: str | None = None
    cookie_key: str | None = None
    cookie_name: str = "alumusic_auth"
    cookie_expiry_days: float = 1.0
    # The dashboard's session cookie only over HTTPS; unset: on in production, off in development.
    cookie_secure: bool | None = None
    # Reverse proxies in front of the API and the dashboard (compose: 1, Caddy): the client address is read
    # from X-Forwarded-For behind them; 0 trusts no header.
    proxy_hops: int = Field(default=0, ge=0, le=5)
    jwt_access_minutes: int = 15
    jwt_refresh_days: int = 7

    # --- API limits
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_workers: int = 0  # API server (Granian) processes; 0 = automatic (2 to 4, from the CPU count)
    api_threads: int = 4  # threads per API server process running requests
    api_access_log: bool = False  # one line per request on stderr (costs throughput)
    max_body_bytes: int = 2 * 1024 * 1024
    max_batch_items: int = 1000
    max_text_chars: int = 5000
    max_question_chars: int = 500
    # Ids per classify job; unset = 500 for the local classifier (CPU-bound, fewer job overheads) and
    # 100 for Gemini (5 calls of 20 per job, well inside the job timeout). A big batch spreads over all workers.
    enqueue_chunk_size: int | None = Field(default=None, ge=1, le=5000)
    # Dispatcher: an enqueue of at most this many ids (a request with a few comments) goes to a Redis list that
    # "drain" jobs empty in groups; larger ones keep their own jobs. 0 = every enqueue makes its own jobs.
    dispatch_threshold: int = Field(default=50, ge=0, le=5000)
    # Ids one drain job takes from the list; unset = the classify chunk size (ENQUEUE_CHUNK_SIZE rule).
    dispatch_batch_size: int | None = Field(default=None, ge=1, le=5000)
    login_rate_limit: str = "5 per minute"
    # Per-user quotas (limits' notation, several separated by ";"; empty disables): comments a user may send,
    # questions a user may ask (each may cost an LLM call). Per client address: requests to the public report.
    ingest_rate_limit: str = "3000000 per hour"
    insights_rate_limit: str = "10 per minute; 200 per day"
    report_rate_limit: str = "60 per minute"
    # Longest a read query of the API or the dashboard may run (reports, searches, counts), in ms.
    query_timeout_ms: int = Field(default=10_000, ge=100)
    page_size_max: int = 200
    report_cache_seconds: int = Field(default=60, le=60)

    # --- classification
    classifier: Literal["gemini", "local"] | None = None
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    gemini_api_version: str | None = None  # e.g. v1beta; unset: the SDK's default (v1)
    gemini_timeout_seconds: float = 30.0
    gemini_batch_size: int = 20
    # Gemini calls one worker process makes at once (the chunks of a job run concurrently).
    gemini_concurrency: int = Field(default=5, ge=1, le=64)
    # Requests per minute to Gemini for all workers together (shared through Redis; per process without it).
    # 0 = no limit.
    gemini_rpm: int = Field(default=1000, ge=0)
    gemini_max_attempts: int = 4
    # SDK retry backoff for 408/429/5xx: first wait and cap, seconds (exponential, base 2, with jitter).
    gemini_retry_initial_seconds: float = 1.0
    gemini_retry_max_seconds: float = 30.0
    job_max_attempts: int = 4
    # Automatic classifications below this confidence are marked "revisar" (review) for the curators.
    review_below_confidence: float = Field(default=0.6, ge=0.0, le=1.0)
    # Estimated cost, US$ per million tokens (input, output), for the cost panel and evals.
    llm_price_input_per_mtok: float = 0.30
    llm_price_output_per_mtok: float = 2.50
    # Estimated spend per local day above which no LLM call is made (local classifier, offline texts) until the
    # next day; 0: never call the LLM.
    llm_daily_budget_usd: float = Field(default=5.0, ge=0.0)

    # --- workers and schedules
    workers: int = 2
    # True: RQ forks a work horse per job (isolates crashes, ~4x slower with the local model); False: jobs
    # run inside the worker process (rq.SimpleWorker), which keeps the model and DB connections warm.
    worker_fork: bool = False
    queue_name: str = "classificacao"
    reconcile_every_seconds: int = 180
    stuck_after_seconds: int = 600
    summary_cron: str = "0 9 * * 1"
    timezone: str = "America/Sao_Paulo"

    # --- alerts (shared.alerts): CRÍTICA and SPAM volume far above its usual level, overall and per artist
    alert_every_seconds: int = Field(default=120, ge=10)  # how often the scheduler runs the check
    alert_window_minutes: int = Field(default=60, ge=5, le=1440)  # the recent window counted
    # Baseline: the same window (same local hours and weekday) in each of the previous N weeks (hourly rollups).
    alert_baseline_weeks: int = Field(default=4, ge=1, le=12)
    # An alert needs all three: count >= ALERT_MIN_COUNT, count >= mean + ALERT_STDDEVS * sigma (sigma at least
    # sqrt(mean), the Poisson spread, and at least 1) and count >= ALERT_MIN_RATIO * mean.
    alert_stddevs: float = Field(default=3.0, ge=0.0)
    alert_min_count: int = Field(default=10, ge=1)
    alert_min_ratio: float = Field(default=2.0, ge=1.0)
    # Optional: each alert is also POSTed as JSON here (the URL may hold a token: it is never logged).
    alert_webhook_url: str | None = None
    alert_webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    # --- e-mail
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "AluMusic <relatorios@alumusic.example>"
    mail_to: Annotated[list[str], NoDecode] = Field(default_factory=list)
    outbox_dir: Path = LOCAL_DIR / "outbox"

    # --- dashboard
    dashboard_port: int = 8501
    upload_max_mb: int = 20
    # The dashboard's download holds the file in memory; above this many rows it points to the API export.
    dashboard_export_max_rows: int = Field(default=200_000, ge=1)
    demo_data: bool = True

    @field_validator("mail_to", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_production_secrets(self) -> Settings:
        if self.alumusic_env != "production":
            return self
        problems = []
        for name in ("jwt_secret_key", "cookie_key"):
            value = getattr(self, name) or ""
            if value.strip().lower() in KNOWN_WEAK_SECRETS:
                problems.append(f"{name.upper()} ausente ou com valor padrão")
            elif len(value.encode()) < MIN_SECRET_BYTES:
                problems.append(f"{name.upper()} tem menos de {MIN_SECRET_BYTES} bytes")
        for name in ("database_url", "redis_url"):
            if not getattr(self, name):
                problems.append(f"{name.upper()} é obrigatório em produção")
        if problems:
            raise ConfigError(
                "Configuração recusada em modo produção: "
                + "; ".join(problems)
                + ". Gere segredos com: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return self

    # --- derived values
    @property
    def is_production(self) -> bool:
        return self.alumusic_env == "production"

    @property
    def secure_cookie(self) -> bool:
        return self.is_production if self.cookie_secure is None else self.cookie_secure

    @property
    def classifier_name(self) -> str:
        """The classifier in use: explicit setting, else Gemini when a key is set, else the offline one."""
        if self.classifier:
            return self.classifier
        return "gemini" if self.gemini_api_key else "local"

    @property
    def classify_chunk_size(self) -> int:
        if self.enqueue_chunk_size:
            return self.enqueue_chunk_size
        return 100 if self.classifier_name == "gemini" else 500

    @property
    def dispatch_size(self) -> int:
        return self.dispatch_batch_size or self.classify_chunk_size

    @property
    def sqlalchemy_url(self) -> str:
        if not self.database_url:
            raise ConfigError(
                "DATABASE_URL não está definido. Rode `make run` (que sobe um PostgreSQL embutido) "
                "ou defina DATABASE_URL=postgresql://usuario@host:5432/banco."
            )
        return to_sqlalchemy_url(self.database_url)


def to_sqlalchemy_url(url: str) -> str:
    """Accept plain libpq URLs (postgres://, postgresql://) and use the psycopg2 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url


def _ensure_dev_secrets() -> None:
    """Development only: generate missing secrets once, keep them in a git-ignored file (never hard-coded)."""
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    content = "".join(f"{name}={secrets.token_urlsafe(48)}\n" for name in ("JWT_SECRET_KEY", "COOKIE_KEY"))
    try:
        fd = os.open(SECRETS_ENV, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process created it first; we read that one
    with os.fdopen(fd, "w") as fh:
        fh.write(content)


def load_settings(**overrides: object) -> Settings:
    """Build Settings; in development, fill missing secrets from (or into) `.local/secrets.env`.

    Set ALUMUSIC_IGNORE_ENV_FILES=1 to read only the real environment (the test suite does).
    """
    use_files = not os.environ.get("ALUMUSIC_IGNORE_ENV_FILES")
    env_file = ENV_FILES if use_files else None
    settings = Settings(_env_file=env_file, **overrides)
    if not settings.is_production and (not settings.jwt_secret_key or not settings.cookie_key):
        if use_files:
            _ensure_dev_secrets()
            settings = Settings(_env_file=env_file, **overrides)
        if not settings.jwt_secret_key or not settings.cookie_key:
            # No writable place for them (or files ignored): ephemeral per-process secrets.
            settings = settings.model_copy(
                update={
                    "jwt_secret_key": settings.jwt_secret_key or secrets.token_urlsafe(48),
                    "cookie_key": settings.cookie_key or secrets.token_urlsafe(48),
                }
            )
    return settings


_configured: Settings | None = None


def get_settings() -> Settings:
    """The settings of this process: those given to `configure`, else read once from the environment."""
    return _configured or _from_environment()


@lru_cache(maxsize=1)
def _from_environment() -> Settings:
    return load_settings()


def configure(settings: Settings | None) -> None:
    """Use `settings` for this process (`create_app(settings)`, tests); None goes back to the environment."""
    global _configured
    _configured = settings


def reset_settings_cache() -> None:
    """Forget configured and cached settings: the next `get_settings()` reads the environment again."""
    configure(None)
    _from_environment.cache_clear()
