"""Demo data for the local stack, safe to apply on every start.

The database outlives the stack (it lives in .local/), so the demo organisation and its channel are
created once and found again by name: the demo's public key stays the same from one start to the
next. moto's Cognito, on the other hand, is new on every start and hands the super admin a new
`sub`; the existing users row is relinked to it (references to users cascade on update).
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.access import Caller, load_caller
from chatflow.channels import create_channel
from chatflow.db import Connection, connection
from chatflow.organizations import create_organization

__all__ = ["DEMO_CHANNEL_NAME", "DEMO_ORGANIZATION_NAME", "Demo", "seed"]

DEMO_ORGANIZATION_NAME = "Demo Coffee Co."
DEMO_CHANNEL_NAME = "Website"

_DEMO_PROMPT = """\
You are the assistant of Demo Coffee Co., a small neighbourhood coffee shop at 12 Harbour Street.
Answer in the visitor's language (English or Spanish), in two or three friendly sentences.
Opening hours: Monday to Friday 7:00-19:00; Saturday and Sunday 8:00-16:00.
Prices: espresso $2.50, cappuccino or latte $4.00, cold brew $4.50, croissant $3.00,
a 340 g bag of our house beans $14.00. Oat or almond milk is $0.50 extra.
We have free Wi-Fi and take pick-up orders by phone at (555) 010-2040.
If you do not know something, say so and offer to put the visitor in touch with a person from the team."""

# Any constant of ours; serialises two stacks seeding one shared database (DATABASE_URL).
_SEED_LOCK_ID = 0x6366736565


@dataclass(frozen=True, slots=True)
class Demo:
    organization_id: UUID
    channel_id: UUID
    public_key: UUID


def seed(*, admin_email: str, admin_sub: str) -> Demo:
    """The super admin's row, linked to this start's Cognito sub, and the demo organisation and
    channel (created if missing, by that super admin)."""
    with connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SEED_LOCK_ID,))
        _link_super_admin(conn, email=admin_email, sub=admin_sub)
        organization_id = _demo_organization(conn)
        channel_id, public_key = _demo_channel(conn, load_caller(conn, admin_sub), organization_id)
    return Demo(organization_id=organization_id, channel_id=channel_id, public_key=public_key)


def _demo_organization(conn: Connection) -> UUID:
    row = conn.execute(
        "SELECT id FROM organizations WHERE name = %s ORDER BY created_at LIMIT 1", (DEMO_ORGANIZATION_NAME,)
    ).fetchone()
    if row is not None:
        found: UUID = row["id"]
        return found
    return create_organization(conn, name=DEMO_ORGANIZATION_NAME, plan="pro", system_prompt=_DEMO_PROMPT)


def _demo_channel(conn: Connection, super_admin: Caller, organization_id: UUID) -> tuple[UUID, UUID]:
    row = conn.execute(
        "SELECT id, public_key FROM channels WHERE organization_id = %s AND name = %s ORDER BY created_at LIMIT 1",
        (organization_id, DEMO_CHANNEL_NAME),
    ).fetchone()
    if row is not None:
        return row["id"], row["public_key"]
    channel = create_channel(conn, super_admin, organization_id, name=DEMO_CHANNEL_NAME)
    return channel.id, channel.public_key


def _link_super_admin(conn: Connection, *, email: str, sub: str) -> None:
    conn.execute(
        """
        INSERT INTO users (id, email, name, is_super_admin)
        VALUES (%(sub)s, %(email)s, 'Super Admin', true)
        ON CONFLICT ((lower(email))) DO UPDATE
            SET id = excluded.id, is_super_admin = true, active = true, updated_at = now()
        """,
        {"sub": sub, "email": email},
    )
