"""A channel's widget language and look, as org admins set them in the dashboard: validated like the
other channel fields (400 invalid_field), admin-only, in the snippet (data-lang only when the
language is fixed) and in what the widget's public config call answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.organizations import create_organization
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


def _setup(people: People, db: Db) -> tuple[UUID, Person]:
    acme = create_organization(db, name="Acme Coffee")
    return acme, people.make(admin_of=[acme])


def _create(people: People, who: Person, organization_id: UUID, **fields: Any) -> Any:
    return people.post(who, f"/organizations/{organization_id}/channels", {"name": "Website", **fields})


def _patch(people: People, who: Person, organization_id: UUID, channel: dict[str, Any], **fields: Any) -> Any:
    return people.patch(who, f"/organizations/{organization_id}/channels/{channel['id']}", fields)


def _assert_invalid(answer: Any, field: str) -> None:
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"
    assert field in answer.json()["error"]["message"]


def test_a_new_channel_speaks_english_by_default_follows_the_visitor_and_has_the_default_look(
    people: People, db: Db
) -> None:
    acme, admin = _setup(people, db)

    body = _create(people, admin, acme).json()

    assert (body["defaultLanguage"], body["languageFixed"], body["color"], body["position"]) == (
        "en",
        False,
        "#2f92ad",
        "right",
    )
    assert (body["businessName"], body["welcomeMessage"]) == (None, {"en": None, "es": None})
    assert "data-lang" not in body["embedSnippet"]


def test_an_admin_sets_the_language_and_look_and_the_widget_is_told(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    answer = _patch(
        people,
        admin,
        acme,
        channel,
        defaultLanguage="es",
        color="#E91E63",
        position="left",
        businessName="  Café Acme ",
        welcomeMessage={"en": "  Hi! Ask us anything.  ", "es": "¡Hola! Pregúntanos lo que quieras."},
    )

    body = answer.json()
    assert answer.status_code == 200
    assert (body["defaultLanguage"], body["color"], body["position"], body["businessName"]) == (
        "es",
        "#e91e63",
        "left",
        "Café Acme",
    )
    assert body["welcomeMessage"] == {"en": "Hi! Ask us anything.", "es": "¡Hola! Pregúntanos lo que quieras."}
    config = WidgetClient(UUID(channel["publicKey"]), uuid4()).config().body
    assert config == {
        "defaultLanguage": "es",
        "languageFixed": False,
        "color": "#e91e63",
        "position": "left",
        "businessName": "Café Acme",
        "welcome": {"en": "Hi! Ask us anything.", "es": "¡Hola! Pregúntanos lo que quieras."},
        "humanAvailable": False,
        "avatarUrl": None,
        "businessHours": None,
        "satisfaction": {"enabled": True, "scale": "five"},
    }


def test_a_fixed_language_puts_data_lang_in_the_snippet_and_unfixing_takes_it_out(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme, defaultLanguage="es", languageFixed=True).json()

    unfixed = _patch(people, admin, acme, channel, languageFixed=False).json()

    assert channel["embedSnippet"].endswith(f'data-key="{channel["publicKey"]}" data-lang="es" defer></script>')
    assert "data-lang" not in unfixed["embedSnippet"]
    assert unfixed["defaultLanguage"] == "es"


def test_null_business_name_and_welcome_use_the_organisations_name_and_the_widgets_greeting_again(
    people: People, db: Db
) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme, businessName="Café Acme", welcomeMessage={"es": "¡Hola!"}).json()

    body = _patch(people, admin, acme, channel, businessName=None, welcomeMessage=None).json()

    assert (body["businessName"], body["welcomeMessage"]) == (None, {"en": None, "es": None})
    config = WidgetClient(UUID(channel["publicKey"]), uuid4()).config().body
    assert config["businessName"] == "Acme Coffee"
    assert config["welcome"]["es"].startswith("¿En qué podemos ayudarte hoy?")


def test_a_blank_welcome_text_is_the_widgets_own_greeting(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)

    body = _create(people, admin, acme, welcomeMessage={"en": "   ", "es": "Hola"}).json()

    assert body["welcomeMessage"] == {"en": None, "es": "Hola"}


def test_a_patch_without_the_appearance_leaves_it_as_it_was(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(
        people, admin, acme, defaultLanguage="es", color="#112233", businessName="Café", welcomeMessage={"en": "Hi"}
    ).json()

    body = _patch(people, admin, acme, channel, name="Shop").json()

    assert (body["defaultLanguage"], body["color"], body["businessName"], body["welcomeMessage"]) == (
        "es",
        "#112233",
        "Café",
        {"en": "Hi", "es": None},
    )


@pytest.mark.parametrize("value", ["fr", "EN", "", None, 1])
def test_a_default_language_other_than_en_or_es_is_400(people: People, db: Db, value: Any) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    created = _create(people, admin, acme, defaultLanguage=value)
    patched = _patch(people, admin, acme, channel, defaultLanguage=value)

    _assert_invalid(created, "defaultLanguage")
    _assert_invalid(patched, "defaultLanguage")


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#gggggg", "2f92ad", "#fff", "", None])
def test_a_colour_that_is_not_hash_and_six_hex_digits_is_400(people: People, db: Db, value: Any) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    _assert_invalid(_create(people, admin, acme, color=value), "color")
    _assert_invalid(_patch(people, admin, acme, channel, color=value), "color")


@pytest.mark.parametrize(
    "fields",
    [
        {"position": "top"},
        {"position": None},
        {"languageFixed": None},
        {"languageFixed": "sometimes"},
        {"businessName": ""},
        {"businessName": "x" * 201},
        {"businessName": "NUL\u0000inside"},
        {"welcomeMessage": {"en": "x" * 501}},
        {"welcomeMessage": {"es": "NUL\u0000inside"}},
        {"welcomeMessage": "Hello"},
    ],
    ids=lambda fields: next(iter(fields)) + "=" + repr(next(iter(fields.values())))[:20],
)
def test_other_appearance_fields_out_of_bounds_are_400(people: People, db: Db, fields: dict[str, Any]) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    _assert_invalid(_patch(people, admin, acme, channel, **fields), next(iter(fields)))


def test_a_welcome_text_of_500_characters_is_the_longest_accepted(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    channel = _create(people, admin, acme).json()

    answer = _patch(people, admin, acme, channel, welcomeMessage={"en": "x" * 500, "es": " " + "y" * 500 + " "})

    assert answer.status_code == 200
    assert answer.json()["welcomeMessage"] == {"en": "x" * 500, "es": "y" * 500}


def test_agents_may_not_change_the_look(people: People, db: Db) -> None:
    acme, admin = _setup(people, db)
    agent = people.make(agent_of=[acme])
    channel = _create(people, admin, acme).json()

    answer = _patch(people, agent, acme, channel, color="#000000")

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"
    assert db.execute("SELECT color FROM channels").fetchone() == {"color": "#2f92ad"}
