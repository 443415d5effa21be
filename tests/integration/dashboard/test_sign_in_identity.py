"""Sign-in identifies the user only from what Cognito returned, never from an email in the body
(issue #23, item 1). moto is no identity provider: its NEW_PASSWORD_REQUIRED answer sets the password
of whichever USERNAME it is sent, so the session a sign-in hands out must carry the account it was
issued for."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import boto3
import psycopg

from chatflow.settings import get_settings
from tests.support.people import PASSWORD, People

Db = psycopg.Connection[dict[str, Any]]

TEMPORARY = "Temp-passw0rd!"


def _pending_user(db: Db) -> str:
    """An invited user who has not yet chosen a password: Cognito asks for a new one."""
    email = f"pending-{uuid4().hex[:10]}@example.com"
    settings = get_settings()
    cognito: Any = boto3.client("cognito-idp")
    user = cognito.admin_create_user(
        UserPoolId=settings.cognito_user_pool_id,
        Username=email,
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}],
    )["User"]
    cognito.admin_set_user_password(
        UserPoolId=settings.cognito_user_pool_id, Username=email, Password=TEMPORARY, Permanent=False
    )
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    db.execute("INSERT INTO users (id, email, name) VALUES (%s, %s, 'Pending')", (sub, email))
    return email


def test_a_pending_invitations_session_cannot_take_over_another_account(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    pending = _pending_user(db)
    challenge = people.post(None, "/auth/login", {"email": pending, "password": TEMPORARY}).json()

    answer = people.post(
        None,
        "/auth/new-password",
        {"email": root.email, "session": challenge["session"], "newPassword": "Attacker-passw0rd!"},
    )

    assert answer.status_code == 401
    assert "accessToken" not in answer.json()
    assert db.execute("SELECT id FROM users WHERE email = %s", (root.email,)).fetchone() == {"id": root.id}
    still = people.post(None, "/auth/login", {"email": root.email, "password": PASSWORD})
    assert still.status_code == 200


def test_a_pending_user_sets_a_password_and_is_linked_by_what_cognito_returned(people: People, db: Db) -> None:
    pending = _pending_user(db)
    db.execute("UPDATE users SET id = 'stale-sub' WHERE email = %s", (pending,))
    challenge = people.post(None, "/auth/login", {"email": pending, "password": TEMPORARY}).json()

    answer = people.post(
        None,
        "/auth/new-password",
        {"email": pending.upper(), "session": challenge["session"], "newPassword": "Chosen-passw0rd!"},
    )

    assert answer.status_code == 200
    assert answer.json()["accessToken"]
    row = db.execute("SELECT id FROM users WHERE email = %s", (pending,)).fetchone()
    assert row is not None
    assert row["id"] != "stale-sub"
