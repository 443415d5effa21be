"""The platform's OpenAI key: super admins only; stored encrypted; only its hint ever comes back."""

from __future__ import annotations

import logging
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.crypto import decrypt, parse_key
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI
from tests.support.people import People, forged_token
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

PATH = "/platform/openai-key"
API_KEY = "sk-proj-Platform-Secret-Key-9876"


def test_no_platform_key_is_configured_at_first(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.get(root, PATH)

    assert answer.status_code == 200
    assert answer.json() == {"configured": False, "hint": None, "warning": None}


def test_a_super_admin_sets_the_platform_key_and_sees_only_its_hint(people: People, fake_openai: FakeOpenAI) -> None:
    root = people.make(super_admin=True)

    put = people.put(root, PATH, {"apiKey": API_KEY})
    get = people.get(root, PATH)

    assert put.status_code == get.status_code == 200
    assert put.json() == get.json() == {"configured": True, "hint": "sk-...9876", "warning": None}


def test_the_platform_key_is_stored_encrypted(people: People, db: Db) -> None:
    root = people.make(super_admin=True)

    people.put(root, PATH, {"apiKey": API_KEY})

    row = db.execute("SELECT value FROM platform_settings WHERE key = 'openai_api_key'").fetchone()
    assert row is not None
    assert API_KEY not in row["value"]
    assert decrypt(row["value"], parse_key(TEST_ENCRYPTION_KEY)) == API_KEY


def test_a_new_platform_key_replaces_the_old_one(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    people.put(root, PATH, {"apiKey": API_KEY})

    answer = people.put(root, PATH, {"apiKey": "sk-proj-Another-Platform-Key-1111"})

    assert answer.json()["hint"] == "sk-...1111"
    assert db.execute("SELECT count(*) AS n FROM platform_settings WHERE key = 'openai_api_key'").fetchone() == {"n": 1}


def test_deleting_the_platform_key_clears_it(people: People, db: Db) -> None:
    root = people.make(super_admin=True)
    people.put(root, PATH, {"apiKey": API_KEY})

    answer = people.delete(root, PATH)

    assert answer.status_code == 204
    assert people.get(root, PATH).json() == {"configured": False, "hint": None, "warning": None}
    assert db.execute("SELECT count(*) AS n FROM platform_settings").fetchone() == {"n": 0}


def test_the_platform_key_is_never_in_an_answer_nor_in_the_logs(
    people: People, caplog: pytest.LogCaptureFixture
) -> None:
    root = people.make(super_admin=True)
    caplog.set_level(logging.DEBUG)

    answers = [
        people.put(root, PATH, {"apiKey": API_KEY}),
        people.get(root, PATH),
        people.put(root, PATH, {"apiKey": API_KEY + " with spaces"}),  # refused: the error must not echo it
    ]

    for answer in answers:
        assert API_KEY not in answer.text
    assert API_KEY not in caplog.text


def test_a_key_that_is_too_short_is_400(people: People) -> None:
    root = people.make(super_admin=True)

    answer = people.put(root, PATH, {"apiKey": "sk-short"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_without_an_encryption_key_the_platform_key_cannot_be_set(
    people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = people.make(super_admin=True)
    monkeypatch.delenv("ENCRYPTION_KEY")
    get_settings.cache_clear()

    answer = people.put(root, PATH, {"apiKey": API_KEY})

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "encryption_unavailable"
    assert db.execute("SELECT count(*) AS n FROM platform_settings").fetchone() == {"n": 0}


def test_the_platform_key_answers_organisations_without_their_own(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    acme = create_organization(db, name="Acme")
    channel = create_channel(db, super_admin(), acme, name="Website")
    root = people.make(super_admin=True)

    people.put(root, PATH, {"apiKey": API_KEY})
    WidgetClient(channel.public_key, uuid4()).post("Hello")

    assert fake_openai.headers[-1]["authorization"] == f"Bearer {API_KEY}"
    assert people.get(root, f"/organizations/{acme}/ai-settings").json()["apiKeySource"] == "platform"


@pytest.mark.parametrize("role", ["admin", "agent"])
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_a_super_admin_manages_the_platform_key(people: People, db: Db, role: str, method: str) -> None:
    acme = create_organization(db, name="Acme")
    person = people.make(admin_of=[acme]) if role == "admin" else people.make(agent_of=[acme])

    answer = people.client.request(
        method.upper(), f"/api/dashboard{PATH}", headers=person.headers, json={"apiKey": API_KEY}
    )

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert db.execute("SELECT count(*) AS n FROM platform_settings").fetchone() == {"n": 0}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_the_platform_key_routes_are_401_without_a_token(people: People, method: str) -> None:
    answer = people.client.request(method.upper(), f"/api/dashboard{PATH}", json={"apiKey": API_KEY})

    assert answer.status_code == 401


@pytest.mark.parametrize(("expired", "own_key"), [(True, False), (False, True)], ids=["expired", "foreign key"])
def test_an_expired_or_forged_super_admin_token_cannot_set_the_platform_key(
    people: People, db: Db, expired: bool, own_key: bool
) -> None:
    root = people.make(super_admin=True)
    token = forged_token(sub=root.id, expired=expired, own_key=own_key)

    answer = people.client.put(
        f"/api/dashboard{PATH}", headers={"Authorization": f"Bearer {token}"}, json={"apiKey": API_KEY}
    )

    assert answer.status_code == 401
    assert db.execute("SELECT count(*) AS n FROM platform_settings").fetchone() == {"n": 0}
