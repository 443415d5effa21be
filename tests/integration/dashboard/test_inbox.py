"""The inbox: list, read, answer, take over, release, close, reopen — for every role, against the
real database, with the visitor's side played by the real widget functions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from chatflow.vocabulary import Plan
from tests.integration.conftest import Tenant
from tests.support.callers import super_admin
from tests.support.people import People, Person
from tests.support.realtime import serve_gateway
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@dataclass(frozen=True)
class Shop:
    organization_id: UUID
    channel_id: UUID


def _shop(db: Db, name: str, channel: str = "Website", plan: Plan = "starter") -> Shop:
    organization_id = create_organization(db, name=name, plan=plan)
    return Shop(organization_id, create_channel(db, super_admin(), organization_id, name=channel).id)


def _conversation(
    db: Db,
    shop: Shop,
    *messages: tuple[str, str],
    minutes_ago: float = 0,
    status: str = "open",
    mode: str = "ai",
    language: str = "en",
    page_url: str | None = None,
    channel_id: UUID | None = None,
) -> UUID:
    """A conversation whose last activity was `minutes_ago`, with (role, content) messages written
    a second apart up to then."""
    row = db.execute(
        """
        INSERT INTO conversations (channel_id, organization_id, visitor_id, status, responder_mode, language,
                                   page_url, created_at, last_message_at, closed_at)
        VALUES (%(channel)s, %(org)s, gen_random_uuid(), %(status)s, %(mode)s, %(language)s, %(page_url)s,
                now() - make_interval(secs => %(seconds)s + 3600), now() - make_interval(secs => %(seconds)s),
                CASE WHEN %(status)s = 'closed' THEN now() END)
        RETURNING id, last_message_at
        """,
        {
            "channel": channel_id or shop.channel_id,
            "org": shop.organization_id,
            "status": status,
            "mode": mode,
            "language": language,
            "page_url": page_url,
            "seconds": minutes_ago * 60,
        },
    ).fetchone()
    assert row is not None
    for position, (role, content) in enumerate(messages or [("visitor", "hello")]):
        db.execute(
            """
            INSERT INTO messages (conversation_id, organization_id, role, content, created_at)
            VALUES (%s, %s, %s, %s, %s - make_interval(secs => %s))
            """,
            (row["id"], shop.organization_id, role, content, row["last_message_at"], len(messages) - 1 - position),
        )
    conversation_id: UUID = row["id"]
    return conversation_id


def _ids(answer: Any) -> list[str]:
    return [item["id"] for item in answer.json()["items"]]


def _usage_messages(db: Db, organization_id: UUID) -> int:
    row = db.execute("SELECT messages FROM usage_tracking WHERE organization_id = %s", (organization_id,)).fetchone()
    return int(row["messages"]) if row else 0


# --- GET /conversations: who sees what -------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "agent"])
def test_a_member_lists_only_its_organisations_conversations(people: People, db: Db, role: str) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    mine = _conversation(db, acme)
    _conversation(db, beta)
    person = _person(people, role, acme.organization_id)

    answer = people.get(person, "/conversations")

    assert answer.status_code == 200
    assert _ids(answer) == [str(mine)]


def test_a_super_admin_lists_every_organisations_conversations(people: People, db: Db) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    ids = {str(_conversation(db, acme)), str(_conversation(db, beta))}

    answer = people.get(people.make(super_admin=True), "/conversations")

    assert set(_ids(answer)) == ids


def test_a_member_of_another_organisation_filtering_by_this_one_gets_404(people: People, db: Db) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    _conversation(db, acme)
    outsider = people.make(admin_of=[beta.organization_id])

    answer = people.get(outsider, "/conversations", organizationId=str(acme.organization_id))

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "organization_not_found"


def test_listing_without_a_token_is_refused(people: People) -> None:
    answer = people.get(None, "/conversations")

    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "missing_token"


def test_an_item_carries_its_channel_last_message_count_and_assignee(people: People, db: Db) -> None:
    acme = _shop(db, "Acme", channel="Tienda")
    long_answer = "x" * 250
    conversation = _conversation(
        db, acme, ("visitor", "hola"), ("ai", long_answer), language="es", page_url="https://acme.example/precios"
    )
    agent = people.make(agent_of=[acme.organization_id])
    db.execute("UPDATE conversations SET assigned_user_id = %s WHERE id = %s", (agent.id, conversation))

    item = people.get(agent, "/conversations").json()["items"][0]

    assert item["id"] == str(conversation)
    assert item["organizationId"] == str(acme.organization_id)
    assert item["channelId"] == str(acme.channel_id)
    assert item["channelName"] == "Tienda"
    assert (item["status"], item["responderMode"], item["language"]) == ("open", "ai", "es")
    assert item["pageUrl"] == "https://acme.example/precios"
    assert UUID(item["visitorId"])
    assert item["lastMessage"]["role"] == "ai"
    assert item["lastMessage"]["content"] == "x" * 200
    assert item["lastMessage"]["createdAt"].endswith("Z")
    assert item["messageCount"] == 2
    assert item["lastMessageAt"].endswith("Z")
    assert item["createdAt"].endswith("Z")
    assert item["assignedUser"] == {"id": agent.id, "name": agent.email.split("@")[0]}
    assert item["needsHuman"] is False


def test_needs_human_marks_only_conversations_waiting_for_a_person(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    waiting = _conversation(db, acme, status="pending", mode="human")
    _conversation(db, acme, status="open", mode="human")
    _conversation(db, acme, status="open", mode="ai")
    agent = people.make(agent_of=[acme.organization_id])

    items = people.get(agent, "/conversations").json()["items"]

    assert [i["id"] for i in items if i["needsHuman"]] == [str(waiting)]


# --- filters -----------------------------------------------------------------------------------------


def test_status_filter_is_repeatable(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    open_ = _conversation(db, acme, status="open")
    pending = _conversation(db, acme, status="pending", mode="human")
    _conversation(db, acme, status="closed")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.client.get(
        "/api/dashboard/conversations", headers=agent.headers, params=[("status", "open"), ("status", "pending")]
    )

    assert answer.status_code == 200
    assert set(_ids(answer)) == {str(open_), str(pending)}


def test_filters_by_responder_mode_language_and_channel(people: People, db: Db) -> None:
    acme = _shop(db, "Acme", plan="pro")  # room for two channels
    other_channel = create_channel(db, super_admin(), acme.organization_id, name="Landing").id
    target = _conversation(db, acme, mode="human", language="es", channel_id=other_channel)
    _conversation(db, acme, mode="human", language="es")
    _conversation(db, acme, mode="ai", language="es", channel_id=other_channel)
    _conversation(db, acme, mode="human", language="en", channel_id=other_channel)
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.get(agent, "/conversations", responderMode="human", language="es", channelId=str(other_channel))

    assert _ids(answer) == [str(target)]


def test_filters_by_organisation_for_a_member_of_several(people: People, db: Db) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    _conversation(db, acme)
    in_beta = _conversation(db, beta)
    agent = people.make(agent_of=[acme.organization_id, beta.organization_id])

    answer = people.get(agent, "/conversations", organizationId=str(beta.organization_id))

    assert _ids(answer) == [str(in_beta)]


def _active_on(db: Db, shop: Shop, *days: str) -> list[UUID]:
    """Conversations whose last activity was at 10:00 UTC on each of `days`."""
    ids = [_conversation(db, shop) for _ in days]
    for conversation, day in zip(ids, days, strict=True):
        db.execute("UPDATE conversations SET last_message_at = %s WHERE id = %s", (f"{day}T10:00:00Z", conversation))
    return ids


def test_from_and_to_as_days_include_both_whole_days(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    _, second, third, _ = _active_on(db, acme, "2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.get(agent, "/conversations", **{"from": "2026-01-02", "to": "2026-01-03"})

    assert _ids(answer) == [str(third), str(second)]


def test_from_and_to_as_instants_are_inclusive(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    _, second, _ = _active_on(db, acme, "2026-01-01", "2026-01-02", "2026-01-03")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.get(agent, "/conversations", **{"from": "2026-01-02T10:00:00Z", "to": "2026-01-02T10:00:00Z"})

    assert _ids(answer) == [str(second)]


def test_from_after_to_is_a_bad_request(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.get(agent, "/conversations", **{"from": "2026-03-05", "to": "2026-03-01"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_search_finds_words_in_any_message_ignoring_case_and_accents(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    cafe = _conversation(db, acme, ("visitor", "Hola"), ("ai", "Nuestro CAFÉ de Colombia cuesta 10 €"))
    nino = _conversation(db, acme, ("visitor", "¿Tienen menú para niño?"))
    _conversation(db, acme, ("visitor", "Do you sell tea?"))
    agent = people.make(agent_of=[acme.organization_id])

    assert _ids(people.get(agent, "/conversations", q="café")) == [str(cafe)]
    assert _ids(people.get(agent, "/conversations", q="cafe de colombia")) == [str(cafe)]
    assert _ids(people.get(agent, "/conversations", q="MENU PARA NINO")) == [str(nino)]


def test_search_takes_like_wildcards_literally(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    percent = _conversation(db, acme, ("visitor", "Is it 100% arabica?"))
    underscore = _conversation(db, acme, ("visitor", "my order is A_1"))
    _conversation(db, acme, ("visitor", "1000 beans and AB1"))
    agent = people.make(agent_of=[acme.organization_id])

    assert _ids(people.get(agent, "/conversations", q="100%")) == [str(percent)]
    assert _ids(people.get(agent, "/conversations", q="A_1")) == [str(underscore)]
    assert _ids(people.get(agent, "/conversations", q="%")) == [str(percent)]
    assert _ids(people.get(agent, "/conversations", q="\\")) == []


def test_search_never_reaches_another_organisations_messages(people: People, db: Db) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    _conversation(db, beta, ("visitor", "secret recipe"))
    agent = people.make(agent_of=[acme.organization_id])

    assert _ids(people.get(agent, "/conversations", q="secret")) == []


# --- pagination -----------------------------------------------------------------------------------


def test_pages_follow_newest_activity_first_without_duplicates_or_gaps(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    created = [_conversation(db, acme, minutes_ago=m) for m in (5, 1, 9, 3, 7, 2, 8)]
    # Three share one instant: the id breaks the tie, and no page boundary may drop or repeat one.
    db.execute("UPDATE conversations SET last_message_at = '2026-01-01T00:00:00Z' WHERE id = ANY(%s)", (created[4:],))
    agent = people.make(agent_of=[acme.organization_id])

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = people.get(agent, "/conversations", **params).json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        cursor = body["nextCursor"]
        if cursor is None:
            break

    expected = db.execute(
        "SELECT id::text FROM conversations ORDER BY last_message_at DESC, id DESC",
    ).fetchall()
    assert seen == [r["id"] for r in expected]
    assert len(set(seen)) == 7
    assert pages == 4


def test_the_last_page_has_no_next_cursor(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    _conversation(db, acme)
    _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    body = people.get(agent, "/conversations", limit=2).json()

    assert len(body["items"]) == 2
    assert body["nextCursor"] is None


def test_a_cursor_keeps_the_filters_it_is_used_with(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    wanted = [_conversation(db, acme, ("visitor", "refund please"), minutes_ago=m) for m in (1, 2, 3)]
    for m in (1.5, 2.5):
        _conversation(db, acme, ("visitor", "hello"), minutes_ago=m)
    agent = people.make(agent_of=[acme.organization_id])

    first = people.get(agent, "/conversations", q="refund", limit=2).json()
    second = people.get(agent, "/conversations", q="refund", limit=2, cursor=first["nextCursor"]).json()

    assert [i["id"] for i in first["items"] + second["items"]] == [str(c) for c in wanted]


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "WyJub3QtYS1kYXRlIiwibm90LWEtdXVpZCJd"])
def test_a_cursor_the_api_did_not_issue_is_a_bad_request(people: People, db: Db, cursor: str) -> None:
    acme = _shop(db, "Acme")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.get(agent, "/conversations", cursor=cursor)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("limit", [0, 101])
def test_a_page_size_outside_1_to_100_is_a_bad_request(people: People, db: Db, limit: int) -> None:
    agent = people.make(agent_of=[_shop(db, "Acme").organization_id])

    answer = people.get(agent, "/conversations", limit=limit)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


# --- GET /conversations/{id} ---------------------------------------------------------------------------


def test_a_conversation_comes_with_every_message_and_the_visitors_metadata(
    people: People, tenant: Tenant, visitor: WidgetClient, db: Db
) -> None:
    started = visitor.post("What time do you open?", pageUrl="https://acme.example/hours", lang="en")
    conversation = started.body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "We open at 8."})

    answer = people.get(agent, f"/conversations/{conversation}")

    assert answer.status_code == 200
    body = answer.json()
    assert body["id"] == conversation
    assert body["visitorId"] == str(visitor.visitor_id)
    assert body["pageUrl"] == "https://acme.example/hours"
    assert isinstance(body["visitorMetadata"], dict)
    assert [m["role"] for m in body["messages"]] == ["visitor", "ai", "agent"]
    visitor_message, ai_message, agent_message = body["messages"]
    assert visitor_message["author"] is None
    assert visitor_message["model"] is None
    assert ai_message["content"] == started.body["reply"]["content"]
    assert ai_message["tokensUsed"] == 0
    assert ai_message["author"] is None
    assert agent_message["author"] == {"id": agent.id, "name": agent.email.split("@")[0]}
    assert agent_message["model"] is None
    assert agent_message["tokensUsed"] is None
    assert body["messageCount"] == 3


def test_an_ai_message_shows_its_model_and_tokens(
    people: People, tenant: Tenant, visitor: WidgetClient, fake_openai: Any
) -> None:
    conversation = visitor.post("Hi").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    ai_message = people.get(agent, f"/conversations/{conversation}").json()["messages"][1]

    assert (ai_message["role"], ai_message["model"], ai_message["tokensUsed"]) == ("ai", "gpt-4o-mini", 42)


@pytest.mark.parametrize("role", ["super_admin", "admin", "agent"])
def test_every_role_of_the_organisation_reads_a_conversation(people: People, db: Db, role: str) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    person = _person(people, role, acme.organization_id)

    assert people.get(person, f"/conversations/{conversation}").status_code == 200


def test_another_organisations_conversation_answers_like_a_missing_one(people: People, db: Db) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    theirs = _conversation(db, beta)
    agent = people.make(agent_of=[acme.organization_id])

    other = people.get(agent, f"/conversations/{theirs}")
    missing = people.get(agent, f"/conversations/{uuid4()}")

    assert other.status_code == missing.status_code == 404
    assert (
        other.json()
        == missing.json()
        == {"error": {"code": "conversation_not_found", "message": "No such conversation."}}
    )


def test_reading_a_conversation_without_a_token_is_refused(people: People, db: Db) -> None:
    conversation = _conversation(db, _shop(db, "Acme"))

    assert people.get(None, f"/conversations/{conversation}").status_code == 401


def test_a_conversation_id_that_is_not_a_uuid_is_a_bad_request(people: People, db: Db) -> None:
    agent = people.make(agent_of=[_shop(db, "Acme").organization_id])

    answer = people.get(agent, "/conversations/not-a-uuid")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


# --- POST /conversations/{id}/messages ---------------------------------------------------------------------


def test_an_agent_message_is_stored_with_its_author_and_trimmed(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.post(agent, f"/conversations/{conversation}/messages", {"content": "  Hello, I'm Ana.  "})

    assert answer.status_code == 201
    body = answer.json()
    assert (body["role"], body["content"]) == ("agent", "Hello, I'm Ana.")
    assert body["author"]["id"] == agent.id
    stored = db.execute("SELECT author_user_id, role FROM messages WHERE id = %s", (body["id"],)).fetchone()
    assert stored == {"author_user_id": agent.id, "role": "agent"}


def test_an_agent_message_hands_the_conversation_to_a_person_and_assigns_the_author(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="pending", mode="human")
    agent = people.make(agent_of=[acme.organization_id])

    people.post(agent, f"/conversations/{conversation}/messages", {"content": "I'm here."})

    body = people.get(agent, f"/conversations/{conversation}").json()
    assert (body["status"], body["responderMode"], body["needsHuman"]) == ("open", "human", False)
    assert body["assignedUser"]["id"] == agent.id
    assert body["lastMessage"]["content"] == "I'm here."


def test_an_agent_message_keeps_the_conversation_with_whoever_was_assigned(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, mode="human")
    first, second = people.make(agent_of=[acme.organization_id]), people.make(agent_of=[acme.organization_id])
    people.post(first, f"/conversations/{conversation}/messages", {"content": "one"})

    people.post(second, f"/conversations/{conversation}/messages", {"content": "two"})

    assert people.get(second, f"/conversations/{conversation}").json()["assignedUser"]["id"] == first.id


def test_an_agent_message_counts_in_the_months_usage(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])
    before = _usage_messages(db, acme.organization_id)

    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hello"})

    assert _usage_messages(db, acme.organization_id) == before + 1


def test_the_visitor_sees_the_agents_message_in_the_widget(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    started = visitor.post("I need help with my order")
    conversation = started.body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    sent = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi, I'm Ana. Order number?"})
    seen = visitor.history(conversation, after=started.body["reply"]["id"])

    assert seen.status == 200
    assert seen.body["responderMode"] == "human"
    assert [(m["id"], m["role"], m["content"]) for m in seen.body["messages"]] == [
        (sent.json()["id"], "agent", "Hi, I'm Ana. Order number?")
    ]


def test_a_visitor_with_a_live_widget_receives_the_agents_message_and_the_take_over_at_once(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    from chatflow.settings import get_settings

    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    with serve_gateway(workers=1, scheduled=()) as gateway:
        get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL now points at this gateway
        with gateway.connect(
            publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation
        ) as widget:
            people.post(agent, f"/conversations/{conversation}/takeover")
            sent = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi, I'm Ana."})
            events = widget.events(4)
            assert widget.nothing_more()

    assert [e["type"] for e in events] == [
        "conversation.updated",
        "message.created",
        "conversation.updated",
        "message.created",
    ]
    assert events[0]["data"]["responderMode"] == "human"
    assert events[1]["data"]["content"] == "An agent joined the conversation."
    message = events[3]["data"]
    assert (message["id"], message["role"], message["content"]) == (sent.json()["id"], "agent", "Hi, I'm Ana.")
    assert message["createdAt"][:23] == sent.json()["createdAt"][:23]  # the socket speaks milliseconds


def test_the_visitor_sees_an_agent_by_their_first_name_only_live_and_in_the_history(
    people: People, tenant: Tenant, visitor: WidgetClient, db: psycopg.Connection[dict[str, Any]]
) -> None:
    from chatflow.settings import get_settings

    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    db.execute("UPDATE users SET name = 'Ana María López' WHERE id = %s", (agent.id,))

    with serve_gateway(workers=1, scheduled=()) as gateway:
        get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL now points at this gateway
        with gateway.connect(
            publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation
        ) as widget:
            people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hola, soy Ana."})
            live = next(e for e in widget.events(2) if e["type"] == "message.created" and e["data"]["role"] == "agent")

    history = visitor.history(conversation).body["messages"]
    assert live["data"]["authorName"] == "Ana"
    assert [m.get("authorName") for m in history if m["role"] == "agent"] == ["Ana"]
    assert all("authorName" not in m for m in history if m["role"] != "agent")
    assert "López" not in str(history) + str(live)


def test_after_an_agent_answers_the_ai_stays_silent(people: People, tenant: Tenant, visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hi, a person here."})

    answer = visitor.post("Great, thanks", conversationId=conversation)

    assert answer.status == 200
    assert answer.body["responderMode"] == "human"
    assert answer.body["reply"] is None


@pytest.mark.parametrize("content", ["", "   ", "x" * 5_001, "nul\x00byte"])
def test_an_empty_overlong_or_unstorable_agent_message_is_a_bad_request(people: People, db: Db, content: str) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.post(agent, f"/conversations/{conversation}/messages", {"content": content})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_an_agent_message_of_5000_characters_is_accepted(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    assert people.post(agent, f"/conversations/{conversation}/messages", {"content": "x" * 5_000}).status_code == 201


def test_an_agent_message_to_a_closed_conversation_is_a_conflict(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="closed")
    agent = people.make(agent_of=[acme.organization_id])

    answer = people.post(agent, f"/conversations/{conversation}/messages", {"content": "Hello?"})

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "conversation_closed"


# --- who may act ----------------------------------------------------------------------------------------


def _person(people: People, role: str, organization_id: UUID) -> Person:
    if role == "super_admin":
        return people.make(super_admin=True)
    if role == "admin":
        return people.make(admin_of=[organization_id])
    return people.make(agent_of=[organization_id])


_ACTIONS = [
    ("messages", {"content": "Hello"}, 201),
    ("takeover", None, 200),
    ("release", None, 200),
    ("close", None, 200),
    ("reopen", None, 200),
]


@pytest.mark.parametrize("role", ["super_admin", "admin", "agent"])
@pytest.mark.parametrize(("action", "body", "expected"), _ACTIONS, ids=[a[0] for a in _ACTIONS])
def test_every_role_of_the_organisation_may_act_on_a_conversation(
    people: People, db: Db, role: str, action: str, body: Any, expected: int
) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, mode="human" if action == "release" else "ai")
    person = _person(people, role, acme.organization_id)

    answer = people.post(person, f"/conversations/{conversation}/{action}", body)

    assert answer.status_code == expected


@pytest.mark.parametrize(("action", "body", "expected"), _ACTIONS, ids=[a[0] for a in _ACTIONS])
def test_a_member_of_another_organisation_acting_on_a_conversation_gets_404_and_changes_nothing(
    people: People, db: Db, action: str, body: Any, expected: int
) -> None:
    acme, beta = _shop(db, "Acme"), _shop(db, "Beta")
    conversation = _conversation(db, acme, mode="human" if action == "release" else "ai")
    before = db.execute("SELECT * FROM conversations WHERE id = %s", (conversation,)).fetchone()
    outsider = people.make(admin_of=[beta.organization_id])

    answer = people.post(outsider, f"/conversations/{conversation}/{action}", body)

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "conversation_not_found"
    assert db.execute("SELECT * FROM conversations WHERE id = %s", (conversation,)).fetchone() == before
    assert db.execute("SELECT count(*) AS n FROM messages WHERE conversation_id = %s", (conversation,)).fetchone() == {
        "n": 1
    }


@pytest.mark.parametrize(("action", "body", "expected"), _ACTIONS, ids=[a[0] for a in _ACTIONS])
def test_acting_on_a_conversation_without_a_token_is_refused(
    people: People, db: Db, action: str, body: Any, expected: int
) -> None:
    conversation = _conversation(db, _shop(db, "Acme"))

    assert people.post(None, f"/conversations/{conversation}/{action}", body).status_code == 401


# --- take over, release, close, reopen ---------------------------------------------------------------------


def test_taking_over_puts_the_caller_in_charge_and_tells_the_visitor_in_their_language(
    people: People, tenant: Tenant, visitor: WidgetClient, db: Db
) -> None:
    started = visitor.post("Hola, una pregunta", lang="es")
    conversation = started.body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    answer = people.post(agent, f"/conversations/{conversation}/takeover")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["responderMode"]) == ("open", "human")
    assert body["assignedUser"]["id"] == agent.id
    assert body["handedOffAt"] is not None
    assert body["messages"][-1]["role"] == "system"
    assert body["messages"][-1]["content"] == "Un agente se unió a la conversación."
    seen = visitor.history(conversation, after=started.body["reply"]["id"]).body
    assert [(m["role"], m["content"]) for m in seen["messages"]] == [("system", "Un agente se unió a la conversación.")]
    assert seen["responderMode"] == "human"


def test_taking_over_an_english_conversation_says_an_agent_joined(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, language="en")
    agent = people.make(agent_of=[acme.organization_id])

    body = people.post(agent, f"/conversations/{conversation}/takeover").json()

    assert body["messages"][-1]["content"] == "An agent joined the conversation."


def test_taking_over_a_waiting_conversation_answers_it_and_keeps_its_first_handoff_time(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="pending", mode="human")
    db.execute("UPDATE conversations SET handed_off_at = '2026-01-01T10:00:00Z' WHERE id = %s", (conversation,))
    agent = people.make(agent_of=[acme.organization_id])

    body = people.post(agent, f"/conversations/{conversation}/takeover").json()

    assert (body["status"], body["needsHuman"]) == ("open", False)
    assert body["handedOffAt"] == "2026-01-01T10:00:00Z"


def test_taking_over_twice_adds_no_second_notice(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])
    people.post(agent, f"/conversations/{conversation}/takeover")

    body = people.post(agent, f"/conversations/{conversation}/takeover").json()

    assert [m["role"] for m in body["messages"]] == ["visitor", "system"]


def test_another_agent_taking_over_a_held_conversation_gets_409_already_assigned(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    first, second = people.make(agent_of=[acme.organization_id]), people.make(agent_of=[acme.organization_id])
    people.post(first, f"/conversations/{conversation}/takeover")

    answer = people.post(second, f"/conversations/{conversation}/takeover")

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "already_assigned"
    assert people.get(first, f"/conversations/{conversation}").json()["assignedUser"]["id"] == first.id


def test_taking_over_does_not_count_as_a_message_in_usage(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    people.post(agent, f"/conversations/{conversation}/takeover")

    assert _usage_messages(db, acme.organization_id) == 0


def test_releasing_gives_the_conversation_back_to_the_ai_which_answers_again(
    people: People, tenant: Tenant, visitor: WidgetClient, fake_openai: Any
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/takeover")

    released = people.post(agent, f"/conversations/{conversation}/release").json()
    answer = visitor.post("Anything else?", conversationId=conversation)

    assert (released["status"], released["responderMode"], released["assignedUser"]) == ("open", "ai", None)
    assert released["messages"][-1]["role"] == "system"
    assert "virtual assistant" in released["messages"][-1]["content"]
    assert answer.body["responderMode"] == "ai"
    assert answer.body["reply"]["role"] == "ai"


def test_releasing_a_conversation_the_ai_already_answers_changes_nothing(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    body = people.post(agent, f"/conversations/{conversation}/release").json()

    assert body["responderMode"] == "ai"
    assert [m["role"] for m in body["messages"]] == ["visitor"]


def test_closing_closes_once_and_again_harmlessly(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme)
    agent = people.make(agent_of=[acme.organization_id])

    first = people.post(agent, f"/conversations/{conversation}/close").json()
    again = people.post(agent, f"/conversations/{conversation}/close").json()

    assert first["status"] == "closed"
    assert first["closedAt"] is not None
    assert again["closedAt"] == first["closedAt"]


def test_a_closed_conversation_cannot_be_taken_over_or_released(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="closed", mode="human")
    agent = people.make(agent_of=[acme.organization_id])

    for action in ("takeover", "release"):
        answer = people.post(agent, f"/conversations/{conversation}/{action}")
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "conversation_closed"


def test_reopening_opens_a_closed_conversation_with_whoever_was_answering(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="closed", mode="human", minutes_ago=600)
    agent = people.make(agent_of=[acme.organization_id])

    body = people.post(agent, f"/conversations/{conversation}/reopen").json()

    assert (body["status"], body["responderMode"], body["closedAt"]) == ("open", "human", None)
    fresh = db.execute(
        "SELECT last_message_at > now() - interval '1 minute' AS fresh FROM conversations WHERE id = %s",
        (conversation,),
    ).fetchone()
    assert fresh == {"fresh": True}  # or the idle cleanup would close it again at once


def test_reopening_an_open_conversation_changes_nothing(people: People, db: Db) -> None:
    acme = _shop(db, "Acme")
    conversation = _conversation(db, acme, status="pending", mode="human")
    agent = people.make(agent_of=[acme.organization_id])

    body = people.post(agent, f"/conversations/{conversation}/reopen").json()

    assert body["status"] == "pending"


def test_the_visitor_can_write_again_in_a_reopened_conversation(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    visitor.close(conversation)
    agent = people.make(agent_of=[tenant.organization_id])
    people.post(agent, f"/conversations/{conversation}/reopen")

    answer = visitor.post("Me again", conversationId=conversation)

    assert answer.body["conversationId"] == conversation
