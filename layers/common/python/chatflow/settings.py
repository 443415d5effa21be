"""One Settings object for every function, read from the environment once per cold start."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    # Locally: one libpq URI. In AWS: the RDS Proxy endpoint plus the RDS-managed secret (JSON with
    # username and password), read once per cold start.
    database_url: SecretStr | None = None
    database_host: str | None = None
    database_port: int = 5432
    database_name: str = "chatflow"
    database_secret_arn: str | None = None
    db_sslmode: str = "prefer"
    db_pool_max_size: int = Field(default=2, ge=1, le=100)
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0)

    # 32 bytes as base64 or 64 hex digits; without it organisation API keys cannot be stored or read.
    encryption_key: SecretStr | None = None
    encryption_key_secret_arn: str | None = None

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    ai_timeout_seconds: float = Field(default=8.0, gt=0)
    ai_max_retries: int = Field(default=2, ge=0, le=5)
    # Only the local stack answers with the offline provider when no key is found anywhere.
    allow_offline_ai: bool = False
    chat_history_messages: int = Field(default=20, ge=0, le=200)

    conversation_idle_hours: float = Field(default=2.0, gt=0)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
