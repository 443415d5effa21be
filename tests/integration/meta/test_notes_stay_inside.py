"""A private note on a WhatsApp conversation never goes out through Meta's Graph API (issue #18, item 2)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from chatflow import notes, outbox
from chatflow.listeners import LISTENERS
from infra.local.fake_meta import FakeMeta
from tests.integration.meta.test_inbound_webhooks import PHONE, SECRET_A, _connected
from tests.support.callers import admin_of
from tests.support.meta_webhooks import MetaSender, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]
CUSTOMER = "13055551234"


def test_a_note_on_a_whatsapp_conversation_is_never_sent_to_the_customer(fake_meta: FakeMeta, db: Db) -> None:
    channel = _connected(
        db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify"
    )
    row = db.execute("SELECT organization_id FROM channels WHERE id = %s", (channel,)).fetchone()
    assert row is not None
    organization: UUID = row["organization_id"]
    db.execute("INSERT INTO users (id, email, name) VALUES ('agent-ana', 'ana@brisa.test', 'Ana')")
    db.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, 'agent-ana', 'admin')",
        (organization,),
    )
    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "I want a human", wamid="wamid.N1"))
    conversation = db.execute("SELECT id FROM conversations").fetchone()
    assert conversation is not None
    sent_before = len(fake_meta.sent_to(PHONE))

    notes.add_note(admin_of(organization, user_id="agent-ana"), conversation["id"], "PRIVATE: refund approved")
    events = [r["id"] for r in db.execute("SELECT id FROM outbox WHERE type = 'note.created'").fetchall()]
    db.execute("DELETE FROM listener_runs")  # and once more, every listener, as a redelivery would
    outbox.dispatch(events, LISTENERS)

    assert len(events) == 1
    assert len(fake_meta.sent_to(PHONE)) == sent_before
    assert all("PRIVATE" not in str(s.body) for s in fake_meta.sent_to(PHONE))
