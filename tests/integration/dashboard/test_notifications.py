"""Email to an organisation's admins: a conversation handed to a person (a visitor's keyword or an
agent's take-over), and the first conversation of a month past the plan. SES is moto's; the mail
it accepted is read back from it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.settings import get_settings
from infra.local.aws import LocalAws
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _mail_to(person: Person) -> list[Any]:
    """What moto's SES accepted for this person (each test's people have addresses of their own)."""
    from moto.ses.models import ses_backends

    return [
        message
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if person.email in message.destinations.get("ToAddresses", [])
    ]


@pytest.fixture
def staff(people: People, tenant: Tenant) -> dict[str, Person]:
    """The tenant's admins (one English-speaking, one Spanish-speaking) and an agent."""
    return {
        "admin_en": people.make(admin_of=[tenant.organization_id], language="en"),
        "admin_es": people.make(admin_of=[tenant.organization_id], language="es"),
        "agent": people.make(agent_of=[tenant.organization_id]),
    }


@pytest.fixture
def round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every SQL statement this process sends from now on (each is one round trip)."""
    sent: list[str] = []
    original = psycopg.Cursor.execute

    def counting(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query)[:80])
        return original(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", counting)
    return sent


# --- handoff ----------------------------------------------------------------------------------------------


def test_a_handoff_keyword_emails_each_admin_once_in_their_language(
    visitor: WidgetClient, staff: dict[str, Person]
) -> None:
    answer = visitor.post("I want to talk to a human please")
    conversation = answer.body["conversationId"]
    dashboard = get_settings().dashboard_url

    english, spanish = _mail_to(staff["admin_en"]), _mail_to(staff["admin_es"])

    assert answer.body["handoff"] is True
    assert len(english) == 1
    assert len(spanish) == 1
    assert english[0].subject == "[Acme Coffee] A visitor is waiting for a person"
    assert spanish[0].subject == "[Acme Coffee] Un visitante espera a una persona"
    assert f"{dashboard}/en/conversations/{conversation}" in english[0].body
    assert f"{dashboard}/es/conversations/{conversation}" in spanish[0].body
    assert "asked to talk to a person" in english[0].body
    assert "pidió hablar con una persona" in spanish[0].body


def test_agents_get_no_handoff_email(visitor: WidgetClient, staff: dict[str, Person]) -> None:
    visitor.post("human please")

    assert _mail_to(staff["agent"]) == []


def test_the_handoff_email_quotes_the_visitors_first_message(visitor: WidgetClient, staff: dict[str, Person]) -> None:
    conversation = visitor.post("My espresso machine leaks\nfrom the bottom").body["conversationId"]
    visitor.post("Can I speak to a person?", conversationId=conversation)

    (email,) = _mail_to(staff["admin_en"])

    assert "espresso" not in email.subject
    assert "> My espresso machine leaks\n> from the bottom" in email.body


def test_a_long_first_message_is_cut_short_in_the_body(visitor: WidgetClient, staff: dict[str, Person]) -> None:
    visitor.post("human " + "word " * 100)

    (email,) = _mail_to(staff["admin_en"])

    quoted = next(line for line in email.body.splitlines() if line.startswith("> "))
    assert len(quoted) <= 302
    assert quoted.endswith("…")


def test_later_messages_of_a_handed_off_conversation_send_no_more_email(
    visitor: WidgetClient, staff: dict[str, Person]
) -> None:
    conversation = visitor.post("human").body["conversationId"]
    visitor.post("hello? anyone? I want a human", conversationId=conversation)
    visitor.post("still waiting", conversationId=conversation)

    assert len(_mail_to(staff["admin_en"])) == 1


def test_a_keyword_handoff_records_when_it_happened(visitor: WidgetClient, db: Db) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    assert db.execute("SELECT handed_off_at FROM conversations").fetchone() == {"handed_off_at": None}

    visitor.post("representative please", conversationId=conversation)

    row = db.execute("SELECT handed_off_at, last_message_at FROM conversations").fetchone()
    assert row is not None
    assert row["handed_off_at"] is not None
    assert row["handed_off_at"] <= row["last_message_at"]


def test_a_conversation_opened_by_a_keyword_records_its_handoff(visitor: WidgetClient, db: Db) -> None:
    visitor.post("agente humano por favor", lang="es")

    row = db.execute("SELECT handed_off_at, created_at, status FROM conversations").fetchone()
    assert row is not None
    assert (row["status"], row["handed_off_at"]) == ("pending", row["created_at"])


def test_taking_over_from_the_ai_emails_each_admin_once_naming_the_agent(
    people: People, visitor: WidgetClient, staff: dict[str, Person]
) -> None:
    conversation = visitor.post("Do you deliver?").body["conversationId"]
    assert _mail_to(staff["admin_en"]) == []

    answer = people.post(staff["agent"], f"/conversations/{conversation}/takeover")

    assert answer.status_code == 200
    (english,) = _mail_to(staff["admin_en"])
    (spanish,) = _mail_to(staff["admin_es"])
    agent_name = staff["agent"].email.split("@")[0]
    assert f"{agent_name} took over a conversation on Website (Acme Coffee)." in english.body
    assert f"{agent_name} tomó una conversación en Website (Acme Coffee)." in spanish.body
    assert "> Do you deliver?" in english.body
    assert f"/es/conversations/{conversation}" in spanish.body


def test_taking_over_a_conversation_already_handed_off_sends_no_second_email(
    people: People, visitor: WidgetClient, staff: dict[str, Person]
) -> None:
    conversation = visitor.post("human please").body["conversationId"]

    people.post(staff["agent"], f"/conversations/{conversation}/takeover")

    assert len(_mail_to(staff["admin_en"])) == 1
    assert len(_mail_to(staff["admin_es"])) == 1


def test_taking_over_again_after_a_release_emails_again(
    people: People, visitor: WidgetClient, staff: dict[str, Person]
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    people.post(staff["agent"], f"/conversations/{conversation}/takeover")
    people.post(staff["agent"], f"/conversations/{conversation}/release")

    people.post(staff["agent"], f"/conversations/{conversation}/takeover")

    assert len(_mail_to(staff["admin_en"])) == 2


def test_an_inactive_admin_gets_no_email(
    people: People, tenant: Tenant, visitor: WidgetClient, staff: dict[str, Person], db: Db
) -> None:
    db.execute("UPDATE users SET active = false WHERE id = %s", (staff["admin_es"].id,))

    visitor.post("human")

    assert len(_mail_to(staff["admin_en"])) == 1
    assert _mail_to(staff["admin_es"]) == []


def test_a_failing_email_never_fails_the_visitors_request(
    visitor: WidgetClient, staff: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SES_SENDER", "unverified@nowhere.example")  # SES refuses to send from it
    get_settings.cache_clear()

    answer = visitor.post("I need a human")

    assert answer.status == 200
    assert answer.body["handoff"] is True
    assert answer.body["reply"]["role"] == "system"
    assert _mail_to(staff["admin_en"]) == []


def test_a_failing_email_never_fails_a_take_over(
    people: People, visitor: WidgetClient, staff: dict[str, Person], monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    monkeypatch.setenv("SES_SENDER", "unverified@nowhere.example")
    get_settings.cache_clear()

    answer = people.post(staff["agent"], f"/conversations/{conversation}/takeover")

    assert answer.status_code == 200
    assert answer.json()["responderMode"] == "human"


# --- round trips of the widget's POST -----------------------------------------------------------------------


@pytest.fixture
def dispatch_queue(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> str:
    """Events signalled to moto's dispatch queue, as in AWS, rather than dispatched by this process."""
    monkeypatch.setenv("DISPATCH_QUEUE_URL", local_aws.dispatch_queue_url)
    get_settings.cache_clear()
    return local_aws.dispatch_queue_url


def test_an_ordinary_message_still_costs_four_round_trips(
    visitor: WidgetClient, staff: dict[str, Person], dispatch_queue: str, round_trips: list[str]
) -> None:
    visitor.another_visitor().post("warm the pool up")
    round_trips.clear()

    visitor.post("What time do you open?")

    # The rate limits' count, the load, the visitor's message, the answer (their events in the same statements).
    assert len(round_trips) == 4


def test_a_handoff_costs_the_visitor_no_round_trip_more(
    visitor: WidgetClient, staff: dict[str, Person], dispatch_queue: str, round_trips: list[str]
) -> None:
    visitor.another_visitor().post("warm the pool up")
    round_trips.clear()

    visitor.post("human please")

    # The admins' addresses are read by the listener that emails them, off the visitor's request.
    assert len(round_trips) == 4


# --- over the plan --------------------------------------------------------------------------------------------


def _month_usage(db: Db, organization_id: UUID, conversations: int) -> None:
    db.execute(
        """
        INSERT INTO usage_tracking (organization_id, month, conversations)
        VALUES (%s, date_trunc('month', now() AT TIME ZONE 'UTC')::date, %s)
        """,
        (organization_id, conversations),
    )


def _notified_at(db: Db, organization_id: UUID) -> Any:
    row = db.execute(
        "SELECT over_limit_notified_at FROM usage_tracking "
        "WHERE organization_id = %s AND month = date_trunc('month', now() AT TIME ZONE 'UTC')::date",
        (organization_id,),
    ).fetchone()
    assert row is not None
    return row["over_limit_notified_at"]


def test_the_conversation_that_passes_the_plan_emails_each_admin_once_in_their_language(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    _month_usage(db, tenant.organization_id, 300)  # starter: 300 a month

    answer = visitor.post("Hello")

    assert answer.status == 200
    assert answer.body["reply"] is not None
    (english,) = _mail_to(staff["admin_en"])
    (spanish,) = _mail_to(staff["admin_es"])
    assert english.subject == "[Acme Coffee] This month's conversations passed your plan (300)"
    assert spanish.subject == "[Acme Coffee] Las conversaciones de este mes superaron tu plan (300)"
    assert "301 conversations" in english.body
    assert "$10" in english.body
    assert "301 conversaciones" in spanish.body
    assert "10 USD" in spanish.body
    assert f"/en/usage?org={tenant.organization_id}" in english.body
    assert _mail_to(staff["agent"]) == []
    assert _notified_at(db, tenant.organization_id) is not None


def test_conversations_under_the_plan_send_no_over_limit_email(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    _month_usage(db, tenant.organization_id, 298)

    visitor.post("Hello")
    visitor.another_visitor().post("Hello")  # the 300th: at the limit, not past it

    assert _mail_to(staff["admin_en"]) == []
    assert _notified_at(db, tenant.organization_id) is None


def test_conversations_past_the_plan_after_the_notice_send_nothing_more(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    _month_usage(db, tenant.organization_id, 300)
    visitor.post("Hello")

    visitor.another_visitor().post("Hello")
    visitor.another_visitor().post("Hello")

    assert len(_mail_to(staff["admin_en"])) == 1


def test_more_messages_in_an_existing_conversation_never_trigger_the_notice(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    db.execute("UPDATE usage_tracking SET conversations = 999 WHERE organization_id = %s", (tenant.organization_id,))

    visitor.post("More", conversationId=conversation)

    assert _mail_to(staff["admin_en"]) == []


def test_concurrent_opening_messages_past_the_plan_send_one_email_per_admin(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    _month_usage(db, tenant.organization_id, 297)
    visitors = [visitor.another_visitor() for _ in range(8)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda v: v.post("Hello at the same time"), visitors))

    assert {a.status for a in answers} == {200}
    assert len(_mail_to(staff["admin_en"])) == 1
    assert len(_mail_to(staff["admin_es"])) == 1
    row = db.execute("SELECT conversations FROM usage_tracking WHERE organization_id = %s", (tenant.organization_id,))
    assert row.fetchone() == {"conversations": 305}


def test_last_months_notice_does_not_silence_this_month(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    db.execute(
        """
        INSERT INTO usage_tracking (organization_id, month, conversations, over_limit_notified_at)
        VALUES (%s, (date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month')::date, 450, now())
        """,
        (tenant.organization_id,),
    )
    _month_usage(db, tenant.organization_id, 300)

    visitor.post("Hello")

    assert len(_mail_to(staff["admin_en"])) == 1


def test_the_limit_is_the_organisations_plan(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db
) -> None:
    db.execute("UPDATE organizations SET plan = 'pro' WHERE id = %s", (tenant.organization_id,))
    _month_usage(db, tenant.organization_id, 300)

    visitor.post("Hello")  # the 301st: within pro's 1,000

    assert _mail_to(staff["admin_en"]) == []


def test_under_the_plan_an_opening_message_costs_no_extra_round_trip(
    visitor: WidgetClient, tenant: Tenant, staff: dict[str, Person], db: Db, dispatch_queue: str, round_trips: list[str]
) -> None:
    _month_usage(db, tenant.organization_id, 100)
    visitor.another_visitor().post("warm the pool up")
    round_trips.clear()

    visitor.post("Hello")

    assert len(round_trips) == 4
