"""Labels and canned replies (issue #18, items 3 and 4): who may manage and use them, names and short
codes unique per organisation (409), the inbox filtered by a label, search for the reply box's "/"."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from chatflow.organizations import create_organization
from tests.integration.conftest import Tenant
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]
RED, BLUE = "#ef4444", "#3b82f6"


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


@pytest.fixture
def agent(people: People, tenant: Tenant) -> Person:
    return people.make(agent_of=[tenant.organization_id])


@pytest.fixture
def outsider(people: People, db: Db) -> Person:
    return people.make(admin_of=[create_organization(db, name="Beta")])


def _label(people: People, admin: Person, tenant: Tenant, name: str, color: str = RED) -> dict[str, Any]:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/labels", {"name": name, "color": color})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


# --- labels ------------------------------------------------------------------------------------------------


def test_an_admin_creates_renames_and_deletes_a_label_and_members_list_them(
    people: People, tenant: Tenant, admin: Person, agent: Person
) -> None:
    org = tenant.organization_id
    label = _label(people, admin, tenant, "VIP")

    renamed = people.patch(admin, f"/organizations/{org}/labels/{label['id']}", {"name": "Priority", "color": BLUE})
    assert (renamed.status_code, renamed.json()["name"], renamed.json()["color"]) == (200, "Priority", BLUE)
    assert [x["name"] for x in people.get(agent, f"/organizations/{org}/labels").json()] == ["Priority"]
    assert people.delete(admin, f"/organizations/{org}/labels/{label['id']}").status_code == 204
    assert people.get(agent, f"/organizations/{org}/labels").json() == []


def test_agents_may_not_manage_labels_and_outsiders_get_404(
    people: People, tenant: Tenant, admin: Person, agent: Person, outsider: Person
) -> None:
    org = tenant.organization_id
    label = _label(people, admin, tenant, "VIP")

    assert people.post(agent, f"/organizations/{org}/labels", {"name": "X", "color": RED}).status_code == 403
    assert people.patch(agent, f"/organizations/{org}/labels/{label['id']}", {"name": "X"}).status_code == 403
    assert people.get(outsider, f"/organizations/{org}/labels").status_code == 404
    assert people.post(outsider, f"/organizations/{org}/labels", {"name": "X", "color": RED}).status_code == 404
    assert people.get(None, f"/organizations/{org}/labels").status_code == 401


def test_label_names_are_unique_per_organisation_whatever_their_case(
    people: People, db: Db, tenant: Tenant, admin: Person
) -> None:
    _label(people, admin, tenant, "VIP")
    other = _label(people, admin, tenant, "Refund")

    again = people.post(admin, f"/organizations/{tenant.organization_id}/labels", {"name": "vip", "color": BLUE})
    renamed = people.patch(admin, f"/organizations/{tenant.organization_id}/labels/{other['id']}", {"name": "Vip"})

    assert (again.status_code, again.json()["error"]["code"]) == (409, "label_exists")
    assert (renamed.status_code, renamed.json()["error"]["code"]) == (409, "label_exists")
    beta = create_organization(db, name="Beta")
    beta_admin = people.make(admin_of=[beta])
    assert people.post(beta_admin, f"/organizations/{beta}/labels", {"name": "VIP", "color": RED}).status_code == 201


@pytest.mark.parametrize(
    "body", [{"name": "", "color": RED}, {"name": "x" * 41, "color": RED}, {"name": "A", "color": "red"}]
)
def test_a_label_without_a_name_too_long_or_off_the_palette_is_a_bad_request(
    people: People, tenant: Tenant, admin: Person, body: dict[str, str]
) -> None:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/labels", body)

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_field")


def test_members_label_conversations_and_filter_the_inbox_by_a_label(
    people: People, tenant: Tenant, admin: Person, agent: Person, visitor: WidgetClient
) -> None:
    vip = _label(people, admin, tenant, "VIP")
    labelled = visitor.post("Hello").body["conversationId"]
    visitor.another_visitor().post("Hi")

    on = people.put(agent, f"/conversations/{labelled}/labels/{vip['id']}")
    again = people.put(agent, f"/conversations/{labelled}/labels/{vip['id']}")

    assert on.status_code == 200
    assert [x["name"] for x in again.json()] == ["VIP"]
    items = people.get(agent, "/conversations", labelId=vip["id"]).json()["items"]
    assert [c["id"] for c in items] == [labelled]
    assert items[0]["labels"] == [{"id": vip["id"], "name": "VIP", "color": RED}]
    assert people.delete(agent, f"/conversations/{labelled}/labels/{vip['id']}").json() == []
    assert people.get(agent, "/conversations", labelId=vip["id"]).json()["items"] == []


def test_a_label_of_another_organisation_cannot_go_on_a_conversation(
    people: People, db: Db, tenant: Tenant, agent: Person, visitor: WidgetClient
) -> None:
    beta = create_organization(db, name="Beta")
    beta_admin = people.make(admin_of=[beta])
    foreign = people.post(beta_admin, f"/organizations/{beta}/labels", {"name": "X", "color": RED}).json()
    conversation = visitor.post("Hello").body["conversationId"]

    answer = people.put(agent, f"/conversations/{conversation}/labels/{foreign['id']}")

    assert (answer.status_code, answer.json()["error"]["code"]) == (404, "label_not_found")
    assert people.put(beta_admin, f"/conversations/{conversation}/labels/{foreign['id']}").status_code == 404


# --- canned replies ----------------------------------------------------------------------------------------


def _reply(people: People, admin: Person, tenant: Tenant, **body: Any) -> dict[str, Any]:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/canned-replies", body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def test_an_admin_saves_a_bilingual_reply_and_agents_find_it_by_its_code_or_words(
    people: People, tenant: Tenant, admin: Person, agent: Person
) -> None:
    org = tenant.organization_id
    _reply(
        people,
        admin,
        tenant,
        shortcut="Shipping",
        title="Shipping times",
        contentEn="Hi {{visitor.name}}, orders ship in 2 days.",
        contentEs="Hola {{visitor.name}}, los pedidos salen en 2 días.",
    )
    _reply(people, admin, tenant, shortcut="hours", title="Horario", contentEs="Abrimos de 8 a 18.")

    by_code = people.get(agent, f"/organizations/{org}/canned-replies", q="/ship").json()
    by_word = people.get(agent, f"/organizations/{org}/canned-replies", q="DIAS").json()

    assert [(r["shortcut"], r["contentEs"]) for r in by_code] == [
        ("shipping", "Hola {{visitor.name}}, los pedidos salen en 2 días.")
    ]
    assert [r["shortcut"] for r in by_word] == ["shipping"]
    assert [r["shortcut"] for r in people.get(agent, f"/organizations/{org}/canned-replies").json()] == [
        "hours",
        "shipping",
    ]


def test_agents_may_not_manage_canned_replies_and_outsiders_get_404(
    people: People, tenant: Tenant, admin: Person, agent: Person, outsider: Person
) -> None:
    org = tenant.organization_id
    reply = _reply(people, admin, tenant, shortcut="hi", title="Hi", contentEn="Hello!")
    body = {"shortcut": "x", "title": "X", "contentEn": "x"}

    assert people.post(agent, f"/organizations/{org}/canned-replies", body).status_code == 403
    assert people.patch(agent, f"/organizations/{org}/canned-replies/{reply['id']}", {"title": "Y"}).status_code == 403
    assert people.delete(agent, f"/organizations/{org}/canned-replies/{reply['id']}").status_code == 403
    assert people.get(outsider, f"/organizations/{org}/canned-replies").status_code == 404
    assert people.delete(outsider, f"/organizations/{org}/canned-replies/{reply['id']}").status_code == 404
    assert people.get(None, f"/organizations/{org}/canned-replies").status_code == 401


def test_an_admin_changes_and_deletes_a_canned_reply(people: People, tenant: Tenant, admin: Person) -> None:
    org = tenant.organization_id
    reply = _reply(people, admin, tenant, shortcut="hi", title="Hi", contentEn="Hello!")

    changed = people.patch(admin, f"/organizations/{org}/canned-replies/{reply['id']}", {"contentEs": "¡Hola!"})
    dropped = people.patch(admin, f"/organizations/{org}/canned-replies/{reply['id']}", {"contentEn": None})
    emptied = people.patch(admin, f"/organizations/{org}/canned-replies/{reply['id']}", {"contentEs": None})

    assert (changed.json()["contentEn"], changed.json()["contentEs"]) == ("Hello!", "¡Hola!")
    assert (dropped.json()["contentEn"], dropped.json()["contentEs"]) == (None, "¡Hola!")
    assert (emptied.status_code, emptied.json()["error"]["code"]) == (400, "invalid_field")
    assert people.delete(admin, f"/organizations/{org}/canned-replies/{reply['id']}").status_code == 204
    assert people.delete(admin, f"/organizations/{org}/canned-replies/{reply['id']}").status_code == 404


def test_a_short_code_is_unique_per_organisation(people: People, tenant: Tenant, admin: Person) -> None:
    _reply(people, admin, tenant, shortcut="hi", title="Hi", contentEn="Hello!")

    again = people.post(
        admin,
        f"/organizations/{tenant.organization_id}/canned-replies",
        {"shortcut": "HI", "title": "X", "contentEn": "x"},
    )

    assert (again.status_code, again.json()["error"]["code"]) == (409, "shortcut_taken")


@pytest.mark.parametrize(
    "body",
    [
        {"shortcut": "hi", "title": "Hi"},  # no text at all
        {"shortcut": "hi", "title": "Hi", "contentEn": "x" * 10_001},
        {"shortcut": "hi there", "title": "Hi", "contentEn": "x"},
        {"shortcut": "hi", "title": "", "contentEn": "x"},
        {"shortcut": "hi", "title": "Hi", "contentEs": "nul\x00"},
    ],
)
def test_a_canned_reply_without_text_overlong_or_with_a_bad_code_is_a_bad_request(
    people: People, tenant: Tenant, admin: Person, body: dict[str, Any]
) -> None:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/canned-replies", body)

    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "invalid_field")


def test_a_canned_reply_of_10000_characters_is_accepted(people: People, tenant: Tenant, admin: Person) -> None:
    _reply(people, admin, tenant, shortcut="long", title="Long", contentEn="x" * 10_000)


def test_a_search_takes_like_wildcards_literally(people: People, tenant: Tenant, admin: Person) -> None:
    _reply(people, admin, tenant, shortcut="hi", title="Hi", contentEn="Hello!")

    found = people.get(admin, f"/organizations/{tenant.organization_id}/canned-replies", q="%").json()

    assert found == []
