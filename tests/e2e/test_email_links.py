"""Every link an email sends opens its page: the invitation's sign-in and join links and the join
email's, sent through moto's SES by the real invitation flow, and the handoff and over-limit emails'
links, made by their templates for the stack's DASHBOARD_URL; in both languages, followed in
Chromium by a signed-in super admin. A link that opens the app's 404 page, or the gateway's JSON,
fails."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from chatflow.notifications.handoff import HandoffRecipient, handoff_emails
from chatflow.notifications.over_limit import OverLimitNotice, over_limit_emails
from chatflow.settings import Settings
from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in

pytestmark = pytest.mark.e2e

_LINK = re.compile(r"https?://\S+")


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _mailed_links(dashboard: Dashboard, address: str) -> list[str]:
    with urllib.request.urlopen(f"{dashboard.moto_url}/moto-api/data.json", timeout=10) as response:
        sent = json.loads(response.read()).get("ses", {}).get("Message", [])
    bodies = [str(m.get("body", "")) for m in sent if address in json.dumps(m.get("destinations", ""))]
    return [link for body in bodies for link in _LINK.findall(body)]


def _invited_links(dashboard: Dashboard, stack: Stack) -> list[str]:
    """A new teammate invited in Spanish (sign-in and join links), then an existing account invited
    into a second organisation in English (its join email)."""
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    suffix = uuid.uuid4().hex[:6]
    new, existing = f"nuevo-{suffix}@example.com", f"existing-{suffix}@example.com"
    members = f"/api/dashboard/organizations/{stack.organization_id}/members"
    dashboard.api("POST", members, token, {"email": new, "role": "agent", "preferredLanguage": "es"})
    other = dashboard.api(
        "POST", "/api/dashboard/organizations", token, {"name": f"Second {suffix}", "plan": "starter"}
    )
    invite = {"email": existing, "role": "agent", "preferredLanguage": "en"}
    dashboard.api("POST", f"/api/dashboard/organizations/{other['id']}/members", token, invite)
    dashboard.api("POST", members, token, {"email": existing, "role": "agent"})
    return _mailed_links(dashboard, new) + _mailed_links(dashboard, existing)


def _templated_links(dashboard: Dashboard, stack: Stack, conversation_id: uuid.UUID) -> list[str]:
    settings = Settings(dashboard_url=dashboard.url)
    readers = [("en-admin@example.com", "en"), ("es-admin@example.com", "es")]
    handoff = handoff_emails(
        [HandoffRecipient(email, "Ana", lang, "Demo Coffee Co.", "Website", "Hola") for email, lang in readers],
        settings,
        organization_id=stack.organization_id,
        conversation_id=conversation_id,
    )
    notice = OverLimitNotice("Demo Coffee Co.", "starter", date.today(), 101, readers)
    over_limit = over_limit_emails(notice, settings, organization_id=stack.organization_id)
    return [link for email in handoff + over_limit for link in _LINK.findall(email.text)]


def _opens_a_page(page: Page, link: str) -> None:
    answer = page.goto(link)
    assert answer is not None, link
    assert answer.headers.get("content-type", "").startswith("text/html"), link
    expect(page.locator("main")).to_be_visible(timeout=10_000)
    expect(page.locator(".not-found")).to_have_count(0)


def test_every_link_an_email_sends_opens_its_page(browsing: Browsing, dashboard: Dashboard, stack: Stack) -> None:
    conversation = dashboard.api(
        "POST", "/api/chat", body={"publicKey": stack.public_key, "visitorId": str(uuid.uuid4()), "message": "Hola"}
    )
    links = _invited_links(dashboard, stack) + _templated_links(dashboard, stack, conversation["conversationId"])
    assert {re.sub(r"[?#].*", "", link.split("/app/", 1)[1].split("/", 1)[1]) for link in links} >= {
        "login",
        "invitation",
        "usage",
        f"conversations/{conversation['conversationId']}",
    }
    assert all(link.startswith(dashboard.url + "/") for link in links), links

    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=20_000)
    for link in links:
        _opens_a_page(page, link)


def test_a_link_to_one_organisations_page_opens_it_on_that_organisation(
    browsing: Browsing, dashboard: Dashboard, stack: Stack
) -> None:
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    other = dashboard.api("POST", "/api/dashboard/organizations", token, {"name": f"Otra {uuid.uuid4().hex[:6]}"})
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang="es")
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible(timeout=20_000)
    page.get_by_label("Organización").select_option(other["id"])

    (link,) = [link for link in _templated_links(dashboard, stack, uuid.uuid4()) if "/es/usage" in link]
    page.goto(link)

    expect(page.get_by_label("Organización")).to_have_value(str(stack.organization_id))
    expect(page.get_by_role("heading", name="Consumo")).to_be_visible()
