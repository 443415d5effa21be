"""Signing out, and deactivation, end live access at once (issue #23, item 11): the access token is
refused from the next request on (Cognito would honour it to its expiry), and the user's sockets are
closed, so that no visitor message reaches a signed-out operator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from chatflow.organizations import create_organization
from infra.local.aws import LocalAws
from tests.support.people import PASSWORD, People
from tests.support.realtime import Gateway, serve_gateway

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture(scope="module")
def gateway(local_aws: LocalAws) -> Iterator[Gateway]:
    with serve_gateway(workers=1, scheduled=()) as served:
        yield served


@pytest.fixture(autouse=True)
def _management_url(gateway: Gateway) -> Iterator[None]:
    from chatflow.settings import get_settings

    get_settings.cache_clear()  # WEBSOCKET_MANAGEMENT_URL is the gateway's
    yield
    get_settings.cache_clear()


def test_after_logout_the_access_token_is_refused_and_the_socket_closed(
    people: People, db: Db, gateway: Gateway
) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])
    socket = gateway.connect(token=agent.token)

    assert people.post(agent, "/auth/logout").status_code == 204

    answer = people.get(agent, "/me")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "invalid_token"
    assert socket.closed_within(3.0)
    assert db.execute("SELECT count(*) AS n FROM ws_connections WHERE user_id = %s", (agent.id,)).fetchone() == {"n": 0}


def test_a_token_from_a_later_sign_in_works(people: People, db: Db) -> None:
    agent = people.make()
    people.post(agent, "/auth/logout")
    time.sleep(1.1)  # tokens carry their issue time in whole seconds

    tokens = people.post(None, "/auth/login", {"email": agent.email, "password": PASSWORD}).json()

    me = people.client.get("/api/dashboard/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.status_code == 200


def test_deactivation_closes_the_users_sockets(people: People, db: Db, gateway: Gateway) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    agent = people.make(agent_of=[acme])
    socket = gateway.connect(token=agent.token)

    assert people.post(root, f"/users/{agent.id}/deactivate").status_code == 200

    assert socket.closed_within(3.0)
