"""A visitor's rights (issue #23, the data lifecycle): an organisation's admin exports everything kept
about a visitor (JSON) or erases it: messages redacted, the visitor's data and link removed, usage
figures kept as counts; both recorded in the audit log."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import jwt
import psycopg
import pytest

from chatflow import visitor_identity, visitor_rights
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.webhook_receiver import WebhookReceiver
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _visitor_with_a_conversation(tenant: Tenant) -> tuple[WidgetClient, str]:
    visitor = WidgetClient(tenant.public_key, uuid4())
    conversation = visitor.post("My name is Ana, ana@example.com", pageUrl="https://shop.example/cart").body[
        "conversationId"
    ]
    visitor.post("And my phone is 555-0100", conversationId=conversation)
    return visitor, conversation


def test_an_admin_exports_everything_kept_about_a_visitor(people: People, tenant: Tenant) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    visitor, conversation = _visitor_with_a_conversation(tenant)

    answer = people.get(admin, f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}")

    assert answer.status_code == 200
    [exported] = answer.json()["conversations"]
    assert exported["id"] == conversation
    assert exported["pageUrl"] == "https://shop.example/cart"
    assert [m["content"] for m in exported["messages"] if m["role"] == "visitor"] == [
        "My name is Ana, ana@example.com",
        "And my phone is 555-0100",
    ]


def test_an_admin_erases_a_visitor_and_the_usage_stays(people: People, tenant: Tenant, db: Db) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    visitor, conversation = _visitor_with_a_conversation(tenant)
    usage = db.execute("SELECT conversations, messages FROM usage_tracking").fetchall()

    answer = people.delete(admin, f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}")

    assert answer.status_code == 200
    assert answer.json()["conversations"] == 1
    contents = {
        r["content"] for r in db.execute("SELECT content FROM messages WHERE conversation_id = %s", (conversation,))
    }
    assert contents == {"[erased]"}
    row = db.execute(
        "SELECT visitor_id, page_url, visitor_metadata FROM conversations WHERE id = %s", (conversation,)
    ).fetchone()
    assert row is not None
    assert (row["visitor_id"] != visitor.visitor_id, row["page_url"], row["visitor_metadata"]) == (True, None, {})
    assert db.execute("SELECT conversations, messages FROM usage_tracking").fetchall() == usage
    exported = people.get(admin, f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}")
    assert exported.json()["conversations"] == []
    actions = [r["action"] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["visitor.erased", "visitor.exported"]


def test_agents_and_other_organisations_may_not(people: People, tenant: Tenant, db: Db) -> None:
    from chatflow.organizations import create_organization

    agent = people.make(agent_of=[tenant.organization_id])
    stranger = people.make(admin_of=[create_organization(db, name="Other")])
    visitor, _ = _visitor_with_a_conversation(tenant)
    path = f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}"

    assert people.get(agent, path).status_code == 403
    assert people.delete(stranger, path).status_code == 404


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "true")  # the local stack's rule: a receiver on loopback
    get_settings.cache_clear()
    started = WebhookReceiver()
    yield started
    started.close()


def test_erasing_a_visitor_deletes_the_operators_notes_about_them(people: People, tenant: Tenant, db: Db) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    visitor, conversation = _visitor_with_a_conversation(tenant)
    noted = people.post(admin, f"/conversations/{conversation}/notes", {"content": "Ana from the cart, VIP"})
    _, other = _visitor_with_a_conversation(tenant)
    people.post(admin, f"/conversations/{other}/notes", {"content": "someone else"})

    people.delete(admin, f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}")

    notes = [r["content"] for r in db.execute("SELECT content FROM conversation_notes ORDER BY created_at")]
    assert noted.status_code == 201
    assert notes == ["someone else"]


def test_a_visitor_deleting_their_conversation_deletes_its_notes(people: People, tenant: Tenant, db: Db) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    visitor, conversation = _visitor_with_a_conversation(tenant)
    people.post(admin, f"/conversations/{conversation}/notes", {"content": "Ana from the cart, VIP"})

    visitor_rights.erase_own_conversation(conversation_id=UUID(conversation), visitor_id=visitor.visitor_id)

    assert db.execute("SELECT count(*) AS n FROM conversation_notes").fetchone() == {"n": 0}


def test_erasing_a_verified_visitor_erases_their_identity_and_the_webhook_deliveries_about_them(
    people: People, tenant: Tenant, db: Db, receiver: WebhookReceiver
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    org = tenant.organization_id
    hook = people.post(admin, f"/organizations/{org}/webhooks", {"url": receiver.url, "events": ["message.created"]})
    receiver.secrets.append(hook.json()["secret"])
    secret = people.post(admin, f"/organizations/{org}/channels/{tenant.channel_id}/identity/secret").json()["secret"]
    visitor_identity.forget_cached()
    claims = {"sub": "customer-42", "exp": int(time.time()) + 3600, "name": "Ana Pérez", "email": "ana@example.com"}
    posted = WidgetClient(tenant.public_key, uuid4()).post(
        "My phone is 555-0100", userJwt=jwt.encode(claims, secret, algorithm="HS256")
    )
    other = WidgetClient(tenant.public_key, uuid4()).post("Do you sell beans?")
    verified_visitor = posted.body["visitorId"]
    assert any("555-0100" in r.body for r in receiver.received)

    answer = people.delete(admin, f"/organizations/{org}/visitor-data/{verified_visitor}")

    bodies = [r["body"] for r in db.execute("SELECT body FROM webhook_deliveries")]
    assert answer.status_code == 200
    assert answer.json()["webhookDeliveries"] == 2  # the visitor's message and the answer to it
    assert bodies
    assert not any("555-0100" in b or "ana@example.com" in b or "Ana P" in b for b in bodies)
    assert any(other.body["conversationId"] in b for b in bodies)  # another visitor's stay
    identities = db.execute("SELECT count(*) AS n FROM conversations WHERE visitor_metadata ? 'identity'").fetchone()
    assert identities == {"n": 0}
    listed = people.get(admin, f"/organizations/{org}/visitors", verified="true").json()
    assert listed == []


def test_a_visitor_deleting_their_own_conversation_deletes_the_webhook_deliveries_about_it(
    people: People, tenant: Tenant, db: Db, receiver: WebhookReceiver
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    hook = people.post(
        admin, f"/organizations/{tenant.organization_id}/webhooks", {"url": receiver.url, "events": ["message.created"]}
    )
    receiver.secrets.append(hook.json()["secret"])
    visitor, conversation = _visitor_with_a_conversation(tenant)

    visitor_rights.erase_own_conversation(conversation_id=UUID(conversation), visitor_id=visitor.visitor_id)

    bodies = [r["body"] for r in db.execute("SELECT body FROM webhook_deliveries")]
    assert receiver.received
    assert not any("555-0100" in b or conversation in b for b in bodies)


def test_an_admin_finds_a_verified_visitor_by_email_name_or_visitor_id(people: People, tenant: Tenant) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    org = tenant.organization_id
    secret = people.post(admin, f"/organizations/{org}/channels/{tenant.channel_id}/identity/secret").json()["secret"]
    visitor_identity.forget_cached()
    claims = {"sub": "customer-42", "exp": int(time.time()) + 3600, "name": "Ana Pérez", "email": "ana@example.com"}
    verified = WidgetClient(tenant.public_key, uuid4()).post(
        "Hi", userJwt=jwt.encode(claims, secret, algorithm="HS256")
    )
    anonymous = WidgetClient(tenant.public_key, uuid4())
    anonymous.post("Hello")

    def found(q: str) -> list[str]:
        answer = people.get(admin, f"/organizations/{org}/visitors", q=q)
        assert answer.status_code == 200, answer.text
        return [v["visitorId"] for v in answer.json()]

    assert found("ANA@example") == [verified.body["visitorId"]]
    assert found("pérez") == [verified.body["visitorId"]]
    assert found("customer-42") == [verified.body["visitorId"]]
    assert found(str(anonymous.visitor_id).upper()) == [str(anonymous.visitor_id)]
    assert found("nobody") == []
    assert found("%") == []
