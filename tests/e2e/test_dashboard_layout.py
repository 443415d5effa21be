"""The dashboard's space goes to the work: at 1280×800 the conversation's messages get at least 60 %
of the window's height, and the AI settings page uses the width it has at every size from 768 up.
Measured in Chromium on the local stack, in both languages (Spanish labels run longer)."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _conversation(dashboard: Dashboard) -> tuple[str, str]:
    """An organisation of its own with one conversation waiting for a person (the most banners)."""
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, f"Layout {uuid.uuid4().hex[:6]}")
    body = {"publicKey": channel["publicKey"], "visitorId": str(uuid.uuid4()), "message": "I want to talk to a human"}
    request = urllib.request.Request(
        dashboard.api_url + "/api/chat",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    return org["id"], answer["conversationId"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_thread_gets_at_least_60_percent_of_the_height_at_1280_by_800(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    organization_id, conversation_id = _conversation(dashboard)
    page = browsing.page = browsing.new_page(
        viewport={"width": 1280, "height": 800}, locale="es-ES" if lang == "es" else "en-US"
    )
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.goto(f"{dashboard.url}/{lang}/conversations/{conversation_id}?org={organization_id}")
    thread = page.locator(".thread")
    expect(thread).to_contain_text("I want to talk to a human", timeout=30_000)

    box = thread.bounding_box()

    assert box is not None
    assert box["height"] >= 0.6 * 800, f"the thread is {box['height']:.0f} px of 800"
    browsing.snap(f"thread-{lang}")


@pytest.mark.parametrize("width", [768, 1024, 1280, 1600])
def test_the_ai_settings_page_uses_the_width_it_has(browsing: Browsing, dashboard: Dashboard, width: int) -> None:
    page = browsing.page = browsing.new_page(viewport={"width": width, "height": 900}, locale="es-ES")
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, "es")
    page.goto(f"{dashboard.url}/es/ai")
    expect(page.get_by_label("Instrucciones para el asistente")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Vista previa")).to_be_visible()
    main = page.locator("main").bounding_box()
    cards = page.locator("main .card")
    expect(cards.first).to_be_visible()

    boxes = [b for i in range(cards.count()) if (b := cards.nth(i).bounding_box())]
    used = max(b["x"] + b["width"] for b in boxes) - min(b["x"] for b in boxes)

    assert main is not None
    # side by side where there is room (instructions and the preview), one under the other where not:
    # either way the cards span the page, less its padding
    assert used >= 0.9 * (main["width"] - 64), f"the cards span {used:.0f} px of a {main['width']:.0f} px page"
    browsing.snap(f"ai-settings-{width}")


@pytest.mark.parametrize(("lang", "width"), [("en", 390), ("es", 390), ("es", 1280)])
def test_the_threads_more_menu_opens_whole_inside_the_window(
    browsing: Browsing, dashboard: Dashboard, lang: str, width: int
) -> None:
    organization_id, conversation_id = _conversation(dashboard)
    page = browsing.page = browsing.new_page(
        viewport={"width": width, "height": 800}, locale="es-ES" if lang == "es" else "en-US"
    )
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.goto(f"{dashboard.url}/{lang}/conversations/{conversation_id}?org={organization_id}")
    expect(page.locator(".thread")).to_contain_text("I want to talk to a human", timeout=30_000)

    page.locator(".detail details.more-menu > summary").click()

    send = page.get_by_role("button", name={"en": "Email transcript", "es": "Enviar transcripción"}[lang])
    expect(send).to_be_visible()
    box = send.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= width, box
    send.click(trial=True)  # nothing covers it
    browsing.snap(f"more-{lang}-{width}")


# The labels of the shown buttons inside tables that are taller than two lines of their text.
_CRUSHED_TABLE_BUTTONS = """
[...document.querySelectorAll("table button")]
  .filter((b) => b.checkVisibility())
  .filter((b) => b.getBoundingClientRect().height > 2.5 * parseFloat(getComputedStyle(b).lineHeight))
  .map((b) => b.textContent.trim())
"""


# Phones in both languages (where pages break first), a tablet in Spanish (the longer labels), a laptop in
# English: each language at a size between, within the suite's time.
@pytest.mark.parametrize(("lang", "width"), [("en", 390), ("es", 390), ("es", 768), ("en", 1280)])
def test_no_page_is_wider_than_the_window_from_a_phone_to_a_laptop(
    browsing: Browsing, dashboard: Dashboard, stack: Stack, lang: str, width: int
) -> None:
    """Every page, each snapped to be looked at: the page itself never scrolls sideways (a table may, in
    its own box)."""
    page = browsing.page = browsing.new_page(
        viewport={"width": width, "height": 844}, locale="es-ES" if lang == "es" else "en-US"
    )
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    demo = dashboard.api("GET", f"/api/dashboard/organizations/{stack.organization_id}/channels", token)[0]["id"]
    too_wide = {}
    crushed: list[str] = []
    org = f"?org={stack.organization_id}"
    pages = (
        "", "/conversations", "/inbox-settings", "/channels", f"/channels/{demo}/settings", f"/channels/{demo}/try",
        "/members", "/ai", "/reports", "/usage", "/integrations", "/privacy", "/audit", "/organizations", "/users",
        "/api-keys",
    )  # fmt: skip
    for path in pages:
        page.goto(f"{dashboard.url}/{lang}{path}{org}")
        expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        scrolled = page.evaluate("document.scrollingElement.scrollWidth")
        if scrolled > width + 1:
            too_wide[path or "/"] = scrolled
        # a table squeezed into a phone breaks its buttons' labels a few letters a line
        for label in page.evaluate(_CRUSHED_TABLE_BUTTONS):
            crushed.append(f"{path or '/'}: {label}")
        browsing.snap(f"page-{lang}-{width}-{path.strip('/').split('/')[-1] or 'home'}")

    assert too_wide == {}
    assert crushed == []
