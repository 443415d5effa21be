"""Verified visitor identity through the real functions: an admin makes a channel's identity secret,
the business signs its user's token with it, and the widget API ties the visitor to that user (the
same visitor, and so the same conversations, on every browser), refuses a bad token with 401
invalid_identity, and, where the channel requires it, refuses anonymous visitors."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import uuid4

import jwt
import pytest

from chatflow import visitor_identity
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.events import LambdaContextStub, rest_event
from tests.support.people import People, Person
from tests.support.widget import WidgetClient


@pytest.fixture(autouse=True)
def _no_cached_channels() -> None:
    visitor_identity.forget_cached()


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _secret(people: People, admin: Person, tenant: Tenant) -> str:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity/secret")
    assert answer.status_code == 200, answer.text
    secret: str = answer.json()["secret"]
    visitor_identity.forget_cached()
    return secret


def _token(secret: str, sub: str = "customer-42", **claims: Any) -> str:
    body = {"sub": sub, "exp": int(time.time()) + 3600, "name": "Ana Pérez", "email": "ana@example.com", **claims}
    return jwt.encode(body, secret, algorithm="HS256")


def _identify(tenant: Tenant, token: str) -> tuple[int, dict[str, Any]]:
    event = rest_event(
        "POST",
        "/api/chat/identify",
        resource="/api/chat/identify",
        raw_body=json.dumps({"publicKey": str(tenant.public_key), "userJwt": token}),
        source_ip="203.0.113.10",
    )
    response = load_handler("chat")(event, LambdaContextStub())
    return response["statusCode"], json.loads(response["body"])


def test_an_admin_makes_the_identity_secret_which_is_shown_once(people: People, admin: Person, tenant: Tenant) -> None:
    before = people.get(admin, f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity").json()
    secret = _secret(people, admin, tenant)
    after = people.get(admin, f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity").json()

    assert before["configured"] is False
    assert secret.startswith("cfid_")
    assert after["configured"] is True
    assert "secret" not in after


def test_a_signed_visitors_conversation_is_verified_with_their_name_and_email(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    secret = _secret(people, admin, tenant)

    answer = visitor.post("Where is my order?", userJwt=_token(secret))

    detail = people.get(admin, f"/conversations/{answer.body['conversationId']}").json()
    assert answer.status == 200
    assert answer.body["visitorId"] != str(visitor.visitor_id)
    assert detail["visitorMetadata"]["identity"] == {
        "verified": True,
        "userId": "customer-42",
        "name": "Ana Pérez",
        "email": "ana@example.com",
    }


def test_the_same_user_on_two_browsers_sees_one_history(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    secret = _secret(people, admin, tenant)
    first = visitor.post("Hello from my laptop", userJwt=_token(secret))
    other_browser = visitor.another_visitor()

    status, identified = _identify(tenant, _token(secret))
    history = WidgetClient(tenant.public_key, identified["visitorId"]).history(identified["conversationId"])

    assert status == 200
    assert identified["visitorId"] == first.body["visitorId"]
    assert identified["conversationId"] == first.body["conversationId"]
    assert other_browser.visitor_id != visitor.visitor_id
    assert history.body["messages"][0]["content"] == "Hello from my laptop"


def test_another_user_is_another_visitor(people: People, admin: Person, tenant: Tenant, visitor: WidgetClient) -> None:
    secret = _secret(people, admin, tenant)
    visitor.post("Hello", userJwt=_token(secret))

    status, identified = _identify(tenant, _token(secret, sub="customer-7"))

    assert status == 200
    assert identified["conversationId"] is None


@pytest.mark.parametrize(
    "why",
    ["expired", "wrong secret", "alg none"],
)
def test_a_token_that_is_not_valid_is_refused_with_invalid_identity(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient, why: str
) -> None:
    secret = _secret(people, admin, tenant)
    token = {
        "expired": lambda: _token(secret, exp=int(time.time()) - 600),
        "wrong secret": lambda: _token("cfid_not-this-channels-secret-0123456789-0123456789-0123456789"),
        "alg none": lambda: jwt.encode({"sub": "customer-42", "exp": int(time.time()) + 60}, "", algorithm="none"),
    }[why]()

    answer = visitor.post("Hello", userJwt=token)
    status, identified = _identify(tenant, token)

    assert answer.status == 401
    assert answer.error_code == "invalid_identity"
    assert status == 401
    assert identified["error"]["code"] == "invalid_identity"


def test_a_token_on_a_channel_without_a_secret_is_refused(tenant: Tenant, visitor: WidgetClient) -> None:
    answer = visitor.post("Hello", userJwt=_token("cfid_made-up-secret-0123456789-0123456789-0123456789-0123"))

    assert answer.status == 401
    assert answer.error_code == "invalid_identity"


def test_a_channel_that_requires_identity_refuses_anonymous_visitors(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    secret = _secret(people, admin, tenant)
    required = people.put(
        admin, f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity", {"required": True}
    )
    visitor_identity.forget_cached()

    anonymous = visitor.post("Hello")
    signed = visitor.post("Hello", userJwt=_token(secret))

    assert required.json()["required"] is True
    assert anonymous.status == 401
    assert anonymous.error_code == "identity_required"
    assert signed.status == 200


def test_identity_cannot_be_required_before_the_channel_has_a_secret(
    people: People, admin: Person, tenant: Tenant
) -> None:
    answer = people.put(
        admin, f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity", {"required": True}
    )

    assert answer.status_code == 400


def test_a_rotated_secret_replaces_the_old_one(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    old = _secret(people, admin, tenant)
    new = _secret(people, admin, tenant)

    assert visitor.post("Hello", userJwt=_token(old)).status == 401
    assert visitor.post("Hello", userJwt=_token(new)).status == 200


def test_another_organisations_admin_cannot_read_or_rotate_the_secret(people: People, tenant: Tenant, db: Any) -> None:
    from chatflow.organizations import create_organization

    other = people.make(admin_of=[create_organization(db, name="Other Coffee")])
    path = f"/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/identity"

    assert people.get(other, path).status_code == 404
    assert people.post(other, f"{path}/secret").status_code == 404


def test_an_unidentified_visitor_on_an_ordinary_channel_chats_as_before(tenant: Tenant) -> None:
    visitor = WidgetClient(tenant.public_key, uuid4())

    answer = visitor.post("Hello")

    assert answer.status == 200
    assert "visitorId" not in answer.body


def test_an_agent_lists_a_verified_users_conversations_from_every_device(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    secret = _secret(people, admin, tenant)
    laptop = visitor.post("Hello from my laptop", userJwt=_token(secret))
    people.post(admin, f"/conversations/{laptop.body['conversationId']}/close")
    phone = visitor.another_visitor().post("Hello from my phone", userJwt=_token(secret))
    visitor.another_visitor().post("Someone else")

    listed = people.get(admin, "/conversations", visitorId=laptop.body["visitorId"]).json()

    assert {c["id"] for c in listed["items"]} == {laptop.body["conversationId"], phone.body["conversationId"]}


def test_the_visitors_list_shows_a_verified_user_once_with_their_name_and_email(
    people: People, admin: Person, tenant: Tenant, visitor: WidgetClient
) -> None:
    secret = _secret(people, admin, tenant)
    visitor.post("Hello from my laptop", userJwt=_token(secret))
    visitor.another_visitor().post("Hello from my phone", userJwt=_token(secret))
    visitor.another_visitor().post("An anonymous visitor")

    everyone = people.get(admin, f"/organizations/{tenant.organization_id}/visitors").json()
    verified = people.get(admin, f"/organizations/{tenant.organization_id}/visitors", verified="true").json()

    assert len(everyone) == 2
    assert [(v["userId"], v["name"], v["email"], v["conversationCount"]) for v in verified] == [
        ("customer-42", "Ana Pérez", "ana@example.com", 2)
    ]
