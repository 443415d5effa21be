"""The second wall: inside a dashboard transaction, even a query that forgets its scope sees only the
caller's organisations."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from chatflow.access import Caller, scoped_connection
from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.support.callers import super_admin

Db = psycopg.Connection[dict[str, Any]]


def _caller(*organizations: UUID, super_admin: bool = False) -> Caller:
    return Caller(
        user_id="u",
        email="u@example.com",
        name="u",
        is_super_admin=super_admin,
        preferred_language="en",
        memberships=dict.fromkeys(organizations, "agent"),
    )


def _seed(db: Db) -> tuple[UUID, UUID]:
    acme = create_organization(db, name="Acme")
    beta = create_organization(db, name="Beta")
    for org in (acme, beta):
        channel = create_channel(db, super_admin(), org, name="Web")
        db.execute(
            "INSERT INTO conversations (channel_id, organization_id, visitor_id) VALUES (%s, %s, gen_random_uuid())",
            (channel.id, org),
        )
    return acme, beta


def test_an_unscoped_query_returns_only_the_callers_rows(db: Db) -> None:
    acme, _ = _seed(db)

    with scoped_connection(_caller(acme)) as conn:
        rows = conn.execute("SELECT organization_id FROM conversations").fetchall()  # no WHERE, on purpose
        organizations = conn.execute("SELECT id FROM organizations").fetchall()

    assert [r["organization_id"] for r in rows] == [acme]
    assert [r["id"] for r in organizations] == [acme]


def test_a_caller_cannot_write_into_another_organisation(db: Db) -> None:
    acme, beta = _seed(db)

    with scoped_connection(_caller(acme)) as conn:
        updated = conn.execute("UPDATE channels SET name = 'hacked' WHERE organization_id = %s", (beta,)).rowcount

    assert updated == 0
    assert db.execute("SELECT count(*) AS n FROM channels WHERE name = 'hacked'").fetchone() == {"n": 0}


def test_a_caller_with_no_organisation_sees_nothing(db: Db) -> None:
    _seed(db)

    with scoped_connection(_caller()) as conn:
        assert conn.execute("SELECT count(*) AS n FROM conversations").fetchone() == {"n": 0}


def test_a_super_admin_sees_every_organisation(db: Db) -> None:
    _seed(db)

    with scoped_connection(_caller(super_admin=True)) as conn:
        assert conn.execute("SELECT count(*) AS n FROM conversations").fetchone() == {"n": 2}


def test_the_scope_ends_with_the_transaction(db: Db) -> None:
    acme, _ = _seed(db)

    with scoped_connection(_caller(acme)):
        pass
    from chatflow.db import connection

    with connection() as conn:  # the same pooled connection, back to the owner's view
        assert conn.execute("SELECT count(*) AS n FROM conversations").fetchone() == {"n": 2}
