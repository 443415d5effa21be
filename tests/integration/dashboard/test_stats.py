"""The dashboard's figures, computed on seeded conversations whose answers are known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.support.callers import super_admin
from tests.support.people import People, Person

Db = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class Shop:
    organization_id: UUID
    channel_id: UUID


def _shop(db: Db, name: str) -> Shop:
    organization_id = create_organization(db, name=name)
    return Shop(organization_id, create_channel(db, super_admin(), organization_id, name="Web").id)


def _conversation(
    db: Db,
    shop: Shop,
    *,
    days_ago: int,
    status: str = "open",
    mode: str = "ai",
    page_url: str | None = None,
    handed_off_after: int | None = None,
    messages: tuple[tuple[str, int], ...] = (("visitor", 0),),
) -> UUID:
    """A conversation started `days_ago` UTC days ago at 00:00:01, handed to a person
    `handed_off_after` seconds later (or never), with (role, seconds after the start) messages."""
    row = db.execute(
        """
        WITH start AS (
            SELECT ((now() AT TIME ZONE 'UTC')::date - %(days)s::int)::timestamp AT TIME ZONE 'UTC'
                   + interval '1 second' AS at
        )
        INSERT INTO conversations (channel_id, organization_id, visitor_id, status, responder_mode, page_url,
                                   created_at, last_message_at, handed_off_at, closed_at)
        SELECT %(channel)s, %(org)s, gen_random_uuid(), %(status)s, %(mode)s, %(page)s, at, at,
               at + make_interval(secs => %(handoff)s), CASE WHEN %(status)s = 'closed' THEN at END
        FROM start
        RETURNING id, created_at
        """,
        {
            "days": days_ago,
            "channel": shop.channel_id,
            "org": shop.organization_id,
            "status": status,
            "mode": mode,
            "page": page_url,
            "handoff": handed_off_after,
        },
    ).fetchone()
    assert row is not None
    for role, after in messages:
        db.execute(
            "INSERT INTO messages (conversation_id, organization_id, role, content, created_at) "
            "VALUES (%s, %s, %s, 'x', %s)",
            (row["id"], shop.organization_id, role, row["created_at"] + timedelta(seconds=after)),
        )
    db.execute(
        "UPDATE conversations SET last_message_at = "
        "(SELECT max(created_at) FROM messages WHERE conversation_id = %(id)s) WHERE id = %(id)s",
        {"id": row["id"]},
    )
    conversation_id: UUID = row["id"]
    return conversation_id


@dataclass(frozen=True)
class Seeded:
    acme: Shop
    beta: Shop
    newest: UUID


@pytest.fixture
def seeded(db: Db) -> Seeded:
    """Acme, whose answers are worked out in each test, and Beta, which must never show in them."""
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    # Today: two the AI handled alone, one closed.
    _conversation(db, acme, days_ago=0, status="closed", page_url="/pricing", messages=(("visitor", 0), ("ai", 2)))
    newest = _conversation(
        db, acme, days_ago=0, page_url="/pricing", messages=(("visitor", 0), ("ai", 2), ("visitor", 30))
    )
    # 3 days ago: a keyword handoff after 10 s, answered by an agent 60 s later.
    _conversation(
        db,
        acme,
        days_ago=3,
        mode="human",
        page_url="/contact",
        handed_off_after=10,
        messages=(("visitor", 0), ("system", 10), ("agent", 70)),
    )
    # 5 days ago: taken over at once from the AI, answered 180 s later, closed.
    _conversation(
        db,
        acme,
        days_ago=5,
        status="closed",
        mode="human",
        page_url="/pricing",
        handed_off_after=0,
        messages=(("visitor", 0), ("ai", 1), ("system", 2), ("agent", 180)),
    )
    # 10 days ago: handed off, still waiting for a person.
    _conversation(
        db,
        acme,
        days_ago=10,
        status="pending",
        mode="human",
        handed_off_after=5,
        messages=(("visitor", 0), ("system", 5)),
    )
    # 20 days ago: an agent wrote without a handoff.
    _conversation(
        db, acme, days_ago=20, mode="human", page_url="/contact", messages=(("visitor", 0), ("ai", 1), ("agent", 50))
    )
    # 25 days ago: handed off at once, answered after 100 s.
    _conversation(
        db,
        acme,
        days_ago=25,
        status="closed",
        mode="human",
        page_url="/about",
        handed_off_after=0,
        messages=(("visitor", 0), ("agent", 100)),
    )
    # 40 days ago: outside every window but "open now" (it is closed).
    _conversation(db, acme, days_ago=40, status="closed", page_url="/old", messages=(("visitor", 0), ("ai", 1)))
    # Beta, today: must never be counted for Acme.
    _conversation(db, beta, days_ago=0, status="pending", mode="human", page_url="/pricing", handed_off_after=0)
    return Seeded(acme, beta, newest)


def _stats(people: People, who: Person | None, **params: Any) -> Any:
    return people.get(who, "/stats", **params)


def test_counts_conversations_today_this_week_and_this_month(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    body = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()

    assert body["organizationId"] == str(seeded.acme.organization_id)
    assert (body["conversationsToday"], body["conversationsLast7Days"], body["conversationsLast30Days"]) == (2, 4, 7)


def test_counts_conversations_open_now_and_waiting_for_a_person(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    body = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()

    assert (body["openNow"], body["waitingForHuman"]) == (4, 1)


def test_shares_of_the_period_answered_by_the_ai_alone_and_handed_to_a_person(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    period = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()["period"]

    assert (period["conversations"], period["answeredByAiAlone"], period["handedToHuman"]) == (7, 2, 5)
    assert period["aiAloneShare"] == pytest.approx(2 / 7)
    assert period["handoffRate"] == pytest.approx(5 / 7)


def test_median_first_response_runs_from_the_handoff_to_the_first_agent_message(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    period = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()["period"]

    assert period["medianFirstResponseSeconds"] == pytest.approx(100.0)  # of 60, 180 and 100


def test_a_shorter_period_narrows_the_period_figures_only(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    body = _stats(people, agent, organizationId=str(seeded.acme.organization_id), days=7).json()

    assert (body["period"]["days"], body["period"]["conversations"], body["period"]["handedToHuman"]) == (7, 4, 2)
    assert body["period"]["medianFirstResponseSeconds"] == pytest.approx(120.0)  # of 60 and 180
    assert body["conversationsLast30Days"] == 7
    assert len(body["daily"]) == 7


def test_busiest_pages_rank_the_periods_page_urls(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    body = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()

    assert body["busiestPages"] == [
        {"pageUrl": "/pricing", "conversations": 3},
        {"pageUrl": "/contact", "conversations": 2},
        {"pageUrl": "/about", "conversations": 1},
    ]


def test_busiest_pages_are_at_most_ten(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    for n in range(12):
        _conversation(db, acme, days_ago=1, page_url=f"/page-{n:02d}")
    agent = people.make(agent_of=[acme.organization_id])

    pages = _stats(people, agent).json()["busiestPages"]

    assert [p["pageUrl"] for p in pages] == [f"/page-{n:02d}" for n in range(10)]


def test_the_daily_series_fills_quiet_days_with_zeros(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    daily = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()["daily"]

    today = datetime.now(UTC).date()
    assert [d["date"] for d in daily] == [(today - timedelta(days=29 - n)).isoformat() for n in range(30)]
    by_days_ago = {(today - datetime.fromisoformat(d["date"]).date()).days: d for d in daily}
    busy = {0: (2, 5, 0), 3: (1, 2, 1), 5: (1, 3, 1), 10: (1, 1, 1), 20: (1, 3, 0), 25: (1, 2, 1)}
    for days_ago, point in by_days_ago.items():
        expected = busy.get(days_ago, (0, 0, 0))
        assert (point["conversations"], point["messages"], point["handoffs"]) == expected, days_ago


def test_recent_conversations_are_the_ten_latest_of_the_scope(people: People, seeded: Seeded) -> None:
    agent = people.make(agent_of=[seeded.acme.organization_id])

    recent = _stats(people, agent, organizationId=str(seeded.acme.organization_id)).json()["recentConversations"]

    assert len(recent) == 8
    assert recent[0]["id"] == str(seeded.newest)
    assert {r["organizationId"] for r in recent} == {str(seeded.acme.organization_id)}
    assert [r["lastMessageAt"] for r in recent] == sorted((r["lastMessageAt"] for r in recent), reverse=True)


def test_without_an_organisation_the_figures_cover_all_the_callers_organisations(
    people: People, seeded: Seeded
) -> None:
    both = people.make(agent_of=[seeded.acme.organization_id, seeded.beta.organization_id])
    acme_only = people.make(agent_of=[seeded.acme.organization_id])

    everything = _stats(people, both).json()
    acme = _stats(people, acme_only).json()

    assert everything["organizationId"] is None
    assert (everything["conversationsToday"], everything["waitingForHuman"]) == (3, 2)
    assert (acme["conversationsToday"], acme["waitingForHuman"]) == (2, 1)


def test_a_super_admin_without_an_organisation_sees_every_organisations_figures(people: People, seeded: Seeded) -> None:
    body = _stats(people, people.make(super_admin=True)).json()

    assert body["conversationsToday"] == 3
    assert body["busiestPages"][0] == {"pageUrl": "/pricing", "conversations": 4}


def test_an_empty_organisation_has_zeros_and_no_shares(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    admin = people.make(admin_of=[acme.organization_id])

    body = _stats(people, admin, organizationId=str(acme.organization_id)).json()

    assert (body["conversationsToday"], body["openNow"], body["period"]["conversations"]) == (0, 0, 0)
    assert body["period"]["aiAloneShare"] is None
    assert body["period"]["handoffRate"] is None
    assert body["period"]["medianFirstResponseSeconds"] is None
    assert body["busiestPages"] == []
    assert body["recentConversations"] == []
    assert len(body["daily"]) == 30
    assert {(d["conversations"], d["messages"], d["handoffs"]) for d in body["daily"]} == {(0, 0, 0)}


@pytest.mark.parametrize("role", ["super_admin", "admin", "agent"])
def test_every_role_of_the_organisation_reads_its_figures(people: People, seeded: Seeded, role: str) -> None:
    org = seeded.acme.organization_id
    person = {
        "super_admin": lambda: people.make(super_admin=True),
        "admin": lambda: people.make(admin_of=[org]),
        "agent": lambda: people.make(agent_of=[org]),
    }[role]()

    answer = _stats(people, person, organizationId=str(org))

    assert answer.status_code == 200
    assert answer.json()["conversationsLast30Days"] == 7


def test_a_member_of_another_organisation_asking_for_its_figures_gets_404(people: People, seeded: Seeded) -> None:
    outsider = people.make(admin_of=[seeded.beta.organization_id])

    answer = _stats(people, outsider, organizationId=str(seeded.acme.organization_id))

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "organization_not_found"


def test_figures_without_a_token_are_refused(people: People) -> None:
    assert _stats(people, None).status_code == 401


@pytest.mark.parametrize("days", [0, 366])
def test_a_period_outside_1_to_365_days_is_a_bad_request(people: People, db: Db, days: int) -> None:
    agent = people.make(agent_of=[_shop(db, "Acme").organization_id])

    answer = _stats(people, agent, days=days)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
