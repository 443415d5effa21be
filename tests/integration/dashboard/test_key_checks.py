"""A key is checked with the provider before it is kept: against the recording fake OpenAI server."""

from __future__ import annotations

from typing import Any

import psycopg

from chatflow.organizations import create_organization
from tests.support.fake_openai import FakeOpenAI
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]

API_KEY = "sk-test-checked-key-4321"
PLATFORM = "/platform/openai-key"


def test_an_organisation_key_the_provider_accepts_is_stored(people: People, db: Db, fake_openai: FakeOpenAI) -> None:
    org = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.patch(root, f"/organizations/{org}/ai-settings", {"apiKey": API_KEY})

    assert answer.status_code == 200
    assert answer.json()["apiKeySource"] == "organization"
    assert answer.json()["apiKeyWarning"] is None
    assert fake_openai.models_requests[-1]["authorization"] == f"Bearer {API_KEY}"


def test_an_organisation_key_the_provider_rejects_is_refused_with_its_reason_and_not_stored(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    fake_openai.models_status = 401

    answer = people.patch(root, f"/organizations/{org}/ai-settings", {"apiKey": API_KEY, "model": "gpt-4.1"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_api_key"
    assert "Incorrect API key provided" in answer.json()["error"]["message"]
    assert "sk-" not in answer.json()["error"]["message"]  # not even the provider's masked copy
    row = db.execute("SELECT encrypted_api_key, model FROM ai_settings WHERE organization_id = %s", (org,)).fetchone()
    assert row == {"encrypted_api_key": None, "model": "gpt-4o-mini"}  # refused whole


def test_the_refusal_speaks_the_callers_language(people: People, db: Db, fake_openai: FakeOpenAI) -> None:
    org = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    fake_openai.models_status = 401

    answer = people.client.patch(
        f"/api/dashboard/organizations/{org}/ai-settings",
        headers={**root.headers, "Accept-Language": "es"},
        json={"apiKey": API_KEY},
    )

    assert answer.json()["error"]["message"].startswith("El proveedor rechazó esta clave de API")


def test_a_key_checked_while_the_provider_is_down_is_stored_with_a_warning(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    fake_openai.models_status = 503

    answer = people.patch(root, f"/organizations/{org}/ai-settings", {"apiKey": API_KEY})

    assert answer.status_code == 200
    assert answer.json()["apiKeyWarning"] == "provider_unreachable"
    assert answer.json()["apiKeySource"] == "organization"


def test_the_platform_key_the_provider_rejects_is_refused_and_not_stored(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    root = people.make(super_admin=True)
    fake_openai.models_status = 401

    answer = people.put(root, PLATFORM, {"apiKey": API_KEY})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_api_key"
    assert db.execute("SELECT count(*) AS n FROM platform_settings").fetchone() == {"n": 0}


def test_the_platform_key_the_provider_accepts_is_stored(people: People, fake_openai: FakeOpenAI) -> None:
    root = people.make(super_admin=True)

    answer = people.put(root, PLATFORM, {"apiKey": API_KEY})

    assert answer.json() == {"configured": True, "hint": "sk-...4321", "warning": None}
