"""Outbound webhooks: an organisation's endpoints as its admins manage them, and the deliveries the
domain events make for them.

The listener chatflow.listeners.deliver_webhooks turns the events of a dispatch into deliveries
(`enqueue`): one row per endpoint and thing to tell it, with the exact JSON body, made once however
often the event is dispatched. Then `send_soon` has them attempted at once. An attempt
(`deliver`) leases due deliveries, signs each per Standard Webhooks with the endpoint's secret (and
the previous one during a rotation's overlap), POSTs it with a 15 s timeout, and records the
outcome: delivered; failed and retried on RETRY_SCHEDULE_SECONDS (with jitter, or later when a 429
or 503 says Retry-After); given up after the last attempt. A 410 disables the endpoint; an endpoint
failing for five days is disabled and its admins are emailed.

A retry waits in SQS: the delivery's id goes to the dispatch queue with a delay (SQS delays at most
15 minutes, so a longer wait is a chain of such messages), and functions/dispatch attempts it when it
arrives. Without a queue (tests, scripts), a delivery due now is attempted in the calling process and
later ones wait for `sweep` (which the scheduled cleanup also runs, for signals that were lost).
Nothing here runs in a visitor's request.
"""

from __future__ import annotations

import base64
import json
import logging
import random
import secrets as random_secrets
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4, uuid5

from chatflow import crypto
from chatflow.access import Caller, scoped_connection
from chatflow.db import Connection, connection
from chatflow.errors import (
    EncryptionUnavailable,
    InvalidInput,
    OrganizationNotFound,
    WebhookDeliveryNotFound,
    WebhookNotFound,
)
from chatflow.inbox import repository as inbox_repo
from chatflow.inbox.views import ConversationSummaryOut, MessageOut
from chatflow.outbox import (
    ConversationCreated,
    ConversationHandoff,
    ConversationRated,
    ConversationUpdated,
    DomainEvent,
    MessageCreated,
)
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings
from chatflow.webhooks import notices
from chatflow.webhooks import repository as repo
from chatflow.webhooks.models import (
    DISABLE_AFTER_FAILING_SECONDS,
    MAX_BODY_BYTES,
    MAX_URL_LENGTH,
    RETRY_SCHEDULE_SECONDS,
    SECRET_OVERLAP_SECONDS,
    TEST_EVENT_TYPE,
    TIMEOUT_SECONDS,
    WEBHOOK_EVENT_TYPES,
    AttemptResult,
    Delivery,
    Endpoint,
)

__all__ = [
    "DeliverOutcome",
    "check_events",
    "check_url",
    "create_endpoint",
    "delete_endpoint",
    "deliver",
    "enqueue",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "parse_signal",
    "resend",
    "retry_delay",
    "rotate_secret",
    "send_soon",
    "send_test",
    "sweep",
    "update_endpoint",
]

_logger = logging.getLogger(__name__)

# How long the dashboard can show a delivery that is done.
DELIVERY_RETENTION_DAYS = 30
# SQS's longest message delay.
_MAX_QUEUE_DELAY = 900
# Deliveries attempted at once by one process, and in one claim.
_CONCURRENCY = 16
_CLAIM_LIMIT = 50
# Delivery ids in one queue message: attempted together by one dispatch, within its timeout.
_SIGNAL_BATCH = _CONCURRENCY
# A lease outlives an attempt (the timeout) by a margin.
_LEASE_SECONDS = TIMEOUT_SECONDS + 30
# Only the roles a receiver is told about: never an operator-only message (a private note).
_TOLD_ROLES = frozenset({"visitor", "ai", "agent"})


# --- what an admin registers ---------------------------------------------------------------------------------


def check_url(url: str, settings: Settings) -> str:
    """The URL, trimmed, if the sender may deliver to it: https (http only where private destinations
    are allowed: the local stack), at most 2,000 characters, a host that resolves to public addresses
    only. InvalidInput otherwise."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"url: at most {MAX_URL_LENGTH} characters", variant="field", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # raises for a port out of range
    except ValueError as exc:
        raise InvalidInput("url: not a valid URL", variant="field", field="url") from exc
    schemes = ("https", "http") if settings.webhooks_private_destinations else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise InvalidInput("url: must be an https URL", variant="field", field="url")
    if not settings.webhooks_private_destinations and parts.port not in (None, 443):
        # In AWS the functions leave on 443 only (their security group).
        raise InvalidInput("url: only the https port, 443", variant="field", field="url")
    if parts.username or parts.password:
        raise InvalidInput("url: must not carry credentials", variant="field", field="url")
    # The sender (httpx, standardwebhooks, the knowledge fetcher's address rule) is imported where it
    # is used: the cleanup and dispatch functions import this module and most of their runs send nothing.
    from chatflow.webhooks import sender

    try:
        sender.check_destination(url, settings)
    except sender.NotPublic as exc:
        raise InvalidInput(f"url: {exc}", variant="field", field="url") from exc
    return url


def check_events(events: Sequence[str]) -> list[str]:
    """The event types, each once, in the contract's order; InvalidInput for an unknown one."""
    unknown = [e for e in events if e not in WEBHOOK_EVENT_TYPES]
    if unknown:
        raise InvalidInput(f"events: unknown event type {unknown[0]!r}", variant="field", field="events")
    if not events:
        raise InvalidInput("events: at least one event type", variant="field", field="events")
    return [e for e in WEBHOOK_EVENT_TYPES if e in events]


def _require_admin(conn: Connection, caller: Caller, organization_id: UUID) -> None:
    """An admin of the organisation (or a super admin), and an organisation that exists."""
    caller.require_admin(organization_id)
    if conn.execute("SELECT FROM organizations WHERE id = %s", (organization_id,)).fetchone() is None:
        raise OrganizationNotFound()


def _new_secret() -> str:
    return "whsec_" + base64.b64encode(random_secrets.token_bytes(32)).decode()


def _key(settings: Settings) -> bytes:
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    return key


def create_endpoint(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    url: str,
    events: Sequence[str],
    description: str | None,
    settings: Settings,
) -> tuple[Endpoint, str]:
    """Org admin: a new endpoint and its signing secret, which is shown this once."""
    _require_admin(conn, caller, organization_id)
    url = check_url(url, settings)
    secret = _new_secret()
    endpoint = repo.insert_endpoint(
        conn,
        organization_id=organization_id,
        url=url,
        description=description,
        events=check_events(events),
        encrypted_secret=crypto.encrypt(secret, _key(settings)),
    )
    _logger.info("webhook endpoint created", extra={"endpoint_id": str(endpoint.id)})
    return endpoint, secret


def list_endpoints(conn: Connection, caller: Caller, organization_id: UUID) -> list[Endpoint]:
    _require_admin(conn, caller, organization_id)
    return repo.select_endpoints(conn, organization_id)


def get_endpoint(conn: Connection, caller: Caller, organization_id: UUID, endpoint_id: UUID) -> Endpoint:
    _require_admin(conn, caller, organization_id)
    endpoint = repo.find_endpoint(conn, organization_id, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound()
    return endpoint


_UNSET: Any = object()


def update_endpoint(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    endpoint_id: UUID,
    *,
    settings: Settings,
    url: str | None = None,
    events: Sequence[str] | None = None,
    enabled: bool | None = None,
    description: str | None = _UNSET,
) -> Endpoint:
    """Org admin: change what is given. Enabling a disabled endpoint starts its failure count afresh."""
    _require_admin(conn, caller, organization_id)
    endpoint = repo.update_endpoint(
        conn,
        organization_id,
        endpoint_id,
        url=None if url is None else check_url(url, settings),
        events=None if events is None else check_events(events),
        enabled=enabled,
        description=None if description is _UNSET else description,
        set_description=description is not _UNSET,
    )
    if endpoint is None:
        raise WebhookNotFound()
    return endpoint


def delete_endpoint(conn: Connection, caller: Caller, organization_id: UUID, endpoint_id: UUID) -> None:
    _require_admin(conn, caller, organization_id)
    if not repo.delete_endpoint(conn, organization_id, endpoint_id):
        raise WebhookNotFound()


def rotate_secret(
    conn: Connection, caller: Caller, organization_id: UUID, endpoint_id: UUID, *, settings: Settings
) -> tuple[Endpoint, str]:
    """Org admin: a new secret, shown this once. For SECRET_OVERLAP_SECONDS each delivery carries a
    signature with each secret, so that the receiver can switch when it likes."""
    _require_admin(conn, caller, organization_id)
    secret = _new_secret()
    endpoint = repo.rotate_secret(
        conn,
        organization_id,
        endpoint_id,
        encrypted_secret=crypto.encrypt(secret, _key(settings)),
        overlap_seconds=SECRET_OVERLAP_SECONDS,
    )
    if endpoint is None:
        raise WebhookNotFound()
    _logger.info("webhook secret rotated", extra={"endpoint_id": str(endpoint_id)})
    return endpoint, secret


def list_deliveries(
    conn: Connection, caller: Caller, organization_id: UUID, endpoint_id: UUID, *, limit: int = 50
) -> list[Delivery]:
    """Org admin: the endpoint's recent deliveries, newest first."""
    get_endpoint(conn, caller, organization_id, endpoint_id)
    return repo.select_deliveries(conn, endpoint_id, limit=limit)


def resend(caller: Caller, organization_id: UUID, endpoint_id: UUID, delivery_id: UUID) -> UUID:
    """Org admin: the same message (same body, same `webhook-id`) again, as a new delivery attempted
    at once. Its id."""
    with scoped_connection(caller) as conn:
        get_endpoint(conn, caller, organization_id, endpoint_id)
        original = repo.find_delivery(conn, endpoint_id, delivery_id)
        if original is None:
            raise WebhookDeliveryNotFound()
        (new_id,) = repo.insert_deliveries(
            conn,
            [
                repo.NewDelivery(
                    endpoint_id=endpoint_id,
                    organization_id=organization_id,
                    message_id=original["message_id"],
                    event_type=original["event_type"],
                    dedupe_key=f"resend:{uuid4()}",
                    body=original["body"],
                )
            ],
        )
    send_soon([new_id])
    return new_id


def send_test(caller: Caller, organization_id: UUID, endpoint_id: UUID) -> UUID:
    """Org admin: a `webhook.test` message to the endpoint, attempted at once. Its delivery's id."""
    message_id = f"msg_{uuid4().hex}"
    with scoped_connection(caller) as conn:
        get_endpoint(conn, caller, organization_id, endpoint_id)
        body = _body(TEST_EVENT_TYPE, {"organizationId": str(organization_id), "endpointId": str(endpoint_id)})
        (new_id,) = repo.insert_deliveries(
            conn,
            [
                repo.NewDelivery(
                    endpoint_id=endpoint_id,
                    organization_id=organization_id,
                    message_id=message_id,
                    event_type=TEST_EVENT_TYPE,
                    dedupe_key=f"test:{message_id}",
                    body=body,
                )
            ],
        )
    send_soon([new_id])
    return new_id


# --- from domain events to deliveries ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Message:
    type: str
    message_id: str
    dedupe_key: str
    body: str


def _body(event_type: str, data: dict[str, Any]) -> str:
    """`{"type", "timestamp", "data"}`, compact, under MAX_BODY_BYTES (a message's text is cut to fit)."""
    envelope = {"type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    message = data.get("message")
    if len(body.encode()) > MAX_BODY_BYTES and isinstance(message, dict):
        message.pop("knowledgeSources", None)
        body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
        excess = len(body.encode()) - MAX_BODY_BYTES
        if excess > 0:
            content = str(message.get("content", ""))
            message["content"] = content.encode()[: max(0, len(content.encode()) - excess - 16)].decode(errors="ignore")
            message["truncated"] = True
            body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    return body


def _message_id(event: DomainEvent, event_type: str) -> str:
    # The same for every endpoint and every attempt of this event's message of this type.
    return f"msg_{uuid5(event.id, event_type).hex}"


def _messages_of(conn: Connection, events: Sequence[DomainEvent], wanted: set[str]) -> list[tuple[UUID, _Message]]:
    """(organisation, message) for each thing these events tell a receiver that subscribes to one of
    `wanted`: the conversation as the inbox shows it now, and the message where there is one."""
    out: list[tuple[UUID, _Message]] = []
    closed_at: dict[UUID, datetime] = {}
    if "conversation.closed" in wanted:
        ids = [e.conversation_id for e in events if isinstance(e, ConversationUpdated)]
        if ids:
            rows = conn.execute(
                "SELECT id, closed_at FROM conversations WHERE id = ANY(%s::uuid[]) AND status = 'closed'", (ids,)
            ).fetchall()
            closed_at = {row["id"]: row["closed_at"] for row in rows if row["closed_at"] is not None}
    for event in events:
        if event.conversation_id is None:
            continue
        types: list[str] = []
        if isinstance(event, ConversationCreated):
            types = ["conversation.created"]
        elif isinstance(event, ConversationUpdated):
            types = ["conversation.updated"]
            if event.conversation_id in closed_at:
                types.append("conversation.closed")
        elif isinstance(event, ConversationHandoff):
            types = ["conversation.handoff"]
        elif isinstance(event, ConversationRated):
            types = ["conversation.rated"]
        elif isinstance(event, MessageCreated):
            types = ["message.created"]
        types = [t for t in types if t in wanted]
        if not types:
            continue
        message_ids = [event.message_id] if isinstance(event, MessageCreated) else []
        loaded = inbox_repo.load_changed(conn, conversation_id=event.conversation_id, message_ids=message_ids)
        if loaded is None:
            continue
        summary, messages = loaded
        data: dict[str, Any] = {"conversation": ConversationSummaryOut.from_domain(summary).wire()}
        if isinstance(event, MessageCreated):
            if not messages or messages[0].role not in _TOLD_ROLES:
                continue
            data["message"] = MessageOut.from_domain(messages[0]).wire()
        if isinstance(event, ConversationHandoff):
            data["requestedBy"] = event.requested_by
            data["agentName"] = event.agent_name
        for event_type in types:
            dedupe = (
                f"closed:{event.conversation_id}:{closed_at[event.conversation_id].isoformat()}"
                if event_type == "conversation.closed"
                else f"{event.id}:{event_type}"
            )
            out.append(
                (
                    event.organization_id,
                    _Message(event_type, _message_id(event, event_type), dedupe, _body(event_type, data)),
                )
            )
    return out


def enqueue(conn: Connection, events: Sequence[DomainEvent]) -> list[UUID]:
    """The deliveries these events make for their organisations' enabled endpoints, each made once
    (a second dispatch of the same events makes none). Their ids."""
    organizations = list({e.organization_id for e in events})
    endpoints = repo.subscribed_endpoints(conn, organizations) if organizations else []
    if not endpoints:
        return []
    wanted = {t for _, _, types in endpoints for t in types}
    deliveries = [
        repo.NewDelivery(
            endpoint_id=endpoint_id,
            organization_id=organization_id,
            message_id=message.message_id,
            event_type=message.type,
            dedupe_key=message.dedupe_key,
            body=message.body,
        )
        for organization_id, message in _messages_of(conn, events, wanted)
        for endpoint_id, endpoint_org, types in endpoints
        if endpoint_org == organization_id and message.type in types
    ]
    return repo.insert_deliveries(conn, deliveries)


# --- attempts ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeliverOutcome:
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0


def retry_delay(attempts: int, retry_after_seconds: float | None = None) -> float | None:
    """Seconds to wait after `attempts` failed attempts: the schedule's next step, up to a tenth more
    of jitter, and never sooner than the receiver's Retry-After; None when none is left."""
    if attempts >= len(RETRY_SCHEDULE_SECONDS):
        return None
    wait = RETRY_SCHEDULE_SECONDS[attempts] * (1 + random.uniform(0, 0.1))  # noqa: S311  # jitter, not a secret
    return max(wait, retry_after_seconds or 0.0)


@contextmanager
def _connection(conn: Connection | None) -> Iterator[Connection]:
    # A caller's connection (a listener's: one per process in Lambda), or the pool's.
    if conn is not None:
        yield conn
    else:
        with connection() as own:
            yield own


def deliver(
    ids: Sequence[UUID] | None = None, *, conn: Connection | None = None, settings: Settings | None = None
) -> DeliverOutcome:
    """Attempt the deliveries of these ids that are due (None: any that are due), several at once,
    and record each outcome. Those not due yet are signalled again for their time."""
    settings = settings or get_settings()
    with _connection(conn) as db:
        claimed = repo.claim(db, ids=ids, limit=_CLAIM_LIMIT, lease_seconds=_LEASE_SECONDS)
        later = repo.not_yet_due(db, ids) if ids else []
    if later:
        _signal(settings, later)
    if not claimed:
        return DeliverOutcome()
    key = encryption_key(settings)
    if key is None:
        _logger.error("webhook deliveries held: no encryption key to read their secrets")
        return DeliverOutcome()
    with ThreadPoolExecutor(max_workers=min(_CONCURRENCY, len(claimed))) as pool:
        results = list(pool.map(lambda c: _attempt(c, key, settings), claimed))
    return _record(claimed, results, conn=conn, settings=settings)


def _attempt(claimed: repo.Claimed, key: bytes, settings: Settings) -> AttemptResult:
    from chatflow.webhooks import sender

    secrets = [crypto.decrypt(s, key) for s in claimed.encrypted_secrets]
    return sender.post(
        claimed.url,
        claimed.body,
        message_id=claimed.message_id,
        secrets=secrets,
        settings=settings,
        timeout=TIMEOUT_SECONDS,
    )


def _record(
    claimed: Sequence[repo.Claimed], results: Sequence[AttemptResult], *, conn: Connection | None, settings: Settings
) -> DeliverOutcome:
    delivered = retrying = given_up = 0
    retries: list[tuple[UUID, float]] = []
    disabled: list[UUID] = []  # organisations whose admins must hear of an endpoint disabled for failing
    with _connection(conn) as db:
        for each, result in zip(claimed, results, strict=True):
            if result.delivered:
                assert result.status is not None
                repo.record_delivered(
                    db, each, status=result.status, latency_ms=result.latency_ms, excerpt=result.excerpt
                )
                delivered += 1
                continue
            wait = None if result.gone else retry_delay(each.attempts + 1, result.retry_after_seconds)
            repo.record_failed(
                db,
                each,
                response_status=result.status,
                latency_ms=result.latency_ms,
                excerpt=result.excerpt,
                retry_in_seconds=wait,
            )
            if wait is None:
                given_up += 1
            else:
                retrying += 1
                retries.append((each.id, wait))
            repo.mark_failing(db, each.endpoint_id)
            if result.gone:
                if repo.disable_failing(db, each.endpoint_id, reason="gone", failing_for_seconds=None):
                    _logger.warning(
                        "webhook endpoint disabled: it answered 410", extra={"endpoint_id": str(each.endpoint_id)}
                    )
            elif repo.disable_failing(
                db, each.endpoint_id, reason="failing", failing_for_seconds=DISABLE_AFTER_FAILING_SECONDS
            ):
                _logger.warning(
                    "webhook endpoint disabled: failing for days", extra={"endpoint_id": str(each.endpoint_id)}
                )
                disabled.append(each.endpoint_id)
        for endpoint_id in disabled:
            notices.email_admins_endpoint_disabled(db, endpoint_id, settings)
    _signal(settings, retries)
    _logger.info(
        "webhook deliveries attempted", extra={"delivered": delivered, "retrying": retrying, "given_up": given_up}
    )
    return DeliverOutcome(delivered=delivered, retrying=retrying, given_up=given_up)


# --- signals -------------------------------------------------------------------------------------------------


def signal_body(ids: Sequence[UUID]) -> str:
    return json.dumps({"webhookDeliveries": [str(i) for i in ids]}, separators=(",", ":"))


def parse_signal(body: str) -> list[UUID] | None:
    """The delivery ids of a dispatch-queue message that names some; None for any other message."""
    try:
        parsed = json.loads(body)
        ids = parsed["webhookDeliveries"] if isinstance(parsed, dict) else None
        return None if ids is None else [UUID(str(i)) for i in ids]
    except (ValueError, TypeError, KeyError):
        return None


def send_soon(ids: Sequence[UUID], *, conn: Connection | None = None, settings: Settings | None = None) -> None:
    """Have these deliveries attempted now: through the queue, or in this process without one."""
    settings = settings or get_settings()
    if not ids:
        return
    if settings.dispatch_queue_url:
        _signal(settings, [(i, 0.0) for i in ids])
    else:
        deliver(ids, conn=conn, settings=settings)


def _signal(settings: Settings, due: Sequence[tuple[UUID, float]]) -> None:
    """Each delivery's id to the dispatch queue, delayed until it is due (at most SQS's 15 minutes:
    one still not due when it arrives is signalled again). Without a queue, nothing: `sweep` will.
    Never raises: a signal lost here is sent again by the sweep."""
    if not settings.dispatch_queue_url or not due:
        return
    from chatflow.aws import client

    # Deliveries due at the same second share a message (attempted together, several at once).
    by_delay: dict[int, list[UUID]] = {}
    for delivery_id, wait in due:
        by_delay.setdefault(min(_MAX_QUEUE_DELAY, max(0, int(wait + 0.999))), []).append(delivery_id)
    try:
        sqs = client("sqs", settings.aws_region)
        for delay, ids in by_delay.items():
            for start in range(0, len(ids), _SIGNAL_BATCH):
                sqs.send_message(
                    QueueUrl=settings.dispatch_queue_url,
                    MessageBody=signal_body(ids[start : start + _SIGNAL_BATCH]),
                    DelaySeconds=delay,
                )
    except Exception:
        _logger.exception("webhook deliveries not signalled; the sweep will", extra={"deliveries": len(due)})


def sweep(*, settings: Settings | None = None) -> int:
    """Deliveries due for over a minute and not held (their signal was lost, or there is no queue):
    signalled again, or attempted here without a queue. How many. Deliveries done more than
    DELIVERY_RETENTION_DAYS ago are forgotten."""
    settings = settings or get_settings()
    with connection() as conn:
        ids = repo.overdue(conn, older_than_seconds=60 if settings.dispatch_queue_url else 0, limit=1000)
        forgotten = repo.delete_old(conn, older_than_days=DELIVERY_RETENTION_DAYS)
    _logger.info("webhook deliveries swept", extra={"signalled": len(ids), "deleted": forgotten})
    if settings.dispatch_queue_url:
        _signal(settings, [(i, 0.0) for i in ids])
    else:
        for start in range(0, len(ids), _CLAIM_LIMIT):
            deliver(ids[start : start + _CLAIM_LIMIT], settings=settings)
    return len(ids)
