"""/me and /organizations, for every role."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import psycopg

from chatflow.organizations import create_organization
from tests.support.people import People

Db = psycopg.Connection[dict[str, Any]]


def test_me_lists_the_callers_organisations_and_roles(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    beta = create_organization(db, name="Beta")
    create_organization(db, name="Gamma")
    person = people.make(admin_of=[acme], agent_of=[beta], language="es")

    answer = people.get(person, "/me")

    assert answer.status_code == 200
    body = answer.json()
    assert body["user"]["email"] == person.email
    assert body["user"]["preferredLanguage"] == "es"
    assert body["user"]["isSuperAdmin"] is False
    assert {(o["name"], o["role"]) for o in body["organizations"]} == {("Acme", "admin"), ("Beta", "agent")}


def test_a_super_admin_sees_every_organisation(people: People, db: Db) -> None:
    create_organization(db, name="Acme")
    create_organization(db, name="Beta")
    root = people.make(super_admin=True)

    body = people.get(root, "/me").json()

    assert {o["role"] for o in body["organizations"]} == {"super_admin"}
    assert len(body["organizations"]) == 2


def test_me_can_change_its_language(people: People) -> None:
    person = people.make()

    answer = people.patch(person, "/me", {"preferredLanguage": "es"})

    assert answer.status_code == 200
    assert people.get(person, "/me").json()["user"]["preferredLanguage"] == "es"


def test_a_super_admin_creates_an_organisation_with_default_ai_settings(people: People, db: Db) -> None:
    root = people.make(super_admin=True)

    answer = people.post(root, "/organizations", {"name": "  Nueva Cafetería ", "plan": "pro"})

    assert answer.status_code == 201
    assert answer.json()["name"] == "Nueva Cafetería"
    settings = db.execute(
        "SELECT model, array_length(handoff_keywords, 1) AS keywords FROM ai_settings WHERE organization_id = %s",
        (answer.json()["id"],),
    ).fetchone()
    assert settings == {"model": "gpt-4o-mini", "keywords": 19}


def test_a_new_organisation_comes_with_its_website_channel_on_the_plans_first_slot(people: People) -> None:
    root = people.make(super_admin=True)
    organization_id = people.post(root, "/organizations", {"name": "Café Luna", "plan": "starter"}).json()["id"]

    channels = people.get(root, f"/organizations/{organization_id}/channels").json()
    second = people.post(root, f"/organizations/{organization_id}/channels", {"name": "Another", "type": "website"})

    assert [(c["name"], c["type"], c["active"]) for c in channels] == [("Website", "website", True)]
    assert channels[0]["publicKey"]
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "plan_limit"


def test_the_website_channel_is_named_in_the_creators_language(people: People) -> None:
    root = people.make(super_admin=True)
    people.patch(root, "/me", {"preferredLanguage": "es"})
    organization_id = people.post(root, "/organizations", {"name": "Café Sol", "plan": "pro"}).json()["id"]

    channels = people.get(root, f"/organizations/{organization_id}/channels").json()

    assert [c["name"] for c in channels] == ["Sitio web"]


def test_an_org_admin_may_not_create_organisations(people: People, db: Db) -> None:
    admin = people.make(admin_of=[create_organization(db, name="Acme")])

    answer = people.post(admin, "/organizations", {"name": "Mine"})

    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "forbidden"


def test_members_list_only_their_organisations(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    create_organization(db, name="Beta")
    agent = people.make(agent_of=[acme])

    answer = people.get(agent, "/organizations")

    assert [o["name"] for o in answer.json()] == ["Acme"]


def test_another_organisation_answers_404_like_a_missing_one(people: People, db: Db) -> None:
    create_organization(db, name="Acme")
    beta = create_organization(db, name="Beta")
    outsider = people.make(admin_of=[create_organization(db, name="Gamma")])

    other = people.get(outsider, f"/organizations/{beta}")
    missing = people.get(outsider, f"/organizations/{uuid4()}")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_only_a_super_admin_changes_plan_or_active(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    admin = people.make(admin_of=[acme])
    root = people.make(super_admin=True)

    refused = people.patch(admin, f"/organizations/{acme}", {"plan": "growth"})
    done = people.patch(root, f"/organizations/{acme}", {"plan": "growth", "active": False})

    assert refused.status_code == 403
    assert done.status_code == 200
    assert (done.json()["plan"], done.json()["active"]) == ("growth", False)


def test_an_unknown_plan_is_400(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.patch(root, f"/organizations/{acme}", {"plan": "platinum"})

    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_field"


def test_a_super_admin_deletes_an_organisation_and_everything_it_owns(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    root = people.make(super_admin=True)

    answer = people.delete(root, f"/organizations/{acme}")

    assert answer.status_code == 204
    assert people.get(root, f"/organizations/{acme}").status_code == 404
    assert db.execute("SELECT count(*) AS n FROM ai_settings").fetchone() == {"n": 0}


def test_an_agent_may_not_delete_its_organisation(people: People, db: Db) -> None:
    acme = create_organization(db, name="Acme")
    agent = people.make(agent_of=[acme])

    assert people.delete(agent, f"/organizations/{acme}").status_code == 403
