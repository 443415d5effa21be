"""What the visitor sees when things go wrong: a lost answer, no network, too many messages, a bad key."""

from __future__ import annotations

import json
import time
from typing import Any
from uuid import uuid4

import pytest
from playwright.sync_api import Route, expect

from tests.e2e.conftest import Browsing, Db, Stack, Widget, body_of, third_party_page, wait_until

pytestmark = pytest.mark.e2e

CHAT = "**/api/chat"


def _is_post(request: Any) -> bool:
    return bool(request.method == "POST" and request.url.endswith("/api/chat"))


def test_a_lost_answer_offers_retry_and_the_retry_stores_the_message_once(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    page = browsing.page
    text = f"Can I order a cake for Saturday? ({uuid4()})"
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    sent: list[dict[str, Any]] = []

    def lose_the_answer(route: Route) -> None:
        sent.append(body_of(route.request))
        route.fetch()  # the server stores the message and answers ...
        route.abort("internetdisconnected")  # ... but the answer never reaches the browser

    page.route(CHAT, lose_the_answer, times=1)
    widget.send(text)

    failed = widget.log.locator(".m.visitor.failed")
    expect(failed).to_contain_text(text)
    expect(failed).to_contain_text("Not sent.")
    # The answer may still come through the socket the panel opened (the server did write it): then
    # the retry must not show it twice.
    browsing.snap("failed")
    with page.expect_request(_is_post) as retried:
        failed.get_by_role("button", name="Retry").click()

    expect(widget.messages("ai")).to_have_count(1)
    expect(widget.log.locator(".m.failed")).to_have_count(0)
    assert body_of(retried.value)["clientMessageId"] == sent[0]["clientMessageId"]
    stored = db.execute("SELECT role FROM messages WHERE content = %s", (text,)).fetchall()
    assert [row["role"] for row in stored] == ["visitor"]
    replies = db.execute(
        "SELECT count(*) AS n FROM messages WHERE conversation_id = "
        "(SELECT conversation_id FROM messages WHERE content = %s) AND role = 'ai'",
        (text,),
    ).fetchone()
    assert replies == {"n": 1}


def test_with_the_network_down_the_message_is_kept_and_sent_on_retry(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    page.route(CHAT, lambda route: route.abort("internetdisconnected"))

    widget.send("Are you open today?")

    failed = widget.log.locator(".m.visitor.failed")
    expect(failed).to_contain_text("Are you open today?")
    expect(widget.typing).to_be_hidden()
    page.unroute(CHAT)
    failed.get_by_role("button", name="Retry").click()
    expect(widget.messages("ai")).to_have_count(1)
    expect(widget.messages("visitor")).to_have_text(["Are you open today?"])
    expect(widget.log.locator(".m.failed")).to_have_count(0)


def test_too_many_messages_get_a_polite_slow_down_notice_and_retry_after_is_honoured(
    browsing: Browsing, stack: Stack
) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    limited_at: list[float] = []

    def rate_limited(route: Route) -> None:
        limited_at.append(time.monotonic())
        route.fulfill(
            status=429,
            headers={
                "Content-Type": "application/json",
                "Retry-After": "2",
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After",
            },
            body=json.dumps({"error": {"code": "rate_limited", "message": "Too many requests."}}),
        )

    page.route(CHAT, rate_limited, times=1)
    widget.send("One more question")

    expect(widget.messages("system")).to_have_text(
        ["You're sending messages a little too fast. Please wait 2 seconds, then try again."]
    )
    failed = widget.log.locator(".m.visitor.failed")
    browsing.snap("slow-down")
    with page.expect_request(_is_post) as retried:
        failed.get_by_role("button", name="Retry").click()
    assert body_of(retried.value)["message"] == "One more question"
    assert time.monotonic() - limited_at[0] >= 1.8  # not before Retry-After
    expect(widget.messages("ai")).to_have_count(1)


def test_an_unknown_public_key_shows_no_chat_and_says_why_in_the_console(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page

    page.goto(stack.demo(key=str(uuid4())))

    wait_until(lambda: any("no active channel" in m for m in browsing.log.messages("error")), page=page)
    expect(page.locator("chatflow360-widget")).to_have_count(0)
    page.wait_for_timeout(3_500)  # nor after the wait for a slow config
    expect(page.locator("chatflow360-widget")).to_have_count(0)


def test_a_channel_switched_off_during_a_chat_hides_it_and_says_why(browsing: Browsing, stack: Stack, db: Db) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    db.execute("UPDATE channels SET active = false WHERE public_key = %s", (stack.public_key,))
    try:
        widget.send("Hello?")

        expect(page.locator("chatflow360-widget")).to_have_count(0)
    finally:
        db.execute("UPDATE channels SET active = true WHERE public_key = %s", (stack.public_key,))
    assert any("no active channel" in m for m in browsing.log.messages("error"))


def test_a_script_tag_without_data_key_shows_no_launcher_and_says_why(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    tag = f'<script src="{stack.api_url}/widget/chatflow360.js" data-lang="es" defer></script>'

    page.goto(third_party_page(page, stack, "embed.html", SCRIPT_TAG=tag))
    page.wait_for_load_state("load")

    expect(page.locator("chatflow360-widget")).to_have_count(0)
    assert any("data-key is missing" in m for m in browsing.log.messages("error"))


def test_a_site_the_channel_does_not_allow_shows_no_chat_and_says_why(browsing: Browsing, stack: Stack, db: Db) -> None:
    page = browsing.page
    db.execute(
        "UPDATE channels SET allowed_origins = '{https://coffee.example}' WHERE public_key = %s", (stack.public_key,)
    )
    tag = f'<script src="{stack.api_url}/widget/chatflow360.js" data-key="{stack.public_key}" defer></script>'
    try:
        page.goto(third_party_page(page, stack, "embed.html", SCRIPT_TAG=tag))  # another site: http://localhost:…

        wait_until(lambda: any("does not accept messages from" in m for m in browsing.log.messages("error")), page=page)
        expect(page.locator("chatflow360-widget")).to_have_count(0)
    finally:
        db.execute("UPDATE channels SET allowed_origins = '{}' WHERE public_key = %s", (stack.public_key,))
    assert any("does not accept messages from" in m for m in browsing.log.messages("error"))
