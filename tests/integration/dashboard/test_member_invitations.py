"""Inviting someone into an organisation (issue #23, item 2): the answer is the same whether or not the
email has an account, never carries another tenant's profile, and an existing user joins only once it
has accepted through the emailed link; until then the invitation is pending, and the admins see it."""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import psycopg
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from chatflow.organizations import create_organization
from infra.local.gateway import REGION
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def _mail_to(address: str) -> list[Any]:
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return [m for m in sent if address in m.destinations.get("ToAddresses", [])]


def _token(body: str) -> str:
    found = re.search(r"/invitation#([A-Za-z0-9_-]{20,})", body)
    assert found is not None, body
    return found.group(1)


def _shape(answer: Any) -> tuple[int, set[str]]:
    return answer.status_code, set(answer.json())


def test_inviting_an_existing_user_answers_like_inviting_a_new_email(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    other = create_organization(db, name="Other")
    admin = people.make(admin_of=[acme])
    stranger = people.make(admin_of=[other], language="es")
    new_email = f"new-{uuid4().hex[:10]}@example.com"

    existing = people.post(admin, f"/organizations/{acme}/members", {"email": stranger.email, "role": "agent"})
    new = people.post(admin, f"/organizations/{acme}/members", {"email": new_email, "role": "agent"})

    assert existing.status_code == 202
    assert _shape(existing) == _shape(new)
    assert stranger.id not in existing.text
    assert "preferredLanguage" not in existing.json()
    assert existing.json()["status"] == new.json()["status"] == "pending"


def test_an_existing_user_joins_only_after_accepting_the_emailed_link(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    person = people.make()

    people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "role": "agent"})

    assert people.get(person, "/me").json()["organizations"] == []
    pending = people.get(admin, f"/organizations/{acme}/invitations").json()
    assert [(i["email"], i["role"]) for i in pending] == [(person.email, "agent")]
    [mail] = _mail_to(person.email)
    assert "Acme" in mail.body

    accepted = people.post(person, "/invitations/accept", {"token": _token(mail.body)})

    assert accepted.status_code == 200
    assert accepted.json()["organizationId"] == str(acme)
    assert people.get(person, "/me").json()["organizations"][0]["role"] == "agent"
    assert people.get(admin, f"/organizations/{acme}/invitations").json() == []


def test_an_invitation_is_accepted_only_by_the_account_it_was_sent_to(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    person = people.make()
    someone_else = people.make()
    people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "role": "admin"})
    token = _token(_mail_to(person.email)[0].body)

    answer = people.post(someone_else, "/invitations/accept", {"token": token})

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "invitation_not_found"
    assert people.get(someone_else, "/me").json()["organizations"] == []


def test_a_new_email_gets_an_account_and_joins_once_it_accepts(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    email = f"new-{uuid4().hex[:10]}@example.com"

    people.post(admin, f"/organizations/{acme}/members", {"email": email, "name": "Luis", "role": "agent"})

    [mail] = _mail_to(email)
    assert "Temporary password: " in mail.body
    assert _token(mail.body)
    row = db.execute(
        "SELECT count(*) AS n FROM organization_members m JOIN users u ON u.id = m.user_id WHERE u.email = %s",
        (email,),
    ).fetchone()
    assert row == {"n": 0}
