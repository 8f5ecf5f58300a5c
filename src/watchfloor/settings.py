"""Runtime settings, read from the environment (prefix ``WATCHFLOOR_``) and an optional ``.env``."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"  # noqa: S105 - refused outside development

# The repo's config/ when running from a checkout; a deployment points WATCHFLOOR_CONFIG_DIR elsewhere.
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


class Settings(BaseSettings):
    """Everything that differs between a laptop demo and a production deployment."""

    model_config = SettingsConfigDict(env_prefix="WATCHFLOOR_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./watchfloor.db"
    config_dir: Path = DEFAULT_CONFIG_DIR
    secret_key: str = DEV_SECRET
    # OpenTelemetry traces, metrics and logs from FastAPI (configure exporters with OTEL_* vars).
    telemetry: bool = False

    # Intake
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_batch_reports: int = Field(default=1000, ge=1, le=10_000)
    link_window_hours: float = Field(default=72.0, gt=0)
    # Triage: the classifier's model directory (`watchfloor triage train` writes there; without
    # a promoted model the one shipped in the package is used) and a switch for rules-only triage.
    triage_model_dir: Path = Path("./var/models")
    classifier: bool = True

    # Outbox delivery
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_max_attempts: int = Field(default=12, ge=1)
    webhook_backoff_base_seconds: float = Field(default=2.0, gt=0)
    webhook_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    worker_poll_seconds: float = Field(default=1.0, gt=0)

    # Email (pages) over SMTP, sent by the worker from the email outbox; no host, no email.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = "watchfloor@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    # Console cookies are Secure whenever the request came over TLS (uvicorn trusts
    # X-Forwarded-Proto from the proxies in FORWARDED_ALLOW_IPS); true marks them Secure always.
    secure_cookies: bool = False
    # Where people reach this server: the base of signed links in pages and calendar feed URLs.
    public_url: str = "http://127.0.0.1:8000"
    page_link_hours: float = Field(default=24.0, gt=0, description="signed ack links expire")
    calendar_feed_days: int = Field(default=180, ge=1, le=3660)

    # Optional LLM assistance on cases (off by default): any OpenAI-compatible chat endpoint, e.g.
    # https://api.openai.com/v1 or a local server running an open safety model.
    llm_enabled: bool = False
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # optional: local servers often need none
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    llm_max_input_chars: int = Field(default=12_000, ge=500, le=1_000_000)

    @property
    def link_window(self) -> timedelta:
        """How long after a case's last report a new one about the same subject and harm joins it."""
        return timedelta(hours=self.link_window_hours)

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError(
                "WATCHFLOOR_SECRET_KEY must be set to a private random value in production"
            )
        return self

    @model_validator(mode="after")
    def _refuse_half_configured_llm(self) -> Settings:
        if not self.llm_enabled:
            return self
        missing = [
            f"WATCHFLOOR_{name.upper()}"
            for name in ("llm_base_url", "llm_model")
            if not (getattr(self, name) or "").strip()
        ]
        if missing:
            verb = "is" if len(missing) == 1 else "are"
            raise ValueError(
                f"WATCHFLOOR_LLM_ENABLED is true but {' and '.join(missing)} {verb} not set: "
                "set them (e.g. https://api.openai.com/v1 and a model name), or turn LLM "
                "assistance off"
            )
        url = (self.llm_base_url or "").strip()
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"WATCHFLOOR_LLM_BASE_URL must start with http:// or https://, got {url!r} "
                "(e.g. https://api.openai.com/v1)"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
