"""The dashboard API keeps the promises of its own OpenAPI document: schemathesis generates requests
from it, valid and invalid, for callers of every kind, and every answer must be one the document
declares (status, content type, headers, body) and never a server error.

schemathesis' pytest plugin (`schema.parametrize()`, `from_fixture`) does not run on pytest 9.2 (it
reads `Function._nodeid`, which pytest no longer has), so each operation's strategy is driven by
Hypothesis directly and the failures of all operations are reported together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, CheckContext, GenerationMode, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Ok
from schemathesis.openapi import from_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.support.callers import super_admin
from tests.support.people import People, forged_token

Db = psycopg.Connection[dict[str, Any]]
Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]

# Examples per operation and generation mode (valid, invalid): 50 operations × 2 × this, per caller.
MAX_EXAMPLES = 8

CALLERS = [
    "super admin",
    "org admin",
    "agent",
    "API token",
    "garbage token",
    "token signed with another key",
    "no token",
]
# An organisation API token with every scope: accepted on the routes documented with
# x-api-token-scope, refused (403 insufficient_scope, documented) everywhere else.
ALL_SCOPES = ["conversations:read", "conversations:write", "knowledge:read", "knowledge:write", "contacts:read"]

# moto answers ResourceNotFoundException for a sign-in session or a user it does not know, where
# Cognito answers NotAuthorizedException / UserNotFoundException (401); the API rightly reads
# ResourceNotFoundException as Cognito misconfigured (503). Only these answers, only on a laptop.
_MOTO_RESOURCE_NOT_FOUND = {
    "POST /api/dashboard/auth/new-password",
    "POST /api/dashboard/auth/confirm-forgot-password",
}


def _not_a_server_error(ctx: CheckContext, response: Response, case: AnyCase) -> bool | None:
    if (
        case.operation.label in _MOTO_RESOURCE_NOT_FOUND
        and response.status_code == 503
        and response.json()["error"]["code"] == "auth_unavailable"
    ):
        return None
    result: bool | None = not_a_server_error(ctx, response, case)
    return result


CHECKS = [
    _not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def _headers(caller: str, people: People, organization_id: UUID) -> dict[str, str]:
    if caller == "super admin":
        return people.make(super_admin=True).headers
    if caller == "org admin":
        return people.make(admin_of=[organization_id]).headers
    if caller == "agent":
        return people.make(agent_of=[organization_id]).headers
    if caller == "API token":
        admin = people.make(admin_of=[organization_id])
        created = people.post(
            admin, f"/organizations/{organization_id}/api-tokens", {"name": "Conformance", "scopes": ALL_SCOPES}
        )
        assert created.status_code == 201, created.text
        return {"Authorization": f"Bearer {created.json()['token']}"}
    if caller == "garbage token":
        return {"Authorization": "Bearer not-a-token"}
    if caller == "token signed with another key":
        return {"Authorization": f"Bearer {forged_token(sub=str(UUID(int=1)), own_key=True)}"}
    return {}


def _cases(operation: Operation, mode: GenerationMode, known: dict[str, str]) -> st.SearchStrategy[AnyCase]:
    """Random ids mostly find nothing (404); ids of rows that exist reach the routes' successes."""
    generated = operation.as_strategy(generation_mode=mode)
    pinned = {name: value for name, value in known.items() if name in {p.name for p in operation.path_parameters}}
    if not pinned:
        return generated
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=pinned))


def _conformance(cases: st.SearchStrategy[AnyCase], headers: dict[str, str]) -> Callable[[], None]:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        # The same examples every run, so that the suite never fails by luck; to hunt for more, raise
        # MAX_EXAMPLES and drop this for a while (a run at 100 takes about five minutes per caller).
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=cases)
    def conforms(case: AnyCase) -> None:
        # The caller under test, whatever Authorization the generator made up for the security scheme.
        case.headers.pop("Authorization", None)
        case.headers.update(headers)
        case.call_and_validate(checks=CHECKS)

    return conforms


def _deletions_last(operation: Operation) -> tuple[bool, int]:
    """Deleting the rows the other operations are pinned to would leave them nothing but 404s: the
    deletions run last, a channel before its organisation."""
    deletes = operation.method.upper() == "DELETE"
    return deletes, -operation.path.count("/") if deletes else 0


def _rows(db: Db, people: People) -> dict[str, str]:
    """An organisation with one of everything, for path parameters to name."""
    acme = create_organization(db, name="Acme", plan="growth")
    website = create_channel(db, super_admin(), acme, name="Website")
    conversation = db.execute(
        "INSERT INTO conversations (channel_id, organization_id, visitor_id) VALUES (%s, %s, gen_random_uuid())"
        " RETURNING id",
        (website.id, acme),
    ).fetchone()
    entry = db.execute(
        "INSERT INTO channel_knowledge (organization_id, channel_id, title, content, source)"
        " VALUES (%s, %s, 'Hours', 'Open 8-18.', 'text') RETURNING id",
        (acme, website.id),
    ).fetchone()
    assert conversation is not None
    assert entry is not None
    colleague = people.make(agent_of=[acme])
    return {
        "organization_id": str(acme),
        "channel_id": str(website.id),
        "conversation_id": str(conversation["id"]),
        "knowledge_id": str(entry["id"]),
        "user_id": colleague.id,
    }


def _failures(api: TestClient, headers: dict[str, str], known: dict[str, str]) -> list[str]:
    schema = from_asgi("/api/dashboard/openapi.json", api.app)
    found = []
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            found.append(f"the document itself: {result.err()}")
    for operation in sorted(operations, key=_deletions_last):
        for mode in GenerationMode:
            try:
                _conformance(_cases(operation, mode, known), headers)()
            except (AssertionError, FailureGroup) as exc:
                found.append(f"{operation.label} ({mode.value}): {exc}")
    return found


@pytest.mark.parametrize("caller", CALLERS)
def test_every_answer_is_documented_and_none_is_a_server_error(
    caller: str, api: TestClient, people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RATE_LIMIT_AUTH_PER_MINUTE", "0")
    monkeypatch.setenv("RATE_LIMIT_API_TOKEN_PER_MINUTE", "0")  # thousands of calls with one token
    # Knowledge from a URL resolves the host before the entry is stored; the tests stay off the network.
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    rows = _rows(db, people)
    headers = _headers(caller, people, UUID(rows["organization_id"]))

    failures = _failures(api, headers, rows)

    assert not failures, "\n\n".join(failures)


def test_a_new_password_with_a_session_cognito_never_issues_is_400(api: TestClient, people: People) -> None:
    # botocore refuses a session under 20 characters before sending; that is not an outage.
    answer = people.post(
        None, "/auth/new-password", {"email": "new@example.com", "session": "short", "newPassword": "Passw0rd!!"}
    )

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_field")


# What the runs above found once, pinned so that it stays fixed whatever the next runs generate.


def test_a_knowledge_url_that_cannot_be_parsed_is_400(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.post(admin, f"/organizations/{acme}/knowledge", {"url": "http://["})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_url")


def test_knowledge_for_an_organisation_that_does_not_exist_is_404_even_for_a_super_admin(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, f"/organizations/{uuid4()}/knowledge", {"title": "Hours", "content": "8-18"})

    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "organization_not_found")


def test_a_bare_number_is_neither_a_day_nor_an_instant_in_the_inbox_filter(people: People, db: Db) -> None:
    agent = people.make(agent_of=[create_organization(db, name="Acme")])

    answer = people.get(agent, "/conversations", to="969")

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_field")


@pytest.mark.parametrize("name", ["\r", " ", "\t\n"])
def test_an_organisation_name_of_only_whitespace_is_400(people: People, name: str) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, "/organizations", {"name": name})

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_field")
