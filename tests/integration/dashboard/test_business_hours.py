"""Business hours and the offline mode (issue #19, item 2): the dashboard sets a channel's hours (bad
ones refused with the field named), the widget's config says whether a person is available and when
next, a handoff outside the hours says when people are back in the visitor's language and asks for an
email, and a message left while the team is away waits in the inbox and reaches the members by email."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import psycopg
import pytest
from fastapi.testclient import TestClient

from chatflow import business_hours
from chatflow.business_hours import DAYS
from chatflow.organizations import create_organization
from infra.functions import load_handler
from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.events import LambdaContextStub, rest_event
from tests.support.people import People, Person
from tests.support.widget import WidgetClient, _answer

Db = psycopg.Connection[dict[str, Any]]
ZONE = "America/New_York"


def _mail_to(person: Person) -> list[Any]:
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if person.email in message.destinations.get("ToAddresses", [])
    ]


def _url(tenant: Tenant, what: str = "business-hours") -> str:
    return f"/api/dashboard/organizations/{tenant.organization_id}/channels/{tenant.channel_id}/{what}"


def _two_days_ahead() -> tuple[str, datetime]:
    """A weekday two days from now (in New York) and its 09:00 there: hours on that day only are
    closed now, whatever the time of the run, and open next at that instant."""
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    return DAYS[day.weekday()], datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(ZONE))


def _close_now(db: Db, tenant: Tenant, *, mode: str = "ai") -> datetime:
    day, opens = _two_days_ahead()
    business_hours.put_hours(
        db,
        super_admin(),
        tenant.organization_id,
        tenant.channel_id,
        enabled=True,
        time_zone=ZONE,
        weekly={day: [{"start": "09:00", "end": "10:00"}]},
        holidays=[],
        offline_mode=mode,  # type: ignore[arg-type]
    )
    return opens


def _open_now(db: Db, tenant: Tenant) -> None:
    business_hours.put_hours(
        db,
        super_admin(),
        tenant.organization_id,
        tenant.channel_id,
        enabled=True,
        time_zone=ZONE,
        weekly={day: [{"start": "00:00", "end": "24:00"}] for day in DAYS},
        holidays=[],
        offline_mode="ai",
    )


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


# --- the dashboard ----------------------------------------------------------------------------------------


def test_an_admin_sets_hours_with_several_ranges_a_day_and_reads_them_back(
    api: TestClient, admin: Person, tenant: Tenant
) -> None:
    body = {
        "timeZone": ZONE,
        "weekly": {"mon": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}]},
        "holidays": ["2026-12-25"],
        "offlineMode": "form",
    }

    put = api.put(_url(tenant), json=body, headers=admin.headers)
    got = api.get(_url(tenant), headers=admin.headers)

    assert put.status_code == 200
    assert got.json()["weekly"]["mon"] == [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}]
    assert got.json()["weekly"]["sun"] == []
    assert got.json()["holidays"] == ["2026-12-25"]
    assert got.json()["offlineMode"] == "form"
    assert got.json()["configured"] is True


def test_a_channel_without_hours_reads_as_not_configured_in_the_organisations_zone(
    api: TestClient, admin: Person, tenant: Tenant
) -> None:
    got = api.get(_url(tenant), headers=admin.headers).json()

    assert got["configured"] is False
    assert got["timeZone"] == "America/New_York"
    assert got["openNow"] is True


@pytest.mark.parametrize(
    ("weekly", "field"),
    [
        ({"mon": [{"start": "17:00", "end": "09:00"}]}, "weekly.mon.0.end"),
        ({"tue": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "17:00"}]}, "weekly.tue.1"),
        ({"wed": [{"start": "9am", "end": "17:00"}]}, "weekly.wed.0.start"),
    ],
    ids=["ends-before-it-starts", "overlapping", "not-a-time"],
)
def test_bad_hours_are_refused_with_the_field_named(
    api: TestClient, admin: Person, tenant: Tenant, weekly: dict[str, Any], field: str
) -> None:
    answer = api.put(_url(tenant), json={"timeZone": ZONE, "weekly": weekly}, headers=admin.headers)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert field in answer.json()["error"]["message"]


def test_an_unknown_time_zone_is_refused_in_the_callers_language(
    api: TestClient, admin: Person, tenant: Tenant
) -> None:
    headers = {**admin.headers, "Accept-Language": "es"}
    answer = api.put(_url(tenant), json={"timeZone": "Mars/Olympus_Mons"}, headers=headers)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert "timeZone" in answer.json()["error"]["message"]


def test_an_agent_reads_the_hours_but_may_not_change_them(api: TestClient, people: People, tenant: Tenant) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    assert api.get(_url(tenant), headers=agent.headers).status_code == 200
    assert api.put(_url(tenant), json={"timeZone": ZONE}, headers=agent.headers).status_code == 403


def test_another_organisations_channel_answers_404(api: TestClient, people: People, tenant: Tenant, db: Db) -> None:
    other = create_organization(db, name="Other Co")
    stranger = people.make(admin_of=[other])

    assert api.get(_url(tenant), headers=stranger.headers).status_code == 404
    assert api.put(_url(tenant), json={"timeZone": ZONE}, headers=stranger.headers).status_code == 404


def test_the_survey_scale_is_a_channel_setting(api: TestClient, admin: Person, tenant: Tenant) -> None:
    put = api.put(_url(tenant, "satisfaction"), json={"enabled": True, "scale": "thumbs"}, headers=admin.headers)

    assert put.json() == {"enabled": True, "scale": "thumbs"}
    assert api.get(_url(tenant, "satisfaction"), headers=admin.headers).json()["scale"] == "thumbs"


# --- the widget -------------------------------------------------------------------------------------------


def test_the_config_says_nobody_is_available_outside_the_hours_and_when_they_are_back(
    db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    opens = _close_now(db, tenant, mode="form")

    config = visitor.config().body

    assert config["humanAvailable"] is False
    assert config["businessHours"]["open"] is False
    assert config["businessHours"]["offlineMode"] == "form"
    assert datetime.fromisoformat(config["businessHours"]["nextOpenAt"]) == opens.astimezone(UTC)


def test_the_config_inside_the_hours_says_open(db: Db, tenant: Tenant, visitor: WidgetClient) -> None:
    _open_now(db, tenant)

    config = visitor.config().body

    assert config["businessHours"]["open"] is True
    assert config["businessHours"]["nextOpenAt"] is None


def test_without_hours_the_config_has_none_and_offers_the_survey(visitor: WidgetClient) -> None:
    config = visitor.config().body

    assert config["businessHours"] is None
    assert config["satisfaction"] == {"enabled": True, "scale": "five"}


def test_a_handoff_outside_the_hours_says_in_spanish_when_people_are_back_and_asks_for_an_email(
    db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    _close_now(db, tenant)
    first = visitor.post("¿Tienen café descafeinado?", lang="es")
    db.execute(
        "UPDATE conversations SET visitor_metadata = jsonb_build_object('profile', jsonb_build_object("
        "'timeZone', 'Europe/Madrid')) WHERE id = %s",
        (first.body["conversationId"],),
    )

    answer = visitor.post("quiero hablar con una persona", conversationId=first.body["conversationId"], lang="es")

    notice = answer.body["reply"]["content"]
    assert answer.body["handoff"] is True
    assert answer.body["status"] == "pending"
    assert notice.startswith("Nuestro equipo no está disponible ahora. Volvemos el ")
    assert "(tu hora)" in notice
    assert "Déjanos tu email" in notice


def test_a_handoff_inside_the_hours_gives_the_usual_notice(db: Db, tenant: Tenant, visitor: WidgetClient) -> None:
    _open_now(db, tenant)

    answer = visitor.post("I want to talk to a human")

    assert answer.body["reply"]["content"].startswith("I'm connecting you with a person")


def test_the_email_left_after_an_offline_handoff_reaches_every_member(
    db: Db, tenant: Tenant, visitor: WidgetClient, people: People
) -> None:
    agent = people.make(agent_of=[tenant.organization_id], language="es")
    _close_now(db, tenant)
    conversation = visitor.post("I want to talk to a human, my order never came").body["conversationId"]

    answer = visitor.ask_for_person(conversation, email="ana@example.com")

    mail = _mail_to(agent)
    assert answer.body["emailSaved"] is True
    assert [m.subject for m in mail] == ["[Acme Coffee] Un visitante dejó un mensaje mientras no estabais"]
    assert "Responder a: ana@example.com" in mail[0].body
    assert "> I want to talk to a human, my order never came" in mail[0].body


def test_the_offline_form_opens_a_conversation_that_waits_in_the_inbox_and_emails_the_members(
    db: Db, tenant: Tenant, visitor: WidgetClient, people: People, api: TestClient
) -> None:
    admin = people.make(admin_of=[tenant.organization_id])
    _close_now(db, tenant, mode="form")

    answer = visitor.leave_offline_message("ana@example.com", "Do you ship to Canada?", lang="en")
    waiting = api.get("/api/dashboard/conversations", params={"view": "waiting"}, headers=admin.headers).json()["items"]

    assert answer.status == 200
    assert answer.body["status"] == "pending"
    assert (
        answer.body["reply"]["content"] == "Thanks, we got your message. Our team will write back to ana@example.com."
    )
    assert [c["id"] for c in waiting] == [answer.body["conversationId"]]
    assert waiting[0]["handoffSource"] == "button"
    assert len(_mail_to(admin)) == 1
    assert "Write back to: ana@example.com" in _mail_to(admin)[0].body


def test_the_offline_form_retried_opens_one_conversation(tenant: Tenant, visitor: WidgetClient, db: Db) -> None:
    client_id = str(uuid4())
    first = visitor.leave_offline_message("ana@example.com", "Hello?", clientMessageId=client_id)
    again = visitor.leave_offline_message("ana@example.com", "Hello?", clientMessageId=client_id)

    count = db.execute("SELECT count(*) AS n FROM conversations WHERE channel_id = %s", (tenant.channel_id,)).fetchone()
    assert again.body["conversationId"] == first.body["conversationId"]
    assert count is not None
    assert count["n"] == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"email": "not-an-address", "message": "hi"}, "invalid_field"),
        ({"email": "ana@example.com", "message": "   "}, "message_empty"),
        ({"message": "hi"}, "missing_field"),
    ],
    ids=["bad-email", "empty-message", "no-email"],
)
def test_the_offline_form_refuses_bad_input(visitor: WidgetClient, body: dict[str, str], code: str) -> None:
    payload = {"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id), **body}
    event = rest_event("POST", "/api/chat/offline", resource="/api/chat/offline", raw_body=json.dumps(payload))
    answer = _answer(load_handler("chat_offline")(event, LambdaContextStub()))

    assert answer.status == 400
    assert answer.error_code == code
