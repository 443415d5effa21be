"""The local gateway trusts no proxy header (issue #23, item 5): a client's `X-Forwarded-For` neither
changes the address its limits count against nor, at any length, breaks a request; the functions read
the header themselves, only as far as TRUSTED_PROXIES says."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg
import pytest

from chatflow import rate_limits
from chatflow.channels import Channel, create_channel
from chatflow.errors import RateLimited
from chatflow.organizations import create_organization
from infra.local.gateway import create_app, server_config
from tests.integration.test_local_gateway import serving
from tests.support.callers import super_admin

Db = psycopg.Connection[dict[str, Any]]


@contextmanager
def _gateway() -> Iterator[httpx.Client]:
    """The gateway served as `make dev` serves it (the same uvicorn configuration)."""
    app = create_app()
    with serving(app, server_config(app, log_level="warning")) as client:
        yield client


@pytest.fixture
def channel(db: Db, monkeypatch: pytest.MonkeyPatch) -> Channel:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_CHAT_POST_PER_MINUTE", "2")
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    get_settings.cache_clear()
    organization_id = create_organization(db, name="Proxy Test Co.", plan="pro")
    return create_channel(db, super_admin(), organization_id, name="Website")


def _post(client: httpx.Client, channel: Channel, forwarded_for: str) -> httpx.Response:
    return client.post(
        "/api/chat",
        json={"publicKey": str(channel.public_key), "visitorId": str(uuid.uuid4()), "message": "Hello"},
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_a_forged_forwarded_for_does_not_get_around_the_address_limit(channel: Channel) -> None:
    # The limit counts in fixed one-minute windows: three posts across a window's edge would all pass.
    if time.time() % rate_limits.WINDOW_SECONDS > rate_limits.WINDOW_SECONDS - 15:
        time.sleep(rate_limits.WINDOW_SECONDS - time.time() % rate_limits.WINDOW_SECONDS + 0.5)
    with _gateway() as client:
        answers = [_post(client, channel, f"198.51.100.{i}").status_code for i in range(3)]

    assert answers == [200, 200, 429]


def test_a_six_thousand_character_forwarded_for_is_not_a_503(channel: Channel) -> None:
    with _gateway() as client:
        answer = _post(client, channel, secrets.token_hex(3000))

    assert answer.status_code == 200


def test_a_rate_limit_key_of_any_length_is_counted(db: Db) -> None:
    key = "ip:" + secrets.token_hex(3000)  # incompressible, as a forged header would be

    rate_limits.enforce("chat_post", limit=1, keys=[key])

    with pytest.raises(RateLimited):
        rate_limits.enforce("chat_post", limit=1, keys=[key])
