"""An inactive organisation is read-only to its members, and spends no AI or embedding money
(issue #23, item 7): they may still read (to export), never write; its preview and knowledge
ingestion refuse for everyone, super admins included; a super admin reactivates it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.db import connection
from chatflow.knowledge.service import ingest
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def inactive(tenant: Tenant, db: Db) -> Tenant:
    db.execute("UPDATE organizations SET active = false WHERE id = %s", (tenant.organization_id,))
    return tenant


def _conversation(db: Db, tenant: Tenant) -> UUID:
    db.execute("UPDATE organizations SET active = true WHERE id = %s", (tenant.organization_id,))
    conversation = UUID(WidgetClient(tenant.public_key, uuid4()).post("Hello").body["conversationId"])
    db.execute("UPDATE organizations SET active = false WHERE id = %s", (tenant.organization_id,))
    return conversation


def _refused(answer: Any) -> bool:
    return bool(answer.status_code == 409 and answer.json()["error"]["code"] == "organization_inactive")


def test_its_admin_reads_but_writes_nothing(people: People, inactive: Tenant) -> None:
    org = inactive.organization_id
    admin = people.make(admin_of=[org])

    assert people.get(admin, "/conversations", organizationId=str(org)).status_code == 200
    assert people.get(admin, f"/organizations/{org}/knowledge").status_code == 200
    assert people.get(admin, f"/organizations/{org}/members").status_code == 200
    assert _refused(people.post(admin, f"/organizations/{org}/knowledge", {"title": "Hours", "content": "9 to 5"}))
    assert _refused(people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "Hi"}))
    assert _refused(people.post(admin, f"/organizations/{org}/members", {"email": "x@example.com", "role": "agent"}))
    assert _refused(people.patch(admin, f"/organizations/{org}/channels/{inactive.channel_id}", {"name": "New"}))


def test_its_agent_neither_answers_nor_takes_over(people: People, inactive: Tenant, db: Db) -> None:
    conversation = _conversation(db, inactive)
    agent = people.make(agent_of=[inactive.organization_id])

    assert people.get(agent, f"/conversations/{conversation}").status_code == 200
    assert _refused(people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi"}))
    assert _refused(people.post(agent, f"/conversations/{conversation}/takeover"))
    assert db.execute("SELECT count(*) AS n FROM messages WHERE role = 'agent'").fetchone() == {"n": 0}


def test_not_even_a_super_admin_spends_its_ai_money_until_it_is_reactivated(people: People, inactive: Tenant) -> None:
    org = inactive.organization_id
    root = people.make(super_admin=True)

    assert _refused(people.post(root, f"/organizations/{org}/ai-settings/preview", {"message": "Hi"}))
    assert people.patch(root, f"/organizations/{org}", {"active": True}).status_code == 200
    assert people.post(root, f"/organizations/{org}/ai-settings/preview", {"message": "Hi"}).status_code == 200


def test_knowledge_of_an_inactive_organisation_is_not_embedded(inactive: Tenant, db: Db) -> None:
    row = db.execute(
        "INSERT INTO channel_knowledge (organization_id, title, content, source) "
        "VALUES (%s, 'Hours', 'We open at nine.', 'text') RETURNING id",
        (inactive.organization_id,),
    ).fetchone()
    assert row is not None

    with connection() as conn:
        outcome = ingest(conn, row["id"], get_settings())

    assert outcome.status == "failed"
    assert db.execute("SELECT count(*) AS n FROM knowledge_chunks").fetchone() == {"n": 0}
