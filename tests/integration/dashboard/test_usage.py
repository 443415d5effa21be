"""Usage and billing: an organisation's months against its plan, and every organisation's month for
super admins — from the counts the chat path writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.organizations import create_organization
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _months_ago(n: int) -> date:
    today = datetime.now(UTC).date()
    month = today.year * 12 + today.month - 1 - n
    return date(month // 12, month % 12 + 1, 1)


def _usage(db: Db, organization_id: UUID, months_ago: int, **counts: int) -> None:
    db.execute(
        """
        INSERT INTO usage_tracking (organization_id, month, conversations, messages, ai_messages, tokens)
        VALUES (%(org)s, %(month)s, %(conversations)s, %(messages)s, %(ai_messages)s, %(tokens)s)
        """,
        {
            "org": organization_id,
            "month": _months_ago(months_ago),
            "conversations": counts.get("conversations", 0),
            "messages": counts.get("messages", 0),
            "ai_messages": counts.get("ai_messages", 0),
            "tokens": counts.get("tokens", 0),
        },
    )


def _person(people: People, role: str, organization_id: UUID) -> Person:
    if role == "super_admin":
        return people.make(super_admin=True)
    if role == "admin":
        return people.make(admin_of=[organization_id])
    return people.make(agent_of=[organization_id])


# --- GET /organizations/{id}/usage --------------------------------------------------------------------------


def test_an_organisations_usage_shows_this_month_and_past_months_against_its_plan(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    _usage(db, acme, 0, conversations=350, messages=1_200, ai_messages=500, tokens=123_456)
    _usage(db, acme, 2, conversations=120, messages=300, ai_messages=150, tokens=9_000)
    admin = people.make(admin_of=[acme])

    answer = people.get(admin, f"/organizations/{acme}/usage", months=3)

    assert answer.status_code == 200
    body = answer.json()
    assert (body["organizationId"], body["name"], body["plan"]) == (str(acme), "Acme", "starter")
    assert body["overage"] == {"blockConversations": 200, "blockPriceUsd": 10}
    assert [m["month"] for m in body["months"]] == [_months_ago(n).isoformat() for n in (0, 1, 2)]
    this_month, last_month, before = body["months"]
    assert this_month == {
        "month": _months_ago(0).isoformat(),
        "conversations": 350,
        "conversationLimit": 300,
        "overageConversations": 50,
        "overageBlocks": 1,
        "overageCostUsd": 10,
        "messages": 1_200,
        "aiMessages": 500,
        "tokens": 123_456,
        "overLimitNotifiedAt": None,
        "previewMessages": 0,
        "previewTokens": 0,
        "embeddingTokens": 0,
    }
    assert (last_month["conversations"], last_month["messages"], last_month["overageCostUsd"]) == (0, 0, 0)
    assert (before["conversations"], before["overageBlocks"], before["tokens"]) == (120, 0, 9_000)


@pytest.mark.parametrize(
    ("plan", "conversations", "blocks", "cost"),
    [
        ("starter", 300, 0, 0),
        ("starter", 301, 1, 10),
        ("starter", 500, 1, 10),
        ("starter", 801, 3, 30),
        ("pro", 1_401, 3, 30),
        ("growth", 3_000, 0, 0),
    ],
)
def test_overage_is_10_dollars_per_started_block_of_200_over_the_plan(
    people: People, db: Db, plan: str, conversations: int, blocks: int, cost: int
) -> None:
    acme = create_organization(db, name="Acme", plan=plan)  # type: ignore[arg-type]
    _usage(db, acme, 0, conversations=conversations)
    admin = people.make(admin_of=[acme])

    month = people.get(admin, f"/organizations/{acme}/usage").json()["months"][0]

    assert (month["overageBlocks"], month["overageCostUsd"]) == (blocks, cost)


def test_six_months_are_shown_unless_asked_otherwise(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    body = people.get(admin, f"/organizations/{acme}/usage").json()

    assert len(body["months"]) == 6
    assert body["months"][0]["month"] == _months_ago(0).isoformat()


@pytest.mark.parametrize("months", [0, 25])
def test_months_outside_1_to_24_is_a_bad_request(people: People, db: Db, months: int) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.get(admin, f"/organizations/{acme}/usage", months=months)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_the_usage_counts_what_visitors_really_did(
    people: People, tenant: Tenant, visitor: WidgetClient, fake_openai: Any
) -> None:
    conversation = visitor.post("one").body["conversationId"]
    visitor.post("two", conversationId=conversation)
    visitor.another_visitor().post("three")
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi from a person"})

    month = people.get(agent, f"/organizations/{tenant.organization_id}/usage").json()["months"][0]

    # 3 visitor messages, 3 AI answers of 42 tokens each, 1 agent message.
    assert (month["conversations"], month["messages"], month["aiMessages"], month["tokens"]) == (2, 7, 3, 126)


def test_the_over_limit_notice_time_is_shown(people: People, tenant: Tenant, visitor: WidgetClient, db: Db) -> None:
    _usage(db, tenant.organization_id, 0, conversations=300)
    admin = people.make(admin_of=[tenant.organization_id])
    visitor.post("Hello")

    month = people.get(admin, f"/organizations/{tenant.organization_id}/usage").json()["months"][0]

    assert month["conversations"] == 301
    assert month["overLimitNotifiedAt"] is not None


@pytest.mark.parametrize("role", ["super_admin", "admin", "agent"])
def test_every_role_of_the_organisation_reads_its_usage(people: People, db: Db, role: str) -> None:
    acme = create_organization(db, name="Acme")

    answer = people.get(_person(people, role, acme), f"/organizations/{acme}/usage")

    assert answer.status_code == 200


def test_a_member_of_another_organisation_reading_its_usage_gets_404(people: People, db: Db) -> None:
    acme, beta = create_organization(db, name="Acme"), create_organization(db, name="Beta")
    outsider = people.make(admin_of=[beta])

    other = people.get(outsider, f"/organizations/{acme}/usage")
    missing = people.get(outsider, f"/organizations/{uuid4()}/usage")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_a_super_admin_reading_a_missing_organisations_usage_gets_404(people: People) -> None:
    answer = people.get(people.make(super_admin=True), f"/organizations/{uuid4()}/usage")

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "organization_not_found"


def test_reading_usage_without_a_token_is_refused(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")

    assert people.get(None, f"/organizations/{acme}/usage").status_code == 401


# --- GET /usage ------------------------------------------------------------------------------------------------


def test_a_super_admin_sees_every_organisations_month_and_the_totals(people: People, db: Db) -> None:
    beta = create_organization(db, name="beta", plan="pro")
    acme = create_organization(db, name="Acme")
    idle = create_organization(db, name="Zeta idle")
    _usage(db, acme, 0, conversations=520, messages=2_000, ai_messages=900, tokens=50_000)
    _usage(db, acme, 1, conversations=9_999)  # last month: not this view's
    _usage(db, beta, 0, conversations=40, messages=100, ai_messages=60, tokens=4_000)

    answer = people.get(people.make(super_admin=True), "/usage")

    assert answer.status_code == 200
    body = answer.json()
    assert body["month"] == _months_ago(0).isoformat()
    assert [(o["organizationId"], o["name"]) for o in body["organizations"]] == [
        (str(acme), "Acme"),
        (str(beta), "beta"),
        (str(idle), "Zeta idle"),
    ]
    acme_row, beta_row, idle_row = body["organizations"]
    assert (acme_row["conversations"], acme_row["conversationLimit"], acme_row["overageCostUsd"]) == (520, 300, 20)
    assert (beta_row["plan"], beta_row["conversationLimit"], beta_row["overageCostUsd"]) == ("pro", 1_000, 0)
    assert (idle_row["conversations"], idle_row["messages"]) == (0, 0)
    assert body["totals"] == {
        "conversations": 560,
        "overageCostUsd": 20,
        "messages": 2_100,
        "aiMessages": 960,
        "tokens": 54_000,
    }


def test_a_super_admin_sees_an_empty_month_when_there_is_no_organisation(people: People) -> None:
    body = people.get(people.make(super_admin=True), "/usage").json()

    assert body["organizations"] == []
    assert body["totals"]["conversations"] == 0
    assert body["month"] == _months_ago(0).isoformat()


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_only_a_super_admin_sees_every_organisations_usage(people: People, db: Db, role: str) -> None:
    acme = create_organization(db, name="Acme")

    answer = people.get(_person(people, role, acme), "/usage")

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_every_organisations_usage_without_a_token_is_refused(people: People) -> None:
    assert people.get(None, "/usage").status_code == 401


def test_the_plans_say_what_each_includes_and_what_overage_costs(people: People) -> None:
    from chatflow.billing import OVERAGE_BLOCK_CONVERSATIONS, OVERAGE_BLOCK_PRICE_USD

    agent = people.make()

    answer = people.get(agent, "/plans")
    anonymous = people.get(None, "/plans")

    assert answer.json() == {
        "plans": [
            {"plan": "starter", "conversationLimit": 300, "channelLimit": 1, "monthlyPriceUsd": 29},
            {"plan": "pro", "conversationLimit": 1000, "channelLimit": 3, "monthlyPriceUsd": 79},
            {"plan": "growth", "conversationLimit": 3000, "channelLimit": 10, "monthlyPriceUsd": 199},
        ],
        "overage": {"blockConversations": OVERAGE_BLOCK_CONVERSATIONS, "blockPriceUsd": OVERAGE_BLOCK_PRICE_USD},
    }
    assert anonymous.status_code == 401
