"""AI settings: members read; org admins change the business parameters; only super admins change the
technical ones; the API key goes in encrypted and never comes out."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.crypto import decrypt, encrypt, parse_key
from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI
from tests.support.people import People
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

API_KEY = "sk-proj-Organisation-Secret-Key-0042"


def _path(organization_id: UUID) -> str:
    return f"/organizations/{organization_id}/ai-settings"


def test_an_agent_reads_the_ai_settings_with_the_default_keywords(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme", system_prompt="We sell coffee.")
    agent = people.make(agent_of=[acme])

    answer = people.get(agent, _path(acme))

    assert answer.status_code == 200
    body = answer.json()
    assert (body["provider"], body["model"], body["temperature"], body["maxTokens"]) == (
        "openai",
        "gpt-4o-mini",
        0.7,
        500,
    )
    assert body["systemPrompt"] == "We sell coffee."
    assert body["handoffKeywords"] == body["defaultHandoffKeywords"] == list(DEFAULT_HANDOFF_KEYWORDS)
    assert len(body["defaultHandoffKeywords"]) == 19
    assert (body["apiKeyHint"], body["apiKeySource"]) == (None, "none")


def test_an_org_admin_changes_the_business_parameters(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.patch(admin, _path(acme), {"systemPrompt": "Be kind.", "handoffKeywords": [" Manager ", "jefe"]})

    assert answer.status_code == 200
    assert (answer.json()["systemPrompt"], answer.json()["handoffKeywords"]) == ("Be kind.", ["Manager", "jefe"])
    assert people.get(admin, _path(acme)).json()["systemPrompt"] == "Be kind."


@pytest.mark.parametrize(
    ("field", "value"),
    [("provider", "openai"), ("model", "gpt-4.1"), ("temperature", 0.2), ("maxTokens", 100), ("apiKey", API_KEY)],
)
def test_an_org_admin_sending_a_technical_field_is_refused_whole_naming_it(
    people: People, db: Db, field: str, value: Any
) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.patch(admin, _path(acme), {"systemPrompt": "Changed?", field: value})

    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "code": "forbidden_field",
        "message": f"Only a super admin may change {field}.",
    }
    row = db.execute("SELECT system_prompt, model, encrypted_api_key FROM ai_settings").fetchone()
    assert row == {"system_prompt": "", "model": "gpt-4o-mini", "encrypted_api_key": None}


def test_an_org_admin_clearing_the_api_key_is_refused_too(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.patch(admin, _path(acme), {"apiKey": None})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden_field"


def test_every_technical_field_of_the_request_is_named(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])

    answer = people.patch(admin, _path(acme), {"temperature": 1, "model": "gpt-4.1"})

    assert answer.json()["error"]["message"] == "Only a super admin may change model, temperature."


def test_an_agent_may_not_change_ai_settings(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])

    answer = people.patch(agent, _path(acme), {"systemPrompt": "Mine"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_a_super_admin_changes_the_technical_parameters(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.patch(
        root, _path(acme), {"provider": "openai", "model": "gpt-4.1", "temperature": 0.25, "maxTokens": 16384}
    )

    assert answer.status_code == 200
    body = answer.json()
    assert (body["model"], body["temperature"], body["maxTokens"]) == ("gpt-4.1", 0.25, 16384)


@pytest.mark.parametrize(
    "change",
    [
        {"provider": "anthropic"},
        {"temperature": 2.01},
        {"temperature": -0.1},
        {"maxTokens": 0},
        {"maxTokens": 16385},
        {"model": ""},
        {"model": "gpt 4"},
        {"apiKey": "short"},
        {"apiKey": "sk-has a space in the middle of it"},
        {"systemPrompt": "x" * 8001},
        {"systemPrompt": None},
        {"systemPrompt": "NUL\u0000inside"},
        {"handoffKeywords": None},
        {"handoffKeywords": ["x" * 61]},
        {"handoffKeywords": ["NUL\u0000inside"]},
        {"handoffKeywords": [f"k{n}" for n in range(51)]},
    ],
)
def test_values_out_of_range_are_400(people: People, db: Db, change: dict[str, Any]) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.patch(root, _path(acme), change)

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_a_super_admin_sets_an_api_key_stored_encrypted_with_its_hint(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.patch(root, _path(acme), {"apiKey": f"  {API_KEY} "})

    assert answer.status_code == 200
    assert (answer.json()["apiKeyHint"], answer.json()["apiKeySource"]) == ("sk-...0042", "organization")
    row = db.execute("SELECT encrypted_api_key, api_key_hint FROM ai_settings").fetchone()
    assert row is not None
    assert API_KEY not in row["encrypted_api_key"]
    assert decrypt(row["encrypted_api_key"], parse_key(TEST_ENCRYPTION_KEY)) == API_KEY
    assert row["api_key_hint"] == "sk-...0042"


def test_the_api_key_is_never_in_any_answer(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    admin = people.make(admin_of=[acme])

    answers = [
        people.patch(root, _path(acme), {"apiKey": API_KEY}),
        people.get(root, _path(acme)),
        people.get(admin, _path(acme)),
        people.patch(admin, _path(acme), {"systemPrompt": "Hi"}),
        people.patch(root, _path(acme), {"apiKey": "x"}),  # refused: the error must not echo it either
        people.get(root, f"/organizations/{acme}"),
    ]

    for answer in answers:
        assert API_KEY not in answer.text
        assert API_KEY[3:-4] not in answer.text


def test_api_key_null_removes_the_organisations_key(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    people.patch(root, _path(acme), {"apiKey": API_KEY})

    answer = people.patch(root, _path(acme), {"apiKey": None})

    assert (answer.json()["apiKeyHint"], answer.json()["apiKeySource"]) == (None, "none")
    assert db.execute("SELECT encrypted_api_key, api_key_hint FROM ai_settings").fetchone() == {
        "encrypted_api_key": None,
        "api_key_hint": None,
    }


def test_a_patch_without_the_api_key_keeps_it(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    people.patch(root, _path(acme), {"apiKey": API_KEY})

    answer = people.patch(root, _path(acme), {"model": "gpt-4.1"})

    assert answer.json()["apiKeyHint"] == "sk-...0042"


def test_without_an_encryption_key_an_api_key_cannot_be_stored(
    people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    monkeypatch.delenv("ENCRYPTION_KEY")
    get_settings.cache_clear()

    answer = people.patch(root, _path(acme), {"apiKey": API_KEY, "model": "gpt-4.1"})

    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "encryption_unavailable"
    assert db.execute("SELECT model, encrypted_api_key FROM ai_settings").fetchone() == {
        "model": "gpt-4o-mini",
        "encrypted_api_key": None,
    }


def test_the_key_source_falls_back_to_the_platform_then_the_environment(
    people: People, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-environment-key-0000")
    get_settings.cache_clear()
    environment = people.get(root, _path(acme)).json()["apiKeySource"]
    stored = encrypt("sk-platform-key-1111", parse_key(TEST_ENCRYPTION_KEY))
    db.execute("INSERT INTO platform_settings (key, value) VALUES ('openai_api_key', %s)", (stored,))

    platform = people.get(root, _path(acme)).json()["apiKeySource"]

    assert (environment, platform) == ("environment", "platform")


def test_the_key_set_here_is_the_one_the_widgets_ai_uses(people: People, db: Db, fake_openai: FakeOpenAI) -> None:
    acme = create_organization(db, name="Acme")
    channel = create_channel(db, super_admin(), acme, name="Website")
    root = people.make(super_admin=True)
    people.patch(root, _path(acme), {"apiKey": API_KEY, "model": "gpt-4.1", "temperature": 0.3})

    WidgetClient(channel.public_key, uuid4()).post("Hello")

    assert fake_openai.headers[-1]["authorization"] == f"Bearer {API_KEY}"
    assert (fake_openai.requests[-1]["model"], fake_openai.requests[-1]["temperature"]) == ("gpt-4.1", 0.3)


def test_the_prompt_set_here_is_the_one_the_widgets_ai_follows(people: People, db: Db, fake_openai: FakeOpenAI) -> None:
    acme = create_organization(db, name="Acme")
    channel = create_channel(db, super_admin(), acme, name="Website")
    admin = people.make(admin_of=[acme])
    people.patch(admin, _path(acme), {"systemPrompt": "Only talk about tea."})

    WidgetClient(channel.public_key, uuid4()).post("Hello")

    assert "Only talk about tea." in str(fake_openai.requests[-1]["messages"][0]["content"])


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_outsider_gets_404_like_for_a_missing_organisation(people: People, db: Db, method: str) -> None:
    beta = create_organization(db, name="Beta")
    outsider = people.make(admin_of=[create_organization(db, name="Gamma")])

    def call(organization_id: UUID) -> Any:
        if method == "get":
            return people.get(outsider, _path(organization_id))
        return people.patch(outsider, _path(organization_id), {"systemPrompt": "Hacked"})

    other, missing = call(beta), call(uuid4())

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_a_missing_organisation_is_404_for_a_super_admin(people: People) -> None:
    root = people.make(super_admin=True)

    assert people.get(root, _path(uuid4())).status_code == 404
    assert people.patch(root, _path(uuid4()), {"model": "gpt-4.1"}).status_code == 404


@pytest.mark.parametrize("method", ["get", "patch"])
def test_the_ai_settings_are_401_without_a_token(people: People, db: Db, method: str) -> None:
    acme = create_organization(db, name="Acme")

    answer = people.client.request(method.upper(), f"/api/dashboard{_path(acme)}", json={"systemPrompt": "x"})

    assert answer.status_code == 401
