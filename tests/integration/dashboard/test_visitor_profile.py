"""The visitor profile (issue #18, item 5): browser, system and device read by ua-parser, language,
time zone, name, email and pages from the widget's socket, an agent's edit, earlier conversations,
search by name, email or visitor id; another organisation's answers 404."""

from __future__ import annotations

import json
import time
from typing import Any

from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from tests.integration.conftest import Tenant
from tests.support.people import People
from tests.support.realtime import serve_gateway
from tests.support.widget import WidgetClient

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)


def test_the_profile_reads_the_user_agent_with_ua_parser(
    people: People, db: Any, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    db.execute(
        "UPDATE conversations SET visitor_metadata = %s WHERE id = %s",
        (json.dumps({"userAgent": IPHONE, "acceptLanguage": "es-MX,es;q=0.9"}), conversation),
    )
    agent = people.make(agent_of=[tenant.organization_id])

    body = people.get(agent, f"/conversations/{conversation}/visitor").json()

    assert (body["browser"], body["os"], body["device"]) == ("Mobile Safari 17.4", "iOS 17.4", "Apple iPhone")
    assert body["languages"] == "es-MX,es;q=0.9"
    assert body["visitorId"] == str(visitor.visitor_id)
    assert "ip" not in json.dumps(body).lower().replace("iphone", "")


def test_the_widget_tells_the_time_zone_name_email_and_pages_on_its_socket(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    with serve_gateway(workers=1, scheduled=()) as gateway:
        get_settings.cache_clear()
        with gateway.connect(
            publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation
        ) as widget:
            for message in (
                {"action": "profile", "timeZone": "America/Mexico_City", "name": " Marta  Ruiz ", "email": "M@x.MX"},
                {"action": "profile", "page": "https://shop.example/cart?token=abc&item=4"},
                {"action": "profile", "page": "https://shop.example/checkout"},
                {"action": "profile", "timeZone": "Not/AZone", "email": "not an email"},
            ):
                widget.send(json.dumps(message))
            time.sleep(1.0)

    body = people.get(agent, f"/conversations/{conversation}/visitor").json()
    assert (body["timeZone"], body["name"], body["email"]) == ("America/Mexico_City", "Marta Ruiz", "m@x.mx")
    assert body["pages"] == ["https://shop.example/cart?item=4", "https://shop.example/checkout"]


def test_an_agent_edits_the_name_and_email_and_the_inbox_finds_the_visitor_by_them(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    edited = people.patch(
        agent, f"/conversations/{conversation}/visitor", {"name": "Óscar Peña", "email": "oscar@x.es"}
    )
    bad = people.patch(agent, f"/conversations/{conversation}/visitor", {"email": "nope"})

    assert (edited.status_code, edited.json()["name"], edited.json()["email"]) == (200, "Óscar Peña", "oscar@x.es")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_field")
    for q in ("oscar pena", "oscar@x.es", str(visitor.visitor_id)):
        assert [c["id"] for c in people.get(agent, "/conversations", q=q).json()["items"]] == [conversation], q


def test_earlier_conversations_of_the_same_visitor_on_this_channel_are_listed(
    people: People, tenant: Tenant, visitor: WidgetClient
) -> None:
    first = visitor.post("Hello").body["conversationId"]
    visitor.close(first)
    second = visitor.post("Hello again").body["conversationId"]
    agent = people.make(agent_of=[tenant.organization_id])

    body = people.get(agent, f"/conversations/{second}/visitor").json()

    assert [e["id"] for e in body["earlier"]] == [first]


def test_another_organisations_visitor_profile_answers_404(people: People, db: Any, visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]
    outsider = people.make(admin_of=[create_organization(db, name="Beta")])

    assert people.get(outsider, f"/conversations/{conversation}/visitor").status_code == 404
    assert people.patch(outsider, f"/conversations/{conversation}/visitor", {"name": "X"}).status_code == 404
