"""Transcripts and exports (issue #19, item 4): the visitor asks for a copy by email in their language
(moto's SES keeps what was sent), an agent sends one, and a conversation or a filtered inbox is
exported as CSV or JSON, streamed: 1,000 conversations in bounded memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from chatflow import inbox, transcripts
from chatflow.transcripts import export
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _mail_to(address: str) -> list[Any]:
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if address in message.destinations.get("ToAddresses", [])
    ]


@pytest.fixture
def agent(people: People, tenant: Tenant) -> Person:
    return people.make(agent_of=[tenant.organization_id])


def _with_email(visitor: WidgetClient, db: Db, email: str, *, lang: str = "en", zone: str | None = None) -> str:
    conversation: str = visitor.post(
        "¿Tienen café descafeinado?" if lang == "es" else "Do you sell decaf?", lang=lang
    ).body["conversationId"]
    profile = {"email": email, **({"timeZone": zone} if zone else {})}
    db.execute(
        "UPDATE conversations SET visitor_metadata = jsonb_build_object('profile', %s::jsonb) WHERE id = %s",
        (json.dumps(profile), conversation),
    )
    return conversation


# --- by email ---------------------------------------------------------------------------------------------


def test_a_visitor_gets_a_transcript_in_spanish_with_times_in_their_zone(
    visitor: WidgetClient, db: Db, local_aws: object
) -> None:
    conversation = _with_email(visitor, db, "lucia@example.com", lang="es", zone="America/Mexico_City")

    answer = visitor.ask_for_transcript(conversation, lang="es")
    mail = _mail_to("lucia@example.com")

    assert answer.status == 200
    assert answer.body["sentTo"] == "l***@example.com"
    assert answer.body["language"] == "es"
    assert [m.subject for m in mail] == ["Tu conversación con Acme Coffee"]
    assert "Aquí tienes una copia de tu conversación con Acme Coffee" in mail[0].body
    assert "] Tú:\n  ¿Tienen café descafeinado?" in mail[0].body
    assert "] Asistente (IA):" in mail[0].body
    assert "tu hora (America/Mexico_City)" in mail[0].body


def test_a_visitor_who_left_no_email_is_told_so(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    answer = visitor.ask_for_transcript(conversation, lang="es")

    assert answer.status == 409
    assert answer.error_code == "no_contact_email"
    assert answer.body["error"]["message"] == "No conocemos ningún email de este visitante."


def test_another_visitors_conversation_answers_404(visitor: WidgetClient, db: Db) -> None:
    conversation = _with_email(visitor, db, "lucia@example.com")

    assert visitor.another_visitor().ask_for_transcript(conversation).status == 404


def test_a_visitor_gets_at_most_three_copies_of_a_conversation(
    visitor: WidgetClient, db: Db, local_aws: object
) -> None:
    conversation = _with_email(visitor, db, "many@example.com")

    statuses = [visitor.ask_for_transcript(conversation).status for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    assert len(_mail_to("many@example.com")) == 3


def test_an_agent_sends_the_visitor_a_transcript_from_the_thread(
    visitor: WidgetClient, db: Db, people: People, agent: Person
) -> None:
    conversation = _with_email(visitor, db, "sam@example.com")

    answer = people.post(agent, f"/conversations/{conversation}/transcript", {"language": "en"})

    assert answer.status_code == 200
    assert answer.json() == {"sentTo": "sam@example.com", "language": "en"}
    assert [m.subject for m in _mail_to("sam@example.com")] == ["Your conversation with Acme Coffee"]


def test_an_agent_of_another_organisation_cannot_send_one(visitor: WidgetClient, db: Db, people: People) -> None:
    from chatflow.organizations import create_organization

    stranger = people.make(agent_of=[create_organization(db, name="Other Co")])
    conversation = _with_email(visitor, db, "sam@example.com")

    assert people.post(stranger, f"/conversations/{conversation}/transcript", {}).status_code == 404


# --- exports ----------------------------------------------------------------------------------------------


def test_a_conversation_exports_as_csv_with_its_messages(visitor: WidgetClient, api: TestClient, agent: Person) -> None:
    conversation = visitor.post('=HYPERLINK("http://evil.example")').body["conversationId"]

    answer = api.get(
        f"/api/dashboard/exports/conversations/{conversation}", params={"format": "csv"}, headers=agent.headers
    )
    rows = list(csv.DictReader(io.StringIO(answer.text)))

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert f'filename="conversation-{conversation}.csv"' in answer.headers["content-disposition"]
    assert [r["role"] for r in rows] == ["visitor", "ai"]
    assert rows[0]["content"] == '\'=HYPERLINK("http://evil.example")'  # never a formula in a spreadsheet


def test_a_filtered_inbox_exports_as_json(visitor: WidgetClient, api: TestClient, agent: Person) -> None:
    english = visitor.post("Do you sell decaf?", lang="en").body["conversationId"]
    visitor.another_visitor().post("¿Tienen café descafeinado?", lang="es")

    answer = api.get(
        "/api/dashboard/exports/conversations", params={"format": "json", "language": "en"}, headers=agent.headers
    )

    assert answer.status_code == 200
    assert [c["id"] for c in answer.json()] == [english]
    assert answer.json()[0]["firstMessage"] == "Do you sell decaf?"


def test_an_export_over_the_limit_is_refused_before_it_starts(
    visitor: WidgetClient, api: TestClient, agent: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "MAX_EXPORT_CONVERSATIONS", 1)
    visitor.post("one")
    visitor.another_visitor().post("two")

    answer = api.get("/api/dashboard/exports/conversations", headers=agent.headers)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "export_too_large"


def test_another_organisations_conversation_does_not_export(
    visitor: WidgetClient, api: TestClient, people: People, db: Db
) -> None:
    from chatflow.organizations import create_organization

    stranger = people.make(agent_of=[create_organization(db, name="Other Co")])
    conversation = visitor.post("Hello").body["conversationId"]

    answer = api.get(f"/api/dashboard/exports/conversations/{conversation}", headers=stranger.headers)
    listed = api.get("/api/dashboard/exports/conversations", params={"format": "json"}, headers=stranger.headers)

    assert answer.status_code == 404
    assert listed.json() == []


def test_an_export_of_a_thousand_conversations_streams_in_bounded_memory(tenant: Tenant, db: Db) -> None:
    db.execute(
        """
        WITH conv AS (
            INSERT INTO conversations (channel_id, organization_id, visitor_id, last_message_at)
            SELECT %(channel)s, %(org)s, gen_random_uuid(), now() - make_interval(secs => n)
            FROM generate_series(1, 1000) n
            RETURNING id
        )
        INSERT INTO messages (conversation_id, organization_id, role, content)
        SELECT id, %(org)s, 'visitor', repeat('How much is a kilo of your house blend? ', 150) FROM conv
        """,
        {"channel": tenant.channel_id, "org": tenant.organization_id},
    )
    caller = admin_of(tenant.organization_id)
    filters = inbox.InboxFilter(organization_id=tenant.organization_id)
    assert transcripts.check_inbox_export(caller, filters) == 1000

    for _ in transcripts.inbox_export(caller, filters, "csv"):
        pass  # the first run's imports and caches, out of the figure

    tracemalloc.start()
    total, rows, largest = 0, 0, 0
    for chunk in transcripts.inbox_export(caller, filters, "csv"):
        total += len(chunk.encode())
        rows += chunk.count("\n")
        largest = max(largest, len(chunk))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert rows > 1000  # the header and a line each (a cell may hold none)
    assert total > 6_000_000  # about six kilobytes a row
    print(f"exported {total:,} bytes with a peak of {peak:,} bytes traced")
    assert peak < total / 4  # a batch at a time, not the export
    assert largest < total / 20
