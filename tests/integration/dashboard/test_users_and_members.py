"""Users (super admins) and the members of an organisation (its admins), for every role.

Cognito and SES are moto's, in this process; the database is real. Invitations are read from moto's
record of the mail SES sent."""

from __future__ import annotations

import re
import threading
import time
from typing import Any
from uuid import UUID, uuid4

import boto3
import psycopg
import pytest
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from psycopg.rows import dict_row

from chatflow.errors import LastAdmin
from chatflow.organizations import create_organization, remove_member
from chatflow.settings import get_settings
from infra.local.gateway import REGION
from tests.support.callers import admin_of
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def _new_email() -> str:
    return f"new-{uuid4().hex[:10]}@example.com"


def _mail_to(address: str) -> list[Any]:
    """What SES (moto) sent to this address, oldest first."""
    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    return [m for m in sent if address in m.destinations.get("ToAddresses", [])]


def _cognito_user(email: str) -> dict[str, Any] | None:
    cognito: Any = boto3.client("cognito-idp")
    try:
        user: dict[str, Any] = cognito.admin_get_user(UserPoolId=get_settings().cognito_user_pool_id, Username=email)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UserNotFoundException":
            return None
        raise
    return user


def _temporary_password(body: str) -> str:
    found = re.search(r"(?:Temporary password|Contraseña temporal): (\S+)", body)
    assert found is not None, body
    return found.group(1)


def _user_row(db: Db, email: str) -> dict[str, Any] | None:
    return db.execute("SELECT * FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone()


# --- Creating users (super admin) ---


def test_a_super_admin_creates_a_user_in_cognito_and_in_the_database(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    answer = people.post(root, "/users", {"email": email.upper(), "name": " Ana Pérez ", "preferredLanguage": "es"})

    assert answer.status_code == 201
    body = answer.json()
    assert (body["email"], body["name"], body["preferredLanguage"]) == (email, "Ana Pérez", "es")
    assert (body["isSuperAdmin"], body["active"], body["invitationSent"]) == (False, True, True)
    cognito_user = _cognito_user(email)
    assert cognito_user is not None
    assert cognito_user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    sub = next(a["Value"] for a in cognito_user["UserAttributes"] if a["Name"] == "sub")
    assert body["id"] == sub
    assert _user_row(db, email) is not None


def test_the_invitation_is_in_english_with_the_sign_in_url_and_a_temporary_password(people: People) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    people.post(root, "/users", {"email": email, "name": "Sam", "preferredLanguage": "en"})

    [mail] = _mail_to(email)
    assert mail.subject == "You have been invited to ChatFlow360"
    assert "Hello Sam" in mail.body
    assert f"Sign in at: {get_settings().dashboard_url}" in mail.body
    assert len(_temporary_password(mail.body)) == 20


def test_the_invitation_is_in_spanish_for_a_spanish_speaking_user(people: People) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    people.post(root, "/users", {"email": email, "name": "Lucía", "preferredLanguage": "es"})

    [mail] = _mail_to(email)
    assert mail.subject == "Te han invitado a ChatFlow360"
    assert "Hola Lucía" in mail.body
    assert f"Inicia sesión en: {get_settings().dashboard_url}" in mail.body
    assert "Contraseña temporal: " in mail.body


def test_the_temporary_password_of_the_invitation_signs_in_and_asks_for_a_new_one(people: People) -> None:
    root = people.make(super_admin=True)
    email = _new_email()
    people.post(root, "/users", {"email": email, "name": "Sam"})
    password = _temporary_password(_mail_to(email)[0].body)

    answer = people.post(None, "/auth/login", {"email": email, "password": password})

    assert answer.status_code == 200
    assert answer.json()["challenge"] == "NEW_PASSWORD_REQUIRED"


def test_the_temporary_password_is_never_in_the_answer(people: People) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    answer = people.post(root, "/users", {"email": email, "name": "Sam"})

    assert _temporary_password(_mail_to(email)[0].body) not in answer.text


def test_a_user_is_created_with_its_memberships(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    beta = create_organization(db, name="Beta")
    root = people.make(super_admin=True)

    answer = people.post(
        root,
        "/users",
        {
            "email": _new_email(),
            "name": "Sam",
            "memberships": [
                {"organizationId": str(acme), "role": "admin"},
                {"organizationId": str(beta), "role": "agent"},
            ],
        },
    )

    assert answer.status_code == 201
    assert [(m["organizationName"], m["role"]) for m in answer.json()["memberships"]] == [
        ("Acme", "admin"),
        ("Beta", "agent"),
    ]


def test_a_super_admin_may_create_another_super_admin(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, "/users", {"email": _new_email(), "name": "Root 2", "isSuperAdmin": True})

    assert answer.json()["isSuperAdmin"] is True


def test_a_membership_in_a_missing_organisation_is_404_and_creates_nobody(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    answer = people.post(
        root,
        "/users",
        {"email": email, "name": "Sam", "memberships": [{"organizationId": str(uuid4()), "role": "agent"}]},
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "organization_not_found"
    assert _cognito_user(email) is None
    assert _user_row(db, email) is None


def test_when_the_database_refuses_the_user_its_cognito_user_is_deleted(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    email = _new_email()
    # A row with this email and no Cognito user: Cognito accepts the new user, the database does not.
    db.execute("INSERT INTO users (id, email, name) VALUES ('stale-sub', %s, 'Stale')", (email.upper(),))

    answer = people.post(root, "/users", {"email": email, "name": "Sam"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "user_exists"
    assert _cognito_user(email) is None
    assert db.execute("SELECT id FROM users WHERE lower(email) = %s", (email,)).fetchall() == [{"id": "stale-sub"}]
    assert _mail_to(email) == []


def test_when_cognito_refuses_the_user_nothing_is_written(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    acme = create_organization(db, name="Acme")
    email = _new_email()
    cognito: Any = boto3.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=get_settings().cognito_user_pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}],
    )

    answer = people.post(
        root, "/users", {"email": email, "name": "Sam", "memberships": [{"organizationId": str(acme), "role": "agent"}]}
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "user_exists"
    assert _user_row(db, email) is None
    assert db.execute("SELECT count(*) AS n FROM organization_members").fetchone() == {"n": 0}
    assert _cognito_user(email) is not None  # someone else's Cognito user is left alone
    assert _mail_to(email) == []


def test_an_invitation_that_ses_refuses_still_creates_the_user_and_says_so(
    people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = people.make(super_admin=True)
    email = _new_email()
    monkeypatch.setenv("SES_SENDER", "unverified-sender@example.com")
    get_settings.cache_clear()

    answer = people.post(root, "/users", {"email": email, "name": "Sam"})

    assert answer.status_code == 201
    assert answer.json()["invitationSent"] is False
    assert _user_row(db, email) is not None


def test_a_name_with_a_nul_character_is_400_and_creates_nobody(people: People) -> None:
    root = people.make(super_admin=True)
    email = _new_email()

    answer = people.post(root, "/users", {"email": email, "name": "NUL\u0000inside"})

    assert answer.status_code == 400
    assert _cognito_user(email) is None


def test_an_invalid_email_is_400(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, "/users", {"email": "not-an-email", "name": "Sam"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_the_same_organisation_twice_in_memberships_is_400(people: People, db: Db) -> None:
    acme = str(create_organization(db, name="Acme"))
    root = people.make(super_admin=True)

    answer = people.post(
        root,
        "/users",
        {
            "email": _new_email(),
            "name": "Sam",
            "memberships": [{"organizationId": acme, "role": "admin"}, {"organizationId": acme, "role": "agent"}],
        },
    )

    assert answer.status_code == 400


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_only_a_super_admin_creates_users(people: People, db: Db, role: str) -> None:
    acme = create_organization(db, name="Acme")
    person = people.make(admin_of=[acme]) if role == "admin" else people.make(agent_of=[acme])
    email = _new_email()

    answer = people.post(person, "/users", {"email": email, "name": "Sam"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert _cognito_user(email) is None


# --- Reading and changing users (super admin) ---


def test_a_super_admin_lists_users_a_page_at_a_time(people: People) -> None:
    root = people.make(super_admin=True)
    for _ in range(4):
        people.make()

    first = people.get(root, "/users", limit=2).json()
    second = people.get(root, "/users", limit=2, cursor=first["nextCursor"]).json()
    third = people.get(root, "/users", limit=2, cursor=second["nextCursor"]).json()

    emails = [u["email"] for page in (first, second, third) for u in page["items"]]
    assert len(emails) == 5
    assert emails == sorted(emails)
    assert third["nextCursor"] is None


def test_the_user_list_searches_email_and_name(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    person = people.make()
    db.execute("UPDATE users SET name = 'Zoë Marín' WHERE id = %s", (person.id,))

    by_name = people.get(root, "/users", search="marín").json()["items"]
    by_email = people.get(root, "/users", search=person.email[:12].upper()).json()["items"]

    assert [u["id"] for u in by_name] == [person.id]
    assert [u["id"] for u in by_email] == [person.id]


def test_a_cursor_this_api_did_not_make_is_400(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.get(root, "/users", cursor="%%%")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_cursor"


def test_a_super_admin_reads_a_user_with_its_memberships(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    agent = people.make(agent_of=[acme])

    answer = people.get(root, f"/users/{agent.id}")

    assert answer.status_code == 200
    assert answer.json()["memberships"] == [{"organizationId": str(acme), "organizationName": "Acme", "role": "agent"}]


def test_a_missing_user_is_404(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.get(root, "/users/no-such-user")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "user_not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/users"),
        ("get", "/users/{id}"),
        ("patch", "/users/{id}"),
        ("post", "/users/{id}/deactivate"),
        ("post", "/users/{id}/activate"),
        ("delete", "/users/{id}"),
    ],
)
def test_an_org_admin_may_not_use_the_user_routes(people: People, db: Db, method: str, path: str) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])
    url = path.format(id=agent.id)

    answer = people.client.request(method.upper(), f"/api/dashboard{url}", headers=admin.headers, json={})

    assert answer.status_code == 403
    assert db.execute("SELECT active FROM users WHERE id = %s", (agent.id,)).fetchone() == {"active": True}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/users"),
        ("get", "/users"),
        ("get", "/users/x"),
        ("patch", "/users/x"),
        ("post", "/users/x/deactivate"),
        ("post", "/users/x/activate"),
        ("delete", "/users/x"),
    ],
)
def test_every_user_route_is_401_without_a_token(people: People, method: str, path: str) -> None:
    answer = people.client.request(method.upper(), f"/api/dashboard{path}", json={})

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "missing_token"


def test_a_super_admin_changes_a_users_name_language_and_super_admin_standing(people: People) -> None:
    root = people.make(super_admin=True)
    person = people.make()

    answer = people.patch(root, f"/users/{person.id}", {"name": "Ana", "preferredLanguage": "es", "isSuperAdmin": True})

    assert answer.status_code == 200
    assert (answer.json()["name"], answer.json()["preferredLanguage"], answer.json()["isSuperAdmin"]) == (
        "Ana",
        "es",
        True,
    )
    assert people.get(person, "/me").json()["user"]["isSuperAdmin"] is True


def test_a_super_admin_cannot_remove_its_own_super_admin_standing(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.patch(root, f"/users/{root.id}", {"isSuperAdmin": False})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "own_account"


def test_an_unknown_field_in_a_user_update_is_400(people: People) -> None:
    root = people.make(super_admin=True)
    person = people.make()

    answer = people.patch(root, f"/users/{person.id}", {"email": "other@example.com"})

    assert answer.status_code == 400


def test_a_deactivated_user_can_neither_use_its_token_nor_sign_in(people: People) -> None:
    from tests.support.people import PASSWORD

    root = people.make(super_admin=True)
    person = people.make()

    answer = people.post(root, f"/users/{person.id}/deactivate")

    assert answer.status_code == 200
    assert answer.json()["active"] is False
    assert people.get(person, "/me").status_code == 401
    assert people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD}).status_code == 401
    cognito_user = _cognito_user(person.email)
    assert cognito_user is not None
    assert cognito_user["Enabled"] is False


def test_a_reactivated_user_signs_in_again(people: People) -> None:
    from tests.support.people import PASSWORD

    root = people.make(super_admin=True)
    person = people.make()
    people.post(root, f"/users/{person.id}/deactivate")
    time.sleep(1.1)  # tokens carry their issue time in whole seconds

    answer = people.post(root, f"/users/{person.id}/activate")

    assert answer.json()["active"] is True
    signed_in = people.post(None, "/auth/login", {"email": person.email, "password": PASSWORD})
    assert signed_in.status_code == 200
    fresh = {"Authorization": f"Bearer {signed_in.json()['accessToken']}"}
    assert people.client.get("/api/dashboard/me", headers=fresh).status_code == 200
    assert people.get(person, "/me").status_code == 401  # the token of before the deactivation stays revoked


@pytest.mark.parametrize(("method", "suffix"), [("post", "/deactivate"), ("delete", "")])
def test_a_super_admin_cannot_deactivate_or_delete_itself(people: People, method: str, suffix: str) -> None:
    root = people.make(super_admin=True)

    answer = people.client.request(method.upper(), f"/api/dashboard/users/{root.id}{suffix}", headers=root.headers)

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "own_account"


def test_deleting_a_user_removes_it_from_cognito_and_the_database(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    person = people.make(agent_of=[acme])

    answer = people.delete(root, f"/users/{person.id}")

    assert answer.status_code == 204
    assert _user_row(db, person.email) is None
    assert _cognito_user(person.email) is None
    assert db.execute("SELECT count(*) AS n FROM organization_members").fetchone() == {"n": 0}


def test_deleting_a_user_that_cognito_no_longer_knows_still_deletes_its_row(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    db.execute("INSERT INTO users (id, email, name) VALUES ('orphan', 'orphan@example.com', 'Orphan')")

    answer = people.delete(root, "/users/orphan")

    assert answer.status_code == 204
    assert _user_row(db, "orphan@example.com") is None


def test_deleting_a_missing_user_is_404(people: People) -> None:
    root = people.make(super_admin=True)

    assert people.delete(root, "/users/no-such-user").status_code == 404


# --- Members of an organisation ---


def test_an_org_admin_invites_an_existing_user_by_email_who_joins_on_accepting(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    person = people.make()

    answer = people.post(admin, f"/organizations/{acme}/members", {"email": person.email.upper(), "role": "agent"})

    assert answer.status_code == 202
    body = answer.json()
    assert (body["email"], body["role"], body["status"]) == (person.email, "agent", "pending")
    assert people.get(person, "/me").json()["organizations"] == []  # test_member_invitations.py: accepting


def test_an_existing_user_keeps_its_own_name_when_added(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    person = people.make()

    people.post(admin, f"/organizations/{acme}/members", {"email": person.email, "name": "Renamed", "role": "agent"})

    assert db.execute("SELECT name FROM users WHERE id = %s", (person.id,)).fetchone() == {
        "name": person.email.split("@")[0]
    }


def test_an_org_admin_invites_a_new_user_into_its_organisation(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme], language="es")
    email = _new_email()

    answer = people.post(admin, f"/organizations/{acme}/members", {"email": email, "name": "Luis", "role": "admin"})

    assert answer.status_code == 202
    body = answer.json()
    assert (body["email"], body["role"], body["status"], body["invitationSent"]) == (email, "admin", "pending", True)
    assert _cognito_user(email) is not None
    [mail] = _mail_to(email)
    assert mail.subject == "Te han invitado a ChatFlow360"  # the inviter's language, since none was given
    assert "Te invitan a unirte a Acme como administrador/a." in mail.body


def test_the_invited_users_language_may_be_chosen(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme], language="es")
    email = _new_email()

    people.post(admin, f"/organizations/{acme}/members", {"email": email, "role": "agent", "preferredLanguage": "en"})

    [mail] = _mail_to(email)
    assert "You are invited to join Acme as an agent." in mail.body


def test_adding_a_member_twice_is_409_already_member(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])

    answer = people.post(admin, f"/organizations/{acme}/members", {"email": agent.email, "role": "admin"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "already_member"


def test_an_org_admin_may_not_make_a_new_member_super_admin(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    email = _new_email()

    answer = people.post(
        admin, f"/organizations/{acme}/members", {"email": email, "role": "agent", "isSuperAdmin": True}
    )

    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": "forbidden_field",
        "message": "Only a super admin may change isSuperAdmin.",
    }
    assert _cognito_user(email) is None
    assert _user_row(db, email) is None


def test_an_org_admin_may_not_make_a_member_super_admin(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])

    answer = people.patch(admin, f"/organizations/{acme}/members/{agent.id}", {"role": "admin", "isSuperAdmin": True})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden_field"
    row = db.execute("SELECT is_super_admin FROM users WHERE id = %s", (agent.id,)).fetchone()
    assert row == {"is_super_admin": False}
    assert people.get(agent, "/me").json()["organizations"][0]["role"] == "agent"  # refused whole


def test_a_super_admin_may_make_a_member_super_admin(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    agent = people.make(agent_of=[acme])

    answer = people.patch(root, f"/organizations/{acme}/members/{agent.id}", {"isSuperAdmin": True})

    assert answer.status_code == 200
    assert people.get(agent, "/me").json()["user"]["isSuperAdmin"] is True


def test_an_agent_may_not_add_members(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])
    email = _new_email()

    answer = people.post(agent, f"/organizations/{acme}/members", {"email": email, "role": "agent"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert _cognito_user(email) is None


@pytest.mark.parametrize("action", ["patch", "delete"])
def test_an_agent_may_not_change_or_remove_members(people: People, db: Db, action: str) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])
    other = people.make(agent_of=[acme])
    path = f"/organizations/{acme}/members/{other.id}"

    answer = people.patch(agent, path, {"role": "admin"}) if action == "patch" else people.delete(agent, path)

    assert answer.status_code == 403


def test_admins_and_agents_list_their_organisations_members(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])
    people.make(agent_of=[create_organization(db, name="Beta")])

    as_admin = people.get(admin, f"/organizations/{acme}/members")
    as_agent = people.get(agent, f"/organizations/{acme}/members")

    assert as_admin.status_code == as_agent.status_code == 200
    assert as_admin.json() == as_agent.json()
    assert [(m["userId"], m["role"]) for m in as_admin.json()] == [(admin.id, "admin"), (agent.id, "agent")]


def test_a_super_admin_lists_the_members_of_any_organisation(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])
    root = people.make(super_admin=True)

    answer = people.get(root, f"/organizations/{acme}/members")

    assert [m["userId"] for m in answer.json()] == [agent.id]


@pytest.mark.parametrize("action", ["list", "add", "change", "remove"])
def test_an_admin_of_another_organisation_gets_404_like_a_missing_one(people: People, db: Db, action: str) -> None:
    beta = create_organization(db, name="Beta")
    member_of_beta = people.make(admin_of=[beta])
    outsider = people.make(admin_of=[create_organization(db, name="Gamma")])

    def call(organization_id: UUID) -> Any:
        path = f"/organizations/{organization_id}/members"
        if action == "list":
            return people.get(outsider, path)
        if action == "add":
            return people.post(outsider, path, {"email": _new_email(), "role": "agent"})
        if action == "change":
            return people.patch(outsider, f"{path}/{member_of_beta.id}", {"role": "agent"})
        return people.delete(outsider, f"{path}/{member_of_beta.id}")

    other, missing = call(beta), call(uuid4())

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert people.get(member_of_beta, "/me").json()["organizations"][0]["role"] == "admin"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", ""), ("patch", "/someone"), ("delete", "/someone")],
)
def test_every_member_route_is_401_without_a_token(people: People, db: Db, method: str, path: str) -> None:
    acme = create_organization(db, name="Acme")

    answer = people.client.request(
        method.upper(), f"/api/dashboard/organizations/{acme}/members{path}", json={"email": "a@example.com"}
    )

    assert answer.status_code == 401


def test_an_org_admin_changes_a_members_role(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])

    answer = people.patch(admin, f"/organizations/{acme}/members/{agent.id}", {"role": "admin"})

    assert answer.status_code == 200
    assert answer.json()["role"] == "admin"
    assert people.get(agent, "/me").json()["organizations"][0]["role"] == "admin"


def test_changing_the_role_of_someone_who_is_not_a_member_is_404(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    stranger = people.make(agent_of=[create_organization(db, name="Beta")])

    answer = people.patch(admin, f"/organizations/{acme}/members/{stranger.id}", {"role": "admin"})

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "member_not_found"


def test_the_last_admin_cannot_be_made_an_agent(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    people.make(agent_of=[acme])

    answer = people.patch(admin, f"/organizations/{acme}/members/{admin.id}", {"role": "agent"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "last_admin"


def test_the_last_admin_cannot_be_removed(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    root = people.make(super_admin=True)

    answer = people.delete(root, f"/organizations/{acme}/members/{admin.id}")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "last_admin"


def test_an_admin_may_leave_when_another_admin_remains(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    people.make(admin_of=[acme])

    answer = people.delete(admin, f"/organizations/{acme}/members/{admin.id}")

    assert answer.status_code == 204
    assert people.get(admin, "/me").json()["organizations"] == []


def test_removing_a_member_keeps_its_account(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])

    answer = people.delete(admin, f"/organizations/{acme}/members/{agent.id}")

    assert answer.status_code == 204
    assert [m["userId"] for m in people.get(admin, f"/organizations/{acme}/members").json()] == [admin.id]
    assert _user_row(db, agent.email) is not None
    assert people.get(agent, f"/organizations/{acme}").status_code == 404


def test_two_admins_removing_each_other_at_once_leave_one_admin(db: Db, database_url: str) -> None:
    outcomes: list[str] = []
    organizations = [create_organization(db, name=f"Org {n}") for n in range(5)]  # five tries at the race
    for n, organization_id in enumerate(organizations):
        for who in ("a", "b"):
            db.execute("INSERT INTO users (id, email) VALUES (%s, %s)", (f"{who}{n}", f"{who}{n}@example.com"))
            db.execute(
                "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, 'admin')",
                (organization_id, f"{who}{n}"),
            )

    def remove(organization_id: UUID, user_id: str, barrier: threading.Barrier) -> None:
        with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
            barrier.wait()
            try:
                remove_member(conn, admin_of(organization_id), organization_id, user_id)
                outcomes.append("removed")
            except LastAdmin as exc:
                outcomes.append(exc.code)

    for n, organization_id in enumerate(organizations):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=remove, args=(organization_id, f"{w}{n}", barrier)) for w in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert sorted(outcomes) == ["last_admin"] * 5 + ["removed"] * 5
    admins = db.execute("SELECT organization_id, count(*) AS n FROM organization_members GROUP BY 1").fetchall()
    assert sorted(a["n"] for a in admins) == [1] * 5
