"""An agent's attachments from the dashboard (issue #19, item 1), the thread's attachments on both sides,
who may touch them, the live frame that carries them, and the plan's monthly storage."""

from __future__ import annotations

import io
from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest
from PIL import Image

from chatflow.organizations import create_organization
from chatflow.realtime.changes import conversation_events
from tests.integration.conftest import Tenant
from tests.support.attachments_s3 import LocalS3, upload
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def conversation(visitor: WidgetClient, s3: LocalS3) -> UUID:
    return UUID(visitor.post("Hello, can you send me the manual?").body["conversationId"])


@pytest.fixture
def agent(people: People, tenant: Tenant) -> Person:
    return people.make(agent_of=[tenant.organization_id])


def _png_with_text_chunk() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Ana at 42 Elm Street")
    out = io.BytesIO()
    Image.new("RGB", (800, 400), (10, 200, 10)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def _send(people: People, who: Person, conversation: UUID, data: bytes, content_type: str, name: str) -> Any:
    grant = people.post(
        who,
        f"/conversations/{conversation}/attachments",
        {"name": name, "contentType": content_type, "size": len(data)},
    )
    assert grant.status_code == 201, grant.json()
    assert upload(grant.json(), data, content_type, name).status_code == 204
    return grant.json(), people.post(who, f"/conversations/{conversation}/attachments/{grant.json()['attachmentId']}")


def test_an_agent_sends_an_image_that_the_visitor_sees_without_its_metadata(
    people: People, agent: Person, conversation: UUID, visitor: WidgetClient, s3: LocalS3, db: Db
) -> None:
    original = _png_with_text_chunk()
    assert b"42 Elm Street" in original

    grant, confirmed = _send(people, agent, conversation, original, "image/png", "diagram.png")

    assert confirmed.status_code == 201
    message = confirmed.json()
    assert (message["role"], message["content"], message["author"]["id"]) == ("agent", "diagram.png", agent.id)
    assert message["attachment"]["contentType"] == "image/png"
    stored = db.execute("SELECT object_key FROM attachments WHERE id = %s", (grant["attachmentId"],)).fetchone()
    assert stored is not None
    assert b"42 Elm Street" not in s3.object(stored["object_key"])
    seen = visitor.history(conversation).body["messages"][-1]
    assert seen["role"] == "agent"
    assert seen["attachment"]["name"] == "diagram.png"
    assert httpx.get(seen["attachment"]["thumbnailUrl"]).status_code == 200


def test_the_thread_shows_the_visitors_file_with_its_name_and_size(
    people: People, agent: Person, conversation: UUID, visitor: WidgetClient
) -> None:
    from tests.support.attachments_s3 import widget_attachment_call

    data = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    grant = widget_attachment_call(
        visitor, conversation, {"name": "invoice.pdf", "contentType": "application/pdf", "size": len(data)}
    )
    upload(grant.body, data, "application/pdf")
    widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])

    thread = people.get(agent, f"/conversations/{conversation}").json()["messages"]

    attachment = thread[-1]["attachment"]
    assert (attachment["name"], attachment["size"], attachment["contentType"]) == (
        "invoice.pdf",
        len(data),
        "application/pdf",
    )
    assert httpx.get(attachment["url"]).content == data


def test_a_member_of_another_organisation_gets_404(people: People, db: Db, conversation: UUID) -> None:
    outsider = people.make(admin_of=[create_organization(db, name="Beta")])

    answer = people.post(
        outsider,
        f"/conversations/{conversation}/attachments",
        {"name": "a.txt", "contentType": "text/plain", "size": 3},
    )

    assert answer.status_code == 404
    assert db.execute("SELECT count(*) AS n FROM attachments").fetchone() == {"n": 0}


def test_an_agent_cannot_confirm_a_visitors_pending_upload(
    people: People, agent: Person, conversation: UUID, visitor: WidgetClient
) -> None:
    from tests.support.attachments_s3 import widget_attachment_call

    grant = widget_attachment_call(visitor, conversation, {"name": "a.txt", "contentType": "text/plain", "size": 3})

    answer = people.post(agent, f"/conversations/{conversation}/attachments/{grant.body['attachmentId']}")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "attachment_not_found"


def test_the_live_frame_of_the_message_carries_the_attachment_to_both_sides(
    people: People, agent: Person, conversation: UUID, db: Db
) -> None:
    _grant, confirmed = _send(people, agent, conversation, b"Step 1: unplug it\n", "text/plain", "steps.txt")
    message_id = UUID(confirmed.json()["id"])

    events = conversation_events(db, conversation, message_ids=[message_id])

    frame = next(e for e in events if e.type == "message.created")
    assert frame.data["attachment"]["name"] == "steps.txt"
    assert frame.widget_data is not None
    assert frame.widget_data["attachment"]["name"] == "steps.txt"
    assert httpx.get(frame.widget_data["attachment"]["url"]).content == b"Step 1: unplug it\n"


def test_past_the_plans_monthly_storage_an_upload_is_refused_in_the_callers_language(
    people: People, tenant: Tenant, conversation: UUID, db: Db
) -> None:
    spanish_agent = people.make(agent_of=[tenant.organization_id], language="es")
    db.execute(
        "INSERT INTO attachments (id, organization_id, conversation_id, uploaded_by, name, declared_type,"
        " declared_size, content_type, size, stored_bytes, object_key, status)"
        " VALUES (gen_random_uuid(), %s, %s, 'visitor', 'big.pdf', 'application/pdf', 1, 'application/pdf',"
        " %s, %s, 'x/y/z/file', 'ready')",
        (tenant.organization_id, conversation, 1024**3 - 10, 1024**3 - 10),
    )

    answer = people.client.post(
        f"/api/dashboard/conversations/{conversation}/attachments",
        json={"name": "a.txt", "contentType": "text/plain", "size": 100},
        headers={**spanish_agent.headers, "Accept-Language": "es"},  # what the SPA sends in Spanish
    )

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "storage_limit"
    assert "1 GB" in answer.json()["error"]["message"]
    assert "mejora el plan" in answer.json()["error"]["message"]


def test_last_months_attachments_do_not_count_against_this_month(
    people: People, agent: Person, tenant: Tenant, conversation: UUID, db: Db
) -> None:
    db.execute(
        "INSERT INTO attachments (id, organization_id, conversation_id, uploaded_by, name, declared_type,"
        " declared_size, content_type, size, stored_bytes, object_key, status, created_at)"
        " VALUES (gen_random_uuid(), %s, %s, 'visitor', 'big.pdf', 'application/pdf', 1, 'application/pdf',"
        " %s, %s, 'x/y/old/file', 'ready', date_trunc('month', now()) - interval '1 day')",
        (tenant.organization_id, conversation, 1024**3, 1024**3),
    )

    answer = people.post(
        agent, f"/conversations/{conversation}/attachments", {"name": "a.txt", "contentType": "text/plain", "size": 100}
    )

    assert answer.status_code == 201


def test_image_input_is_off_until_an_org_admin_turns_it_on(people: People, tenant: Tenant) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    path = f"/organizations/{tenant.organization_id}/ai-settings"

    before = people.get(admin, path).json()
    turned_on = people.patch(admin, path, {"imageInput": True})

    assert (before["imageInput"], before["imageInputSupported"]) == (False, True)  # gpt-4o-mini takes images
    assert turned_on.status_code == 200
    assert turned_on.json()["imageInput"] is True


def test_an_agent_may_not_turn_image_input_on(people: People, agent: Person, tenant: Tenant) -> None:
    answer = people.patch(agent, f"/organizations/{tenant.organization_id}/ai-settings", {"imageInput": True})

    assert answer.status_code == 403


def test_an_admin_who_erases_a_visitor_erases_their_files(
    people: People, tenant: Tenant, conversation: UUID, visitor: WidgetClient, s3: LocalS3, db: Db
) -> None:
    from tests.support.attachments_s3 import widget_attachment_call

    grant = widget_attachment_call(
        visitor, conversation, {"name": "id.png", "contentType": "image/png", "size": 100_000}
    )
    upload(grant.body, _png_with_text_chunk(), "image/png")
    widget_attachment_call(visitor, conversation, {}, grant.body["attachmentId"])
    admin = people.make(admin_of=[tenant.organization_id])

    stored = db.execute("SELECT object_key FROM attachments").fetchone()
    assert stored is not None
    assert stored["object_key"] in s3.keys

    erased = people.delete(admin, f"/organizations/{tenant.organization_id}/visitor-data/{visitor.visitor_id}")

    assert erased.status_code == 200
    assert stored["object_key"] not in s3.keys
    assert db.execute("SELECT count(*) AS n FROM attachments").fetchone() == {"n": 0}


def test_the_usage_page_shows_this_months_attachment_storage_against_the_plan(
    people: People, agent: Person, tenant: Tenant, conversation: UUID
) -> None:
    _grant, confirmed = _send(people, agent, conversation, b"twelve bytes", "text/plain", "a.txt")
    assert confirmed.status_code == 201

    usage = people.get(agent, f"/organizations/{tenant.organization_id}/usage").json()

    assert usage["attachments"] == {"usedBytes": 12, "limitBytes": 1024**3}
