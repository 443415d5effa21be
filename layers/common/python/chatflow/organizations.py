"""Organisations: creation with the defaults every tenant starts from (with a first channel, for
seeding), and the tenants as the dashboard's callers read and change them. Super admins create,
change and delete organisations; their members read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound
from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS
from chatflow.vocabulary import Plan

__all__ = [
    "DEFAULT_MODEL",
    "NewChannel",
    "Organization",
    "add_organization",
    "create_channel",
    "create_organization",
    "delete_organization",
    "get_organization",
    "list_organizations",
    "update_organization",
]

DEFAULT_MODEL = "gpt-4o-mini"


@dataclass(frozen=True, slots=True)
class NewChannel:
    id: UUID
    public_key: UUID


def create_organization(conn: Connection, *, name: str, plan: Plan = "starter", system_prompt: str = "") -> UUID:
    """An organisation with its ai_settings: gpt-4o-mini and the 19 default handoff keywords. No
    caller: for seeding and scripts; the dashboard's callers go through add_organization."""
    row = conn.execute(
        """
        WITH org AS (INSERT INTO organizations (name, plan) VALUES (%(name)s, %(plan)s) RETURNING id)
        INSERT INTO ai_settings (organization_id, model, system_prompt, handoff_keywords)
        SELECT id, %(model)s, %(system_prompt)s, %(keywords)s FROM org
        RETURNING organization_id
        """,
        {
            "name": name,
            "plan": plan,
            "model": DEFAULT_MODEL,
            "system_prompt": system_prompt,
            "keywords": list(DEFAULT_HANDOFF_KEYWORDS),
        },
    ).fetchone()
    assert row is not None
    organization_id: UUID = row["organization_id"]
    return organization_id


def create_channel(
    conn: Connection,
    *,
    organization_id: UUID,
    name: str,
    system_prompt: str | None = None,
    handoff_enabled: bool = True,
    handoff_keywords: list[str] | None = None,
    allowed_origins: list[str] | None = None,
) -> NewChannel:
    row = conn.execute(
        """
        INSERT INTO channels (organization_id, name, system_prompt, handoff_enabled, handoff_keywords, allowed_origins)
        VALUES (%(org)s, %(name)s, %(system_prompt)s, %(handoff_enabled)s, %(handoff_keywords)s, %(allowed_origins)s)
        RETURNING id, public_key
        """,
        {
            "org": organization_id,
            "name": name,
            "system_prompt": system_prompt,
            "handoff_enabled": handoff_enabled,
            "handoff_keywords": handoff_keywords,
            "allowed_origins": allowed_origins or [],
        },
    ).fetchone()
    assert row is not None
    return NewChannel(id=row["id"], public_key=row["public_key"])


@dataclass(frozen=True, slots=True)
class Organization:
    id: UUID
    name: str
    plan: Plan
    active: bool
    created_at: datetime
    updated_at: datetime


_COLUMNS = "id, name, plan, active, created_at, updated_at"


def list_organizations(conn: Connection, caller: Caller) -> list[Organization]:
    """The organisations the caller belongs to (every one for a super admin), by name."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM organizations WHERE %(ids)s::uuid[] IS NULL OR id = ANY(%(ids)s) ORDER BY lower(name)",
        {"ids": caller.scope},
    ).fetchall()
    return [Organization(**row) for row in rows]


def add_organization(conn: Connection, caller: Caller, *, name: str, plan: Plan) -> Organization:
    """Super admin: a new organisation with create_organization's defaults."""
    caller.require_super_admin()
    return _get(conn, create_organization(conn, name=name, plan=plan))


def get_organization(conn: Connection, caller: Caller, organization_id: UUID) -> Organization:
    """Its members and super admins."""
    caller.require_member(organization_id)
    return _get(conn, organization_id)


def _get(conn: Connection, organization_id: UUID) -> Organization:
    row = conn.execute(f"SELECT {_COLUMNS} FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    if row is None:
        raise OrganizationNotFound()
    return Organization(**row)


def update_organization(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    name: str | None,
    plan: Plan | None,
    active: bool | None,
) -> Organization:
    """Super admin: rename, change plan, activate or deactivate (a member who is not one is told
    NotAllowed, anyone else that there is no such organisation)."""
    caller.require_member(organization_id)
    caller.require_super_admin()
    row = conn.execute(
        f"""
        UPDATE organizations SET name = coalesce(%(name)s, name), plan = coalesce(%(plan)s, plan),
               active = coalesce(%(active)s, active), updated_at = now()
        WHERE id = %(id)s RETURNING {_COLUMNS}
        """,
        {"id": organization_id, "name": name, "plan": plan, "active": active},
    ).fetchone()
    if row is None:
        raise OrganizationNotFound()
    return Organization(**row)


def delete_organization(conn: Connection, caller: Caller, organization_id: UUID) -> None:
    """Super admin: deletes the organisation and, by cascade, its channels, conversations, knowledge
    and usage."""
    caller.require_super_admin()
    if conn.execute("DELETE FROM organizations WHERE id = %s", (organization_id,)).rowcount == 0:
        raise OrganizationNotFound()
