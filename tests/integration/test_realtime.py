"""Live updates over real sockets: the local gateway's WebSocket API, the realtime function in its
worker processes, chatflow.realtime publishing through boto3's Management API client, the test
database, and moto's Cognito for operators' tokens."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID, uuid4

import boto3
import psycopg
import pytest

from chatflow import realtime
from chatflow.channels import create_channel
from chatflow.cleanup import close_stale_conversations
from chatflow.inbox.repository import InboxMessage
from chatflow.organizations import create_organization
from infra.local.aws import LocalAws
from tests.support.callers import super_admin
from tests.support.people import People, Person, forged_token
from tests.support.realtime import Gateway, Socket, refusal_status, serve_gateway
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class Org:
    id: UUID
    public_key: UUID
    channel_id: UUID

    def visitor(self) -> WidgetClient:
        return WidgetClient(self.public_key, uuid4())


@pytest.fixture(scope="module")
def gateway(local_aws: LocalAws) -> Iterator[Gateway]:
    # Worker processes, as on the local stack: they are spawned with this environment (the test
    # database, moto's pool, WEBSOCKET_MANAGEMENT_URL) on their first invocation.
    with serve_gateway(workers=2, scheduled=()) as served:
        yield served


@pytest.fixture
def people(db: Db, local_aws: LocalAws) -> People:
    return People(client=cast(Any, None), db=db)  # only make(): real Cognito users and tokens


def _org(db: Db, name: str) -> Org:
    organization_id = create_organization(db, name=name, plan="growth")
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    return Org(organization_id, channel.public_key, channel.id)


@pytest.fixture
def org_a(db: Db) -> Org:
    return _org(db, "Alpha Bakery")


@pytest.fixture
def org_b(db: Db) -> Org:
    return _org(db, "Beta Books")


def _visitor_conversation(visitor: WidgetClient, text: str = "Hello") -> UUID:
    answer = visitor.post(text)
    assert answer.status == 200, answer.body
    return UUID(answer.body["conversationId"])


def _agent_message(db: Db, conversation_id: UUID, author: Person | None, content: str) -> UUID:
    """An agent's message, written as the inbox writes it (in one statement with the conversation's change)."""
    row = db.execute(
        """
        WITH msg AS (
            INSERT INTO messages (conversation_id, organization_id, role, content, author_user_id)
            SELECT id, organization_id, 'agent', %s, %s FROM conversations WHERE id = %s
            RETURNING id, conversation_id, created_at, author_user_id
        ), conv AS (
            UPDATE conversations c SET responder_mode = 'human', last_message_at = msg.created_at,
                   assigned_user_id = coalesce(c.assigned_user_id, msg.author_user_id)
            FROM msg WHERE c.id = msg.conversation_id
        )
        SELECT id FROM msg
        """,
        (content, author.id if author else None, conversation_id),
    ).fetchone()
    assert row is not None
    message_id: UUID = row["id"]
    return message_id


def _messages(db: Db, conversation_id: UUID) -> list[UUID]:
    return [
        r["id"]
        for r in db.execute("SELECT id FROM messages WHERE conversation_id = %s ORDER BY seq", (conversation_id,))
    ]


def _rows(db: Db, **where: Any) -> list[dict[str, Any]]:
    clauses = " AND ".join(f"{column} = %({column})s" for column in where) or "true"
    return db.execute(f"SELECT * FROM ws_connections WHERE {clauses}", where).fetchall()


def _wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def _widget_socket(gateway: Gateway, visitor: WidgetClient, conversation_id: UUID) -> Socket:
    return gateway.connect(
        publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=str(conversation_id)
    )


# ---- Who receives what ---------------------------------------------------------------------------


def test_a_dashboard_client_of_one_organisation_receives_its_events_and_never_anothers(
    gateway: Gateway, people: People, org_a: Org, org_b: Org, db: Db
) -> None:
    agent_a = people.make(agent_of=[org_a.id])
    conversation_a = _visitor_conversation(org_a.visitor(), "Do you have rye bread?")
    conversation_b = _visitor_conversation(org_b.visitor(), "Do you have Dune?")

    with gateway.connect(token=agent_a.token) as dashboard:
        realtime.publish_changes(conversation_b, created=True, message_ids=_messages(db, conversation_b))
        result = realtime.publish_changes(conversation_a, created=True, message_ids=_messages(db, conversation_a))

        created, visitor_message, ai_reply = dashboard.events(3)
        assert dashboard.nothing_more()

    assert result.sent == 1
    assert {e["organizationId"] for e in (created, visitor_message, ai_reply)} == {str(org_a.id)}
    assert created["type"] == "conversation.created"
    assert created["conversationId"] == str(conversation_a)
    assert created["data"]["status"] == "open"
    assert created["data"]["channelId"] == str(org_a.channel_id)
    assert visitor_message["type"] == "message.created"
    assert visitor_message["data"]["role"] == "visitor"
    assert visitor_message["data"]["content"] == "Do you have rye bread?"
    assert ai_reply["data"]["role"] == "ai"
    assert ai_reply["data"]["createdAt"].endswith("Z")


def test_a_super_admin_receives_the_events_of_every_organisation(
    gateway: Gateway, people: People, org_a: Org, org_b: Org
) -> None:
    root = people.make(super_admin=True)
    conversation_a = _visitor_conversation(org_a.visitor())
    conversation_b = _visitor_conversation(org_b.visitor())

    with gateway.connect(token=root.token) as dashboard:
        realtime.publish_changes(conversation_a)
        realtime.publish_changes(conversation_b)

        received = dashboard.events(2)

    assert [(e["type"], e["organizationId"]) for e in received] == [
        ("conversation.updated", str(org_a.id)),
        ("conversation.updated", str(org_b.id)),
    ]


def test_a_dashboard_connection_for_one_organisation_receives_only_that_organisations_events(
    gateway: Gateway, people: People, org_a: Org, org_b: Org
) -> None:
    admin_of_both = people.make(admin_of=[org_a.id, org_b.id])
    conversation_a = _visitor_conversation(org_a.visitor())
    conversation_b = _visitor_conversation(org_b.visitor())

    with gateway.connect(token=admin_of_both.token, organizationId=str(org_b.id)) as dashboard:
        realtime.publish_changes(conversation_a)
        realtime.publish_changes(conversation_b)

        event = dashboard.event()
        assert dashboard.nothing_more()

    assert event["organizationId"] == str(org_b.id)


def test_an_operator_removed_from_the_organisation_stops_receiving_at_once(
    gateway: Gateway, people: People, org_a: Org, db: Db
) -> None:
    agent = people.make(agent_of=[org_a.id])
    conversation = _visitor_conversation(org_a.visitor())

    with gateway.connect(token=agent.token) as dashboard:
        db.execute("DELETE FROM organization_members WHERE user_id = %s", (agent.id,))
        result = realtime.publish_changes(conversation)

        assert dashboard.nothing_more()
    assert result.sent == 0


def test_a_widget_client_receives_its_own_conversations_agent_messages_and_nothing_else(
    gateway: Gateway, people: People, org_a: Org, db: Db
) -> None:
    agent = people.make(agent_of=[org_a.id])
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    other_conversation = _visitor_conversation(org_a.visitor())

    with _widget_socket(gateway, visitor, conversation) as widget:
        # Not for this widget: another visitor's conversation, and a new conversation (operators' news).
        realtime.publish_changes(
            other_conversation,
            message_ids=[_agent_message(db, other_conversation, agent, "For someone else")],
        )
        realtime.publish_changes(conversation, created=True)
        message_id = _agent_message(db, conversation, agent, "Hi, I'm Ana. How can I help?")
        realtime.publish_changes(conversation, message_ids=[message_id])
        # Published but never meant for visitors: an operator-only message.
        realtime.publish(
            [
                realtime.message_created(
                    InboxMessage(uuid4(), "agent", "Private note: VIP", datetime.now(UTC), None, None, None),
                    conversation_id=conversation,
                    organization_id=org_a.id,
                    visible_to_visitor=False,
                )
            ]
        )

        updated, message = widget.events(2)
        assert widget.nothing_more()

    assert updated["type"] == "conversation.updated"
    assert updated["conversationId"] == str(conversation)
    assert updated["data"] == {
        "id": str(conversation),
        "status": "open",
        "responderMode": "human",
        "lastMessageAt": updated["data"]["lastMessageAt"],
    }  # who is assigned is the operators' business
    assert message["type"] == "message.created"
    assert message["data"] == {
        "id": str(message_id),
        "role": "agent",
        "content": "Hi, I'm Ana. How can I help?",
        "createdAt": message["data"]["createdAt"],
        "authorName": agent.email.split("@")[0],  # People.make names a user after their email
    }  # the author's first name, never their id: an operator's user id is not the visitor's


def test_an_operator_sees_an_agent_message_with_its_author_and_the_assignment(
    gateway: Gateway, people: People, org_a: Org, db: Db
) -> None:
    agent = people.make(agent_of=[org_a.id])
    conversation = _visitor_conversation(org_a.visitor())

    with gateway.connect(token=agent.token) as dashboard:
        message_id = _agent_message(db, conversation, agent, "On my way")
        realtime.publish_changes(conversation, message_ids=[message_id])
        updated, message = dashboard.events(2)

    author = {"id": agent.id, "name": agent.email.split("@")[0]}
    assert updated["data"]["assignedUser"] == author
    assert updated["data"]["responderMode"] == "human"
    assert message["data"]["author"] == author


# ---- Who may connect -------------------------------------------------------------------------------


def test_connections_are_recorded_with_who_is_behind_them(gateway: Gateway, people: People, org_a: Org, db: Db) -> None:
    agent = people.make(agent_of=[org_a.id])
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)

    with gateway.connect(token=agent.token), _widget_socket(gateway, visitor, conversation):
        dashboard_row = _rows(db, kind="dashboard")
        widget_row = _rows(db, kind="widget")

    assert [(r["user_id"], r["organization_id"], r["conversation_id"]) for r in dashboard_row] == [
        (agent.id, None, None)
    ]
    assert [(r["visitor_id"], r["organization_id"], r["conversation_id"]) for r in widget_row] == [
        (visitor.visitor_id, org_a.id, conversation)
    ]


@pytest.mark.parametrize(
    "credentials",
    [
        "nothing",
        "an empty token",
        "a token that is not a JWT",
        "an expired token",
        "a token signed with another key",
        "the token of an unknown user",
        "the token of a deactivated user",
        "the token of a user of no organisation",
        "an organisation the user is not a member of",
        "an organisation id that is not a UUID",
    ],
)
def test_bad_dashboard_credentials_are_refused_at_connect_and_leave_no_row(
    gateway: Gateway, people: People, org_a: Org, org_b: Org, db: Db, credentials: str
) -> None:
    agent = people.make(agent_of=[org_a.id])
    query: dict[str, str] = {
        "nothing": {},
        "an empty token": {"token": ""},
        "a token that is not a JWT": {"token": "not-a-jwt"},
        "an expired token": {"token": forged_token(sub=agent.id, expired=True)},
        "a token signed with another key": {"token": forged_token(sub=agent.id, own_key=True)},
        "the token of an unknown user": {"token": forged_token(sub=str(uuid4()))},
        "the token of a deactivated user": {"token": agent.token},
        "the token of a user of no organisation": {"token": people.make().token},
        "an organisation the user is not a member of": {"token": agent.token, "organizationId": str(org_b.id)},
        "an organisation id that is not a UUID": {"token": agent.token, "organizationId": "org-b"},
    }[credentials]
    if credentials == "the token of a deactivated user":
        db.execute("UPDATE users SET active = false WHERE id = %s", (agent.id,))

    assert refusal_status(gateway, **query) == 403  # how API Gateway refuses a handshake
    assert _rows(db) == []


@pytest.mark.parametrize(
    "credentials",
    [
        "no visitor id",
        "a visitor id that is not a UUID",
        "an unknown public key",
        "an unknown public key, before the first message",
        "another visitor's conversation",
        "a conversation of another channel",
        "an inactive channel",
        "an inactive organisation",
        "a website the channel does not allow",
    ],
)
def test_bad_widget_credentials_are_refused_at_connect_and_leave_no_row(
    gateway: Gateway, org_a: Org, org_b: Org, db: Db, credentials: str
) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    query = {
        "publicKey": str(org_a.public_key),
        "visitorId": str(visitor.visitor_id),
        "conversationId": str(conversation),
    }
    headers = None
    match credentials:
        case "no visitor id":
            del query["visitorId"]
        case "a visitor id that is not a UUID":
            query["visitorId"] = "visitor-1"
        case "an unknown public key":
            query["publicKey"] = str(uuid4())
        case "an unknown public key, before the first message":
            query["publicKey"] = str(uuid4())
            del query["conversationId"]
        case "another visitor's conversation":
            query["visitorId"] = str(uuid4())
        case "a conversation of another channel":
            query["publicKey"] = str(org_b.public_key)
        case "an inactive channel":
            db.execute("UPDATE channels SET active = false WHERE id = %s", (org_a.channel_id,))
        case "an inactive organisation":
            db.execute("UPDATE organizations SET active = false WHERE id = %s", (org_a.id,))
        case "a website the channel does not allow":
            db.execute(
                "UPDATE channels SET allowed_origins = '{https://alpha.example}' WHERE id = %s", (org_a.channel_id,)
            )
            headers = {"Origin": "https://elsewhere.example"}

    assert refusal_status(gateway, headers, **query) == 403
    assert _rows(db) == []


def test_a_widget_on_a_website_the_channel_allows_connects(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    db.execute("UPDATE channels SET allowed_origins = '{https://alpha.example}' WHERE id = %s", (org_a.channel_id,))

    status = refusal_status(
        gateway,
        {"Origin": "https://Alpha.example/"},
        publicKey=str(org_a.public_key),
        visitorId=str(visitor.visitor_id),
        conversationId=str(conversation),
    )

    assert status is None


def test_a_widget_before_its_first_message_connects_on_no_conversation(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()

    with gateway.connect(publicKey=str(org_a.public_key), visitorId=str(visitor.visitor_id)):
        _wait_until(lambda: bool(_rows(db, visitor_id=visitor.visitor_id)))
        [row] = _rows(db, visitor_id=visitor.visitor_id)
        assert (row["channel_id"], row["conversation_id"]) == (org_a.channel_id, None)


def test_a_widget_without_a_conversation_id_waits_for_the_next_one_even_with_one_open(
    gateway: Gateway, org_a: Org, db: Db
) -> None:
    visitor = org_a.visitor()
    _visitor_conversation(visitor)  # still open: the visitor may be ending it as this socket opens

    with gateway.connect(publicKey=str(org_a.public_key), visitorId=str(visitor.visitor_id)):
        _wait_until(lambda: bool(_rows(db, visitor_id=visitor.visitor_id)))
        assert [r["conversation_id"] for r in _rows(db, visitor_id=visitor.visitor_id)] == [None]


def test_a_widget_before_its_first_message_on_a_website_the_channel_does_not_allow_is_refused(
    gateway: Gateway, org_a: Org, db: Db
) -> None:
    db.execute("UPDATE channels SET allowed_origins = '{https://alpha.example}' WHERE id = %s", (org_a.channel_id,))

    status = refusal_status(
        gateway,
        {"Origin": "https://elsewhere.example"},
        publicKey=str(org_a.public_key),
        visitorId=str(org_a.visitor().visitor_id),
    )

    assert status == 403
    assert _rows(db) == []


# ---- A socket's life ------------------------------------------------------------------------------


def test_disconnect_deletes_the_connection_row(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    widget = _widget_socket(gateway, visitor, conversation)
    assert len(_rows(db, conversation_id=conversation)) == 1

    widget.close()

    _wait_until(lambda: _rows(db, conversation_id=conversation) == [])


def test_a_ping_is_answered_with_a_pong_and_anything_else_is_ignored(gateway: Gateway, org_a: Org) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)

    with _widget_socket(gateway, visitor, conversation) as widget:
        for junk in ("hello", "{", "[1, 2]", '{"action": 42}', '{"action": "subscribe"}', "\x00", b"\xff\xfe"):
            widget.send(junk)
        widget.send('{"action": "ping"}')

        assert widget.event() == {"type": "pong"}
        assert widget.nothing_more()


def test_the_management_api_answers_get_and_delete_like_api_gateway(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    client: Any = boto3.client("apigatewaymanagementapi", endpoint_url=gateway.management_url, region_name="us-east-1")

    with _widget_socket(gateway, visitor, conversation) as widget:
        (row,) = _rows(db, conversation_id=conversation)
        info = client.get_connection(ConnectionId=row["connection_id"])
        client.post_to_connection(ConnectionId=row["connection_id"], Data=b'{"type":"hello"}')
        assert widget.event() == {"type": "hello"}

        client.delete_connection(ConnectionId=row["connection_id"])

        assert widget.closed_within(3)
    assert info["Identity"]["SourceIp"] == "127.0.0.1"
    assert info["ConnectedAt"].year >= 2025
    _wait_until(lambda: _rows(db, conversation_id=conversation) == [])
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId=row["connection_id"], Data=b"{}")
    with pytest.raises(client.exceptions.GoneException):
        client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


# ---- Publishing that goes wrong -----------------------------------------------------------------------


def test_a_gone_connection_is_deleted_on_the_next_publish(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    # Sockets that vanished without a $disconnect: one connected long ago, one a moment ago (still
    # completing its handshake as far as anyone can tell, so it is kept for now).
    for connection_id, age in (("GoneLongAgo0000=", "1 minute"), ("JustConnected00=", "0 seconds")):
        db.execute(
            "INSERT INTO ws_connections (connection_id, kind, visitor_id, organization_id, conversation_id,"
            " channel_id, connected_at) SELECT %s, 'widget', %s, %s, id, channel_id, now() - %s::interval"
            " FROM conversations WHERE id = %s",
            (connection_id, visitor.visitor_id, org_a.id, age, conversation),
        )

    with _widget_socket(gateway, visitor, conversation) as widget:
        result = realtime.publish_changes(conversation)

        assert widget.event()["type"] == "conversation.updated"
    assert (result.sent, result.gone) == (1, 2)
    assert {r["connection_id"] for r in _rows(db, conversation_id=conversation)} >= {"JustConnected00="}
    assert _rows(db, connection_id="GoneLongAgo0000=") == []


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An endpoint that accepts TCP connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/ws"


@pytest.fixture
def refused() -> str:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    return f"http://127.0.0.1:{port}/ws"  # nobody listens there now


@pytest.mark.parametrize("endpoint", ["blackhole", "refused"])
def test_a_publish_to_a_dead_endpoint_does_not_fail_the_caller_and_takes_bounded_time(
    gateway: Gateway,
    org_a: Org,
    db: Db,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    endpoint: str,
) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)
    with _widget_socket(gateway, visitor, conversation):
        monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", request.getfixturevalue(endpoint))
        monkeypatch.setenv("REALTIME_POST_TIMEOUT_SECONDS", "0.5")
        monkeypatch.setenv("REALTIME_PUBLISH_DEADLINE_SECONDS", "1")
        from chatflow.settings import get_settings

        get_settings.cache_clear()
        started = time.monotonic()

        result = realtime.publish_changes(conversation)

        elapsed = time.monotonic() - started
        rows = _rows(db, conversation_id=conversation)  # read while the socket is still open
    # Bounded by the 1 s deadline, not by boto3's default 60 s timeouts; the margin absorbs a busy
    # machine (this is a bound, not a speed target).
    assert elapsed < 10, f"{elapsed:.2f} s: {result}"
    assert (result.sent, result.gone) == (0, 0)
    assert len(rows) == 1  # not gone, only unreachable: kept


def test_publishing_inside_an_open_transaction_sends_nothing(gateway: Gateway, org_a: Org, db: Db) -> None:
    visitor = org_a.visitor()
    conversation = _visitor_conversation(visitor)

    with _widget_socket(gateway, visitor, conversation) as widget, db.transaction():
        event = realtime.conversation_events(db, conversation)
        result = realtime.publish(event, conn=db)

        assert widget.nothing_more()
    assert result == realtime.PublishResult()


# ---- Cleanup ------------------------------------------------------------------------------------------


def test_cleanup_publishes_the_conversations_it_closes_and_removes_connections_older_than_two_hours(
    gateway: Gateway, people: People, org_a: Org, db: Db
) -> None:
    agent = people.make(agent_of=[org_a.id])
    stale = _visitor_conversation(org_a.visitor())
    db.execute("UPDATE conversations SET last_message_at = now() - interval '3 hours' WHERE id = %s", (stale,))
    # Rows of a user no event goes to, so that no publish finds them gone first.
    bystander = people.make()
    db.execute(
        "INSERT INTO ws_connections (connection_id, kind, user_id, connected_at) VALUES"
        " ('TwoHoursOld000=', 'dashboard', %s, now() - interval '2 hours 1 minute'),"
        " ('AnHourOld00000=', 'dashboard', %s, now() - interval '1 hour')",
        (bystander.id, bystander.id),
    )

    with gateway.connect(token=agent.token) as dashboard:
        closed = close_stale_conversations()

        event = dashboard.event()
        remaining = {r["connection_id"] for r in _rows(db, user_id=bystander.id)}

    assert closed == [(stale, org_a.id)]
    assert (event["type"], event["conversationId"], event["data"]["status"]) == (
        "conversation.updated",
        str(stale),
        "closed",
    )
    assert "TwoHoursOld000=" not in remaining
    assert "AnHourOld00000=" in remaining
