"""Live updates without a database: the events' shapes and who may see them, the gateway's WebSocket
events, the realtime function's refusals of bad input, and publishing's concurrency and time limit."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from chatflow import realtime
from chatflow.inbox.repository import ConversationSummary, InboxMessage, KnowledgeSource, LastMessage, UserRef
from chatflow.realtime import publisher
from chatflow.realtime.connections import Target
from chatflow.settings import get_settings
from infra.functions import load_handler
from infra.local.gateway import HttpRequest, SocketInfo, new_connection_id, websocket_event
from tests.support.events import LambdaContextStub

ORG = UUID("6f1c1a52-3c1e-4f7e-9d55-0a1b2c3d4e5f")
OTHER_ORG = UUID("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")
CONVERSATION = UUID("0b5c8a0e-8f6e-4a51-9d43-4c1f0c6a7e21")
AT = datetime(2026, 3, 5, 14, 7, 9, 123456, tzinfo=UTC)


ANA = UserRef("a1b2c3d4-0000-4000-8000-000000000001", "Ana")


def _message(role: str = "agent", content: str = "Hola", **fields: Any) -> InboxMessage:
    return InboxMessage(
        id=UUID("11111111-2222-4333-8444-555555555555"),
        role=role,
        content=content,
        created_at=AT,
        author=fields.pop("author", ANA if role == "agent" else None),
        model=fields.pop("model", None),
        tokens_used=fields.pop("tokens_used", None),
        **fields,
    )


def _summary(**fields: Any) -> ConversationSummary:
    values: dict[str, Any] = {
        "id": CONVERSATION,
        "organization_id": ORG,
        "channel_id": UUID("22222222-3333-4444-8555-666666666666"),
        "channel_name": "Website",
        "status": "open",
        "responder_mode": "ai",
        "language": "es",
        "page_url": "https://shop.example/menu",
        "visitor_id": UUID("33333333-4444-4555-8666-777777777777"),
        "last_message": LastMessage(role="visitor", content="Hola", created_at=AT),
        "message_count": 3,
        "created_at": AT,
        "last_message_at": AT,
        "assigned_user": None,
    }
    return ConversationSummary(**{**values, **fields})


def _decoded(frame: bytes | None) -> dict[str, Any]:
    assert frame is not None
    decoded: dict[str, Any] = json.loads(frame)
    return decoded


# ---- Events ----------------------------------------------------------------------------------------


def test_message_created_tells_operators_what_the_inbox_shows_and_visitors_what_the_widget_api_shows() -> None:
    event = realtime.message_created(_message(), conversation_id=CONVERSATION, organization_id=ORG)

    dashboard = _decoded(event.dashboard_frame())
    widget = _decoded(event.widget_frame())

    assert dashboard == {
        "type": "message.created",
        "organizationId": str(ORG),
        "conversationId": str(CONVERSATION),
        "data": {
            "id": "11111111-2222-4333-8444-555555555555",
            "role": "agent",
            "content": "Hola",
            "createdAt": "2026-03-05T14:07:09.123456Z",
            "author": {"id": ANA.id, "name": "Ana"},
            "model": None,
            "tokensUsed": None,
            "knowledgeSources": [],
            "delivery": None,
            "template": None,
            "attachment": None,
        },
    }
    assert widget["data"] == {
        "id": "11111111-2222-4333-8444-555555555555",
        "role": "agent",
        "content": "Hola",
        "createdAt": "2026-03-05T14:07:09.123Z",
        "authorName": "Ana",  # the agent's first name, never their id
    }


def test_an_ai_message_reaches_operators_with_its_sources_and_visitors_without() -> None:
    source = KnowledgeSource(uuid4(), uuid4(), "Opening hours", "We open at 8 on Saturdays.")
    event = realtime.message_created(
        _message("ai", "We open at 8.", model="gpt-4o-mini", tokens_used=42, knowledge_sources=(source,)),
        conversation_id=CONVERSATION,
        organization_id=ORG,
    )

    data = _decoded(event.dashboard_frame())["data"]

    assert data["knowledgeSources"] == [
        {
            "id": str(source.id),
            "knowledgeId": str(source.knowledge_id),
            "title": "Opening hours",
            "excerpt": source.excerpt,
            "sourceUrl": None,  # a website page's address; this entry is typed text
        }
    ]
    assert (data["model"], data["tokensUsed"]) == ("gpt-4o-mini", 42)
    assert set(_decoded(event.widget_frame())["data"]) == {"id", "role", "content", "createdAt"}


def test_a_message_not_meant_for_visitors_has_no_widget_frame() -> None:
    event = realtime.message_created(
        _message(content="VIP"), conversation_id=CONVERSATION, organization_id=ORG, visible_to_visitor=False
    )

    assert event.widget_frame() is None
    assert _decoded(event.dashboard_frame())["data"]["content"] == "VIP"


def test_conversation_updated_is_the_inbox_summary_for_operators_and_its_state_for_visitors() -> None:
    event = realtime.conversation_event(_summary(status="pending", responder_mode="human", assigned_user=ANA))

    dashboard = _decoded(event.dashboard_frame())["data"]

    assert dashboard["needsHuman"] is True  # the server's rule, sent: no client works it out again
    assert dashboard["assignedUser"] == {"id": ANA.id, "name": "Ana"}
    assert dashboard["lastMessage"] == {
        "role": "visitor",
        "content": "Hola",
        "createdAt": "2026-03-05T14:07:09.123456Z",
    }
    assert dashboard["messageCount"] == 3
    assert _decoded(event.widget_frame())["data"] == {
        "id": str(CONVERSATION),
        "status": "pending",
        "responderMode": "human",
        "lastMessageAt": "2026-03-05T14:07:09.123Z",
    }


def test_conversation_created_is_for_operators_only() -> None:
    event = realtime.conversation_event(_summary(), created=True)

    assert event.type == "conversation.created"
    assert event.widget_frame() is None
    assert _decoded(event.dashboard_frame())["data"]["pageUrl"] == "https://shop.example/menu"


def test_timestamps_are_utc_with_milliseconds_and_z_whatever_the_zone() -> None:
    madrid = AT.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Madrid"))

    assert realtime.events.iso(madrid) == "2026-03-05T14:07:09.123Z"


# ---- Who sees which event ---------------------------------------------------------------------------


def _target(kind: str, *, conversation: UUID | None = None, organizations: set[UUID] | None = None) -> Target:
    return Target(
        connection_id=new_connection_id(),
        kind=kind,  # type: ignore[arg-type]
        conversation_id=conversation,
        organizations=frozenset(organizations) if organizations is not None else None,
    )


def test_frames_go_to_the_organisations_operators_and_the_conversations_widget_in_event_order() -> None:
    created = realtime.conversation_event(_summary(), created=True)
    message = realtime.message_created(_message("ai"), conversation_id=CONVERSATION, organization_id=ORG)
    member = _target("dashboard", organizations={ORG})
    super_admin = _target("dashboard", organizations=None)
    other_tenant = _target("dashboard", organizations={OTHER_ORG})
    widget = _target("widget", conversation=CONVERSATION)
    other_widget = _target("widget", conversation=uuid4())

    frames = publisher._frames_for([member, super_admin, other_tenant, widget, other_widget], [created, message])

    assert frames == {
        member.connection_id: [created.dashboard_frame(), message.dashboard_frame()],
        super_admin.connection_id: [created.dashboard_frame(), message.dashboard_frame()],
        widget.connection_id: [message.widget_frame()],
    }


# ---- Publishing: concurrency, time limit, never raising -------------------------------------------------


class _FakeManagementApi:
    """Answers posts like API Gateway would, slowly or with 410 (gone) for chosen ids."""

    def __init__(
        self, *, slow: frozenset[str] = frozenset(), gone: frozenset[str] = frozenset(), delay: float = 0
    ) -> None:
        self.slow, self.gone, self.delay = slow, gone, delay
        self.posted: list[tuple[str, bytes, float]] = []
        self._lock = threading.Lock()

    def post(self, connection_id: str, frame: bytes) -> str:  # chatflow.realtime.management.ManagementApi's
        if connection_id in self.slow:
            time.sleep(self.delay)
        if connection_id in self.gone:
            return "gone"
        with self._lock:
            self.posted.append((connection_id, frame, time.monotonic()))
        return "sent"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("WEBSOCKET_MANAGEMENT_URL", "http://127.0.0.1:9/ws")
    monkeypatch.setenv("REALTIME_PUBLISH_DEADLINE_SECONDS", "0.5")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("settings")
def test_one_slow_connection_does_not_hold_up_the_others_and_the_publish_ends_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connections = [new_connection_id() for _ in range(50)]
    fake = _FakeManagementApi(slow=frozenset({connections[0]}), delay=2.0)
    monkeypatch.setattr(publisher, "_api", lambda _settings: fake)
    started = time.monotonic()

    outcomes = publisher._post_all(get_settings(), {c: [b"{}"] for c in connections})

    elapsed = time.monotonic() - started
    # It waited for the deadline (0.5 s) and not for the slow post (2 s); the upper bound leaves room
    # for a busy machine.
    assert 0.45 < elapsed < 1.9
    assert len(outcomes) == 49
    assert set(outcomes.values()) == {"sent"}
    # The others did not queue behind the slow one: all were posted before it would have answered.
    assert max(at for _, _, at in fake.posted) - started < 1.9


@pytest.mark.usefixtures("settings")
def test_a_connection_reported_gone_is_told_apart_from_one_that_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    gone, fine = new_connection_id(), new_connection_id()
    fake = _FakeManagementApi(gone=frozenset({gone}))
    monkeypatch.setattr(publisher, "_api", lambda _settings: fake)

    outcomes = publisher._post_all(get_settings(), {gone: [b"1", b"2"], fine: [b"1", b"2"]})

    assert outcomes == {gone: "gone", fine: "sent"}
    assert [data for connection, data, _ in fake.posted if connection == fine] == [b"1", b"2"]


def test_publish_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_events: Sequence[realtime.Event], _conn: object) -> realtime.PublishResult:
        raise RuntimeError("the database is on fire")

    monkeypatch.setattr(publisher, "_publish", broken)
    event = realtime.message_created(_message(), conversation_id=CONVERSATION, organization_id=ORG)

    assert realtime.publish([event]) == realtime.PublishResult()


def test_without_a_websocket_api_publishing_does_nothing_and_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBSOCKET_MANAGEMENT_URL", raising=False)
    monkeypatch.setattr(publisher, "connection_for", lambda _conn: pytest.fail("read the database"))
    event = realtime.message_created(_message(), conversation_id=CONVERSATION, organization_id=ORG)

    assert realtime.publish([event]) == realtime.PublishResult()
    assert realtime.publish_changes(CONVERSATION) == realtime.PublishResult()


# ---- The local gateway's WebSocket events -------------------------------------------------------------

_SOCKET = SocketInfo(
    connection_id="L0SM9cOFvHcCIhw=",
    connected_at=AT,
    source_ip="198.51.100.7",
    user_agent="Mozilla/5.0",
    domain_name="127.0.0.1",
)

# The keys of the events API Gateway's WebSocket API sends (from AWS's documented samples).
_CONTEXT_KEYS = {
    "routeKey",
    "eventType",
    "extendedRequestId",
    "requestTime",
    "messageDirection",
    "stage",
    "connectedAt",
    "requestTimeEpoch",
    "identity",
    "requestId",
    "domainName",
    "connectionId",
    "apiId",
}


def test_a_connect_event_has_api_gateways_shape_with_the_handshakes_query_and_headers() -> None:
    handshake = HttpRequest(
        method="GET",
        path="/ws",
        query_string="publicKey=k&visitorId=v&conversationId=c",
        headers=[("host", "127.0.0.1:8000"), ("origin", "https://shop.example"), ("user-agent", "Mozilla/5.0")],
        source_ip="198.51.100.7",
    )

    event = websocket_event(_SOCKET, route_key="$connect", event_type="CONNECT", request=handshake, now=AT)

    assert set(event) == {
        "headers",
        "multiValueHeaders",
        "queryStringParameters",
        "multiValueQueryStringParameters",
        "requestContext",
        "isBase64Encoded",
    }
    assert set(event["requestContext"]) == _CONTEXT_KEYS
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["connectionId"]) == (
        "$connect",
        "CONNECT",
        "L0SM9cOFvHcCIhw=",
    )
    assert context["connectedAt"] == int(AT.timestamp() * 1000)
    assert context["identity"] == {"userAgent": "Mozilla/5.0", "sourceIp": "198.51.100.7"}
    assert (context["stage"], context["domainName"], context["messageDirection"]) == ("local", "127.0.0.1", "IN")
    assert event["queryStringParameters"] == {"publicKey": "k", "visitorId": "v", "conversationId": "c"}
    assert event["headers"]["origin"] == "https://shop.example"
    assert event["headers"]["X-Forwarded-For"] == "198.51.100.7"


def test_a_connect_event_without_a_query_string_leaves_the_query_keys_out() -> None:
    handshake = HttpRequest(method="GET", path="/ws", headers=[("host", "127.0.0.1:8000")])

    event = websocket_event(_SOCKET, route_key="$connect", event_type="CONNECT", request=handshake)

    assert "queryStringParameters" not in event


def test_a_message_event_carries_the_body_as_text_or_base64() -> None:
    text = websocket_event(_SOCKET, route_key="$default", event_type="MESSAGE", body=b'{"action":"ping"}')
    binary = websocket_event(_SOCKET, route_key="$default", event_type="MESSAGE", body=b"\xff\x00")

    assert set(text["requestContext"]) == _CONTEXT_KEYS | {"messageId"}
    assert (text["body"], text["isBase64Encoded"]) == ('{"action":"ping"}', False)
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(b"\xff\x00").decode(), True)
    assert text["requestContext"]["identity"] == {"sourceIp": "198.51.100.7"}


def test_a_disconnect_event_carries_the_close_code_and_reason() -> None:
    event = websocket_event(
        _SOCKET, route_key="$disconnect", event_type="DISCONNECT", disconnect_code=1001, disconnect_reason="Going away"
    )

    context = event["requestContext"]
    assert set(context) == _CONTEXT_KEYS | {"disconnectStatusCode", "disconnectReason"}
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (1001, "Going away")
    assert event["headers"]["Host"] == "127.0.0.1"


def test_connection_ids_look_like_api_gateways() -> None:
    ids = {new_connection_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{15}=", i) for i in ids)


# ---- The realtime function, on input that never reaches the database -----------------------------------------


def _invoke(event: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = load_handler("realtime")(event, LambdaContextStub())
    return answer


def _connect_event(query: str) -> dict[str, Any]:
    handshake = HttpRequest(method="GET", path="/ws", query_string=query, headers=[("host", "127.0.0.1:8000")])
    return websocket_event(_SOCKET, route_key="$connect", event_type="CONNECT", request=handshake)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "missing_credentials"),
        ("token=", "missing_credentials"),
        ("publicKey=", "missing_credentials"),
        ("somethingElse=1", "missing_credentials"),
        # Fixed ids: a test's name must be the same in every xdist worker that collects it.
        (f"publicKey={ORG}&conversationId={CONVERSATION}", "missing_credentials"),
        (f"publicKey=not-a-key&visitorId={uuid4()}&conversationId={uuid4()}", "invalid_credentials"),
        (f"publicKey={uuid4()}&visitorId={uuid4()}&conversationId=42", "invalid_credentials"),
    ],
)
def test_a_connect_without_usable_credentials_is_refused_with_401(query: str, code: str) -> None:
    answer = _invoke(_connect_event(query))

    assert answer["statusCode"] == 401
    assert json.loads(answer["body"])["error"]["code"] == code


@pytest.mark.parametrize(
    "body",
    [None, "", "ping", "{", "[]", '{"action": null}', '{"action": "subscribe"}', "\ud800", '{"action": "ping"}'],
)
def test_a_message_of_any_shape_is_answered_200_and_never_500(body: str | None) -> None:
    # Without WEBSOCKET_MANAGEMENT_URL there is nowhere to send a pong: answering must still not fail.
    event = websocket_event(_SOCKET, route_key="$default", event_type="MESSAGE", body=b"")
    event["body"] = body

    assert _invoke(event) == {"statusCode": 200}


def test_an_event_that_is_not_a_websocket_event_is_refused() -> None:
    assert _invoke({"requestContext": {"routeKey": "$connect"}})["statusCode"] == 401


def test_the_connected_at_of_an_event_is_the_sockets_not_the_requests() -> None:
    later = AT + timedelta(minutes=5)

    event = websocket_event(_SOCKET, route_key="$default", event_type="MESSAGE", body=b"{}", now=later)

    assert event["requestContext"]["connectedAt"] == int(AT.timestamp() * 1000)
    assert event["requestContext"]["requestTimeEpoch"] == int(later.timestamp() * 1000)


def test_a_message_with_a_file_carries_it_to_both_sides_with_presigned_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from chatflow.attachments import AttachmentRef, storage

    monkeypatch.setenv("ATTACHMENTS_BUCKET", "files")
    monkeypatch.setattr(storage, "presigned_get", lambda key, **_: f"https://files.example/{key}?signed")
    file = AttachmentRef(uuid4(), "photo.jpg", "image/jpeg", 2048, "o/c/a/file", "o/c/a/thumbnail.webp", 640, 480)
    event = realtime.message_created(
        replace(_message(), attachment=file), conversation_id=CONVERSATION, organization_id=ORG
    )

    for frame in (event.dashboard_frame(), event.widget_frame()):
        attachment = _decoded(frame)["data"]["attachment"]
        assert attachment["name"] == "photo.jpg"
        assert attachment["url"] == "https://files.example/o/c/a/file?signed"
        assert attachment["thumbnailUrl"] == "https://files.example/o/c/a/thumbnail.webp?signed"
        assert "objectKey" not in attachment  # keys are never sent
