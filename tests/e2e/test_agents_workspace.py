"""The agents' workspace in Chromium (issue #18), in both languages: a conversation taken from
Unassigned to Mine, a private note with a mention, a canned reply found with "/" in the
conversation's language, a label put on and the inbox filtered by it, the thread on a 390 × 844
phone with its reply box in reach, dark mode. Screenshots go to the test artifacts and /tmp/shots/18."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from websockets.sync.client import connect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, choose_new_password, dashboard_of, expect_live, locale, sign_in

SHOTS = Path("/tmp/shots/18")
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png")


def _new_password(page: Page, lang: str, password: str) -> None:
    if lang == "en":
        choose_new_password(page, password)
        return
    t = locale("es")
    page.get_by_label(t["auth.newPassword"], exact=True).fill(password)
    page.get_by_label(t["auth.confirmPassword"]).fill(password)
    page.get_by_role("button", name=t["auth.setPassword"]).click()
    expect(page.get_by_role("heading", name=t["home.title"])).to_be_visible(timeout=20_000)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_agent_works_a_conversation_from_unassigned_to_mine_with_notes_canned_replies_and_labels(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    t = locale(lang)
    suffix = uuid.uuid4().hex[:6]
    root = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(root, f"Brisa {suffix}", "pro")
    agent_email, admin_email = f"ana-{suffix}@example.com", f"bruno-{suffix}@example.com"
    for email, name, role in ((agent_email, "Ana", "agent"), (admin_email, "Bruno", "admin")):
        dashboard.api(
            "POST",
            "/api/dashboard/users",
            root,
            {
                "email": email,
                "name": name,
                "preferredLanguage": lang,
                "memberships": [{"organizationId": org["id"], "role": role}],
            },
        )
    dashboard.api(
        "POST",
        f"/api/dashboard/organizations/{org['id']}/canned-replies",
        root,
        {
            "shortcut": "envio",
            "title": "Shipping",
            "contentEn": "Hi {{visitor.name}}, I'm {{agent.name}} from {{business.name}}: orders ship in 2 days.",
            "contentEs": "Hola {{visitor.name}}, soy {{agent.name}} de {{business.name}}: los pedidos salen en 2 días.",
        },
    )
    label = dashboard.api(
        "POST", f"/api/dashboard/organizations/{org['id']}/labels", root, {"name": "VIP", "color": "#22c55e"}
    )
    ask = "I want to talk to a person, please" if lang == "en" else "Quiero hablar con una persona, por favor"
    dashboard.api(
        "POST",
        "/api/chat",
        body={"publicKey": channel["publicKey"], "visitorId": str(uuid.uuid4()), "message": ask, "lang": lang},
    )

    # GIVEN the agent, signed in for the first time, in the inbox
    page = browsing.page
    sign_in(page, dashboard, agent_email, dashboard.temporary_password(agent_email), lang)
    _new_password(page, lang, "Agent-Pass-2026!")
    page.get_by_role("link", name=t["nav.conversations"]).first.click()
    expect_live(page, t["live.on"])
    tabs = page.locator(".view-tabs")
    expect(tabs.get_by_role("tab", name=t["workspace.view.unassigned"])).to_contain_text("1")
    expect(page.locator(".nav-count").first).to_have_text("1")
    expect(page).to_have_title(re.compile(r"^\(1\) "))
    tabs.get_by_role("tab", name=t["workspace.view.unassigned"]).click()
    card = page.locator(".conv-row").first
    expect(card).to_contain_text(ask)  # the visitor's words, not the system notice
    expect(card).to_contain_text(t["workspace.who.waiting"])
    _shot(page, f"{lang}-1280-unassigned")

    # WHEN it opens it and assigns it to itself, it moves to Mine
    card.click()
    expect(page.locator(".detail-head h2")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/assignee")) as assigned:
        page.get_by_role("button", name=t["workspace.assignToMe"]).click()
    assert assigned.value.status == 200, assigned.value.text()
    # (the counts follow the assignment's live event and a refetch: slow on a loaded two-core machine)
    expect(tabs.get_by_role("tab", name=t["workspace.view.mine"])).to_contain_text("1", timeout=20_000)
    expect(tabs.get_by_role("tab", name=t["workspace.view.unassigned"])).to_contain_text("0", timeout=20_000)

    # … writes a private note mentioning Bruno
    page.get_by_role("tab", name=t["notes.privateNote"]).click()
    note_box = page.get_by_label(t["notes.privateNote"], exact=True)
    note_box.press_sequentially("@Bru")
    page.locator(".picker").get_by_role("button", name="Bruno").click()
    note_box.press_sequentially("please check the **refund**")
    page.get_by_role("button", name=t["notes.add"]).click()
    note = page.locator(".msg-note")
    expect(note).to_contain_text("@Bruno please check the refund", timeout=20_000)  # slow under a full CI run
    expect(note.locator("strong")).to_have_text("refund")

    # … and answers with a canned reply found with "/", in the conversation's language
    page.get_by_role("tab", name=t["notes.reply"]).click()
    reply_box = page.get_by_label(t["inbox.reply"], exact=True)
    reply_box.press_sequentially("/env")
    expect(page.locator(".picker").get_by_role("button")).to_have_count(1)
    if lang == "en":
        reply_box.press("Enter")  # Enter picks the first reply found, and sends nothing
    else:
        page.locator(".picker").get_by_role("button").first.click()
    expected = (
        f"Hi, I'm Ana from Brisa {suffix}: orders ship in 2 days."
        if lang == "en"
        else f"Hola, soy Ana de Brisa {suffix}: los pedidos salen en 2 días."
    )
    expect(reply_box).to_have_value(expected)
    page.get_by_role("button", name=t["inbox.send"]).click()
    expect(page.locator(".msg-agent").last).to_contain_text(expected)

    # … puts the VIP label on it, and the inbox filtered by it shows it alone
    page.get_by_label(t["labels.add"]).select_option(label="VIP")
    expect(page.locator(".detail .label-chip")).to_have_text(["VIP×"])
    _shot(page, f"{lang}-1280-thread")
    tabs.get_by_role("tab", name=t["workspace.view.mine"]).click()
    page.get_by_label(t["labels.filter"], exact=True).select_option(label="VIP")
    expect(page.locator(".conv-row")).to_have_count(1)
    expect(page.locator(".conv-row .label-chip")).to_have_text("VIP")
    assert label["name"] == "VIP"

    # THEN on a phone the thread is its own screen, and the reply box is in reach
    page.set_viewport_size(PHONE)
    page.get_by_role("tab", name=t["notes.reply"]).click()
    box = page.get_by_label(t["inbox.reply"], exact=True).bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= PHONE["height"]
    expect(page.locator(".inbox-list")).to_be_hidden()
    _shot(page, f"{lang}-390-thread")
    page.get_by_role("button", name=t["inbox.backToList"]).click()
    expect(page.locator(".conv-row")).to_have_count(1)
    _shot(page, f"{lang}-390-list")

    # … and in dark mode
    page.set_viewport_size(DESKTOP)
    page.locator(".theme-switch").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.locator(".conv-row").first.click()
    _shot(page, f"{lang}-1280-dark")

    # The mention reached Bruno: his bell counts it
    bruno = browsing.new_page()
    sign_in(bruno, dashboard, admin_email, dashboard.temporary_password(admin_email), lang)
    _new_password(bruno, lang, "Admin-Pass-2026!")
    expect(bruno.locator(".bell .nav-count")).to_have_text("1", timeout=10_000)
    bruno.locator(".bell button").first.click()
    expect(bruno.locator(".bell-panel")).to_contain_text("please check the refund")
    _shot(bruno, f"{lang}-1280-mentions")

    # Bruno, an admin, sees the inbox's settings: notifications, auto-assignment, labels, canned replies
    bruno.get_by_role("link", name=t["nav.inboxSettings"]).click()
    expect(bruno.get_by_role("heading", name=t["inboxSettings.title"])).to_be_visible()
    expect(bruno.locator(".canned-list")).to_contain_text("/envio")
    _shot(bruno, f"{lang}-1280-inbox-settings")
    bruno.set_viewport_size(PHONE)
    _shot(bruno, f"{lang}-390-inbox-settings")
    assert browsing.log.messages("error") == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_typing_shows_on_both_sides_and_never_carries_the_text(
    browsing: Browsing, dashboard: Dashboard, stack: Stack, lang: str
) -> None:
    t = locale(lang)
    suffix = uuid.uuid4().hex[:6]
    root = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(root, f"Typing {suffix}")
    agent_email = f"eva-{suffix}@example.com"
    dashboard.api(
        "POST",
        "/api/dashboard/users",
        root,
        {
            "email": agent_email,
            "name": "Eva Díaz",
            "preferredLanguage": lang,
            "memberships": [{"organizationId": org["id"], "role": "agent"}],
        },
    )
    visitor_id = str(uuid.uuid4())
    chat = dashboard.api(
        "POST",
        "/api/chat",
        body={"publicKey": channel["publicKey"], "visitorId": visitor_id, "message": "Hello there", "lang": lang},
    )
    info = json.loads((stack.local_dir / "stack.json").read_text(encoding="utf-8"))
    query = urlencode(
        {"publicKey": channel["publicKey"], "visitorId": visitor_id, "conversationId": chat["conversationId"]}
    )

    page = browsing.page
    sign_in(page, dashboard, agent_email, dashboard.temporary_password(agent_email), lang)
    _new_password(page, lang, "Agent-Pass-2026!")
    page.goto(f"{dashboard.url}/{lang}/conversations/{chat['conversationId']}")
    expect_live(page, t["live.on"])

    with connect(f"{info['wsUrl']}?{query}", open_timeout=10) as widget:
        # WHEN the visitor types, THEN the agent sees it (the state only)
        # The dashboard's "watch" of this conversation may land after the first frame on a cold, loaded
        # stack, and a frame before it reaches nobody: the frame is sent again until the agent sees it.
        typing = page.get_by_text(t["presence.visitorTyping"])
        deadline = time.monotonic() + 10
        while not typing.is_visible() and time.monotonic() < deadline:
            widget.send(json.dumps({"action": "typing", "typing": True}))
            page.wait_for_timeout(500)
        expect(typing).to_be_visible()
        _shot(page, f"{lang}-1280-visitor-typing")

        # WHEN the agent types, THEN the visitor's socket says who, never what
        page.get_by_label(t["inbox.reply"], exact=True).press_sequentially("a private draft")
        frame: dict[str, object] = {}
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = json.loads(widget.recv(timeout=10))
            if message.get("type") == "typing":
                frame = message
                break
    assert frame["data"] == {"role": "agent", "name": "Eva", "typing": True}
    assert "draft" not in json.dumps(frame)
