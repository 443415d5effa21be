"""What a page pays for the widget (issue #25, item 2): the launcher alone, minified and compressed, within
5 KB, until the visitor opens the chat, which then loads and works; and the widget's face (issue #24,
item 6): the business's avatar or initials in the header, an agent's on their messages."""

from __future__ import annotations

import base64
import re
from uuid import uuid4

from playwright.sync_api import Page, Response, expect

from chatflow import channels
from chatflow.organizations import create_organization
from tests.e2e.conftest import Browsing, Db, Stack, Widget
from tests.support.callers import super_admin

LAUNCHER_BUDGET = 5 * 1024
# A 1×1 PNG: the avatar's bytes do not matter, only that it is an image the page shows.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _widget_scripts(page: Page) -> list[Response]:
    scripts: list[Response] = []
    page.on("response", lambda r: scripts.append(r) if re.search(r"/widget/[^/?]+\.js", r.url) else None)
    return scripts


def test_a_page_that_never_opens_the_chat_downloads_only_the_launcher_within_5_kb(
    browsing: Browsing, stack: Stack
) -> None:
    page = browsing.page
    scripts = _widget_scripts(page)
    page.goto(stack.demo())
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat")
    page.wait_for_timeout(3_000)  # past the idle time in which a conversation going on would load the chat

    assert [r.url.rsplit("/", 1)[1] for r in scripts] == ["chatflow360.js"]
    launcher = scripts[0]
    body_bytes = launcher.request.sizes()["responseBodySize"]  # as it came over the wire
    assert launcher.header_value("content-encoding") == "br"
    assert 0 < body_bytes <= LAUNCHER_BUDGET
    expect(widget.panel).to_have_count(0)


def test_the_chat_loads_on_the_first_open_and_answers(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    scripts = _widget_scripts(page)
    page.goto(stack.demo())
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()

    with page.expect_response(re.compile(r"/widget/chatflow360-chat\.[0-9a-f]{10}\.js$")) as chat:
        widget.open()
    widget.send("When do you open on Saturday?")

    assert chat.value.header_value("content-encoding") == "br"
    expect(widget.messages("ai")).to_have_count(1)
    expect(widget.launcher).to_have_attribute("aria-label", "Close chat")
    assert len(scripts) == 2  # the launcher, then the chat: once


def test_a_conversation_going_on_brings_the_chat_in_idle_time_without_an_open(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("When do you open on Saturday?")
    expect(widget.messages("ai")).to_have_count(1)
    widget.close_button.click()

    # The next page of the visit, the panel closed: the chat comes by itself (its socket and unread dot).
    with page.expect_response(re.compile(r"/widget/chatflow360-chat\.[0-9a-f]{10}\.js$"), timeout=15_000):
        page.reload()
    expect(widget.panel).to_be_hidden()
    widget.open()
    expect(widget.messages("visitor")).to_have_text(["When do you open on Saturday?"])


def _business(db: Db, logo_key: str | None) -> str:
    """An organisation of its own with a website channel, its logo as the dashboard stores it; its public key."""
    organization_id = create_organization(db, name=f"Harbour Books {uuid4().hex[:6]}")
    channel = channels.create_channel(db, super_admin(), organization_id, name="Website")
    db.execute("UPDATE channels SET logo_key = %s WHERE id = %s", (logo_key, channel.id))
    return str(channel.public_key)


def _pictures(page: Page) -> None:
    """The pictures' bytes (served from storage at /media/, not this test's subject): a 1×1 PNG each."""
    page.route(re.compile(r"/media/"), lambda route: route.fulfill(body=PIXEL, content_type="image/png"))


def test_the_header_shows_the_businesss_logo_with_its_name_as_alt_text(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    page = browsing.page
    _pictures(page)
    key = _business(db, f"media/{uuid4().hex}.webp")
    with page.expect_response(re.compile(r"/api/channels/[^/]+/config$")) as config:
        page.goto(stack.demo(key=key))
    widget = Widget(page)
    widget.open()

    name = config.value.json()["businessName"]
    avatar = widget.host.locator(".h .av img")
    expect(avatar).to_have_attribute("alt", name)
    expect(avatar).to_have_attribute("src", config.value.json()["avatarUrl"])
    assert avatar.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1


def test_without_a_logo_the_header_shows_the_businesss_initials(browsing: Browsing, stack: Stack, db: Db) -> None:
    page = browsing.page
    key = _business(db, None)
    page.goto(stack.demo(key=key, lang="es"))
    widget = Widget(page)
    widget.open()

    expect(widget.host.locator(".h .av")).to_have_text("HB")
    expect(widget.host.locator(".h .av img")).to_have_count(0)
    expect(widget.host.locator("h2")).to_contain_text("Harbour Books")


def test_an_agents_message_shows_their_first_name_and_initials(page: Page, stack: Stack, db: Db) -> None:
    # No socket: the agent's message, written straight to the database, comes by the widget's polling.
    page.route_web_socket(re.compile(r"/ws(\?|$)"), lambda ws: ws.close())
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("I want to talk to a person, please")
    expect(widget.messages("system").first).to_be_visible()
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    ana = f"e2e-{uuid4()}"
    db.execute("INSERT INTO users (id, email, name) VALUES (%s, %s, 'Ana López')", (ana, f"{ana}@example.com"))
    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content, author_user_id)"
        " VALUES (%s, %s, 'agent', %s, %s)",
        (conversation, stack.organization_id, "<img src=x onerror=alert(1)>", ana),
    )

    meta = widget.log.locator(".m.agent .meta")
    expect(meta).to_contain_text("Ana", timeout=7_000)
    expect(meta.locator(".av")).to_have_text("A")
    expect(meta).not_to_contain_text("López")
    expect(widget.log.locator(".m.agent .b img")).to_have_count(0)  # the message's markup stays text


def test_an_agents_message_shows_their_photo_with_their_first_name_as_alt_text(
    page: Page, stack: Stack, db: Db
) -> None:
    page.route_web_socket(re.compile(r"/ws(\?|$)"), lambda ws: ws.close())
    _pictures(page)
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("I want to talk to a person, please")
    expect(widget.messages("system").first).to_be_visible()
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    ana = f"e2e-{uuid4()}"
    db.execute(
        "INSERT INTO users (id, email, name, avatar_key) VALUES (%s, %s, 'Ana López', %s)",
        (ana, f"{ana}@example.com", f"media/{uuid4().hex}.webp"),
    )
    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content, author_user_id)"
        " VALUES (%s, %s, 'agent', 'Hello!', %s)",
        (conversation, stack.organization_id, ana),
    )

    photo = widget.log.locator(".m.agent .meta .av img")
    expect(photo).to_have_attribute("alt", "Ana", timeout=7_000)
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1
