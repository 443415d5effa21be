"""Organisation API tokens: an admin creates one (shown once, kept hashed), and `Authorization: Bearer
cf360_…` works on the documented subset of the dashboard API with the scope each route names, its
own rate limit, and the same tenant isolation as a person (another organisation's resources answer
404)."""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

ALL_SCOPES = [
    "conversations:read", "conversations:write", "knowledge:read", "knowledge:write", "contacts:read", "reports:read"
]  # fmt: skip


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _create(people: People, admin: Person, organization_id: UUID, *scopes: str, name: str = "CRM sync") -> str:
    answer = people.post(
        admin, f"/organizations/{organization_id}/api-tokens", {"name": name, "scopes": list(scopes) or ALL_SCOPES}
    )
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["token"]
    return token


def _call(api: TestClient, method: str, path: str, token: str, body: Any = None) -> Response:
    return api.request(method, f"/api/dashboard{path}", headers={"Authorization": f"Bearer {token}"}, json=body)


@pytest.fixture
def conversation(tenant: Tenant) -> str:
    conversation_id: str = WidgetClient(tenant.public_key, uuid4()).post("Hello").body["conversationId"]
    return conversation_id


# --- managing tokens ------------------------------------------------------------------------------------


def test_an_admin_creates_a_token_that_is_shown_once_and_stored_hashed(
    people: People, admin: Person, tenant: Tenant, db: Db
) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:read")

    listed = people.get(admin, f"/organizations/{tenant.organization_id}/api-tokens").json()
    stored = db.execute("SELECT token_hash, prefix FROM api_tokens").fetchone()

    assert token.startswith("cf360_")
    assert len(token) > 40
    assert listed[0]["scopes"] == ["conversations:read"]
    assert "token" not in listed[0]
    assert stored is not None
    assert bytes(stored["token_hash"]) == hashlib.sha256(token.encode()).digest()
    assert token.startswith(stored["prefix"])
    assert stored["prefix"] != token


def test_an_agent_may_not_create_tokens(people: People, tenant: Tenant) -> None:
    agent = people.make(agent_of=[tenant.organization_id])

    answer = people.post(
        agent, f"/organizations/{tenant.organization_id}/api-tokens", {"name": "x", "scopes": ["knowledge:read"]}
    )

    assert answer.status_code == 403


def test_an_unknown_scope_is_refused(people: People, admin: Person, tenant: Tenant) -> None:
    answer = people.post(
        admin, f"/organizations/{tenant.organization_id}/api-tokens", {"name": "x", "scopes": ["billing:write"]}
    )

    assert answer.status_code == 400


def test_a_revoked_token_is_refused_at_once(api: TestClient, people: People, admin: Person, tenant: Tenant) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:read")
    assert _call(api, "GET", "/conversations", token).status_code == 200
    token_id = people.get(admin, f"/organizations/{tenant.organization_id}/api-tokens").json()[0]["id"]

    revoked = people.post(admin, f"/organizations/{tenant.organization_id}/api-tokens/{token_id}/revoke")
    answer = _call(api, "GET", "/conversations", token)

    assert revoked.json()["revokedAt"] is not None
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"


def test_an_unknown_token_is_refused(api: TestClient, tenant: Tenant) -> None:
    answer = _call(api, "GET", "/conversations", "cf360_" + "x" * 43)

    assert answer.status_code == 401


def test_each_use_records_the_tokens_last_use(api: TestClient, people: People, admin: Person, tenant: Tenant) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:read")
    before = people.get(admin, f"/organizations/{tenant.organization_id}/api-tokens").json()[0]

    _call(api, "GET", "/conversations", token)

    after = people.get(admin, f"/organizations/{tenant.organization_id}/api-tokens").json()[0]
    assert before["lastUsedAt"] is None
    assert after["lastUsedAt"] is not None


def test_a_tokens_bot_is_neither_a_member_nor_a_user_of_the_platform(
    people: People, admin: Person, tenant: Tenant, db: Db
) -> None:
    _create(people, admin, tenant.organization_id, "conversations:write", name="HubSpot bot")
    bot = db.execute("SELECT bot_user_id FROM api_tokens").fetchone()
    assert bot is not None
    root = people.make(super_admin=True)

    members = people.get(admin, f"/organizations/{tenant.organization_id}/members").json()
    listed = people.get(root, "/users", limit=100).json()["items"]
    searched = people.get(root, "/users", search="api-token.invalid").json()["items"]
    one = people.get(root, f"/users/{bot['bot_user_id']}")

    assert [m["email"] for m in members] == [admin.email]
    assert all(not u["email"].endswith("@api-token.invalid") for u in listed)
    assert searched == []
    assert one.status_code == 404


# --- scopes ----------------------------------------------------------------------------------------------


def test_a_token_without_the_routes_scope_gets_403_insufficient_scope(
    api: TestClient, people: People, admin: Person, tenant: Tenant, conversation: str
) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:read")

    answer = _call(api, "POST", f"/conversations/{conversation}/messages", token, {"content": "Hi"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"


def test_a_route_outside_the_public_subset_refuses_any_token(
    api: TestClient, people: People, admin: Person, tenant: Tenant
) -> None:
    token = _create(people, admin, tenant.organization_id)

    answer = _call(api, "GET", f"/organizations/{tenant.organization_id}/channels", token)
    tokens = _call(api, "GET", f"/organizations/{tenant.organization_id}/api-tokens", token)

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"
    assert tokens.status_code == 403


def test_a_token_reads_its_organisations_conversations(
    api: TestClient, people: People, admin: Person, tenant: Tenant, conversation: str
) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:read")

    page = _call(api, "GET", "/conversations", token)
    detail = _call(api, "GET", f"/conversations/{conversation}", token)

    assert [c["id"] for c in page.json()["items"]] == [conversation]
    assert detail.status_code == 200
    assert detail.json()["messages"][0]["content"] == "Hello"


def test_a_token_answers_the_visitor_as_its_bot_and_takes_over_releases_and_closes(
    api: TestClient, people: People, admin: Person, tenant: Tenant, conversation: str
) -> None:
    token = _create(people, admin, tenant.organization_id, "conversations:write", name="HubSpot bot")

    taken = _call(api, "POST", f"/conversations/{conversation}/takeover", token)
    sent = _call(api, "POST", f"/conversations/{conversation}/messages", token, {"content": "Hi, it's HubSpot"})
    released = _call(api, "POST", f"/conversations/{conversation}/release", token)
    closed = _call(api, "POST", f"/conversations/{conversation}/close", token)

    assert taken.status_code == 200
    assert taken.json()["responderMode"] == "human"
    assert sent.status_code == 201
    assert sent.json()["role"] == "agent"
    assert sent.json()["author"]["name"] == "HubSpot bot"
    assert released.json()["responderMode"] == "ai"
    assert closed.json()["status"] == "closed"


def test_a_token_manages_knowledge(api: TestClient, people: People, admin: Person, tenant: Tenant) -> None:
    token = _create(people, admin, tenant.organization_id, "knowledge:read", "knowledge:write")
    base = f"/organizations/{tenant.organization_id}/knowledge"

    created = _call(api, "POST", base, token, {"title": "Hours", "content": "Open 8-18 every day."})
    entry = created.json()["id"]
    listed = _call(api, "GET", base, token)
    read = _call(api, "GET", f"{base}/{entry}", token)
    updated = _call(api, "PATCH", f"{base}/{entry}", token, {"title": "Opening hours"})
    deleted = _call(api, "DELETE", f"{base}/{entry}", token)

    assert created.status_code == 201
    assert [e["id"] for e in listed.json()] == [entry]
    assert read.json()["title"] == "Hours"
    assert updated.json()["title"] == "Opening hours"
    assert deleted.status_code == 204


def test_a_read_only_knowledge_token_may_not_write(
    api: TestClient, people: People, admin: Person, tenant: Tenant
) -> None:
    token = _create(people, admin, tenant.organization_id, "knowledge:read")

    answer = _call(
        api, "POST", f"/organizations/{tenant.organization_id}/knowledge", token, {"title": "x", "content": "y"}
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "insufficient_scope"


def test_a_contacts_token_reads_the_organisations_visitors(
    api: TestClient, people: People, admin: Person, tenant: Tenant, conversation: str
) -> None:
    token = _create(people, admin, tenant.organization_id, "contacts:read")

    answer = _call(api, "GET", f"/organizations/{tenant.organization_id}/visitors", token)
    without_scope = _call(
        api,
        "GET",
        f"/organizations/{tenant.organization_id}/visitors",
        _create(people, admin, tenant.organization_id, "conversations:read"),
    )

    assert answer.status_code == 200
    assert [(v["channelId"], v["conversationCount"], v["verified"]) for v in answer.json()] == [
        (str(tenant.channel_id), 1, False)
    ]
    assert without_scope.status_code == 403


def test_a_token_of_an_inactive_organisation_reads_but_writes_nothing(
    api: TestClient, people: People, admin: Person, tenant: Tenant, conversation: str, db: Db
) -> None:
    token = _create(people, admin, tenant.organization_id)
    db.execute("UPDATE organizations SET active = false WHERE id = %s", (tenant.organization_id,))
    knowledge = f"/organizations/{tenant.organization_id}/knowledge"

    read = _call(api, "GET", f"/conversations/{conversation}", token)
    writes = [
        _call(api, "POST", f"/conversations/{conversation}/messages", token, {"content": "Hi"}),
        _call(api, "POST", f"/conversations/{conversation}/takeover", token),
        _call(api, "POST", f"/conversations/{conversation}/close", token),
        _call(api, "POST", knowledge, token, {"title": "Hours", "content": "9 to 5"}),
    ]

    assert read.status_code == 200
    assert [(w.status_code, w.json()["error"]["code"]) for w in writes] == [(409, "organization_inactive")] * 4
    assert db.execute("SELECT count(*) AS n FROM messages WHERE role = 'agent'").fetchone() == {"n": 0}
    assert db.execute("SELECT count(*) AS n FROM channel_knowledge").fetchone() == {"n": 0}


# --- tenant isolation ------------------------------------------------------------------------------------

PUBLIC_ROUTES = [
    ("GET", "/conversations/{conversation}", None),
    ("POST", "/conversations/{conversation}/messages", {"content": "Hi"}),
    ("POST", "/conversations/{conversation}/takeover", None),
    ("POST", "/conversations/{conversation}/release", None),
    ("POST", "/conversations/{conversation}/close", None),
    ("GET", "/organizations/{organization}/knowledge", None),
    ("POST", "/organizations/{organization}/knowledge", {"title": "x", "content": "y"}),
    ("GET", "/organizations/{organization}/knowledge/{knowledge}", None),
    ("PATCH", "/organizations/{organization}/knowledge/{knowledge}", {"title": "z"}),
    ("DELETE", "/organizations/{organization}/knowledge/{knowledge}", None),
    ("GET", "/organizations/{organization}/visitors", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PUBLIC_ROUTES, ids=[f"{m} {p}" for m, p, _ in PUBLIC_ROUTES])
def test_a_token_of_another_organisation_gets_404(
    api: TestClient,
    people: People,
    admin: Person,
    tenant: Tenant,
    conversation: str,
    db: Db,
    method: str,
    path: str,
    body: Any,
) -> None:
    knowledge = _call(
        api,
        "POST",
        f"/organizations/{tenant.organization_id}/knowledge",
        _create(people, admin, tenant.organization_id, "knowledge:write"),
        {"title": "Ours", "content": "Only ours."},
    ).json()["id"]
    other = create_organization(db, name="Other Coffee")
    outsider = _create(people, people.make(admin_of=[other]), other)

    answer = _call(
        api,
        method,
        path.format(conversation=conversation, organization=tenant.organization_id, knowledge=knowledge),
        outsider,
        body,
    )

    assert answer.status_code == 404


def test_a_token_of_another_organisation_lists_none_of_its_conversations(
    api: TestClient, people: People, tenant: Tenant, conversation: str, db: Db
) -> None:
    other = create_organization(db, name="Other Coffee")
    outsider = _create(people, people.make(admin_of=[other]), other)

    page = _call(api, "GET", "/conversations", outsider)
    filtered = _call(api, "GET", f"/conversations?organizationId={tenant.organization_id}", outsider)

    assert page.json()["items"] == []
    assert filtered.status_code == 404


# --- limits and the document -----------------------------------------------------------------------------


def test_each_token_has_its_own_rate_limit(
    api: TestClient, people: People, admin: Person, tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMIT_API_TOKEN_PER_MINUTE", "2")
    get_settings.cache_clear()
    first = _create(people, admin, tenant.organization_id, "conversations:read")
    second = _create(people, admin, tenant.organization_id, "conversations:read")

    answers = [_call(api, "GET", "/conversations", first).status_code for _ in range(3)]
    other = _call(api, "GET", "/conversations", second)

    assert answers == [200, 200, 429]
    assert other.status_code == 200


def test_the_openapi_document_says_which_routes_accept_a_token_and_with_which_scope(api: TestClient) -> None:
    document = api.get("/api/dashboard/openapi.json").json()

    accepted = {
        (method.upper(), path.removeprefix("/api/dashboard")): operation["x-api-token-scope"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "x-api-token-scope" in operation
    }

    assert accepted == {
        ("GET", "/conversations"): "conversations:read",
        ("GET", "/conversations/{conversation_id}"): "conversations:read",
        ("POST", "/conversations/{conversation_id}/messages"): "conversations:write",
        ("POST", "/conversations/{conversation_id}/template-messages"): "conversations:write",
        ("POST", "/conversations/{conversation_id}/takeover"): "conversations:write",
        ("POST", "/conversations/{conversation_id}/release"): "conversations:write",
        ("POST", "/conversations/{conversation_id}/close"): "conversations:write",
        ("PUT", "/conversations/{conversation_id}/assignee"): "conversations:write",
        ("GET", "/organizations/{organization_id}/knowledge"): "knowledge:read",
        ("POST", "/organizations/{organization_id}/knowledge"): "knowledge:write",
        ("GET", "/organizations/{organization_id}/knowledge/{knowledge_id}"): "knowledge:read",
        ("PATCH", "/organizations/{organization_id}/knowledge/{knowledge_id}"): "knowledge:write",
        ("DELETE", "/organizations/{organization_id}/knowledge/{knowledge_id}"): "knowledge:write",
        ("GET", "/organizations/{organization_id}/knowledge-websites"): "knowledge:read",
        ("POST", "/organizations/{organization_id}/knowledge-websites"): "knowledge:write",
        ("GET", "/organizations/{organization_id}/knowledge-websites/{website_id}"): "knowledge:read",
        ("DELETE", "/organizations/{organization_id}/knowledge-websites/{website_id}"): "knowledge:write",
        ("POST", "/organizations/{organization_id}/knowledge-websites/{website_id}/sync"): "knowledge:write",
        ("GET", "/organizations/{organization_id}/visitors"): "contacts:read",
        ("GET", "/reports"): "reports:read",
        ("GET", "/reports/conversations.csv"): "reports:read",
    }
