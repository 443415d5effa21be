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
    # A Lambda serves one request at a time: one connection. The local gateway serves many at once.
    db_pool_max_size: int = Field(default=1, ge=1, le=100)
    db_prepare_statements: bool = True
    # Per-connection timezone and statement timeout; off behind RDS Proxy, where the cluster sets them.
    db_session_options: bool = True
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=10_000, ge=0)

    # 32 bytes as base64 or 64 hex digits; without it organisation API keys cannot be stored or read.
    encryption_key: SecretStr | None = None
    encryption_key_secret_arn: str | None = None

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    ai_timeout_seconds: float = Field(default=8.0, gt=0)
    ai_max_retries: int = Field(default=2, ge=0, le=5)
    # A provider asking to wait longer than this before a retry (429 Retry-After) is not retried.
    ai_max_retry_after_seconds: float = Field(default=2.0, ge=0, le=60)
    # Only the local stack answers with the offline provider when no key is found anywhere.
    allow_offline_ai: bool = False
    chat_history_messages: int = Field(default=20, ge=0, le=200)

    conversation_idle_hours: float = Field(default=2.0, gt=0)

    # Requests a minute per client IP and per visitor (auth: per IP and per email); 0 = no limit.
    rate_limit_chat_post_per_minute: int = Field(default=20, ge=0)
    rate_limit_chat_get_per_minute: int = Field(default=60, ge=0)
    rate_limit_chat_patch_per_minute: int = Field(default=10, ge=0)
    rate_limit_auth_per_minute: int = Field(default=10, ge=0)
    # Proxies in front of the API that append to X-Forwarded-For (CloudFront: 1). 0: the client's
    # address is the connection's source, and X-Forwarded-For, which anyone can write, is ignored.
    trusted_proxies: int = Field(default=0, ge=0, le=5)

    # Cognito: the dashboard's users. boto3 reaches moto on a laptop through AWS_ENDPOINT_URL.
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    cognito_user_pool_id: str | None = None
    cognito_client_id: str | None = None
    # Defaults to AWS's URL for the pool; moto serves it elsewhere.
    cognito_jwks_url: str | None = None

    # Notification mail.
    ses_sender: str = "no-reply@chatflow360.local"
    dashboard_url: str = "http://127.0.0.1:8000/app"

    # Live updates: the WebSocket API's @connections endpoint (https://{api}.execute-api.{region}.
    # amazonaws.com/{stage} in AWS, http://127.0.0.1:8000/ws locally). Given to boto3 explicitly,
    # because AWS_ENDPOINT_URL points every other client at moto on the local stack. Unset: nothing
    # is published.
    websocket_management_url: str | None = None
    # One post waits this long at most, and one publish this long for all of its posts: a slow or
    # dead connection must not hold up the request whose write it reports.
    realtime_post_timeout_seconds: float = Field(default=2.0, gt=0)
    realtime_publish_deadline_seconds: float = Field(default=3.0, gt=0)
    # Posts in flight at once, per process.
    realtime_concurrency: int = Field(default=32, ge=1, le=256)
    # Domain events (chatflow.outbox): after a write commits, the ids of its events are sent to this
    # queue, which feeds functions/dispatch. Unset: the writing process runs the listeners itself,
    # right after its commit (tests and scripts; AWS and the local stack always set it).
    dispatch_queue_url: str | None = None
    # Runs of one listener for one event before it is recorded as failed and given up.
    dispatch_max_attempts: int = Field(default=5, ge=1, le=20)
    # A failed run is retried after this many seconds, doubled at each attempt (capped at 15 minutes).
    dispatch_retry_base_seconds: int = Field(default=10, ge=0, le=900)
    # The sweep re-signals events still undelivered this long after they were written (a crash
    # between the commit and the signal, a lost message).
    outbox_sweep_after_seconds: int = Field(default=60, ge=1)
    # Delivered events are kept this long (for the record and for replays), then deleted by the cleanup.
    outbox_retention_days: int = Field(default=7, ge=1)
    # Where the widget's script is served, for the embed snippet; by default next to the dashboard.
    widget_script_url: str | None = None

    # Knowledge base. The dashboard API enqueues entries to embed here (unset: nothing is enqueued,
    # entries stay pending until an ingest run picks them up).
    ingest_queue_url: str | None = None
    # The queue's maxReceiveCount: on the last attempt an entry that still cannot be embedded fails.
    ingest_max_attempts: int = Field(default=5, ge=1, le=100)
    embedding_timeout_seconds: float = Field(default=20.0, gt=0)
    embedding_max_retries: int = Field(default=3, ge=0, le=8)
    knowledge_chunk_tokens: int = Field(default=300, ge=50, le=2000)
    knowledge_chunk_overlap_tokens: int = Field(default=50, ge=0, le=500)
    knowledge_top_k: int = Field(default=5, ge=1, le=20)
    # The passages of one prompt, in tokens, at most.
    knowledge_token_budget: int = Field(default=1500, ge=100, le=8000)
    # Below this cosine similarity a passage is not relevant; unset: the embedder's own floor.
    knowledge_similarity_floor: float | None = Field(default=None, ge=-1, le=1)
    knowledge_max_file_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    knowledge_fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    # Only the local stack (and tests) may fetch pages from loopback and private addresses.
    knowledge_allow_private_urls: bool = False

    @property
    def cognito_issuer(self) -> str:
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def cognito_jwks(self) -> str:
        return self.cognito_jwks_url or f"{self.cognito_issuer}/.well-known/jwks.json"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
