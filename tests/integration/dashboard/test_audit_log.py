"""The audit log (issue #23, the data lifecycle): operators' actions recorded per organisation,
visible to its admins, and append-only in PostgreSQL itself, for every role the application uses."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow.organizations import create_organization
from tests.support.people import PASSWORD, People

Db = psycopg.Connection[dict[str, Any]]


def test_an_invitation_and_a_role_change_are_recorded_for_the_organisations_admins(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    agent = people.make(agent_of=[acme])

    email = f"new-{uuid4().hex[:10]}@example.com"
    people.post(admin, f"/organizations/{acme}/members", {"email": email, "role": "agent"})
    people.patch(admin, f"/organizations/{acme}/members/{agent.id}", {"role": "admin"})

    entries = people.get(admin, f"/organizations/{acme}/audit").json()
    assert [(e["action"], e["actorEmail"], e["target"]) for e in entries] == [
        ("member.role_changed", admin.email, agent.id),
        ("invitation.created", admin.email, email),
    ]
    assert entries[0]["details"] == {"role": "admin"}


def test_agents_and_other_organisations_do_not_read_it(people: People, db: Db) -> None:
    acme, other = create_organization(db, name="Acme"), create_organization(db, name="Other")
    agent = people.make(agent_of=[acme])
    stranger = people.make(admin_of=[other])

    assert people.get(agent, f"/organizations/{acme}/audit").status_code == 403
    assert people.get(stranger, f"/organizations/{acme}/audit").status_code == 404


def test_a_sign_in_is_recorded(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    people.post(None, "/auth/login", {"email": admin.email, "password": PASSWORD})

    actions = [r["action"] for r in db.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]

    assert "auth.signed_in" in actions


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET action = 'x.y'", "DELETE FROM audit_log", "TRUNCATE audit_log"],
    ids=["update", "delete", "truncate"],
)
def test_the_log_is_append_only_even_to_the_tables_owner(people: People, db: Db, statement: str) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    people.post(
        admin, f"/organizations/{acme}/members", {"email": f"new-{uuid4().hex[:10]}@example.com", "role": "agent"}
    )

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute(statement)

    assert db.execute("SELECT count(*) AS n FROM audit_log").fetchone() == {"n": 1}


def _recorded(db: Db, organization_id: Any, action: str, email: str, at: str) -> None:
    db.execute(
        "INSERT INTO audit_log (organization_id, actor_email, action, at) VALUES (%s, %s, %s, %s)",
        (organization_id, email, action, at),
    )


def test_an_admin_filters_the_log_by_action_area_actor_and_days(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    _recorded(db, acme, "visitor.erased", "ana@acme.example", "2026-03-01T10:00:00Z")
    _recorded(db, acme, "visitor.exported", "bo@acme.example", "2026-03-02T10:00:00Z")
    _recorded(db, acme, "member.removed", "ana@acme.example", "2026-03-03T10:00:00Z")
    path = f"/organizations/{acme}/audit"

    def actions(**query: str) -> list[str]:
        answer = people.get(admin, path, **query)
        assert answer.status_code == 200, answer.text
        return [e["action"] for e in answer.json()]

    assert actions(action="visitor.erased") == ["visitor.erased"]
    assert actions(action="visitor") == ["visitor.exported", "visitor.erased"]
    assert actions(actor="ANA@") == ["member.removed", "visitor.erased"]
    assert actions(**{"from": "2026-03-02", "to": "2026-03-02"}) == ["visitor.exported"]
    assert actions(actor="%") == []  # a wildcard is a character like any other


@pytest.mark.parametrize(
    "query", [{"action": "visitor%"}, {"from": "9999-12-31"}, {"to": "tomorrow"}, {"actor": "x" * 201}], ids=range(4)
)
def test_a_filter_that_is_not_one_is_refused_with_400(people: People, db: Db, query: dict[str, str]) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.get(admin, f"/organizations/{acme}/audit", **query)

    assert answer.status_code == 400
