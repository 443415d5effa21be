"""Channels: org admins and super admins write, agents read, outsiders get 404; plan limits hold even
under concurrent creation; what is set here is what the widget API enforces."""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.rows import dict_row

from chatflow import channels
from chatflow.errors import PlanLimitReached
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.support.callers import admin_of
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _setup(people: People, db: Db, plan: str = "starter") -> tuple[UUID, Person]:
    acme = create_organization(db, name="Acme", plan=plan)  # type: ignore[arg-type]
    return acme, people.make(admin_of=[acme])


def _create(people: People, who: Person, organization_id: UUID, **fields: Any) -> Any:
    return people.post(who, f"/organizations/{organization_id}/channels", {"name": "Website", **fields})


def test_an_org_admin_creates_a_website_channel_with_its_public_key_and_embed_snippet(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme)

    assert answer.status_code == 201
    body = answer.json()
    public_key = UUID(body["publicKey"])
    assert db.execute("SELECT public_key FROM channels WHERE id = %s", (body["id"],)).fetchone() == {
        "public_key": public_key
    }
    assert body["embedSnippet"] == (
        f'<script src="http://127.0.0.1:8000/widget/chatflow360.js" data-key="{public_key}" defer></script>'
    )
    assert (body["type"], body["active"], body["allowedOrigins"], body["handoffEnabled"]) == (
        "website",
        True,
        [],
        True,
    )
    assert (body["handoffKeywords"], body["systemPrompt"]) == (None, None)  # inherited


def test_the_embed_snippet_follows_the_dashboards_origin(
    people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme, admin = _setup(people, db)
    monkeypatch.setenv("DASHBOARD_URL", "https://app.chatflow360.com/dashboard")
    get_settings.cache_clear()

    body = _create(people, admin, acme).json()

    assert body["embedSnippet"].startswith('<script src="https://app.chatflow360.com/widget/chatflow360.js"')


@pytest.mark.parametrize("channel_type", ["whatsapp", "messenger"])
def test_channels_that_are_not_websites_have_no_embed_snippet(people: People, db: Db, channel_type: str) -> None:
    acme, admin = _setup(people, db)

    body = _create(people, admin, acme, type=channel_type).json()

    assert (body["type"], body["embedSnippet"]) == (channel_type, None)


def test_an_unknown_channel_type_is_400(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme, type="telegram")

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_allowed_origins_are_normalised(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    body = _create(
        people,
        admin,
        acme,
        allowedOrigins=[
            "HTTPS://Shop.Example.com:443/",
            "https://shop.example.com",
            "https://café.example:8443",
            "http://localhost:5173",
        ],
    ).json()

    assert body["allowedOrigins"] == [
        "https://shop.example.com",
        "https://xn--caf-dma.example:8443",
        "http://localhost:5173",
    ]


@pytest.mark.parametrize(
    "origin",
    [
        "http://shop.example.com",
        "https://shop.example.com/page",
        "https://shop.example.com?x=1",
        "https://user:pass@shop.example.com",
        "ftp://shop.example.com",
        "shop.example.com",
        "https://shop example.com",
        "https://shop.example.com:99999",
        "*",
    ],
)
def test_an_origin_that_is_not_scheme_host_and_port_is_400(people: People, db: Db, origin: str) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme, allowedOrigins=[origin])

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert answer.json()["error"]["message"].startswith("allowedOrigins")


@pytest.mark.parametrize(
    "fields",
    [
        {"name": "NUL\u0000inside"},
        {"systemPrompt": "NUL\u0000inside"},
        {"handoffKeywords": ["NUL\u0000inside"]},
        {"allowedOrigins": ["https://nul\u0000inside.example"]},
    ],
)
def test_text_with_a_nul_character_is_400_not_500(people: People, db: Db, fields: dict[str, Any]) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme, **fields)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_more_than_20_allowed_origins_is_400(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme, allowedOrigins=[f"https://s{n}.example.com" for n in range(21)])

    assert answer.status_code == 400


def test_handoff_keywords_are_trimmed_and_deduplicated(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    body = _create(people, admin, acme, handoffKeywords=["  speak  to   Bob ", "speak to bob", "manager"]).json()

    assert body["handoffKeywords"] == ["speak to Bob", "manager"]


@pytest.mark.parametrize(
    "keywords", [[f"kw{n}" for n in range(51)], ["x" * 61], ["   "]], ids=["51 keywords", "61 characters", "blank"]
)
def test_handoff_keywords_beyond_the_limits_are_400(people: People, db: Db, keywords: list[str]) -> None:
    acme, admin = _setup(people, db)

    answer = _create(people, admin, acme, handoffKeywords=keywords)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("handoffKeywords")


def test_a_system_prompt_of_8000_characters_is_the_longest_accepted(people: People, db: Db) -> None:
    acme, admin = _setup(people, db, "pro")

    longest = _create(people, admin, acme, systemPrompt="x" * 8000)
    too_long = _create(people, admin, acme, systemPrompt="x" * 8001)

    assert longest.status_code == 201
    assert too_long.status_code == 400
    assert too_long.json()["error"]["message"].startswith("systemPrompt")


@pytest.mark.parametrize(("plan", "limit"), [("starter", 1), ("pro", 3), ("growth", 10)])
def test_each_plan_allows_its_number_of_channels_then_409_plan_limit(
    people: People, db: Db, plan: str, limit: int
) -> None:
    acme, admin = _setup(people, db, plan)

    created = [_create(people, admin, acme, name=f"Site {n}").status_code for n in range(limit)]
    refused = _create(people, admin, acme, name="One too many")

    assert created == [201] * limit
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "plan_limit"
    assert db.execute("SELECT count(*) AS n FROM channels").fetchone() == {"n": limit}


def test_a_super_admin_is_held_to_the_plan_limit_too(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    root = people.make(super_admin=True)
    _create(people, admin, acme)

    assert _create(people, root, acme).status_code == 409


def test_concurrent_creations_never_pass_the_plan_limit(db: Db, database_url: str) -> None:
    acme = create_organization(db, name="Acme", plan="pro")
    attempts = 8
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = []

    def create(n: int) -> None:
        with psycopg.connect(database_url, row_factory=dict_row) as conn, conn.transaction():
            barrier.wait()
            try:
                channels.create_channel(conn, admin_of(acme), acme, name=f"Site {n}")
                outcomes.append("created")
            except PlanLimitReached as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["created"] * 3 + ["plan_limit"] * 5
    assert db.execute("SELECT count(*) AS n FROM channels").fetchone() == {"n": 3}


def test_agents_read_the_channels(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    agent = people.make(agent_of=[acme])
    channel = _create(people, admin, acme).json()

    listed = people.get(agent, f"/organizations/{acme}/channels")
    one = people.get(agent, f"/organizations/{acme}/channels/{channel['id']}")

    assert listed.status_code == one.status_code == 200
    assert listed.json() == [channel]
    assert one.json() == channel


@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_agents_may_not_write_channels(people: People, db: Db, action: str) -> None:
    acme, admin = _setup(people, db, "pro")
    agent = people.make(agent_of=[acme])
    channel = _create(people, admin, acme).json()
    path = f"/organizations/{acme}/channels/{channel['id']}"

    if action == "create":
        answer = _create(people, agent, acme)
    elif action == "update":
        answer = people.patch(agent, path, {"name": "Mine"})
    else:
        answer = people.delete(agent, path)

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert people.get(admin, f"/organizations/{acme}/channels").json() == [channel]


def test_a_super_admin_manages_the_channels_of_any_organisation(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme", plan="pro")
    root = people.make(super_admin=True)

    created = _create(people, root, acme)
    changed = people.patch(root, f"/organizations/{acme}/channels/{created.json()['id']}", {"active": False})
    deleted = people.delete(root, f"/organizations/{acme}/channels/{created.json()['id']}")

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert changed.json()["active"] is False


@pytest.mark.parametrize("action", ["get", "update", "delete"])
def test_a_channel_of_another_organisation_answers_404_like_a_missing_one(people: People, db: Db, action: str) -> None:
    acme, admin = _setup(people, db)
    beta = create_organization(db, name="Beta")
    beta_admin = people.make(admin_of=[beta])
    beta_channel = _create(people, beta_admin, beta).json()

    def call(channel_id: Any) -> Any:
        path = f"/organizations/{acme}/channels/{channel_id}"  # through the caller's own organisation
        if action == "get":
            return people.get(admin, path)
        if action == "update":
            return people.patch(admin, path, {"name": "Hacked"})
        return people.delete(admin, path)

    other, missing = call(beta_channel["id"]), call(uuid4())

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"error": {"code": "channel_not_found", "message": "No such channel."}}
    assert people.get(beta_admin, f"/organizations/{beta}/channels/{beta_channel['id']}").json() == beta_channel


@pytest.mark.parametrize("action", ["list", "create", "get", "update", "delete"])
def test_an_outsider_gets_404_on_another_organisations_channels(people: People, db: Db, action: str) -> None:
    beta = create_organization(db, name="Beta", plan="pro")
    beta_channel = _create(people, people.make(admin_of=[beta]), beta).json()
    outsider = people.make(admin_of=[create_organization(db, name="Gamma")])

    def call(organization_id: UUID) -> Any:
        base = f"/organizations/{organization_id}/channels"
        if action == "list":
            return people.get(outsider, base)
        if action == "create":
            return _create(people, outsider, organization_id)
        if action == "get":
            return people.get(outsider, f"{base}/{beta_channel['id']}")
        if action == "update":
            return people.patch(outsider, f"{base}/{beta_channel['id']}", {"name": "Hacked"})
        return people.delete(outsider, f"{base}/{beta_channel['id']}")

    other, missing = call(beta), call(uuid4())

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert db.execute("SELECT name FROM channels").fetchall() == [{"name": "Website"}]


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("post", ""), ("get", "/x"), ("patch", "/x"), ("delete", "/x")]
)
def test_every_channel_route_is_401_without_a_token(people: People, db: Db, method: str, suffix: str) -> None:
    acme = create_organization(db, name="Acme")
    path = f"/api/dashboard/organizations/{acme}/channels{suffix.replace('/x', f'/{uuid4()}')}"

    answer = people.client.request(method.upper(), path, json={"name": "Website"})

    assert answer.status_code == 401


def test_a_patch_changes_only_the_fields_it_sends(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(
        people, admin, acme, systemPrompt="Be brief.", handoffKeywords=["manager"], allowedOrigins=["https://a.example"]
    ).json()

    answer = people.patch(
        admin, f"/organizations/{acme}/channels/{channel['id']}", {"name": "Shop", "handoffEnabled": False}
    )

    body = answer.json()
    assert answer.status_code == 200
    assert (body["name"], body["handoffEnabled"]) == ("Shop", False)
    assert (body["systemPrompt"], body["handoffKeywords"], body["allowedOrigins"]) == (
        "Be brief.",
        ["manager"],
        ["https://a.example"],
    )
    assert body["publicKey"] == channel["publicKey"]


def test_null_overrides_inherit_the_organisations_settings_again(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme, systemPrompt="Be brief.", handoffKeywords=["manager"]).json()

    answer = people.patch(
        admin, f"/organizations/{acme}/channels/{channel['id']}", {"systemPrompt": None, "handoffKeywords": None}
    )

    assert (answer.json()["systemPrompt"], answer.json()["handoffKeywords"]) == (None, None)
    row = db.execute("SELECT system_prompt, handoff_keywords FROM channels").fetchone()
    assert row == {"system_prompt": None, "handoff_keywords": None}


@pytest.mark.parametrize("field", ["name", "type", "active", "allowedOrigins", "handoffEnabled"])
def test_null_for_a_field_that_cannot_inherit_is_400(people: People, db: Db, field: str) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    answer = people.patch(admin, f"/organizations/{acme}/channels/{channel['id']}", {field: None})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_deleting_a_channel_makes_its_widget_answer_404(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()
    visitor = WidgetClient(UUID(channel["publicKey"]), uuid4())
    assert visitor.post("Hello").status == 200

    answer = people.delete(admin, f"/organizations/{acme}/channels/{channel['id']}")

    assert answer.status_code == 204
    assert visitor.post("Hello again").status == 404
    assert _create(people, admin, acme).status_code == 201  # room in the plan again


def test_a_deactivated_channel_stops_answering_its_widget(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    people.patch(admin, f"/organizations/{acme}/channels/{channel['id']}", {"active": False})

    assert WidgetClient(UUID(channel["publicKey"]), uuid4()).post("Hello").status == 404


def test_allowed_origins_set_here_are_enforced_by_the_widget_api(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme, allowedOrigins=["https://Coffee.Example/"]).json()
    visitor = WidgetClient(UUID(channel["publicKey"]), uuid4())
    body = json.dumps({"publicKey": channel["publicKey"], "visitorId": str(visitor.visitor_id), "message": "Hi"})

    foreign = visitor.post_raw(body, headers={"Origin": "https://evil.example"})
    listed = visitor.post_raw(body, headers={"Origin": "https://coffee.example"})

    assert (foreign.status, foreign.error_code) == (403, "origin_not_allowed")
    assert listed.status == 200


def test_a_channels_own_handoff_keywords_hand_the_conversation_to_a_person(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme, handoffKeywords=["hablar con Marta"]).json()
    visitor = WidgetClient(UUID(channel["publicKey"]), uuid4())

    inherited = visitor.post("I want a human")  # an organisation default, overridden by this channel
    own = visitor.another_visitor().post("Quiero hablar con marta, por favor")

    assert inherited.body["handoff"] is False
    assert (own.body["handoff"], own.body["responderMode"]) == (True, "human")
