"""The widget has a face (issue #24, item 6), tried in Chromium on the local stack: an admin uploads the
channel's logo on its card and their own photo in Inbox settings, in Spanish; the channel's real widget
(the dashboard's preview of it) shows the logo in its header and the photo beside the agent's reply."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _png(colour: tuple[int, int, int]) -> FilePayload:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), colour).save(out, format="PNG")
    return FilePayload(name="logo.png", mimeType="image/png", buffer=out.getvalue())


@pytest.mark.parametrize("width", [1280, 390])
def test_the_logo_and_the_agents_photo_show_in_the_real_widget(
    browsing: Browsing, dashboard: Dashboard, width: int
) -> None:
    t = locale("es")
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, f"Heladería {uuid.uuid4().hex[:6]}")
    page = browsing.page = browsing.new_page(viewport={"width": width, "height": 900}, locale="es-ES")
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, "es")

    # The logo, on the channel's card
    page.goto(f"{dashboard.url}/es/channels?org={org['id']}")
    card = page.locator(".card", has_text=t["picture.logo"])
    card.get_by_label(t["picture.logo"]).set_input_files(_png((230, 120, 50)))
    expect(card.get_by_role("status")).to_have_text(t["picture.saved"], timeout=30_000)
    expect(card.locator("img.picture")).to_be_visible()
    browsing.snap(f"logo-{width}")

    # One's own photo, in Inbox settings
    page.goto(f"{dashboard.url}/es/inbox-settings?org={org['id']}")
    mine = page.locator(".card", has_text=t["picture.photoTitle"])
    mine.get_by_label(t["picture.photo"]).set_input_files(_png((40, 90, 200)))
    expect(mine.get_by_role("status")).to_have_text(t["picture.saved"], timeout=30_000)
    photo = mine.locator("img.picture").get_attribute("src")
    assert photo is not None
    assert "/media/avatars/" in photo

    # The real widget shows the logo in its header …
    page.goto(f"{dashboard.url}/es/channels/{channel['id']}/try?org={org['id']}")
    # On a phone the frame is under the explanation: in view first, as a visitor would scroll to it.
    page.locator("iframe.widget-trial-frame").scroll_into_view_if_needed()
    widget = page.frame_locator("iframe.widget-trial-frame").locator("chatflow360-widget")
    widget.get_by_role("button", name="Abrir chat").click()
    expect(widget.locator(".h .av img")).to_have_attribute("src", card_logo(dashboard, token, org["id"]))
    widget.locator("textarea").fill("Hola, ¿tienen helado de mango?")
    widget.locator("textarea").press("Enter")
    expect(widget.locator(".m.ai .b").first).to_be_visible(timeout=30_000)

    # … and the agent's photo beside their reply
    listed = dashboard.api("GET", f"/api/dashboard/conversations?organizationId={org['id']}", token)
    conversation = listed["items"][0]["id"]
    dashboard.api("POST", f"/api/dashboard/conversations/{conversation}/messages", token, {"content": "¡Sí, hoy!"})
    reply = widget.locator(".m.agent", has_text="¡Sí, hoy!")
    expect(reply.locator(".av img")).to_have_attribute("src", photo, timeout=30_000)
    browsing.snap(f"widget-faces-{width}")


def card_logo(dashboard: Dashboard, token: str, organization_id: str) -> str:
    channels = dashboard.api("GET", f"/api/dashboard/organizations/{organization_id}/channels", token)
    logo = next(c["logoUrl"] for c in channels if c["type"] == "website")
    assert logo
    return str(logo)
