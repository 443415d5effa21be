"""Private notes (issue #18, item 2): who may read and write them, @mentions that notify in the
dashboard and by email, and a note never reaching the visitor — not through GET /api/chat/{id}, not
through the widget's socket, not through an outbound webhook (WhatsApp: tests/integration/meta)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow import webhooks
from chatflow.listeners import LISTENERS
from chatflow.organizations import create_organization
from chatflow.outbox import NoteCreated
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.realtime import serve_gateway
from tests.support.webhook_receiver import WebhookReceiver
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]
SECRET = "PRIVATE-refund-approved-by-Ana"


def _mail_to(person: Person) -> list[Any]:
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if person.email in message.destinations.get("ToAddresses", [])
    ]


@pytest.fixture
def conversation(visitor: WidgetClient) -> UUID:
    return UUID(visitor.post("Hello, I need a refund").body["conversationId"])


# --- who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["super_admin", "admin", "agent"])
def test_every_role_of_the_organisation_writes_and_reads_notes(
    people: People, tenant: Tenant, conversation: UUID, role: str
) -> None:
    org = tenant.organization_id
    person = (
        people.make(super_admin=True)
        if role == "super_admin"
        else people.make(admin_of=[org])
        if role == "admin"
        else people.make(agent_of=[org])
    )

    added = people.post(person, f"/conversations/{conversation}/notes", {"content": "  Check **order 42**  "})

    assert added.status_code == 201
    note = added.json()
    assert (note["content"], note["author"]["id"], note["mentions"]) == ("Check **order 42**", person.id, [])
    assert [n["id"] for n in people.get(person, f"/conversations/{conversation}/notes").json()] == [note["id"]]


def test_a_member_of_another_organisation_gets_404_and_writes_nothing(
    people: People, db: Db, conversation: UUID
) -> None:
    outsider = people.make(admin_of=[create_organization(db, name="Beta")])

    assert people.post(outsider, f"/conversations/{conversation}/notes", {"content": "hi"}).status_code == 404
    assert people.get(outsider, f"/conversations/{conversation}/notes").status_code == 404
    assert db.execute("SELECT count(*) AS n FROM conversation_notes").fetchone() == {"n": 0}


def test_notes_without_a_token_are_refused(people: People, conversation: UUID) -> None:
    assert people.get(None, f"/conversations/{conversation}/notes").status_code == 401
    assert people.post(None, f"/conversations/{conversation}/notes", {"content": "hi"}).status_code == 401


@pytest.mark.parametrize("content", ["", "   ", "x" * 10_001, "nul\x00byte"])
def test_an_empty_overlong_or_unstorable_note_is_a_bad_request(
    people: People, tenant: Tenant, conversation: UUID, content: str
) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    answer = people.post(agent, f"/conversations/{conversation}/notes", {"content": content})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_a_note_of_10000_characters_is_accepted(people: People, tenant: Tenant, conversation: UUID) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    assert people.post(agent, f"/conversations/{conversation}/notes", {"content": "x" * 10_000}).status_code == 201


# --- mentions ----------------------------------------------------------------------------------------------


def test_a_mentioned_member_gets_an_unread_mention_and_an_email_in_their_language(
    people: People, tenant: Tenant, conversation: UUID
) -> None:
    org = tenant.organization_id
    author, colleague = people.make(agent_of=[org]), people.make(agent_of=[org], language="es")

    note = people.post(
        author,
        f"/conversations/{conversation}/notes",
        {"content": "@colleague can you check?", "mentions": [colleague.id]},
    ).json()

    assert [m["id"] for m in note["mentions"]] == [colleague.id]
    [mention] = people.get(colleague, "/me/mentions").json()
    assert (mention["note"]["id"], mention["read"]) == (note["id"], False)
    [mail] = _mail_to(colleague)
    assert "te mencionó en una nota" in mail.subject
    assert "> @colleague can you check?" in mail.body
    assert f"/es/conversations/{conversation}?org={org}" in mail.body
    assert people.get(author, "/me/mentions").json() == []
    assert _mail_to(author) == []


def test_opening_the_conversation_marks_its_mentions_read(people: People, tenant: Tenant, conversation: UUID) -> None:
    org = tenant.organization_id
    author, colleague = people.make(agent_of=[org]), people.make(agent_of=[org])
    people.post(author, f"/conversations/{conversation}/notes", {"content": "look", "mentions": [colleague.id]})

    assert people.post(colleague, f"/conversations/{conversation}/mentions/read").json() == {"read": 1}
    assert [m["read"] for m in people.get(colleague, "/me/mentions").json()] == [True]


def test_mentioning_someone_who_is_no_member_is_invalid_field_and_stores_nothing(
    people: People, db: Db, tenant: Tenant, conversation: UUID
) -> None:
    agent = people.make(agent_of=[tenant.organization_id])
    stranger = people.make(agent_of=[create_organization(db, name="Beta")])

    answer = people.post(agent, f"/conversations/{conversation}/notes", {"content": "hi", "mentions": [stranger.id]})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert db.execute("SELECT count(*) AS n FROM conversation_notes").fetchone() == {"n": 0}
    assert _mail_to(stranger) == []


# --- never to the visitor ------------------------------------------------------------------------------


def test_a_note_is_not_in_the_visitors_history(
    people: People, tenant: Tenant, visitor: WidgetClient, conversation: UUID
) -> None:
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/notes", {"content": SECRET})

    seen = visitor.history(conversation)

    assert seen.status == 200
    assert SECRET not in str(seen.body)
    assert SECRET not in str(people.get(agent, f"/conversations/{conversation}").json()["messages"])


def test_a_note_reaches_operators_sockets_and_never_the_widgets(
    people: People, tenant: Tenant, visitor: WidgetClient, conversation: UUID
) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    with serve_gateway(workers=1, scheduled=()) as gateway:
        get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL now points at this gateway
        with (
            gateway.connect(
                publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=str(conversation)
            ) as widget,
            gateway.connect(token=agent.token) as dashboard,
        ):
            time.sleep(0.2)
            note = people.post(agent, f"/conversations/{conversation}/notes", {"content": SECRET}).json()
            frame = dashboard.event()
            assert widget.nothing_more(within=1.0)

    assert frame["type"] == "note.created"
    assert (frame["conversationId"], frame["data"]["id"], frame["data"]["content"]) == (
        str(conversation),
        note["id"],
        SECRET,
    )


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    started = WebhookReceiver()
    yield started
    started.close()


def test_a_note_is_never_sent_to_a_webhook_subscribed_to_every_event(
    people: People, db: Db, tenant: Tenant, conversation: UUID, receiver: WebhookReceiver
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    registered = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/webhooks",
        {"url": receiver.url, "events": list(webhooks.WEBHOOK_EVENT_TYPES)},
    )
    assert registered.status_code == 201

    people.post(admin, f"/conversations/{conversation}/notes", {"content": SECRET})

    deliveries = db.execute("SELECT body AS payload FROM webhook_deliveries").fetchall()
    assert all(SECRET not in d["payload"] for d in deliveries)
    assert all(SECRET not in str(r.body) for r in receiver.received)


def test_only_listeners_that_tell_operators_handle_a_note() -> None:
    handlers = {each.name for each in LISTENERS if NoteCreated in each.handles}

    assert handlers == {"push_note_to_operators", "email_mentioned_members"}
