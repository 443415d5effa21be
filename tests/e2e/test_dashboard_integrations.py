"""The Integrations page in a real browser against the whole local stack: an admin registers a
webhook endpoint (a receiver over real HTTP on this machine, which verifies every delivery with the
`standardwebhooks` library), copies its secret (shown once), sends a test event and sees it
delivered; then a visitor's message reaches the receiver through the queue and functions/dispatch;
and the admin creates an API token that works on the public API."""

from __future__ import annotations

import json
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, Stack, wait_until
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in, snap
from tests.support.secret_scan import register_secret
from tests.support.webhook_receiver import WebhookReceiver


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = WebhookReceiver()
    yield started
    started.close()


def test_an_admin_registers_a_webhook_sends_a_test_event_and_a_visitors_message_arrives_signed(
    browsing: Browsing, dashboard: Dashboard, receiver: WebhookReceiver
) -> None:
    page = browsing.page
    suffix = uuid.uuid4().hex[:6]
    org_name = f"Integrations {suffix}"
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, org_name)

    # GIVEN the admin on the Integrations page of the organisation
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.locator("header.topbar select").select_option(label=org_name)
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_text("No endpoints yet.")).to_be_visible()

    # WHEN it adds an endpoint
    page.get_by_role("button", name="Add endpoint").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("URL").fill(receiver.url)
    dialog.get_by_role("button", name="Add endpoint").click()

    # THEN its secret is shown once, to copy
    secret = page.locator("code.secret").inner_text()
    register_secret(secret, "a webhook signing secret")
    receiver.secrets.append(secret)
    assert secret.startswith("whsec_")
    snap(page, "integrations-secret-shown-once")
    page.get_by_role("button", name="I have copied it").click()
    expect(page.locator("code.secret")).to_have_count(0)
    expect(page.locator("td code", has_text=receiver.url)).to_be_visible()

    # WHEN it sends a test event, THEN the receiver verifies it and the list, which polls while a
    # delivery is on its way, says it was delivered without a click on Refresh
    page.get_by_role("button", name="Deliveries").click()
    page.get_by_role("button", name="Send a test event").click()
    wait_until(lambda: len(receiver.received) >= 1, timeout=20, page=page)
    assert [(r.type, r.verified_with) for r in receiver.received] == [("webhook.test", (0,))]
    expect(page.locator("td", has_text="webhook.test")).to_be_visible()
    expect(page.get_by_text("Delivered")).to_be_visible()
    snap(page, "integrations-test-delivered")

    # WHEN a visitor writes, THEN the message reaches the receiver, signed, through the queue
    _post_chat(dashboard, channel["publicKey"], f"Hello {suffix}")
    # the AI's answer is a message.created too, and the two deliveries may arrive in either order
    wait_until(
        lambda: any(
            r.type == "message.created" and r.json["data"]["message"]["content"] == f"Hello {suffix}"
            for r in receiver.received
        ),
        timeout=30,
        page=page,
    )
    messages = [r for r in receiver.received if r.type == "message.created"]
    assert all(r.verified_with == (0,) for r in messages)

    # WHEN it creates an API token, THEN it is shown once and works on the public API
    page.get_by_role("button", name="Create token").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Name").fill("CRM sync")
    dialog.get_by_role("button", name="Create token").click()
    api_token = page.locator("code.secret").inner_text()
    register_secret(api_token, "an organisation API token")
    assert api_token.startswith("cf360_")
    page_of_conversations = dashboard.api("GET", "/api/dashboard/conversations", api_token)
    assert [c["organizationId"] for c in page_of_conversations["items"]] == [org["id"]]
    assert browsing.log.messages("error") == []


def _post_chat(dashboard: Dashboard, public_key: str, message: str) -> None:
    body = json.dumps({"publicKey": public_key, "visitorId": str(uuid.uuid4()), "message": message}).encode()
    request = urllib.request.Request(
        dashboard.api_url + "/api/chat", data=body, method="POST", headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # the local stack
        assert response.status == 200
