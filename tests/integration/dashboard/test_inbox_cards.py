"""What an inbox card says (issue #18, item 7): the visitor's last words (never the system notice),
why and since when it waits for a person, and who holds it."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _card(people: People, who: Any, conversation: str) -> dict[str, Any]:
    items = people.get(who, "/conversations", view="all").json()["items"]
    [card] = [c for c in items if c["id"] == conversation]
    found: dict[str, Any] = card
    return found


def test_a_waiting_conversations_card_previews_the_visitors_words_not_the_system_notice(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Quiero hablar con una persona, por favor").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    card = _card(people, agent, conversation)

    assert card["lastMessage"]["role"] == "system"
    assert (card["preview"]["role"], card["preview"]["content"]) == (
        "visitor",
        "Quiero hablar con una persona, por favor",
    )
    assert card["needsHuman"] is True
    assert card["handedOffAt"] is not None
    assert card["handoffSource"] == "keyword"
    assert card["assignedUser"] is None


def test_the_card_carries_the_ais_handoff_reason_and_summary(
    people: People, db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("My order never arrived and nobody answers").body["conversationId"]
    db.execute(
        """UPDATE conversations SET status = 'pending', responder_mode = 'human', handed_off_at = now(),
           handoff_source = 'ai', handoff_reason = 'frustrated', handoff_summary = 'Order 42 late, angry'
           WHERE id = %s""",
        (conversation,),
    )
    agent = people.make(agent_of=[tenant.organization_id])

    card = _card(people, agent, conversation)

    assert (card["handoffSource"], card["handoffReason"], card["handoffSummary"]) == (
        "ai",
        "frustrated",
        "Order 42 late, angry",
    )


def test_the_card_names_who_holds_the_conversation_once_assigned(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/takeover")

    card = _card(people, agent, conversation)

    assert card["assignedUser"]["id"] == agent.id
    assert card["preview"]["role"] == "ai"  # the notice "An agent joined" is not what the card shows
