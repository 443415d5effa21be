"""Smaller gaps of the public API (issue #23, item 15): closing honours the channel's allowed origins,
and a message of nothing but invisible characters is empty."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.events import LambdaContextStub, rest_event
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _close_from(origin: str, conversation: str, visitor: WidgetClient) -> dict[str, Any]:
    event = rest_event(
        "PATCH",
        f"/api/chat/{conversation}",
        resource="/api/chat/{conversationId}",
        raw_body=json.dumps({"visitorId": str(visitor.visitor_id)}),
        path_parameters={"conversationId": conversation},
        headers={"origin": origin},
    )
    answer: dict[str, Any] = load_handler("close")(event, LambdaContextStub())
    return answer


def test_close_refuses_a_site_outside_the_channels_allowed_origins(
    visitor: WidgetClient, tenant: Tenant, db: Db
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    db.execute("UPDATE channels SET allowed_origins = '{https://coffee.example}' WHERE id = %s", (tenant.channel_id,))

    refused = _close_from("https://evil.example", conversation, visitor)
    allowed = _close_from("https://coffee.example", conversation, visitor)

    assert refused["statusCode"] == 403
    assert json.loads(refused["body"])["error"]["code"] == "origin_not_allowed"
    assert allowed["statusCode"] == 200


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u200b \u200c\u200d\ufeff", "\u2060\u00ad"], ids=range(3))
def test_a_message_of_invisible_characters_only_is_empty(visitor: WidgetClient, text: str) -> None:
    answer = visitor.post(text)

    assert answer.status == 400


def test_the_page_url_is_kept_without_its_fragment_and_secret_parameters(visitor: WidgetClient, db: Db) -> None:
    page = "https://coffee.example/account/reset?token=s3cr3t&lang=es#access_token=xyz"

    conversation = visitor.post("Hello", pageUrl=page).body["conversationId"]

    row = db.execute("SELECT page_url FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row == {"page_url": "https://coffee.example/account/reset?lang=es"}


def _delete_from(conversation: str, visitor: WidgetClient, origin: str | None = None) -> dict[str, Any]:
    event = rest_event(
        "DELETE",
        f"/api/chat/{conversation}",
        resource="/api/chat/{conversationId}",
        raw_body=json.dumps({"visitorId": str(visitor.visitor_id)}),
        path_parameters={"conversationId": conversation},
        headers={"origin": origin} if origin else None,
    )
    answer: dict[str, Any] = load_handler("close")(event, LambdaContextStub())
    return answer


def test_a_visitor_deletes_its_own_conversation(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("My card ends in 4242").body["conversationId"]
    usage = db.execute("SELECT conversations, messages FROM usage_tracking").fetchall()

    answer = _delete_from(conversation, visitor)

    assert answer["statusCode"] == 200
    contents = {
        r["content"] for r in db.execute("SELECT content FROM messages WHERE conversation_id = %s", (conversation,))
    }
    assert contents == {"[erased]"}
    row = db.execute("SELECT status, visitor_id FROM conversations WHERE id = %s", (conversation,)).fetchone()
    assert row is not None
    assert (row["status"], row["visitor_id"] == visitor.visitor_id) == ("closed", False)
    assert db.execute("SELECT conversations, messages FROM usage_tracking").fetchall() == usage
    assert visitor.history(conversation).status == 404


def test_a_visitor_cannot_delete_someone_elses_conversation(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = _delete_from(conversation, visitor.another_visitor())

    assert answer["statusCode"] == 404
    assert db.execute("SELECT count(*) AS n FROM messages WHERE content = '[erased]'").fetchone() == {"n": 0}
