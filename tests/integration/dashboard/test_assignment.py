"""Assignment (issue #18, item 1): who holds a conversation, the race of two agents taking it over,
the inbox's views and their counts, availability and round-robin auto-assignment."""

from __future__ import annotations

import threading
from typing import Any
from uuid import UUID

import psycopg
import pytest

from chatflow import inbox
from chatflow.access import load_caller
from chatflow.channels import create_channel
from chatflow.db import connection
from chatflow.errors import AlreadyAssigned
from chatflow.organizations import create_organization
from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _organization(db: Db, name: str = "Acme") -> tuple[UUID, UUID]:
    organization_id = create_organization(db, name=name)
    return organization_id, create_channel(db, super_admin(), organization_id, name="Website").id


def _conversation(db: Db, organization_id: UUID, channel_id: UUID, *, status: str = "open", mode: str = "ai") -> UUID:
    row = db.execute(
        """
        INSERT INTO conversations (channel_id, organization_id, visitor_id, status, responder_mode)
        VALUES (%s, %s, gen_random_uuid(), %s, %s) RETURNING id
        """,
        (channel_id, organization_id, status, mode),
    ).fetchone()
    assert row is not None
    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content) VALUES (%s, %s, 'visitor', 'hi')",
        (row["id"], organization_id),
    )
    conversation_id: UUID = row["id"]
    return conversation_id


def _assignee(db: Db, conversation_id: UUID) -> str | None:
    row = db.execute("SELECT assigned_user_id FROM conversations WHERE id = %s", (conversation_id,)).fetchone()
    assert row is not None
    value: str | None = row["assigned_user_id"]
    return value


# --- assign, reassign, unassign ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_a_member_assigns_an_unassigned_conversation_to_a_colleague(people: People, db: Db, role: str) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel)
    member = people.make(admin_of=[org]) if role == "admin" else people.make(agent_of=[org])
    colleague = people.make(agent_of=[org])

    answer = people.put(member, f"/conversations/{conversation}/assignee", {"assigneeId": colleague.id})

    assert answer.status_code == 200
    assert answer.json()["assignedUser"]["id"] == colleague.id
    assert answer.json()["responderMode"] == "ai"  # assigning is not taking over
    assert _assignee(db, conversation) == colleague.id


def test_an_agent_gives_their_conversation_back(people: People, db: Db) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel)
    agent = people.make(agent_of=[org])
    people.put(agent, f"/conversations/{conversation}/assignee", {"assigneeId": agent.id})

    answer = people.put(agent, f"/conversations/{conversation}/assignee", {"assigneeId": None})

    assert answer.status_code == 200
    assert answer.json()["assignedUser"] is None


def test_an_agent_cannot_take_a_conversation_a_colleague_holds(people: People, db: Db) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel)
    holder, other = people.make(agent_of=[org]), people.make(agent_of=[org])
    people.put(holder, f"/conversations/{conversation}/assignee", {"assigneeId": holder.id})

    for body in ({"assigneeId": other.id}, {"assigneeId": None}):
        answer = people.put(other, f"/conversations/{conversation}/assignee", body)
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "already_assigned"
    assert _assignee(db, conversation) == holder.id


def test_an_admin_reassigns_a_conversation_a_colleague_holds(people: People, db: Db) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel)
    holder, other, admin = people.make(agent_of=[org]), people.make(agent_of=[org]), people.make(admin_of=[org])
    people.put(holder, f"/conversations/{conversation}/assignee", {"assigneeId": holder.id})

    answer = people.put(admin, f"/conversations/{conversation}/assignee", {"assigneeId": other.id})

    assert answer.status_code == 200
    assert _assignee(db, conversation) == other.id


def test_assigning_to_someone_who_is_no_member_is_invalid_field(people: People, db: Db) -> None:
    org, channel = _organization(db)
    beta, _ = _organization(db, "Beta")
    conversation = _conversation(db, org, channel)
    admin, stranger = people.make(admin_of=[org]), people.make(agent_of=[beta])

    for assignee in (stranger.id, "no-such-user"):
        answer = people.put(admin, f"/conversations/{conversation}/assignee", {"assigneeId": assignee})
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "invalid_field"
    assert _assignee(db, conversation) is None


def test_assigning_a_conversation_of_another_organisation_answers_404(people: People, db: Db) -> None:
    org, channel = _organization(db)
    beta, _ = _organization(db, "Beta")
    conversation = _conversation(db, org, channel)
    outsider = people.make(admin_of=[beta])

    answer = people.put(outsider, f"/conversations/{conversation}/assignee", {"assigneeId": outsider.id})

    assert answer.status_code == 404
    assert _assignee(db, conversation) is None


def test_assigning_without_a_token_is_refused(people: People, db: Db) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel)

    assert people.put(None, f"/conversations/{conversation}/assignee", {"assigneeId": None}).status_code == 401


# --- the race ----------------------------------------------------------------------------------------


def test_of_two_agents_taking_over_at_the_same_moment_one_wins_and_the_other_gets_already_assigned(
    people: People, db: Db
) -> None:
    org, channel = _organization(db)
    conversation = _conversation(db, org, channel, status="pending", mode="human")
    agents = [people.make(agent_of=[org]), people.make(agent_of=[org])]
    with connection() as conn:
        callers = [load_caller(conn, agent.id) for agent in agents]
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def take_over(index: int) -> None:
        start.wait()
        try:
            inbox.take_over_conversation(callers[index], conversation)
            outcomes.append("won")
        except AlreadyAssigned:
            outcomes.append("already_assigned")

    threads = [threading.Thread(target=take_over, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["already_assigned", "won"]
    notices = db.execute(
        "SELECT count(*) AS n FROM messages WHERE conversation_id = %s AND role = 'system'", (conversation,)
    ).fetchone()
    assert notices == {"n": 1}  # the visitor reads "an agent joined" once


def test_replying_assigns_the_caller_only_when_nobody_holds_the_conversation(people: People, db: Db) -> None:
    org, channel = _organization(db)
    free, held = _conversation(db, org, channel), _conversation(db, org, channel)
    holder, agent = people.make(agent_of=[org]), people.make(agent_of=[org])
    people.put(holder, f"/conversations/{held}/assignee", {"assigneeId": holder.id})

    people.post(agent, f"/conversations/{free}/messages", {"content": "Hello"})
    people.post(agent, f"/conversations/{held}/messages", {"content": "Hello"})

    assert (_assignee(db, free), _assignee(db, held)) == (agent.id, holder.id)


# --- views and counts ---------------------------------------------------------------------------------


def test_views_list_mine_unassigned_waiting_and_all_with_their_counts(people: People, db: Db) -> None:
    org, channel = _organization(db)
    agent, colleague = people.make(agent_of=[org]), people.make(agent_of=[org])
    mine = _conversation(db, org, channel, mode="human")
    theirs = _conversation(db, org, channel, mode="human")
    waiting = _conversation(db, org, channel, status="pending", mode="human")
    ai = _conversation(db, org, channel)
    closed = _conversation(db, org, channel, status="closed")
    people.put(agent, f"/conversations/{mine}/assignee", {"assigneeId": agent.id})
    people.put(colleague, f"/conversations/{theirs}/assignee", {"assigneeId": colleague.id})

    def view(name: str) -> set[str]:
        return {c["id"] for c in people.get(agent, "/conversations", view=name).json()["items"]}

    assert view("mine") == {str(mine)}
    assert view("unassigned") == {str(waiting), str(ai)}
    assert view("waiting") == {str(waiting)}
    assert view("all") == {str(c) for c in (mine, theirs, waiting, ai, closed)}
    counts = people.get(agent, "/conversations/counts", organizationId=str(org)).json()
    assert counts == {"mine": 1, "unassigned": 2, "waiting": 1, "all": 4}


def test_counts_never_include_another_organisations_conversations(people: People, db: Db) -> None:
    org, _ = _organization(db)
    beta, beta_channel = _organization(db, "Beta")
    _conversation(db, beta, beta_channel, status="pending", mode="human")
    agent = people.make(agent_of=[org])

    assert people.get(agent, "/conversations/counts").json() == {"mine": 0, "unassigned": 0, "waiting": 0, "all": 0}
    assert people.get(agent, "/conversations/counts", organizationId=str(beta)).status_code == 404


def test_an_unknown_view_is_a_bad_request(people: People, db: Db) -> None:
    org, _ = _organization(db)
    agent = people.make(agent_of=[org])

    assert people.get(agent, "/conversations", view="everything").status_code == 400


# --- availability and auto-assignment -----------------------------------------------------------------


def test_a_member_switches_their_own_availability(people: People, db: Db) -> None:
    org, _ = _organization(db)
    agent = people.make(agent_of=[org])

    assert people.get(agent, f"/organizations/{org}/availability").json() == {"available": True}
    assert people.put(agent, f"/organizations/{org}/availability", {"available": False}).json() == {"available": False}
    assert people.get(agent, f"/organizations/{org}/availability").json() == {"available": False}


def test_only_admins_switch_auto_assignment_and_outsiders_get_404(people: People, db: Db) -> None:
    org, _ = _organization(db)
    beta, _ = _organization(db, "Beta")
    admin, agent, outsider = people.make(admin_of=[org]), people.make(agent_of=[org]), people.make(admin_of=[beta])

    assert people.put(agent, f"/organizations/{org}/inbox-settings", {"autoAssign": True}).status_code == 403
    assert people.put(outsider, f"/organizations/{org}/inbox-settings", {"autoAssign": True}).status_code == 404
    assert people.get(outsider, f"/organizations/{org}/availability").status_code == 404
    assert people.put(admin, f"/organizations/{org}/inbox-settings", {"autoAssign": True}).json() == {
        "autoAssign": True
    }
    assert people.get(agent, f"/organizations/{org}/inbox-settings").json() == {"autoAssign": True}


def _hand_off(visitor: WidgetClient) -> UUID:
    answer = visitor.post("Quiero hablar con una persona, por favor")
    assert answer.body["handoff"] is True
    return UUID(answer.body["conversationId"])


def test_handoffs_go_round_robin_to_available_members_and_never_to_away_ones(
    people: People, db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    org = tenant.organization_id
    admin = people.make(admin_of=[org])
    first, second, away = people.make(agent_of=[org]), people.make(agent_of=[org]), people.make(agent_of=[org])
    people.put(admin, f"/organizations/{org}/inbox-settings", {"autoAssign": True})
    people.put(admin, f"/organizations/{org}/availability", {"available": False})
    people.put(away, f"/organizations/{org}/availability", {"available": False})

    assignees = [_assignee(db, _hand_off(visitor.another_visitor())) for _ in range(4)]

    assert set(assignees) == {first.id, second.id}
    assert assignees[0] != assignees[1]
    assert assignees[:2] == assignees[2:]


def test_without_auto_assignment_a_handoff_waits_unassigned(
    people: People, db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    people.make(agent_of=[tenant.organization_id])

    assert _assignee(db, _hand_off(visitor)) is None


def test_when_everyone_is_away_a_handoff_waits_unassigned(
    people: People, db: Db, tenant: Tenant, visitor: WidgetClient
) -> None:
    org = tenant.organization_id
    admin = people.make(admin_of=[org])
    people.put(admin, f"/organizations/{org}/inbox-settings", {"autoAssign": True})
    people.put(admin, f"/organizations/{org}/availability", {"available": False})

    assert _assignee(db, _hand_off(visitor)) is None
