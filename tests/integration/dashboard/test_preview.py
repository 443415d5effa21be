"""The preview chat: a message answered through the real pipeline, with nothing stored or counted."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def _count(db: Db, table: str) -> int:
    row = db.execute(f"SELECT count(*) AS n FROM {table}").fetchone()
    assert row is not None
    return int(row["n"])


def test_the_preview_answers_with_the_organisations_prompt_and_stores_nothing(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme", system_prompt="Always mention our croissants.")
    admin = people.make(admin_of=[org])

    answer = people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "Hi", "language": "es"})

    assert answer.status_code == 200
    assert answer.json() == {
        "reply": "Hello from the fake model.",
        "model": "gpt-4o-mini",
        "tokensUsed": 42,
        "fallback": False,
        "failure": None,
        "handoff": None,
        "sources": [],
    }
    system = fake_openai.requests[-1]["messages"][0]["content"]
    assert "Always mention our croissants." in system
    assert "Spanish" in system
    assert (_count(db, "conversations"), _count(db, "messages")) == (0, 0)
    usage = db.execute("SELECT messages, tokens, preview_messages, preview_tokens FROM usage_tracking").fetchall()
    assert usage == [{"messages": 0, "tokens": 0, "preview_messages": 1, "preview_tokens": 42}]


def test_the_preview_uses_the_channels_overrides_and_the_history(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme", system_prompt="Organisation prompt.")
    channel = create_channel(db, super_admin(), org, name="Shop", system_prompt="Channel prompt.")
    admin = people.make(admin_of=[org])

    people.post(
        admin,
        f"/organizations/{org}/ai-settings/preview",
        {
            "message": "And on Sunday?",
            "channelId": str(channel.id),
            "history": [{"role": "visitor", "content": "When do you open?"}, {"role": "ai", "content": "At 8."}],
        },
    )

    sent = fake_openai.requests[-1]["messages"]
    assert "Channel prompt." in sent[0]["content"]
    assert "Organisation prompt." not in sent[0]["content"]
    assert [(m["role"], m["content"]) for m in sent[1:]] == [
        ("user", "When do you open?"),
        ("assistant", "At 8."),
        ("user", "And on Sunday?"),
    ]


def test_a_provider_that_is_down_is_said_plainly_and_nothing_claims_to_be_saved(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])
    fake_openai.default = Scripted(status=500)

    answer = people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "Hi"})

    assert answer.status_code == 200
    assert answer.json()["fallback"] is True
    assert answer.json()["failure"] == "provider_down"
    assert (
        answer.json()["reply"]
        == "The AI provider could not be reached, so nothing was answered. Try again in a moment."
    )
    assert "saved" not in answer.json()["reply"]


def test_a_rejected_key_is_said_plainly_in_the_admins_language(people: People, db: Db, fake_openai: FakeOpenAI) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])
    fake_openai.default = Scripted(status=401)

    answer = people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "Hola", "language": "es"})

    assert answer.json()["failure"] == "key_rejected"
    assert answer.json()["reply"].startswith("El proveedor rechazó la clave de API")


def test_a_channel_of_another_organisation_is_404(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    other = create_channel(db, super_admin(), create_organization(db, name="Beta"), name="Web")
    admin = people.make(admin_of=[org])

    answer = people.post(
        admin, f"/organizations/{org}/ai-settings/preview", {"message": "Hi", "channelId": str(other.id)}
    )

    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "channel_not_found"


def test_an_outsider_cannot_preview_another_organisation(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    outsider = people.make(admin_of=[create_organization(db, name="Beta")])

    answer = people.post(outsider, f"/organizations/{org}/ai-settings/preview", {"message": "Hi"})

    assert answer.status_code == 404


def test_an_empty_message_is_400(people: People, db: Db) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])

    answer = people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "   "})

    assert answer.status_code == 400


def test_no_token_is_401(people: People) -> None:
    assert people.post(None, f"/organizations/{uuid4()}/ai-settings/preview", {"message": "Hi"}).status_code == 401


def test_the_preview_shows_when_the_ai_would_hand_off_and_hands_nothing_off(
    people: People, db: Db, fake_openai: FakeOpenAI
) -> None:
    org = create_organization(db, name="Acme")
    admin = people.make(admin_of=[org])
    arguments = '{"reason": "sensitive", "summary": "Asks about a charge on their card"}'
    fake_openai.then(Scripted(content="", tool_arguments=arguments))

    answer = people.post(admin, f"/organizations/{org}/ai-settings/preview", {"message": "Why was I charged twice?"})

    assert answer.status_code == 200
    assert answer.json()["handoff"] == {"reason": "sensitive", "summary": "Asks about a charge on their card"}
    assert answer.json()["reply"] == "I'm connecting you with a person from our team. They will answer here shortly."
    assert fake_openai.requests[-1]["tools"][0]["function"]["name"] == "handoff_to_human"
    assert _count(db, "conversations") == 0
