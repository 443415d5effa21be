"""Verified visitor identity in a real browser: a business's page gives the widget its logged-in
user's token (data-user-jwt); the same user on two browsers sees one conversation, and a token that
is not valid leaves the visitor anonymous, with a warning in the console."""

from __future__ import annotations

import time
from uuid import uuid4

import jwt
from playwright.sync_api import APIResponse, Page, Route, expect

from chatflow import crypto
from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from tests.conftest import TEST_ENCRYPTION_KEY
from tests.e2e.conftest import Browsing, Db, Stack, Widget, third_party_page, wait_until
from tests.support.callers import super_admin
from tests.support.secret_scan import register_secret


def _channel_with_identity(db: Db) -> tuple[str, str]:
    """A channel of its own (the widget API caches a channel's identity settings for a while), with
    an identity secret: (public key, secret)."""
    organization_id = create_organization(db, name=f"Portal {uuid4().hex[:6]}")
    channel = create_channel(db, super_admin(), organization_id, name="Customer portal")
    secret = "cfid_" + uuid4().hex + uuid4().hex
    register_secret(secret, "a channel identity secret")
    db.execute(
        "UPDATE channels SET encrypted_identity_secret = %s, identity_secret_rotated_at = now() WHERE id = %s",
        (crypto.encrypt(secret, crypto.parse_key(TEST_ENCRYPTION_KEY)), channel.id),
    )
    return str(channel.public_key), secret


def _portal(page: Page, stack: Stack, public_key: str, token: str) -> Widget:
    tag = (
        f'<script src="{stack.api_url}/widget/chatflow360.js" data-key="{public_key}" '
        f'data-user-jwt="{token}" defer></script>'
    )
    page.goto(third_party_page(page, stack, "bilingual.html", HTML_LANG="en", SCRIPT_TAG=tag))
    return Widget(page)


def test_the_same_signed_in_user_on_two_browsers_sees_one_conversation(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    public_key, secret = _channel_with_identity(db)
    token = jwt.encode({"sub": f"customer-{uuid4().hex[:8]}", "exp": int(time.time()) + 3600}, secret, "HS256")
    register_secret(token, "a visitor identity token")
    laptop = _portal(browsing.page, stack, public_key, token)
    laptop.open()
    laptop.send("Hello from my laptop")
    expect(laptop.messages("ai")).to_have_count(1)

    phone = _portal(browsing.new_page(), stack, public_key, token)
    phone.open()

    expect(phone.messages("visitor")).to_have_text(["Hello from my laptop"])
    expect(phone.messages("ai")).to_have_count(1)
    assert laptop.storage().get(f"cf360_visitor_{public_key}") != phone.storage().get(f"cf360_visitor_{public_key}")


def test_a_token_that_is_not_valid_leaves_the_visitor_anonymous_and_says_so(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    public_key, _ = _channel_with_identity(db)
    forged = jwt.encode({"sub": "customer-1", "exp": int(time.time()) + 3600}, "cfid_" + "x" * 64, "HS256")
    register_secret(forged, "a forged visitor identity token")
    widget = _portal(browsing.page, stack, public_key, forged)
    widget.open()

    widget.send("Hello")

    expect(widget.messages("ai")).to_have_count(1)
    wait_until(lambda: any("identity token was refused" in m.text for m in browsing.log.console), page=browsing.page)


def test_a_message_sent_while_the_token_is_being_refused_still_reaches_the_ai(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    # The race a loaded machine can play: the message leaves with the token while the widget's own
    # /identify is pending; /identify is refused first, then the message's answer says the same.
    public_key, _ = _channel_with_identity(db)
    forged = jwt.encode({"sub": "customer-2", "exp": int(time.time()) + 3600}, "cfid_" + "y" * 64, "HS256")
    register_secret(forged, "a forged visitor identity token")
    identifying: list[Route] = []
    refused_message: list[tuple[Route, APIResponse]] = []

    def identify(route: Route) -> None:
        identifying.append(route)

    def message(route: Route) -> None:
        if route.request.method == "POST" and identifying and not refused_message:
            refused_message.append((route, route.fetch()))
        else:
            route.continue_()

    browsing.page.route("**/api/chat/identify", identify)
    browsing.page.route(lambda url: url.endswith("/api/chat"), message)
    widget = _portal(browsing.page, stack, public_key, forged)
    widget.open()

    widget.send("Hello")
    wait_until(lambda: bool(refused_message), page=browsing.page)
    identifying.pop().continue_()
    wait_until(lambda: any("identity token was refused" in m.text for m in browsing.log.console), page=browsing.page)
    route, answer = refused_message[0]
    route.fulfill(response=answer)

    expect(widget.messages("ai")).to_have_count(1)
    expect(widget.messages("visitor")).to_have_text(["Hello"])
