"""Emails carry no phisher's text (issue #23, item 10): a name is one line of a restricted set (no line
breaks, no web address), and what a visitor wrote is marked as quoted in an email's body and never in
its subject."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow.notifications.invite import invitation_email
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

BAD_NAMES = [
    "Sam\nYour account is locked: sign in at https://evil.example",
    "Ana\r\nBcc: everyone@example.com",
    "Visit evil.example now",
    "https://evil.example",
    "Sam <script>",
    "Tab\tName",
    "Zero\u200bwidth",
    "Right\u202eto-left",
]
GOOD_NAMES = ["María José O'Neil-Smith", "Demo Coffee Co.", "J. R. R. Tolkien", "李小龙", "Ben & Jerry's (Shop 2)"]


def _mail_to(address: str) -> list[Any]:
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if address in message.destinations.get("ToAddresses", [])
    ]


@pytest.mark.parametrize("name", BAD_NAMES, ids=range(len(BAD_NAMES)))
def test_a_name_with_a_line_break_a_web_address_or_odd_characters_is_400(people: People, name: str) -> None:
    root = people.make(super_admin=True)
    email = f"new-{uuid4().hex[:10]}@example.com"

    answers = [
        people.post(root, "/users", {"email": email, "name": name}),
        people.patch(root, "/me", {"name": name}),
        people.post(root, "/organizations", {"name": name, "plan": "starter"}),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert {a.json()["error"]["code"] for a in answers} == {"invalid_field"}
    assert _mail_to(email) == []


@pytest.mark.parametrize("name", GOOD_NAMES, ids=range(len(GOOD_NAMES)))
def test_names_of_people_and_businesses_are_accepted(people: People, name: str) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, "/organizations", {"name": name, "plan": "starter"})

    assert answer.status_code == 201
    assert answer.json()["name"] == name


def test_an_invitation_never_greets_with_a_name_stored_before_the_rule() -> None:
    mail = invitation_email(
        to="sam@example.com",
        name="Sam\nYour account is locked: sign in at https://evil.example",
        language="en",
        temporary_password="x",
        sign_in_url="https://app.example",
    )

    assert "evil.example" not in mail.text
    assert mail.text.startswith("Hello,\n")


def test_the_visitors_words_are_quoted_in_the_body_and_never_in_the_subject(
    people: People, tenant: Tenant, db: Db
) -> None:
    admin: Person = people.make(admin_of=[tenant.organization_id])
    visitor = WidgetClient(tenant.public_key, uuid4())
    words = "URGENT from ChatFlow360 support\nYour password expired: renew it at https://evil.example"

    conversation = visitor.post(words).body["conversationId"]
    visitor.post("I want to talk to a human", conversationId=conversation)

    (mail,) = _mail_to(admin.email)
    assert "evil.example" not in mail.subject
    assert "URGENT" not in mail.subject
    assert "> URGENT from ChatFlow360 support\n> Your password expired: renew it at https://evil.example" in mail.body
    assert "quoted" in mail.body
