"""Runtime settings, read from the environment (prefix ``WATCHFLOOR_``) and an optional ``.env``."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEV_SECRET = "dev-only-insecure-secret-change-me"  # noqa: S105 - refused outside demo and tests
SECRET_OPTIONAL = frozenset({"demo", "test"})

# The repo's config/ when running from a checkout; a deployment points WATCHFLOOR_CONFIG_DIR elsewhere.
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


class Settings(BaseSettings):
    """Everything that differs between a laptop demo and a production deployment."""

    model_config = SettingsConfigDict(env_prefix="WATCHFLOOR_", env_file=".env", extra="ignore")

    # "demo" (set by `watchfloor demo`) and "test" may run on the built-in secret; nothing else may.
    environment: Literal["development", "demo", "test", "production"] = "development"
    database_url: str = "sqlite:///./watchfloor.db"
    config_dir: Path = DEFAULT_CONFIG_DIR
    secret_key: str = DEV_SECRET
    # OpenTelemetry traces, metrics and logs from FastAPI (configure exporters with OTEL_* vars).
    telemetry: bool = False
    # Who may read /metrics: callers sending 'Authorization: Bearer <this token>' when it is set;
    # when it is not, only this machine (loopback addresses). At least 16 characters.
    metrics_token: SecretStr | None = Field(default=None, min_length=16)

    # Intake
    max_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_batch_reports: int = Field(default=1000, ge=1, le=10_000)
    link_window_hours: float = Field(default=72.0, gt=0)
    # Triage: the classifier's model directory (`watchfloor triage train` writes there; without
    # a promoted model the one shipped in the package is used) and a switch for rules-only triage.
    triage_model_dir: Path = Path("./var/models")
    classifier: bool = True
    # The worker's second look (job second-look): the second-stage model reads again the reports
    # the first stage was unsure about and makes their cases more urgent when it places them so.
    second_look: bool = True

    # Outbox delivery. Receivers are sent to side by side (up to webhook_concurrency at once), so
    # one that hangs costs only its own deliveries a timeout; a worker renews its leases while a
    # delivery is in flight, and another worker retries only once a lease has run out.
    webhook_connect_timeout_seconds: float = Field(default=3.0, gt=0)
    webhook_timeout_seconds: float = Field(default=5.0, gt=0)  # each read or write of a request
    webhook_concurrency: int = Field(default=8, ge=1, le=64)
    webhook_lease_seconds: float = Field(default=60.0, ge=1)
    # Receivers may not be on loopback, private, link-local (cloud metadata) or other non-public
    # addresses (SSRF) unless a network here names them: comma-separated, e.g.
    # "10.20.0.0/16,127.0.0.1". Checked at registration and again, after DNS, at each delivery.
    webhook_allow_networks: Annotated[list[IPvAnyNetwork], NoDecode] = Field(default_factory=list)
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
    # The legal inbox (worker job legal-inbox): request mails from a Maildir folder and/or an
    # IMAP mailbox (TLS: "ssl" on 993, or "starttls"); neither set, the job does nothing.
    # Messages are marked read once their request is stored; with a done folder, moved there.
    legal_inbox_maildir: Path | None = None
    legal_inbox_imap_host: str | None = None
    legal_inbox_imap_port: int = Field(default=993, ge=1, le=65535)
    legal_inbox_imap_security: Literal["ssl", "starttls"] = "ssl"
    legal_inbox_imap_user: str | None = None
    legal_inbox_imap_password: SecretStr | None = None
    legal_inbox_imap_folder: str = "INBOX"
    legal_inbox_imap_done_folder: str | None = None
    # Console cookies are Secure whenever the request came over TLS (uvicorn trusts
    # X-Forwarded-Proto from the proxies in FORWARDED_ALLOW_IPS); true marks them Secure always.
    secure_cookies: bool = False
    # Where people reach this server: the base of signed links in pages and calendar feed URLs.
    public_url: str = "http://127.0.0.1:8000"
    page_link_hours: float = Field(default=24.0, gt=0, description="signed ack links expire")
    calendar_feed_days: int = Field(default=180, ge=1, le=3660)

    # Audit log: the key of its seal (HMAC-SHA256), kept out of the database; unset, one is
    # derived from secret_key (see audit_seal_key). Signed checkpoints of every chain's head are
    # appended to the file (JSON lines; put it where database users cannot write) by the worker.
    audit_key: SecretStr | None = None
    audit_checkpoint_file: Path | None = None
    audit_checkpoint_minutes: float = Field(default=15.0, gt=0)

    # Optional LLM assistance on cases (off by default): any OpenAI-compatible chat endpoint, e.g.
    # https://api.openai.com/v1 or a local server running an open safety model.
    llm_enabled: bool = False
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # optional: local servers often need none
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=600)
    llm_max_input_chars: int = Field(default=12_000, ge=500, le=1_000_000)

    @field_validator("webhook_allow_networks", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def link_window(self) -> timedelta:
        """How long after a case's last report a new one about the same subject and harm joins it."""
        return timedelta(hours=self.link_window_hours)

    @property
    def audit_seal_key(self) -> bytes:
        """The audit seal's key: WATCHFLOOR_AUDIT_KEY, else derived from the secret key under a
        name of its own, so the seal never equals a signature the secret key makes elsewhere."""
        if self.audit_key is not None:
            return self.audit_key.get_secret_value().encode()
        return hmac.new(
            self.secret_key.encode(), b"watchfloor audit seal key", hashlib.sha256
        ).digest()

    @model_validator(mode="after")
    def _refuse_short_audit_key(self) -> Settings:
        if self.audit_key is not None and len(self.audit_key.get_secret_value()) < 32:
            raise ValueError(
                "WATCHFLOOR_AUDIT_KEY must be at least 32 characters (e.g. the output of "
                "'python -c \"import secrets; print(secrets.token_hex(32))\"')"
            )
        return self

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        # The secret signs page and calendar links: a published default would let anyone forge
        # them, so only the throwaway demo and the tests may use it.
        if self.environment not in SECRET_OPTIONAL and self.secret_key in {DEV_SECRET, ""}:
            raise ValueError(
                "WATCHFLOOR_SECRET_KEY is not set (the built-in one is only for `watchfloor demo` "
                "and the tests): set it to a private random value, e.g. "
                "`echo WATCHFLOOR_SECRET_KEY=$(python3 -c 'import secrets; "
                "print(secrets.token_urlsafe(32))') >> .env`"
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
