"""Every error of the widget API's contract: its status and machine-readable code, never a 500."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _body(visitor: WidgetClient, **fields: Any) -> str:
    body: dict[str, Any] = {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id), "message": "Hi"}
    body.update(fields)
    return json.dumps(body)


@pytest.mark.parametrize("raw", ["{not json", "", "null", "[1, 2]", '"text"', "{" * 5000])
def test_malformed_or_non_object_json_is_400_invalid_json(visitor: WidgetClient, raw: str) -> None:
    answer = visitor.post_raw(raw)

    assert (answer.status, answer.error_code) == (400, "invalid_json")
    assert set(answer.body["error"]) == {"code", "message"}


@pytest.mark.parametrize("field", ["publicKey", "visitorId", "conversationId", "clientMessageId"])
def test_a_field_that_is_not_a_uuid_is_400_invalid_uuid(visitor: WidgetClient, field: str) -> None:
    answer = visitor.post_raw(_body(visitor, **{field: "not-a-uuid"}))

    assert (answer.status, answer.error_code) == (400, "invalid_uuid")
    assert field in answer.body["error"]["message"]


@pytest.mark.parametrize("field", ["publicKey", "visitorId", "message"])
def test_a_missing_field_is_400_missing_field(visitor: WidgetClient, field: str) -> None:
    body = json.loads(_body(visitor))
    del body[field]

    answer = visitor.post_raw(json.dumps(body))

    assert (answer.status, answer.error_code) == (400, "missing_field")


@pytest.mark.parametrize("message", ["", "   ", "\n\t "])
def test_an_empty_or_blank_message_is_400_message_empty(visitor: WidgetClient, message: str) -> None:
    answer = visitor.post(message)

    assert (answer.status, answer.error_code) == (400, "message_empty")


def test_a_message_over_2000_characters_is_400_message_too_long(visitor: WidgetClient) -> None:
    answer = visitor.post("é" * 2001)

    assert (answer.status, answer.error_code) == (400, "message_too_long")


@pytest.mark.parametrize("message", ["nul\x00byte", "lone \ud800 surrogate"])
def test_text_postgresql_cannot_store_is_400_not_500(visitor: WidgetClient, message: str) -> None:
    answer = visitor.post_raw(_body(visitor, message=message))

    assert (answer.status, answer.error_code) == (400, "invalid_field")


@pytest.mark.parametrize("value", [123, ["a"], {"a": 1}, True])
def test_a_message_that_is_not_a_string_is_400(visitor: WidgetClient, value: object) -> None:
    answer = visitor.post_raw(_body(visitor, message=value))

    assert answer.status == 400


def test_a_body_over_64_kib_is_413(visitor: WidgetClient) -> None:
    answer = visitor.post_raw(_body(visitor, pad="x" * (64 * 1024)))

    assert (answer.status, answer.error_code) == (413, "payload_too_large")


def test_a_base64_encoded_body_is_understood(visitor: WidgetClient) -> None:
    answer = visitor.post_raw(_body(visitor), base64_body=True)

    assert answer.status == 200


def test_an_unknown_public_key_is_404_channel_not_found(visitor: WidgetClient) -> None:
    answer = visitor.post_raw(_body(visitor, publicKey=str(uuid4())))

    assert (answer.status, answer.error_code) == (404, "channel_not_found")


def test_an_inactive_channel_is_404_channel_not_found(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    db.execute("UPDATE channels SET active = false WHERE id = %s", (tenant.channel_id,))

    answer = visitor.post("Hello")

    assert (answer.status, answer.error_code) == (404, "channel_not_found")


def test_an_inactive_organisation_is_404_channel_not_found(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    db.execute("UPDATE organizations SET active = false WHERE id = %s", (tenant.organization_id,))

    answer = visitor.post("Hello")

    assert (answer.status, answer.error_code) == (404, "channel_not_found")


def test_an_unknown_conversation_is_404(visitor: WidgetClient) -> None:
    answer = visitor.post("Hello", conversationId=uuid4())

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")


def test_someone_elses_conversation_is_404_like_a_missing_one(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.another_visitor().post("Let me in", conversationId=conversation)

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")
    assert db.execute("SELECT count(*) AS n FROM messages WHERE role = 'visitor'").fetchone() == {"n": 1}


def test_a_conversation_of_another_channel_is_404(visitor: WidgetClient, tenant: Tenant, db: Db) -> None:
    from chatflow.channels import create_channel
    from chatflow.organizations import update_organization

    # The tenant's starter plan has room for one channel only.
    update_organization(db, super_admin(), tenant.organization_id, name=None, plan="pro", active=None)
    conversation = visitor.post("Hello").body["conversationId"]
    other = create_channel(db, super_admin(), tenant.organization_id, name="Other site")

    answer = WidgetClient(other.public_key, visitor.visitor_id).post("Hi", conversationId=conversation)

    assert (answer.status, answer.error_code) == (404, "conversation_not_found")


def test_a_database_outage_is_503_with_a_code(visitor: WidgetClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.db import close_pool
    from chatflow.settings import get_settings

    close_pool()
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@/postgres?host=/nonexistent-socket-dir")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    try:
        answer = visitor.post("Hello")
    finally:
        close_pool()

    assert (answer.status, answer.error_code) == (503, "database_unavailable")
