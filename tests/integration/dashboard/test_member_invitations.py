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
    assert [i["status"] for i in people.get(admin, f"/organizations/{acme}/invitations").json()] == ["accepted"]


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


def _sign_in(people: People, email: str, password: str) -> Any:
    return people.client.post("/api/dashboard/auth/login", json={"email": email, "password": password})


def _temporary_password(body: str) -> str:
    found = re.search(r"(?:Temporary password|Contraseña temporal): (\S+)", body)
    assert found is not None, body
    return found.group(1)


def test_resending_an_invitation_to_a_new_email_sends_a_new_password_and_the_old_one_stops_working(
    people: People, db: Db
) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    email = f"new-{uuid4().hex[:10]}@example.com"
    invited = people.post(admin, f"/organizations/{acme}/members", {"email": email, "role": "agent"}).json()

    resent = people.post(admin, f"/organizations/{acme}/invitations/{invited['id']}/resend")

    first, second = _mail_to(email)
    assert (resent.status_code, resent.json()["status"], resent.json()["invitationSent"]) == (200, "pending", True)
    assert _token(first.body) != _token(second.body)
    assert _sign_in(people, email, _temporary_password(first.body)).status_code == 401
    assert _sign_in(people, email, _temporary_password(second.body)).json()["challenge"] == "NEW_PASSWORD_REQUIRED"


def test_a_resent_invitation_has_a_new_link_and_the_old_one_stops_working(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin, person = people.make(admin_of=[acme]), people.make()
    invited = people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "role": "agent"}).json()

    people.post(admin, f"/organizations/{acme}/invitations/{invited['id']}/resend")

    first, second = _mail_to(person.email)
    # An account that has signed in gets the link again, never a password.
    assert "Temporary password" not in second.body
    assert people.post(person, "/invitations/accept", {"token": _token(first.body)}).status_code == 404
    assert people.post(person, "/invitations/accept", {"token": _token(second.body)}).status_code == 200


def test_an_expired_invitation_shows_as_expired_and_can_be_sent_again(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin, person = people.make(admin_of=[acme]), people.make()
    invited = people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "role": "admin"}).json()
    db.execute("UPDATE member_invitations SET expires_at = now() - interval '1 minute' WHERE id = %s", (invited["id"],))

    expired = people.get(admin, f"/organizations/{acme}/invitations").json()
    resent = people.post(admin, f"/organizations/{acme}/invitations/{invited['id']}/resend").json()

    assert [i["status"] for i in expired] == ["expired"]
    assert resent["status"] == "pending"
    assert (
        people.post(person, "/invitations/accept", {"token": _token(_mail_to(person.email)[-1].body)}).status_code
        == 200
    )


def test_an_accepted_invitation_cannot_be_resent_and_an_agent_resends_nothing(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin, agent, person = people.make(admin_of=[acme]), people.make(agent_of=[acme]), people.make()
    invited = people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "role": "agent"}).json()
    by_agent = people.post(agent, f"/organizations/{acme}/invitations/{invited['id']}/resend")
    people.post(person, "/invitations/accept", {"token": _token(_mail_to(person.email)[-1].body)})

    accepted = people.post(admin, f"/organizations/{acme}/invitations/{invited['id']}/resend")

    assert by_agent.status_code == 403
    assert (accepted.status_code, accepted.json()["error"]["code"]) == (404, "invitation_not_found")


def test_an_invited_account_counts_as_invited_until_it_first_signs_in(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin, root = people.make(admin_of=[acme]), people.make(super_admin=True)
    email = f"new-{uuid4().hex[:10]}@example.com"
    people.post(admin, f"/organizations/{acme}/members", {"email": email, "role": "agent"})
    [mail] = _mail_to(email)

    def signed_in_at() -> Any:
        return people.get(root, "/users", search=email).json()["items"][0]["signedInAt"]

    before = signed_in_at()
    challenge = _sign_in(people, email, _temporary_password(mail.body)).json()
    completed = people.client.post(
        "/api/dashboard/auth/new-password",
        json={"email": email, "session": challenge["session"], "newPassword": "Chosen-passw0rd!"},
    )

    assert before is None
    assert completed.status_code == 200
    assert signed_in_at() is not None
