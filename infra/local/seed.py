"""Demo data for the local stack, safe to apply on every start.

The database outlives the stack (it lives in .local/), so the demo organisation and its channel are
created once and found again by name: the demo's public key stays the same from one start to the
next. moto's Cognito, on the other hand, is new on every start and hands the super admin a new
`sub`; the existing users row is relinked to it (references to users cascade on update).

A new demo organisation also gets the coffee shop's facts as knowledge entries, in English and in
Spanish, queued for ingestion like any entry made in the dashboard: the offline demo answers from the
knowledge alone, so without them it could answer nothing, not even the README's "Try it" question.
They are made once, with the organisation, so that an entry an operator deletes stays deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from chatflow.access import Caller, load_caller
from chatflow.channels import create_channel
from chatflow.db import Connection, connection
from chatflow.knowledge.service import EntryInput, create_entry, enqueue_many
from chatflow.organizations import create_organization
from chatflow.settings import get_settings

__all__ = ["DEMO_CHANNEL_NAME", "DEMO_KNOWLEDGE", "DEMO_ORGANIZATION_NAME", "Demo", "seed"]

DEMO_ORGANIZATION_NAME = "Demo Coffee Co."
DEMO_CHANNEL_NAME = "Website"

_DEMO_PROMPT = """\
You are the assistant of Demo Coffee Co., a small neighbourhood coffee shop at 12 Harbour Street.
Answer in the visitor's language (English or Spanish), in two or three friendly sentences, from what
the shop's knowledge says.
If you do not know something, say so and offer to put the visitor in touch with a person from the team."""

# (title, content): the shop's facts, one topic an entry, in both languages its visitors write in.
DEMO_KNOWLEDGE: tuple[tuple[str, str], ...] = (
    ("Opening hours", "We are open Monday to Friday from 7:00 to 19:00, and Saturday and Sunday from 8:00 to 16:00."),
    (
        "Menu and prices",
        "Espresso $2.50. Cappuccino or latte $4.00. Cold brew $4.50. Croissant $3.00. A 340 g bag of our house "
        "beans $14.00. Oat or almond milk is $0.50 extra.",
    ),
    (
        "Wi-Fi, pick-up orders and address",
        "We are at 12 Harbour Street. Wi-Fi is free for customers. Pick-up orders by phone at (555) 010-2040.",
    ),
    (
        "Horario de apertura",
        "¿A qué hora abrimos? De lunes a viernes, de 7:00 a 19:00; los sábados y los domingos, de 8:00 a 16:00.",
    ),
    (
        "Carta y precios",
        "Espresso 2,50 $. Capuchino o latte 4,00 $. Cold brew 4,50 $. Croissant 3,00 $. Una bolsa de 340 g de "
        "nuestro café de la casa 14,00 $. La leche de avena o de almendra cuesta 0,50 $ más.",
    ),
    (
        "Wi-Fi, pedidos para recoger y dirección",
        "Estamos en 12 Harbour Street. El Wi-Fi es gratis para los clientes. Pedidos para recoger por teléfono "
        "al (555) 010-2040.",
    ),
)

# Any constant of ours; serialises two stacks seeding one shared database (DATABASE_URL).
_SEED_LOCK_ID = 0x6366736565


@dataclass(frozen=True, slots=True)
class Demo:
    organization_id: UUID
    channel_id: UUID
    public_key: UUID


def seed(*, admin_email: str, admin_sub: str) -> Demo:
    """The super admin's row, linked to this start's Cognito sub, and the demo organisation and
    channel (created if missing, by that super admin; a new organisation with its knowledge)."""
    knowledge: list[UUID] = []
    with connection() as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SEED_LOCK_ID,))
        _link_super_admin(conn, email=admin_email, sub=admin_sub)
        super_admin = load_caller(conn, admin_sub)
        organization_id, created = _demo_organization(conn)
        channel_id, public_key = _demo_channel(conn, super_admin, organization_id)
        if created:
            knowledge = _demo_knowledge(conn, super_admin, organization_id)
    enqueue_many(knowledge, get_settings())  # once committed, as the dashboard's API does
    return Demo(organization_id=organization_id, channel_id=channel_id, public_key=public_key)


def _demo_organization(conn: Connection) -> tuple[UUID, bool]:
    """The demo organisation's id, and whether this call created it."""
    row = conn.execute(
        "SELECT id FROM organizations WHERE name = %s ORDER BY created_at LIMIT 1", (DEMO_ORGANIZATION_NAME,)
    ).fetchone()
    if row is not None:
        return row["id"], False
    return create_organization(conn, name=DEMO_ORGANIZATION_NAME, plan="pro", system_prompt=_DEMO_PROMPT), True


def _demo_knowledge(conn: Connection, super_admin: Caller, organization_id: UUID) -> list[UUID]:
    settings = get_settings()
    return [
        create_entry(conn, super_admin, organization_id, EntryInput(title=title, content=content), settings).id
        for title, content in DEMO_KNOWLEDGE
    ]


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
