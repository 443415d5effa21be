"""GET/PUT /organizations/{id}/getting-started: a new organisation's checklist, each step ticked from
what exists (instructions, ready knowledge, a website channel, its widget seen on an allowed page, a
first conversation, a teammate), read by members, put away by admins."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import Channel, ChannelChanges, create_channel, update_channel
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.support.callers import super_admin
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def new_business(people: People, db: Db) -> tuple[UUID, Person]:
    organization_id = create_organization(db, name="Dental Sonrisa", plan="pro")
    return organization_id, people.make(admin_of=[organization_id])


def _done(people: People, who: Person, organization_id: UUID) -> dict[str, bool]:
    answer = people.get(who, f"/organizations/{organization_id}/getting-started")
    assert answer.status_code == 200
    return {step["key"]: step["done"] for step in answer.json()["steps"]}


def test_a_new_organisation_has_every_step_to_do_but_its_first_member(
    people: People, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business

    answer = people.get(admin, f"/organizations/{organization_id}/getting-started").json()

    assert [step["key"] for step in answer["steps"]] == [
        "describe", "knowledge", "channel", "install", "first_message", "invite"
    ]  # fmt: skip
    assert not any(step["done"] for step in answer["steps"])
    assert (answer["complete"], answer["dismissed"], answer["widgetSeenAt"]) == (False, False, None)


def test_steps_tick_themselves_from_instructions_knowledge_a_channel_and_a_teammate(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business

    described = people.patch(admin, f"/organizations/{organization_id}/ai-settings", {"systemPrompt": "Dentistas."})
    db.execute(
        "INSERT INTO channel_knowledge (organization_id, title, content, status) VALUES (%s, 'Hours', 'M-F', 'ready')",
        (organization_id,),
    )
    create_channel(db, super_admin(), organization_id, name="Website")
    people.make(agent_of=[organization_id])

    assert described.status_code == 200
    assert _done(people, admin, organization_id) == {
        "describe": True, "knowledge": True, "channel": True, "install": False, "first_message": False, "invite": True
    }  # fmt: skip


def test_the_widget_counts_as_installed_once_loaded_on_an_allowed_page_and_says_where(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business
    channel = _website_of(db, organization_id, "https://sonrisa.example")
    widget = WidgetClient(channel.public_key, uuid4())

    refused = widget.config(headers={"Origin": "https://elsewhere.example"})
    after_refusal = _done(people, admin, organization_id)["install"]
    widget.config(headers={"Origin": "https://sonrisa.example"})
    widget.config(headers={"Origin": "https://sonrisa.example"})
    answer = people.get(admin, f"/organizations/{organization_id}/getting-started").json()

    assert (refused.status, after_refusal) == (403, False)
    assert next(step for step in answer["steps"] if step["key"] == "install")["done"] is True
    assert answer["widgetSeenOrigin"] == "https://sonrisa.example"
    assert answer["widgetSeenAt"] is not None


def test_a_first_message_from_a_page_ticks_install_and_first_message(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business
    channel = create_channel(db, super_admin(), organization_id, name="Website")

    WidgetClient(channel.public_key, uuid4()).post("Hola", pageUrl="https://sonrisa.example/citas")

    done = _done(people, admin, organization_id)
    assert (done["install"], done["first_message"]) == (True, True)


def test_the_dashboards_preview_talks_to_a_channel_made_for_another_site_without_counting_as_installed(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business
    channel = _website_of(db, organization_id, "https://sonrisa.example")
    preview = WidgetClient(channel.public_key, uuid4())
    dashboard = get_settings().dashboard_url.rstrip("/")
    ours = {"Origin": _origin(dashboard)}

    config = preview.config(headers={**ours, "Referer": f"{dashboard}/es/channels/{channel.id}/try"})
    chat = preview.post_raw(
        json.dumps({"publicKey": str(channel.public_key), "visitorId": str(preview.visitor_id),
                    "message": "Hola", "pageUrl": "about:srcdoc"}),
        headers=ours,
    )  # fmt: skip
    answer = people.get(admin, f"/organizations/{organization_id}/getting-started").json()

    assert (config.status, chat.status) == (200, 200)
    assert {s["key"]: s["done"] for s in answer["steps"]}["install"] is False
    assert {s["key"]: s["done"] for s in answer["steps"]}["first_message"] is True
    assert answer["widgetSeenOrigin"] is None


def test_the_widgets_demo_page_on_the_products_origin_stands_for_the_businesss_site(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    dashboard = get_settings().dashboard_url.rstrip("/")
    origin = _origin(dashboard)

    WidgetClient(channel.public_key, uuid4()).config(
        headers={"Origin": origin, "Referer": f"{origin}/widget/demo.html?key={channel.public_key}"}
    )

    assert _done(people, admin, organization_id)["install"] is True


def _website_of(db: Db, organization_id: UUID, origin: str) -> Channel:
    """A website channel of the organisation that allows one site."""
    channel = create_channel(db, super_admin(), organization_id, name="Website")
    update_channel(db, super_admin(), organization_id, channel.id, ChannelChanges(allowed_origins=[origin]))
    return channel


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_the_checklist_names_the_website_channel_it_points_to(
    people: People, db: Db, new_business: tuple[UUID, Person]
) -> None:
    organization_id, admin = new_business
    before = people.get(admin, f"/organizations/{organization_id}/getting-started").json()
    channel = create_channel(db, super_admin(), organization_id, name="Website")

    after = people.get(admin, f"/organizations/{organization_id}/getting-started").json()

    assert before["websiteChannelId"] is None
    assert after["websiteChannelId"] == str(channel.id)


def test_an_admin_puts_the_checklist_away_and_brings_it_back(people: People, new_business: tuple[UUID, Person]) -> None:
    organization_id, admin = new_business
    path = f"/organizations/{organization_id}/getting-started"

    away = people.put(admin, path, {"dismissed": True})
    kept = people.get(admin, path).json()["dismissed"]
    back = people.put(admin, path, {"dismissed": False})

    assert (away.status_code, away.json()["dismissed"], kept, back.json()["dismissed"]) == (200, True, True, False)


def test_an_agent_reads_the_checklist_but_cannot_put_it_away_and_an_outsider_sees_nothing(
    people: People, new_business: tuple[UUID, Person]
) -> None:
    organization_id, _ = new_business
    agent, outsider = people.make(agent_of=[organization_id]), people.make()
    path = f"/organizations/{organization_id}/getting-started"

    assert people.get(agent, path).status_code == 200
    assert people.put(agent, path, {"dismissed": True}).status_code == 403
    assert people.get(outsider, path).status_code == 404
    assert people.put(outsider, path, {"dismissed": True}).status_code == 404
