"""Outbound webhooks, per the Standard Webhooks specification: an admin registers an endpoint, the
domain's events reach it signed, a failing receiver is retried on the schedule and disabled when it
says it is gone or fails for days. The receiver is a real HTTP server on loopback that verifies
every delivery with the `standardwebhooks` library (tests/support/webhook_receiver.py); events are
dispatched in this process (no queue), so a delivery due now is attempted before the call returns."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow import webhooks
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.webhook_receiver import Answer, WebhookReceiver
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _allow_private(monkeypatch: pytest.MonkeyPatch, *, allow: bool) -> None:
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "true" if allow else "false")
    get_settings.cache_clear()


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    # The local stack's rule: a receiver on this machine, over plain http, is allowed.
    _allow_private(monkeypatch, allow=True)
    started = WebhookReceiver()
    yield started
    started.close()


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _register(people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, *events: str) -> dict[str, Any]:
    answer = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/webhooks",
        {"url": receiver.url, "events": list(events) or list(webhooks.WEBHOOK_EVENT_TYPES)},
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    receiver.secrets.append(body["secret"])
    return body


def _deliveries(people: People, admin: Person, tenant: Tenant, endpoint_id: str) -> list[dict[str, Any]]:
    answer = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint_id}/deliveries")
    assert answer.status_code == 200, answer.text
    result: list[dict[str, Any]] = answer.json()
    return result


def _make_due(db: Db) -> None:
    """The schedule's wait, passed."""
    db.execute("UPDATE webhook_deliveries SET next_attempt_at = now() WHERE status = 'pending'")


# --- registering -----------------------------------------------------------------------------------------


def test_an_admin_registers_an_endpoint_and_sees_its_secret_only_once(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    created = _register(people, admin, tenant, receiver, "message.created")

    listed = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks").json()

    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True
    assert created["events"] == ["message.created"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]


def test_the_secret_is_stored_encrypted(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, db: Db
) -> None:
    created = _register(people, admin, tenant, receiver)

    row = db.execute("SELECT encrypted_secret FROM webhook_endpoints WHERE id = %s", (created["id"],)).fetchone()

    assert row is not None
    assert created["secret"] not in row["encrypted_secret"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/in", "plain http"),
        ("https://127.0.0.1/in", "loopback"),
        ("https://10.1.2.3/in", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://[::1]/in", "IPv6 loopback"),
        ("https://[64:ff9b::a01:203]/in", "a private address behind NAT64"),
        ("https://[::ffff:10.1.2.3]/in", "a private address mapped into IPv6"),
        ("https://example.com/" + "a" * 2000, "over 2,000 characters"),
        ("ftp://example.com/in", "not http"),
        ("https://example.com:8443/in", "a port other than 443"),
    ],
)
def test_a_url_the_sender_must_not_reach_is_refused_with_invalid_field(
    people: People, admin: Person, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, url: str, why: str
) -> None:
    _allow_private(monkeypatch, allow=False)

    answer = people.post(
        admin, f"/organizations/{tenant.organization_id}/webhooks", {"url": url, "events": ["message.created"]}
    )

    assert answer.status_code == 400, why
    assert answer.json()["error"]["code"] == "invalid_field"


def test_an_unknown_event_type_is_refused(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    answer = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/webhooks",
        {"url": receiver.url, "events": ["message.created", "visitor.sneezed"]},
    )

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_an_agent_may_not_manage_webhooks(people: People, tenant: Tenant, receiver: WebhookReceiver) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    answer = people.post(
        agent, f"/organizations/{tenant.organization_id}/webhooks", {"url": receiver.url, "events": ["message.created"]}
    )

    assert answer.status_code == 403


def test_another_organisations_endpoint_answers_as_one_that_does_not_exist(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    endpoint = _register(people, admin, tenant, receiver)
    other_org = create_organization(people.db, name="Other Coffee")
    other = people.make(admin_of=[other_org])

    read = people.get(other, f"/organizations/{other_org}/webhooks/{endpoint['id']}")
    deliveries = people.get(other, f"/organizations/{other_org}/webhooks/{endpoint['id']}/deliveries")
    across = people.get(other, f"/organizations/{tenant.organization_id}/webhooks")

    assert read.status_code == 404
    assert read.json()["error"]["code"] == "webhook_not_found"
    assert deliveries.status_code == 404
    assert across.status_code == 404


# --- delivering ------------------------------------------------------------------------------------------


def test_each_delivery_is_signed_per_standard_webhooks_and_verifies_with_the_secret(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    _register(people, admin, tenant, receiver, "message.created")

    visitor.post("Do you have oat milk?")

    messages = sorted(receiver.of_type("message.created"), key=lambda m: m.json["data"]["message"]["createdAt"])
    assert [m.json["data"]["message"]["role"] for m in messages] == ["visitor", "ai"]
    for message in messages:
        assert message.verified_with == (0,)
        assert message.headers["webhook-id"].startswith("msg_")
        assert message.headers["webhook-signature"].startswith("v1,")
        assert set(message.json) == {"type", "timestamp", "data"}
        assert len(message.body.encode()) < 20_000
    assert messages[0].json["data"]["message"]["content"] == "Do you have oat milk?"
    assert messages[0].json["data"]["conversation"]["organizationId"] == str(tenant.organization_id)


def test_an_endpoint_receives_only_the_event_types_it_subscribes_to(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    _register(people, admin, tenant, receiver, "conversation.created")

    conversation = visitor.post("Hello").body["conversationId"]
    visitor.post("Hello again", conversationId=conversation)

    assert [r.type for r in receiver.received] == ["conversation.created"]


def test_a_handoff_is_told_once_and_its_system_notice_never_as_message_created(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    _register(people, admin, tenant, receiver, "conversation.handoff", "message.created")

    visitor.post("I want to talk to a human")

    handoffs = receiver.of_type("conversation.handoff")
    roles = [m.json["data"]["message"]["role"] for m in receiver.of_type("message.created")]
    system_messages = db.execute("SELECT count(*) AS n FROM messages WHERE role = 'system'").fetchone()
    assert len(handoffs) == 1
    assert handoffs[0].json["data"]["requestedBy"] == "visitor"
    assert system_messages == {"n": 1}
    assert roles == ["visitor"]


def test_closing_a_conversation_sends_conversation_closed_once(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    _register(people, admin, tenant, receiver, "conversation.closed")
    conversation = visitor.post("Hello").body["conversationId"]

    people.post(admin, f"/conversations/{conversation}/close")
    people.post(admin, f"/conversations/{conversation}/close")

    closed = receiver.of_type("conversation.closed")
    assert len(closed) == 1
    assert closed[0].json["data"]["conversation"]["status"] == "closed"


def test_a_failed_delivery_is_retried_after_the_schedule_with_the_same_webhook_id_then_delivered(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    receiver.answer(Answer(status=500, body="database down"))
    visitor.post("Hello")
    (first,) = _deliveries(people, admin, tenant, endpoint["id"])
    wait = db.execute("SELECT extract(epoch FROM next_attempt_at - now()) AS s FROM webhook_deliveries").fetchone()

    _make_due(db)
    webhooks.sweep()

    (second,) = _deliveries(people, admin, tenant, endpoint["id"])
    assert first["status"] == "pending"
    assert first["attempts"] == 1
    assert first["responseStatus"] == 500
    assert first["responseExcerpt"] == "database down"
    assert wait is not None
    assert 4 <= wait["s"] <= 6
    assert second["status"] == "delivered"
    assert second["attempts"] == 2
    assert second["latencyMs"] is not None
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1
    assert [r.verified_with for r in receiver.received] == [(0,), (0,)]


def test_retry_after_on_a_429_is_honoured(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    _register(people, admin, tenant, receiver, "conversation.created")
    receiver.answer(Answer(status=429, headers={"Retry-After": "120"}))

    visitor.post("Hello")

    row = db.execute(
        "SELECT status, extract(epoch FROM next_attempt_at - now()) AS s FROM webhook_deliveries"
    ).fetchone()
    assert row is not None
    assert row["status"] == "pending"
    assert 115 <= row["s"] <= 121


def test_the_retry_schedule_has_eight_attempts_with_jitter_over_about_a_day() -> None:
    waits = [webhooks.retry_delay(n) for n in range(1, 9)]

    assert waits[-1] is None
    for wait, step in zip(waits[:-1], (5, 300, 1800, 7200, 18000, 36000, 36000), strict=True):
        assert wait is not None
        assert step <= wait <= step * 1.1


def test_a_410_disables_the_endpoint_and_nothing_more_is_sent(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    receiver.answer(Answer(status=410))
    visitor.post("Hello")

    WidgetClient(tenant.public_key, uuid4()).post("Another visitor")

    state = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}").json()
    assert state["enabled"] is False
    assert state["disabledReason"] == "gone"
    assert len(receiver.received) == 1


def test_an_endpoint_failing_for_five_days_is_disabled_and_its_admins_are_emailed(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    db.execute("UPDATE webhook_endpoints SET failing_since = now() - interval '5 days 1 minute'")
    receiver.answer(Answer(status=502))

    visitor.post("Hello")

    state = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}").json()
    mail = _mail_to(admin)
    assert state["enabled"] is False
    assert state["disabledReason"] == "failing"
    assert len(mail) == 1
    assert "webhook" in mail[0].subject
    assert receiver.url in mail[0].body


def test_a_success_clears_the_failing_clock(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    receiver.answer(Answer(status=500))
    visitor.post("Hello")
    failing = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}").json()

    WidgetClient(tenant.public_key, uuid4()).post("Hello")

    healthy = people.get(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}").json()
    assert failing["failingSince"] is not None
    assert healthy["failingSince"] is None


def test_a_rotation_sends_both_signatures_during_the_overlap(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    rotated = people.post(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}/rotate-secret")
    receiver.secrets.append(rotated.json()["secret"])

    visitor.post("Hello")

    (delivery,) = receiver.received
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["rotatingUntil"] is not None
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    assert delivery.verified_with == (0, 1)


def test_after_the_overlap_only_the_new_secret_signs(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    rotated = people.post(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}/rotate-secret")
    receiver.secrets.append(rotated.json()["secret"])
    db.execute("UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second'")

    visitor.post("Hello")

    assert receiver.received[0].verified_with == (1,)


def test_an_admin_resends_a_delivery_with_the_same_webhook_id(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    visitor.post("Hello")
    (original,) = _deliveries(people, admin, tenant, endpoint["id"])

    answer = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}/deliveries/{original['id']}/resend",
    )

    assert answer.status_code == 202
    assert len(_deliveries(people, admin, tenant, endpoint["id"])) == 2
    assert [r.headers["webhook-id"] for r in receiver.received] == [original["messageId"]] * 2
    assert receiver.received[0].body == receiver.received[1].body


def test_an_admin_sends_a_test_event(people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver) -> None:
    endpoint = _register(people, admin, tenant, receiver, "message.created")

    answer = people.post(admin, f"/organizations/{tenant.organization_id}/webhooks/{endpoint['id']}/test")

    (delivery,) = _deliveries(people, admin, tenant, endpoint["id"])
    assert answer.status_code == 202
    assert [r.type for r in receiver.received] == ["webhook.test"]
    assert receiver.received[0].verified_with == (0,)
    assert delivery["status"] == "delivered"
    assert delivery["responseStatus"] == 200
    assert delivery["responseExcerpt"] == "ok"


def test_a_delivery_dispatched_twice_is_sent_once(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    _register(people, admin, tenant, receiver, "conversation.created")
    visitor.post("Hello")
    db.execute("UPDATE outbox SET dispatched_at = NULL")
    db.execute("DELETE FROM listener_runs")
    ids = [row["id"] for row in db.execute("SELECT id FROM outbox").fetchall()]

    from chatflow import outbox
    from chatflow.listeners import LISTENERS

    outbox.dispatch(ids, LISTENERS)

    assert len(receiver.received) == 1


def test_the_sender_refuses_a_private_address_at_connect_time(
    people: People,
    admin: Person,
    tenant: Tenant,
    receiver: WebhookReceiver,
    visitor: WidgetClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = _register(people, admin, tenant, receiver, "conversation.created")
    # Registered while allowed (as if its name resolved elsewhere then); production's rule now.
    _allow_private(monkeypatch, allow=False)

    visitor.post("Hello")

    (delivery,) = _deliveries(people, admin, tenant, endpoint["id"])
    assert receiver.received == []
    assert delivery["status"] == "pending"
    assert delivery["responseStatus"] is None
    assert "private or loopback" in delivery["responseExcerpt"]


def _mail_to(person: Person) -> list[Any]:
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if person.email in message.destinations.get("ToAddresses", [])
    ]


def test_a_retry_waits_in_the_queue_for_its_delay_and_functions_dispatch_delivers_it(
    people: People,
    admin: Person,
    tenant: Tenant,
    receiver: WebhookReceiver,
    visitor: WidgetClient,
    db: Db,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import boto3

    from chatflow.settings import get_settings as settings_now
    from infra.functions import load_handler
    from tests.support.events import LambdaContextStub, sqs_event

    sqs = boto3.client("sqs", region_name=settings_now().aws_region)
    queue = sqs.create_queue(QueueName=f"webhooks-{uuid4().hex[:12]}")["QueueUrl"]
    _register(people, admin, tenant, receiver, "conversation.created")
    monkeypatch.setenv("DISPATCH_QUEUE_URL", queue)
    get_settings.cache_clear()
    receiver.answer(Answer(status=503))
    dispatch = load_handler("dispatch")

    def drain() -> list[str]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if messages:
            dispatch(sqs_event(*(m["Body"] for m in messages)), LambdaContextStub())
            for m in messages:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        return [m["Body"] for m in messages]

    visitor.post("Hello")  # its events are signalled to the queue, not dispatched here
    drain()  # the events: the listener makes the delivery and signals it
    drain()  # the delivery: the receiver answers 503, the retry is signalled 5 s (and jitter) later
    too_soon = drain()
    time.sleep(6.6)
    retried = drain()

    row = db.execute("SELECT status, attempts FROM webhook_deliveries").fetchone()
    assert too_soon == []
    assert [json.loads(body).keys() for body in retried] == [{"webhookDeliveries"}]
    assert row == {"status": "delivered", "attempts": 2}
    assert [r.verified_with for r in receiver.received] == [(0,), (0,)]


def test_deliveries_done_over_30_days_ago_are_forgotten_and_pending_ones_kept(
    people: People, admin: Person, tenant: Tenant, receiver: WebhookReceiver, visitor: WidgetClient, db: Db
) -> None:
    _register(people, admin, tenant, receiver, "conversation.created", "message.created")
    receiver.answer(Answer(status=500))
    visitor.post("Hello")
    db.execute("UPDATE webhook_deliveries SET created_at = now() - interval '31 days'")

    webhooks.sweep()

    left = db.execute("SELECT status FROM webhook_deliveries ORDER BY status").fetchall()
    assert [r["status"] for r in left] == ["pending"]
