"""Retention per organisation (issue #23, the data lifecycle): conversations (their messages and the
visitor's data with them) older than the organisation's retention are deleted by the scheduled job,
in batches, with a count in the logs and an audit entry per run; usage figures stay. Off by default."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.cleanup import delete_expired_conversations
from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _conversation(tenant: Tenant, db: Db, days_ago: int) -> UUID:
    conversation = UUID(WidgetClient(tenant.public_key, uuid4()).post("Hello").body["conversationId"])
    db.execute(
        "UPDATE conversations SET last_message_at = now() - make_interval(days => %s), "
        "created_at = now() - make_interval(days => %s) WHERE id = %s",
        (days_ago, days_ago, conversation),
    )
    return conversation


def _exists(db: Db, conversation: UUID) -> bool:
    return db.execute("SELECT 1 FROM conversations WHERE id = %s", (conversation,)).fetchone() is not None


def test_an_admin_sets_the_retention_and_the_job_deletes_what_is_older(
    people: People, tenant: Tenant, db: Db, caplog: pytest.LogCaptureFixture
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    old, recent = _conversation(tenant, db, 40), _conversation(tenant, db, 5)
    usage_before = db.execute("SELECT conversations FROM usage_tracking").fetchall()

    answer = people.put(admin, f"/organizations/{tenant.organization_id}/retention", {"days": 30})
    deleted = delete_expired_conversations(batch_size=1)

    assert answer.status_code == 200
    assert answer.json() == {"days": 30}
    assert deleted == 1
    assert (_exists(db, old), _exists(db, recent)) == (False, True)
    assert db.execute("SELECT count(*) AS n FROM messages WHERE conversation_id = %s", (old,)).fetchone() == {"n": 0}
    assert db.execute("SELECT conversations FROM usage_tracking").fetchall() == usage_before
    actions = [r["action"] for r in db.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions[-2:] == ["retention.changed", "retention.ran"]


def test_without_a_retention_nothing_is_deleted(tenant: Tenant, db: Db) -> None:
    old = _conversation(tenant, db, 4000)

    assert delete_expired_conversations() == 0
    assert _exists(db, old)


@pytest.mark.parametrize("days", [0, -1, 36_501])
def test_a_retention_out_of_bounds_is_400(people: People, tenant: Tenant, days: int) -> None:
    admin = people.make(admin_of=[tenant.organization_id])

    answer = people.put(admin, f"/organizations/{tenant.organization_id}/retention", {"days": days})

    assert answer.status_code == 400


def test_an_agent_may_not_change_the_retention(people: People, tenant: Tenant) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    answer = people.put(agent, f"/organizations/{tenant.organization_id}/retention", {"days": 30})

    assert answer.status_code == 403


def test_the_job_deletes_the_webhook_deliveries_about_what_it_deletes(
    people: People, tenant: Tenant, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chatflow.settings import get_settings
    from tests.support.webhook_receiver import WebhookReceiver

    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE_URLS", "true")  # the local stack's rule: a receiver on loopback
    get_settings.cache_clear()
    receiver = WebhookReceiver()
    try:
        admin = people.make(admin_of=[tenant.organization_id])
        hook = people.post(
            admin,
            f"/organizations/{tenant.organization_id}/webhooks",
            {"url": receiver.url, "events": ["message.created"]},
        )
        receiver.secrets.append(hook.json()["secret"])
        old, recent = _conversation(tenant, db, 40), _conversation(tenant, db, 5)
        people.put(admin, f"/organizations/{tenant.organization_id}/retention", {"days": 30})

        delete_expired_conversations()
    finally:
        receiver.close()

    about = [r["body"] for r in db.execute("SELECT body FROM webhook_deliveries")]
    assert not any(str(old) in body for body in about)
    assert any(str(recent) in body for body in about)
