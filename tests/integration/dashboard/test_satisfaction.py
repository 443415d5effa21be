"""Satisfaction ratings (CSAT, issue #19 item 3): the visitor rates a conversation that ended, once;
the rating is kept with who gave the last answer, shown in the inbox, and told to webhooks
(conversation.rated)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chatflow import satisfaction
from chatflow.settings import get_settings
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.events import LambdaContextStub, rest_event
from tests.support.people import People, Person
from tests.support.webhook_receiver import WebhookReceiver
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def agent(people: People, tenant: Tenant) -> Person:
    return people.make(agent_of=[tenant.organization_id])


def _ended(visitor: WidgetClient, message: str = "Do you sell decaf?") -> str:
    conversation: str = visitor.post(message).body["conversationId"]
    assert visitor.close(conversation).status == 200
    return conversation


def test_the_visitor_rates_a_conversation_they_ended_and_the_ai_is_credited(
    visitor: WidgetClient, people: People, agent: Person
) -> None:
    conversation = _ended(visitor)

    answer = visitor.rate(conversation, 4, comment="  Quick and clear  ")
    listed = people.get(agent, "/conversations").json()["items"]

    assert answer.status == 200
    assert answer.body["rating"] == 4
    assert answer.body["comment"] == "Quick and clear"
    assert listed[0]["rating"]["value"] == 4
    assert listed[0]["rating"]["responder"] == "ai"
    assert listed[0]["rating"]["comment"] == "Quick and clear"


def test_a_conversation_an_agent_answered_and_closed_is_credited_to_that_agent(
    visitor: WidgetClient, people: People, agent: Person, db: Db
) -> None:
    conversation = visitor.post("I want to talk to a human").body["conversationId"]
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi, Ana here. Sorted!"})
    people.post(agent, f"/conversations/{conversation}/close")

    visitor.rate(conversation, 5)
    row = db.execute(
        "SELECT rated_responder, rated_agent_id FROM conversations WHERE id = %s", (conversation,)
    ).fetchone()
    thread = people.get(agent, f"/conversations/{conversation}").json()

    assert row == {"rated_responder": "agent", "rated_agent_id": agent.id}
    assert thread["rating"]["value"] == 5
    assert thread["rating"]["responder"] == "agent"


def test_the_same_rating_sent_again_answers_as_the_first(visitor: WidgetClient) -> None:
    conversation = _ended(visitor)

    first = visitor.rate(conversation, 2, comment="slow")
    again = visitor.rate(conversation, 2, comment="slow")

    assert again.status == 200
    assert again.body == first.body


def test_a_second_different_rating_is_refused_with_409(visitor: WidgetClient, db: Db) -> None:
    conversation = _ended(visitor)
    visitor.rate(conversation, 2)

    second = visitor.rate(conversation, 5)
    stored = db.execute("SELECT rating FROM conversations WHERE id = %s", (conversation,)).fetchone()

    assert second.status == 409
    assert second.error_code == "already_rated"
    assert stored == {"rating": 2}


def test_another_visitors_conversation_answers_404(visitor: WidgetClient) -> None:
    conversation = _ended(visitor)

    answer = visitor.another_visitor().rate(conversation, 5)

    assert answer.status == 404
    assert answer.error_code == "conversation_not_found"


def test_a_conversation_still_going_cannot_be_rated(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.rate(conversation, 5)

    assert answer.status == 409
    assert answer.error_code == "not_closed"


@pytest.mark.parametrize("rating", [0, 6, -1, 4.5, "five", None], ids=["0", "6", "-1", "4.5", "text", "null"])
def test_a_rating_outside_one_to_five_is_refused_with_400(visitor: WidgetClient, rating: Any) -> None:
    conversation = _ended(visitor)

    answer = visitor.rate(conversation, rating)

    assert answer.status == 400
    assert answer.error_code == "invalid_field"


def test_a_comment_over_a_thousand_characters_is_refused(visitor: WidgetClient) -> None:
    conversation = _ended(visitor)

    answer = visitor.rate(conversation, 3, comment="ok " * 400)

    assert answer.status == 400
    assert answer.error_code == "invalid_field"


def test_a_thumbs_channel_takes_up_or_down_only(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    satisfaction.put_settings(
        db, super_admin(), tenant.organization_id, tenant.channel_id, satisfaction.SatisfactionSettings(True, "thumbs")
    )
    conversation = _ended(visitor)

    middling = visitor.rate(conversation, 3)
    down = visitor.rate(conversation, 1)

    assert middling.status == 400
    assert down.status == 200
    assert down.body["scale"] == "thumbs"


def test_rating_is_rate_limited_per_visitor(visitor: WidgetClient) -> None:
    conversation = _ended(visitor)  # the close counts as one of the ten a minute

    answers = [visitor.rate(conversation, 3).status for _ in range(10)]

    assert answers[:9] == [200] * 9
    assert answers[9] == 429


def test_the_rating_is_a_domain_event(visitor: WidgetClient, db: Db) -> None:
    conversation = _ended(visitor)

    visitor.rate(conversation, 4)
    events = db.execute(
        "SELECT payload FROM outbox WHERE type = 'conversation.rated' AND conversation_id = %s", (conversation,)
    ).fetchall()

    assert [e["payload"] for e in events] == [{"rating": 4, "scale": "five", "responder": "ai", "agent_id": None}]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookReceiver]:
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    started = WebhookReceiver()
    yield started
    started.close()


def test_a_webhook_subscribed_to_ratings_receives_one(
    visitor: WidgetClient, people: People, tenant: Tenant, receiver: WebhookReceiver
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    created = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/webhooks",
        {"url": receiver.url, "events": ["conversation.rated"]},
    ).json()
    receiver.secrets.append(created["secret"])
    conversation = _ended(visitor)

    visitor.rate(conversation, 5, comment="Great")

    assert [r.type for r in receiver.received] == ["conversation.rated"]
    assert receiver.received[0].json["data"]["conversation"]["rating"]["value"] == 5
    assert receiver.received[0].verified_with == (0,)


def test_the_visitors_deletion_removes_their_comment_and_keeps_the_rating(visitor: WidgetClient, db: Db) -> None:
    conversation = _ended(visitor)
    visitor.rate(conversation, 1, comment="my phone is 305 555 0101")
    event = rest_event(
        "DELETE",
        f"/api/chat/{conversation}",
        resource="/api/chat/{conversationId}",
        raw_body=f'{{"visitorId": "{visitor.visitor_id}"}}',
        path_parameters={"conversationId": conversation},
    )
    assert load_handler("close")(event, LambdaContextStub())["statusCode"] == 200

    row = db.execute("SELECT rating, rating_comment FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row == {"rating": 1, "rating_comment": None}
