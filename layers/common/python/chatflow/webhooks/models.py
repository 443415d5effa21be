"""An organisation's webhook endpoint, a delivery to one, and the fixed parts of the contract: the
event types a receiver may subscribe to, the retry schedule, the limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

__all__ = [
    "DISABLE_AFTER_FAILING_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_DESCRIPTION_LENGTH",
    "MAX_URL_LENGTH",
    "RESPONSE_EXCERPT_BYTES",
    "RETRY_SCHEDULE_SECONDS",
    "SECRET_OVERLAP_SECONDS",
    "TEST_EVENT_TYPE",
    "TIMEOUT_SECONDS",
    "WEBHOOK_EVENT_TYPES",
    "AttemptResult",
    "Delivery",
    "DeliveryStatus",
    "DisabledReason",
    "Endpoint",
    "WebhookEventType",
]

WebhookEventType = Literal[
    "conversation.created",
    "conversation.updated",
    "conversation.handoff",
    "conversation.closed",
    "conversation.rated",
    "message.created",
]
# What an endpoint may subscribe to. conversation.rated: the visitor's satisfaction rating (CSAT).
WEBHOOK_EVENT_TYPES: tuple[WebhookEventType, ...] = (
    "conversation.created",
    "conversation.updated",
    "conversation.handoff",
    "conversation.closed",
    "conversation.rated",
    "message.created",
)
# Sent only when an admin asks for it ("send a test event"), whatever the endpoint subscribes to.
TEST_EVENT_TYPE = "webhook.test"

DeliveryStatus = Literal["pending", "delivered", "failed"]
DisabledReason = Literal["gone", "failing"]

# The wait before each attempt: the first at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
# (eight attempts over about 27 hours), each but the first with up to a tenth more of jitter.
RETRY_SCHEDULE_SECONDS: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)
# An endpoint whose every attempt has failed for this long is disabled and its admins told.
DISABLE_AFTER_FAILING_SECONDS = 5 * 24 * 3600
# After a rotation, the previous secret keeps signing (both signatures sent) for this long.
SECRET_OVERLAP_SECONDS = 24 * 3600
TIMEOUT_SECONDS = 15.0
MAX_BODY_BYTES = 20_000
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
# What the dashboard shows of a receiver's answer.
RESPONSE_EXCERPT_BYTES = 500


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: UUID
    organization_id: UUID
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    disabled_reason: DisabledReason | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    id: UUID
    endpoint_id: UUID
    message_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None
    latency_ms: int | None
    response_excerpt: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """One POST to a receiver: its status (None when no answer came: refused, timed out, not a
    public address), how long it took, the first bytes of its answer or why there was none, and
    the wait it asked for (Retry-After on 429 and 503)."""

    status: int | None
    latency_ms: int
    excerpt: str
    retry_after_seconds: float | None = None

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410
