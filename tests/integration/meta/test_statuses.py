"""Meta's statuses of our messages (sent, delivered, read, failed): the delivery state moves forward
only, whatever order they come in; one that comes before we recorded our send is kept and applied."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import psycopg

from infra.local.fake_meta import FakeMeta
from tests.integration.meta.test_inbound_webhooks import PHONE, SECRET_A, _connected
from tests.integration.meta.test_outbound import CUSTOMER
from tests.support.meta_webhooks import MetaSender, whatsapp_status, whatsapp_text

Db = psycopg.Connection[dict[str, Any]]


def _whatsapp(db: Db) -> UUID:
    return _connected(db, name="Brisa", kind="whatsapp", account_id=PHONE, app_secret=SECRET_A, verify="brisa-verify")


def _state(db: Db) -> dict[str, Any] | None:
    return db.execute("SELECT status, error_code FROM meta_deliveries").fetchone()


def test_statuses_move_the_delivery_forward_and_never_back(fake_meta: FakeMeta, db: Db) -> None:
    _whatsapp(db)
    sender = MetaSender("whatsapp", SECRET_A)
    sender.post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.IN"))
    events_before = db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'conversation.updated'").fetchone()

    seen = []
    for status in ("delivered", "read", "delivered", "sent"):
        sender.post(whatsapp_status(PHONE, "wamid.FAKE000001", status, CUSTOMER))
        seen.append(_state(db))

    assert [s["status"] for s in seen if s] == ["delivered", "read", "read", "read"]
    events_after = db.execute("SELECT count(*) AS n FROM outbox WHERE type = 'conversation.updated'").fetchone()
    assert events_before is not None
    assert events_after is not None
    assert events_after["n"] - events_before["n"] == 2  # the inbox is told of each change, not of the others


def test_a_failed_status_keeps_metas_code(fake_meta: FakeMeta, db: Db) -> None:
    _whatsapp(db)
    sender = MetaSender("whatsapp", SECRET_A)
    sender.post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.IN"))
    failed = whatsapp_status(PHONE, "wamid.FAKE000001", "failed", CUSTOMER)
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [{"code": 131026, "title": "Undeliverable"}]

    sender.post(failed)

    assert _state(db) == {"status": "failed", "error_code": 131026}


def test_a_status_before_its_send_is_recorded_is_applied_when_it_is(fake_meta: FakeMeta, db: Db) -> None:
    channel_id = _whatsapp(db)
    # Meta's status for the id our send is about to get, before the send is recorded.
    MetaSender("whatsapp", SECRET_A).post(whatsapp_status(PHONE, "wamid.FAKE000001", "delivered", CUSTOMER))
    assert _state(db) is None
    assert db.execute(
        "SELECT count(*) AS n FROM meta_status_backlog WHERE channel_id = %s", (channel_id,)
    ).fetchone() == {"n": 1}

    MetaSender("whatsapp", SECRET_A).post(whatsapp_text(PHONE, CUSTOMER, "hello", wamid="wamid.IN"))

    assert _state(db) == {"status": "delivered", "error_code": None}
    assert db.execute("SELECT count(*) AS n FROM meta_status_backlog").fetchone() == {"n": 0}
