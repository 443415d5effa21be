"""Typing both ways and read receipts (issue #18, item 6), over the real sockets of the local gateway:
the state only (never the text), one frame per 2 s per side, and who read what."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.realtime import Gateway, Socket, serve_gateway
from tests.support.widget import WidgetClient


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    with serve_gateway(workers=1, scheduled=()) as started:
        get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL now points at this gateway
        yield started


@contextmanager
def _sockets(
    gateway: Gateway, visitor: WidgetClient, conversation: str, agent: Person
) -> Iterator[tuple[Socket, Socket]]:
    with (
        gateway.connect(
            publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation
        ) as widget,
        gateway.connect(token=agent.token) as dashboard,
    ):
        dashboard.send(json.dumps({"action": "watch", "conversationId": conversation}))
        time.sleep(0.3)
        yield widget, dashboard


def _typing(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f for f in frames if f["type"] == "typing"]


def _drain(socket: Socket, within: float = 1.0) -> list[dict[str, Any]]:
    frames = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            frames.append(socket.event(timeout=max(0.05, deadline - time.monotonic())))
        except AssertionError:  # nothing more came
            break
    return frames


def test_the_visitor_sees_the_agent_typing_by_name_and_never_the_text(
    people: People, tenant: Tenant, visitor: WidgetClient, gateway: Gateway
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.db.execute("UPDATE users SET name = 'Ana López' WHERE id = %s", (agent.id,))

    with _sockets(gateway, visitor, conversation, agent) as (widget, dashboard):
        dashboard.send(json.dumps({"action": "typing", "typing": True, "text": "secret draft"}))
        frames = _typing(_drain(widget))

    assert frames == [
        {
            "type": "typing",
            "organizationId": str(tenant.organization_id),
            "conversationId": conversation,
            "data": {"role": "agent", "name": "Ana", "typing": True},
        }
    ]


def test_the_agent_sees_the_visitor_typing_at_most_once_per_two_seconds(
    people: People, tenant: Tenant, visitor: WidgetClient, gateway: Gateway
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    with _sockets(gateway, visitor, conversation, agent) as (widget, dashboard):
        for _ in range(3):
            widget.send(json.dumps({"action": "typing", "typing": True}))
        frames = _typing(_drain(dashboard, within=1.5))

    assert [f["data"] for f in frames] == [{"role": "visitor", "typing": True}]


def test_an_operator_of_another_organisation_never_sees_the_visitor_typing(
    people: People, db: Any, tenant: Tenant, visitor: WidgetClient, gateway: Gateway
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    outsider = people.make(agent_of=[create_organization(db, name="Beta")])

    with _sockets(gateway, visitor, conversation, outsider) as (widget, dashboard):
        widget.send(json.dumps({"action": "typing", "typing": True}))
        assert _typing(_drain(dashboard)) == []


def test_the_visitor_sees_seen_once_an_agent_opened_the_conversation(
    people: People, tenant: Tenant, visitor: WidgetClient, gateway: Gateway
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    with _sockets(gateway, visitor, conversation, agent) as (widget, _dashboard):
        assert people.post(agent, f"/conversations/{conversation}/read").status_code == 204
        assert people.post(agent, f"/conversations/{conversation}/read").status_code == 204  # nothing new: no frame
        frames = [f for f in _drain(widget) if f["type"] == "conversation.read"]

    assert [f["data"]["side"] for f in frames] == ["agent"]
    body = people.get(agent, f"/conversations/{conversation}").json()
    assert body["agentReadAt"] is not None


def test_the_agent_sees_when_the_visitor_read_the_conversation(
    people: People, tenant: Tenant, visitor: WidgetClient, gateway: Gateway
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    with _sockets(gateway, visitor, conversation, agent) as (widget, dashboard):
        widget.send(json.dumps({"action": "read"}))
        frames = [f for f in _drain(dashboard) if f["type"] == "conversation.read"]

    assert [f["data"]["side"] for f in frames] == ["visitor"]
    assert people.get(agent, f"/conversations/{conversation}").json()["visitorReadAt"] is not None


def test_marking_another_organisations_conversation_read_answers_404(
    people: People, db: Any, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    outsider = people.make(agent_of=[create_organization(db, name="Beta")])

    assert people.post(outsider, f"/conversations/{conversation}/read").status_code == 404
    assert people.post(None, f"/conversations/{conversation}/read").status_code == 401
