"""An organisation's outbound webhooks (Standard Webhooks): org admins and super admins register
endpoints, see each one's signing secret once (at creation and at each rotation), read its recent
deliveries, resend one and send a test event."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status
from pydantic import Field, StringConstraints

from chatflow import webhooks
from chatflow.text import Storable
from chatflow.webhooks.models import MAX_DESCRIPTION_LENGTH, MAX_URL_LENGTH, DeliveryStatus, DisabledReason
from dependencies import AppSettings, CurrentCaller, Db
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(prefix="/organizations/{organization_id}/webhooks", tags=["webhooks"], responses=SIGNED_IN_ERRORS)

# The length is checked by the service too (400 invalid_field either way); Storable refuses NUL here.
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_URL_LENGTH + 1), Storable]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION_LENGTH), Storable]
EventType = Annotated[str, StringConstraints(max_length=100)]
Events = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=20,
        description="Any of: " + ", ".join(webhooks.WEBHOOK_EVENT_TYPES) + ". An unknown one: 400.",
    ),
]


class WebhookCreate(Schema):
    url: Url = Field(description="https (http only on the local stack); not a private or loopback address.")
    events: Events
    description: Description | None = None


class WebhookUpdate(Schema):
    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    enabled: bool | None = Field(default=None, description="true: enable again (the failure count starts afresh).")


class WebhookOut(Schema):
    id: UUID
    organization_id: UUID
    url: str
    description: str | None
    events: list[str]
    enabled: bool
    disabled_reason: DisabledReason | None = Field(
        description="Why the sender disabled it: gone (it answered 410) or failing (every delivery failed for 5 "
        "days); null when enabled, or disabled by an admin."
    )
    failing_since: datetime | None
    rotating_until: datetime | None = Field(
        description="After a rotation, until when the previous secret signs too (both signatures are sent)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, endpoint: webhooks.Endpoint) -> WebhookOut:
        return cls(
            id=endpoint.id,
            organization_id=endpoint.organization_id,
            url=endpoint.url,
            description=endpoint.description,
            events=endpoint.events,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason if not endpoint.enabled else None,
            failing_since=endpoint.failing_since,
            rotating_until=endpoint.previous_secret_expires_at,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
        )


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(description="whsec_…: shown this once; verify deliveries with it.")


class DeliveryOut(Schema):
    id: UUID
    message_id: str = Field(description="The webhook-id header: the same on every attempt and on a resend.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_status: int | None = Field(description="The receiver's last HTTP status; null when it did not answer.")
    latency_ms: int | None
    response_excerpt: str | None = Field(description="The first bytes of the last answer, or why there was none.")
    created_at: datetime
    delivered_at: datetime | None


class DeliveryQueuedOut(Schema):
    delivery_id: UUID


@router.get("", response_model=list[WebhookOut])
def list_webhooks(organization_id: UUID, caller: CurrentCaller, db: Db) -> list[WebhookOut]:
    """Org admin: the organisation's endpoints, oldest first."""
    return [WebhookOut.of(e) for e in webhooks.list_endpoints(db, caller, organization_id)]


@router.post("", response_model=WebhookWithSecretOut, status_code=status.HTTP_201_CREATED)
def create_webhook(
    organization_id: UUID, body: WebhookCreate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> WebhookWithSecretOut:
    """Org admin: a new endpoint; its signing secret is in this answer only. 400 invalid_field for a URL
    that is not https, longer than 2,000 characters or resolving to a private address, or an unknown
    event type."""
    endpoint, secret = webhooks.create_endpoint(
        db,
        caller,
        organization_id,
        url=body.url,
        events=body.events,
        description=body.description or None,
        settings=settings,
    )
    return WebhookWithSecretOut(**WebhookOut.of(endpoint).model_dump(), secret=secret)


@router.get("/{webhook_id}", response_model=WebhookOut)
def get_webhook(organization_id: UUID, webhook_id: UUID, caller: CurrentCaller, db: Db) -> WebhookOut:
    """Org admin: one endpoint (never its secret)."""
    return WebhookOut.of(webhooks.get_endpoint(db, caller, organization_id, webhook_id))


@router.patch("/{webhook_id}", response_model=WebhookOut)
def update_webhook(
    organization_id: UUID, webhook_id: UUID, body: WebhookUpdate, caller: CurrentCaller, db: Db, settings: AppSettings
) -> WebhookOut:
    """Org admin: change the URL, the events, the description, or enable/disable it."""
    given = body.model_fields_set
    endpoint = webhooks.update_endpoint(
        db,
        caller,
        organization_id,
        webhook_id,
        settings=settings,
        url=body.url,
        events=body.events,
        enabled=body.enabled,
        **({"description": body.description or None} if "description" in given else {}),
    )
    return WebhookOut.of(endpoint)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(organization_id: UUID, webhook_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Org admin: the endpoint and its deliveries are gone."""
    webhooks.delete_endpoint(db, caller, organization_id, webhook_id)


@router.post("/{webhook_id}/rotate-secret", response_model=WebhookWithSecretOut)
def rotate_webhook_secret(
    organization_id: UUID, webhook_id: UUID, caller: CurrentCaller, db: Db, settings: AppSettings
) -> WebhookWithSecretOut:
    """Org admin: a new secret, in this answer only. For 24 hours each delivery is signed with both
    the new and the previous secret (two signatures in webhook-signature)."""
    endpoint, secret = webhooks.rotate_secret(db, caller, organization_id, webhook_id, settings=settings)
    return WebhookWithSecretOut(**WebhookOut.of(endpoint).model_dump(), secret=secret)


@router.get("/{webhook_id}/deliveries", response_model=list[DeliveryOut])
def list_webhook_deliveries(
    organization_id: UUID,
    webhook_id: UUID,
    caller: CurrentCaller,
    db: Db,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[DeliveryOut]:
    """Org admin: the endpoint's recent deliveries, newest first."""
    return [
        DeliveryOut.from_domain(d)
        for d in webhooks.list_deliveries(db, caller, organization_id, webhook_id, limit=limit)
    ]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/resend",
    response_model=DeliveryQueuedOut,
    status_code=status.HTTP_202_ACCEPTED,
)
def resend_webhook_delivery(
    organization_id: UUID, webhook_id: UUID, delivery_id: UUID, caller: CurrentCaller
) -> DeliveryQueuedOut:
    """Org admin: the same message again (same body and webhook-id), as a new delivery sent at once."""
    return DeliveryQueuedOut(delivery_id=webhooks.resend(caller, organization_id, webhook_id, delivery_id))


@router.post("/{webhook_id}/test", response_model=DeliveryQueuedOut, status_code=status.HTTP_202_ACCEPTED)
def send_webhook_test(organization_id: UUID, webhook_id: UUID, caller: CurrentCaller) -> DeliveryQueuedOut:
    """Org admin: a webhook.test message to the endpoint, sent at once; its delivery shows in the list."""
    return DeliveryQueuedOut(delivery_id=webhooks.send_test(caller, organization_id, webhook_id))
