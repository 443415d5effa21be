"""The operators' dashboard in a real browser against the local stack: a super admin sets up an
organisation, a channel and an agent; the agent signs in for the first time, sees only its
organisation, and answers a visitor live; an admin tries the AI in the settings preview, which leaves
nothing in the inbox; the Spanish UI is all Spanish, the API's errors included; an expired session
goes back to sign-in. Screenshots of every screen land in test-artifacts/dashboard--*.png."""

from __future__ import annotations

import re
import urllib.error
import uuid

import pytest
from playwright.sync_api import FilePayload, Page, Route, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import (
    TABLET,
    Dashboard,
    choose_new_password,
    dashboard_of,
    expect_live,
    locale,
    sign_in,
    snap,
)

pytestmark = pytest.mark.e2e

SCREENS = [
    "",
    "/conversations",
    "/channels",
    "/members",
    "/ai",
    "/usage",
    "/integrations",
    "/privacy",
    "/audit",
    "/organizations",
    "/users",
    "/api-keys",
]


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _settle(page: Page) -> None:
    """Wait until no loading state is left on the page."""
    expect(page.locator(".state[role=status]")).to_have_count(0, timeout=10_000)


def test_the_agent_invited_by_the_super_admin_answers_a_visitor_live(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    suffix = uuid.uuid4().hex[:6]
    org_name = f"Panadería {suffix}"
    agent_email = f"agent-{suffix}@example.com"

    # GIVEN the super admin, signed in
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect_live(page)

    # WHEN it creates an organisation, a channel and an agent through the UI
    page.get_by_role("link", name="Organizations").click()
    page.get_by_role("button", name="New organization").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Name").fill(org_name)
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_role("cell", name=org_name)).to_be_visible()
    page.locator("header.topbar select").select_option(label=org_name)

    # (the organisation came with its website channel: the snippet is there at once)
    page.get_by_role("link", name="Channels").click()
    card = page.locator(".card", has_text="Website")
    expect(card.locator("pre")).to_contain_text("data-key=")
    public_key = card.locator(".facts code").inner_text().strip()
    snap(page, "channels")
    # The starter plan has room for that one channel only: the API's refusal is shown as it says it
    page.get_by_role("button", name="New channel").click()
    dialog.get_by_label("Name").fill("Otra")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator(".notice-error")).to_contain_text("plan")
    snap(page, "channel-plan-limit")
    dialog.get_by_role("button", name="Cancel").click()

    page.get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Invite user").click()
    dialog.get_by_label("Email").fill(agent_email)
    dialog.get_by_label("Name").fill("Ana Agent")
    dialog.get_by_label("Organization").select_option(label=org_name)
    dialog.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation emailed to {agent_email}")).to_be_visible()
    snap(page, "users")

    # THEN the agent signs in with the emailed temporary password and chooses its own
    agent = browsing.new_page()
    sign_in(agent, dashboard, agent_email, dashboard.temporary_password(agent_email))
    expect(agent.get_by_role("heading", name="Choose a new password")).to_be_visible()
    snap(agent, "new-password")
    choose_new_password(agent, "Agent-Pass-2026!")

    # … and sees its organisation only, and no super admin screens
    expect(agent.locator("header.topbar select option")).to_have_text([org_name])
    expect(agent.get_by_role("link", name="Organizations")).to_have_count(0)
    agent.get_by_role("link", name="Conversations").click()
    expect_live(agent)
    expect(agent.get_by_text("No conversations yet")).to_be_visible()

    # WHEN a visitor writes through the widget API, the conversation appears without a reload
    visitor = str(uuid.uuid4())
    chat = dashboard.api(
        "POST",
        "/api/chat",
        body={
            "publicKey": public_key,
            "visitorId": visitor,
            "message": "Hola, ¿tienen pan sin gluten?",
            "lang": "es",
            "pageUrl": "https://panaderia.example.com/pan",
        },
    )
    # (its card previews the last message: the AI's answer from the knowledge base)
    row = agent.locator(f'.conv-row[href*="/conversations/{chat["conversationId"]}"]')
    expect(row).to_be_visible(timeout=10_000)
    row.click()
    thread = agent.get_by_role("log", name="Messages")
    expect(thread.locator(".msg-visitor")).to_contain_text("¿tienen pan sin gluten?")
    expect(thread.locator(".msg-ai")).to_have_count(1)

    # … the agent takes over and replies, and the visitor gets the reply
    agent.get_by_role("button", name="Take over").click()
    expect(thread.locator(".msg-system")).to_have_count(1)
    expect(agent.get_by_role("button", name="Hand back to AI")).to_be_visible()
    agent.get_by_label("Your reply").fill("¡Sí! Tenemos pan sin gluten los sábados.")
    agent.get_by_role("button", name="Send").click()
    expect(thread.locator(".msg-agent")).to_contain_text("Tenemos pan sin gluten")
    conversation_id = chat["conversationId"]
    seen = dashboard.api("GET", f"/api/chat/{conversation_id}?publicKey={public_key}&visitorId={visitor}")
    assert seen["responderMode"] == "human"
    assert any(m["role"] == "agent" and "pan sin gluten" in m["content"] for m in seen["messages"])

    # … and the visitor's next message shows in the open thread without a reload
    dashboard.api(
        "POST",
        "/api/chat",
        body={
            "publicKey": public_key,
            "visitorId": visitor,
            "message": "¡Genial, gracias!",
            "conversationId": conversation_id,
        },
    )
    expect(thread.locator(".msg-visitor .msg-body").last).to_have_text("¡Genial, gracias!", timeout=10_000)
    expect(thread.locator(".msg-ai")).to_have_count(1)  # a person is in charge: no AI answer
    snap(agent, "inbox", full_page=False)

    # … closes and reopens it
    agent.get_by_role("button", name="Close", exact=True).click()
    expect(agent.get_by_text("This conversation is closed")).to_be_visible()
    agent.get_by_role("button", name="Reopen").click()
    expect(agent.get_by_label("Your reply")).to_be_visible()
    agent.get_by_role("button", name="Hand back to AI").click()
    expect(agent.get_by_role("button", name="Take over")).to_be_visible()
    expect(thread.locator(".msg-system")).to_have_count(2)

    # At 768 wide the inbox shows the conversation with a way back to the list
    agent.set_viewport_size(TABLET)
    expect(agent.get_by_role("button", name="All conversations")).to_be_visible()
    snap(agent, "inbox-768", full_page=False)
    agent.get_by_role("button", name="All conversations").click()
    expect(agent.locator(".conv-row")).to_have_count(1)
    snap(agent, "inbox-list-768")

    # A visitor asking for a person is flagged in the list and in the tab's title, without a reload
    dashboard.api(
        "POST",
        "/api/chat",
        body={"publicKey": public_key, "visitorId": str(uuid.uuid4()), "message": "I want to talk to a human, please"},
    )
    expect(agent.locator(".conv-row.urgent")).to_contain_text("Waiting for a person", timeout=10_000)
    expect(agent).to_have_title(re.compile(r"^\(1\) .*ChatFlow360$"))
    snap(agent, "inbox-needs-human-768")
    # The browser logs the refused request (409 plan_limit) itself; nothing else went wrong
    assert [m for m in browsing.log.messages("error") if "409 (Conflict)" not in m] == []


def test_an_admin_adds_knowledge_and_the_ai_answer_shows_its_source(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    suffix = uuid.uuid4().hex[:6]
    org_name = f"Pastelería {suffix}"
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, org_name)

    # GIVEN the super admin (an admin of every organisation) on the AI settings' Knowledge tab
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.locator("header.topbar select").select_option(label=org_name)
    page.get_by_role("link", name="AI settings").click()
    page.get_by_role("tab", name="Knowledge").click()
    expect(page.get_by_text("No knowledge yet")).to_be_visible()

    # WHEN it adds a text entry for the whole organisation
    page.get_by_role("button", name="Add text").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_label("Scope")).to_have_value("")  # organisation-wide
    dialog.get_by_label("Title", exact=True).fill("Wedding cakes")
    dialog.get_by_label("Text").fill(
        "Wedding cakes are ordered three weeks ahead. A three tier wedding cake costs 450 dollars "
        "and includes a free tasting of four flavours."
    )
    snap(page, "knowledge-add-text", full_page=False)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    row = page.locator("tr", has_text="Wedding cakes")
    expect(row).to_contain_text("Text")
    expect(row).to_contain_text("Organization-wide")

    # THEN the list refreshes by itself until the entry is ready, with its chunks
    expect(row.locator(".badge")).to_have_text("Ready", timeout=30_000)
    expect(row.locator("td").nth(4)).not_to_have_text("0")
    expect(page.get_by_text("this list refreshes by itself")).to_have_count(0)
    snap(page, "knowledge-ready")
    # … the channel filter narrows to one channel's own entries
    page.get_by_label("Show", exact=True).select_option(label="Website")
    expect(page.get_by_text("No entries for this choice.")).to_be_visible()
    page.get_by_label("Show", exact=True).select_option(label="Organization-wide")
    expect(row).to_be_visible()
    page.get_by_label("Show", exact=True).select_option(label="All entries")

    # … editing opens the title and the text, and a delete asks first (cancelled here)
    row.get_by_role("button", name="Edit").click()
    expect(dialog.get_by_label("Text")).to_have_value(re.compile("three tier wedding cake"))
    expect(dialog.get_by_role("button", name="Save")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    row.get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("The AI stops answering from this entry")
    snap(page, "knowledge-delete", full_page=False)
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_be_visible()

    # … a file is read in the browser and sent as base64, for one channel
    page.get_by_role("button", name="Upload file").click()
    dialog.get_by_label("Scope").select_option(label="Website")
    dialog.get_by_label("File").set_input_files(
        files=[FilePayload(name="hours.md", mimeType="text/markdown", buffer=b"# Hours\n\nOpen daily from 7 to 19.")]
    )
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    file_row = page.locator("tr", has_text="hours.md")
    expect(file_row).to_contain_text("File")
    expect(file_row).to_contain_text("Web")
    expect(file_row.locator(".badge")).to_have_text("Ready", timeout=30_000)
    # … and a web page that cannot be fetched fails, with the reason
    page.get_by_role("button", name="Add web page").click()
    dialog.get_by_label("Web page address").fill("http://127.0.0.1:9/menu")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    url_row = page.locator("tr", has_text="127.0.0.1:9")
    expect(url_row.locator(".badge")).to_have_text("Failed", timeout=30_000)
    expect(url_row.locator(".kb-error")).not_to_be_empty()
    snap(page, "knowledge-list")

    # WHEN a visitor asks about it, the AI answer in the thread names its source
    chat = dashboard.api(
        "POST",
        "/api/chat",
        body={
            "publicKey": channel["publicKey"],
            "visitorId": str(uuid.uuid4()),
            "message": "How much is a three tier wedding cake?",
            "lang": "en",
        },
    )
    page.get_by_role("link", name="Conversations").click()
    page.locator(".conv-row", has_text="three tier wedding cake").click()
    expect(page).to_have_url(re.compile(chat["conversationId"]))
    thread = page.get_by_role("log", name="Messages")
    sources = thread.locator(".msg-ai .msg-sources")
    expect(sources.locator("summary")).to_have_text("Sources: Wedding cakes", timeout=10_000)
    sources.locator("summary").click()
    expect(sources.locator("li").first).to_contain_text("three tier wedding cake")
    snap(page, "inbox-knowledge-sources", full_page=False)
    detail = dashboard.api("GET", f"/api/dashboard/conversations/{chat['conversationId']}", token)
    ai = [m for m in detail["messages"] if m["role"] == "ai"]
    assert ai
    assert ai[-1]["knowledgeSources"][0]["title"] == "Wedding cakes"

    # … and deleting the entry, after confirming, empties the list
    page.get_by_role("link", name="AI settings").click()
    page.get_by_role("tab", name="Knowledge").click()
    page.locator("tr", has_text="Wedding cakes").get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Wedding cakes was deleted.")).to_be_visible()
    expect(page.locator("tr", has_text="Wedding cakes")).to_have_count(0)
    left = dashboard.api("GET", f"/api/dashboard/organizations/{org['id']}/knowledge", token)
    assert sorted(e["source"] for e in left) == ["file", "url"]

    # An agent of the organisation sees the knowledge base, read-only
    agent_email = f"kb-agent-{suffix}@example.com"
    dashboard.api(
        "POST",
        "/api/dashboard/users",
        token,
        {"email": agent_email, "name": "Kai", "memberships": [{"organizationId": org["id"], "role": "agent"}]},
    )
    agent = browsing.new_page()
    sign_in(agent, dashboard, agent_email, dashboard.temporary_password(agent_email))
    choose_new_password(agent, "Agent-Pass-2026!")
    agent.get_by_role("link", name="AI settings").click()
    agent.get_by_role("tab", name="Knowledge").click()
    expect(agent.locator("tr", has_text="hours.md")).to_be_visible()
    expect(agent.get_by_text("Only admins can change the knowledge base.")).to_be_visible()
    expect(agent.get_by_role("button", name="Add text")).to_have_count(0)
    expect(agent.get_by_role("button", name="Edit")).to_have_count(0)
    expect(agent.get_by_role("button", name="Delete")).to_have_count(0)
    snap(agent, "knowledge-agent")
    assert browsing.log.messages("error") == []


def test_an_admin_tries_the_ai_in_the_preview_and_nothing_is_stored(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    suffix = uuid.uuid4().hex[:6]
    org_name = f"Florería {suffix}"
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, org_name, name="Tienda")
    base = f"/api/dashboard/organizations/{org['id']}"
    # Knowledge of the channel only: it answers when the preview speaks as that channel
    entry = dashboard.api(
        "POST",
        f"{base}/knowledge",
        token,
        {
            "channelId": channel["id"],
            "title": "Bridal bouquets",
            "content": "Bridal bouquets of white roses cost 120 dollars and are delivered the morning of the wedding.",
        },
    )
    for _ in range(60):
        if dashboard.api("GET", f"{base}/knowledge/{entry['id']}", token)["status"] != "pending":
            break
        page.wait_for_timeout(500)

    # GIVEN an admin on the AI settings, the preview beside the instructions
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.locator("header.topbar select").select_option(label=org_name)
    page.get_by_role("link", name="AI settings").click()
    preview = page.locator(".ai-preview")
    expect(preview.get_by_role("heading", name="Preview")).to_be_visible()
    expect(preview).to_contain_text("Test messages are not saved and do not count toward usage.")
    expect(preview.get_by_label("Answer with")).to_have_value("")  # the organisation's settings
    send = preview.get_by_role("button", name="Send")
    expect(send).to_be_disabled()
    thread = preview.get_by_role("log", name="Preview messages")

    # WHEN it sends a message with the organisation's settings
    preview.get_by_label("Test message").fill(f"Do you sell bridal bouquets? {suffix}")
    send.click()
    # THEN the offline provider answers, in English, and the channel's knowledge does not apply
    reply = thread.locator(".msg-ai .msg-body")
    expect(reply.first).to_contain_text("[Offline demo]", timeout=15_000)
    expect(thread.locator(".msg-visitor")).to_contain_text(f"Do you sell bridal bouquets? {suffix}")
    expect(preview.get_by_label("Test message")).to_have_value("")
    expect(thread.locator(".msg-sources")).to_have_count(0)
    expect(thread.locator(".ai-preview-fallback")).to_have_count(0)

    # WHEN it answers as the channel, in Spanish, with Enter; the history goes along
    preview.get_by_label("Answer with").select_option(label="Tienda")
    preview.get_by_role("button", name="ES", exact=True).click()
    with page.expect_request("**/ai-settings/preview") as sent:
        preview.get_by_label("Test message").fill("How much is a bridal bouquet of white roses?")
        preview.get_by_label("Test message").press("Enter")
    body = sent.value.post_data_json
    assert body is not None
    assert body["channelId"] == channel["id"]
    assert body["language"] == "es"
    assert [turn["role"] for turn in body["history"]] == ["visitor", "ai"]
    # THEN the Spanish offline reply names the channel's knowledge as its source
    expect(reply).to_have_count(2, timeout=15_000)
    expect(reply.nth(1)).to_contain_text("[Demo sin conexión]")
    sources = thread.locator(".msg-ai").nth(1).locator(".msg-sources")
    expect(sources.locator("summary")).to_have_text("Sources: Bridal bouquets")
    sources.locator("summary").click()
    expect(sources.locator("li").first).to_contain_text("white roses")
    snap(page, "ai-preview")

    # WHEN the provider fails (simulated here), the answer waits with "Typing…" and then says it is the fallback
    held: list[Route] = []
    page.route("**/ai-settings/preview", lambda route: held.append(route))
    preview.get_by_label("Test message").fill("And on Sundays?")
    send.click()
    expect(thread.get_by_text("Typing…")).to_be_visible()
    snap(page, "ai-preview-typing", full_page=False)
    assert len(held) == 1
    held[0].fulfill(
        json={
            "reply": "Sorry, I can't answer right now.",
            "model": None,
            "tokensUsed": 0,
            "fallback": True,
            "sources": [],
        }
    )
    page.unroute("**/ai-settings/preview")
    expect(thread.get_by_text("Typing…")).to_have_count(0)
    expect(thread.locator(".ai-preview-fallback")).to_have_text(re.compile("did not answer"))
    snap(page, "ai-preview-fallback", full_page=False)

    # … the preview stays beside the knowledge, and Reset empties it
    page.get_by_role("tab", name="Knowledge").click()
    expect(reply).to_have_count(3)
    expect(page.locator("tr", has_text="Bridal bouquets")).to_be_visible()
    snap(page, "ai-preview-knowledge")  # under the knowledge table on this screen
    page.set_viewport_size({"width": 1680, "height": 1000})
    expect(preview).to_be_in_viewport()
    snap(page, "ai-preview-knowledge-wide", full_page=False)  # beside it on a wide one
    preview.get_by_role("button", name="Reset").click()
    expect(thread.locator(".msg")).to_have_count(0)
    expect(preview.get_by_label("Answer with")).to_have_value(channel["id"])  # the choices stay
    # … and on a tablet it sits under the main column
    page.set_viewport_size(TABLET)
    page.get_by_role("tab", name="Instructions").click()
    expect(preview).to_be_visible()
    snap(page, "ai-preview-768")

    # AND nothing reached the inbox
    page.get_by_role("link", name="Conversations").click()
    _settle(page)
    expect(page.locator(".conv-row", has_text=suffix)).to_have_count(0)
    expect(page.locator(".conv-row", has_text="bridal bouquet")).to_have_count(0)
    listed = dashboard.api("GET", f"/api/dashboard/conversations?organizationId={org['id']}", token)
    assert listed["items"] == []
    assert browsing.log.messages("error") == []


def test_the_super_admin_renames_and_deletes_an_organization_and_edits_and_deletes_a_user(
    browsing: Browsing, dashboard: Dashboard
) -> None:
    page = browsing.page
    suffix = uuid.uuid4().hex[:6]
    org_name = f"Ferretería {suffix}"
    new_name = f"Ferretería Central {suffix}"
    email = f"eva-{suffix}@example.com"
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org = dashboard.api("POST", "/api/dashboard/organizations", token, {"name": org_name})
    user = dashboard.api(
        "POST",
        "/api/dashboard/users",
        token,
        {"email": email, "name": "Eva Editor", "memberships": [{"organizationId": org["id"], "role": "agent"}]},
    )

    # GIVEN the super admin on the Organizations screen
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    page.get_by_role("link", name="Organizations").click()
    dialog = page.locator("dialog[open]")

    # WHEN it renames an organisation, the list, the header and the API have the new name
    page.locator("tr", has_text=org_name).get_by_role("button", name="Rename").click()
    expect(dialog.get_by_role("button", name="Save")).to_be_disabled()  # nothing changed yet
    dialog.get_by_label("New name").fill(new_name)
    snap(page, "organization-rename")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"The organization is now called {new_name}.")).to_be_visible()
    expect(page.get_by_role("cell", name=new_name, exact=True)).to_be_visible()
    expect(page.locator("header.topbar select option", has_text=new_name)).to_have_count(1)
    assert dashboard.api("GET", f"/api/dashboard/organizations/{org['id']}", token)["name"] == new_name

    # … deleting it waits for its exact name to be typed
    page.locator("tr", has_text=new_name).get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("everything it owns")
    confirm = dialog.get_by_role("button", name="Delete organization")
    expect(confirm).to_be_disabled()
    typed = dialog.get_by_label(f"Type {new_name} to confirm")
    typed.fill(org_name)  # the old name is not it
    expect(confirm).to_be_disabled()
    typed.fill(new_name)
    expect(confirm).to_be_enabled()
    snap(page, "organization-delete")

    # … the API's refusal is shown as the API words it, and the dialog stays open
    org_url = f"**/api/dashboard/organizations/{org['id']}"
    page.route(
        org_url,
        lambda route: (
            route.fulfill(
                status=409,
                json={"error": {"code": "busy", "message": "The organization is busy; try again in a minute."}},
            )
            if route.request.method == "DELETE"
            else route.fallback()
        ),
    )
    confirm.click()
    expect(dialog.locator(".notice-error")).to_have_text("The organization is busy; try again in a minute.")
    snap(page, "organization-delete-refused")
    page.unroute(org_url)
    confirm.click()
    expect(page.get_by_text(f"{new_name} was deleted.")).to_be_visible()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("cell", name=new_name, exact=True)).to_have_count(0)
    expect(page.locator("header.topbar select option", has_text=new_name)).to_have_count(0)
    with pytest.raises(urllib.error.HTTPError) as gone:
        dashboard.api("GET", f"/api/dashboard/organizations/{org['id']}", token)
    assert gone.value.code == 404

    # WHEN it edits a user's name, language and super admin standing
    page.get_by_role("link", name="Users").click()
    page.get_by_role("searchbox").fill(email)
    page.get_by_role("button", name="Search", exact=True).click()
    row = page.locator("tr", has_text=email)
    expect(row).to_contain_text("Eva Editor")
    row.get_by_role("button", name="Edit").click()
    expect(dialog.get_by_role("button", name="Save")).to_be_disabled()
    dialog.get_by_label("Name").fill("Eva Editora")
    dialog.get_by_label("Language").select_option("es")
    dialog.get_by_label("Super admin").check()
    snap(page, "user-edit")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Eva Editora was updated.")).to_be_visible()
    expect(row).to_contain_text("Eva Editora")
    expect(row).to_contain_text("Super admin")
    saved = dashboard.api("GET", f"/api/dashboard/users/{user['id']}", token)
    assert (saved["name"], saved["preferredLanguage"], saved["isSuperAdmin"]) == ("Eva Editora", "es", True)
    assert saved["memberships"] == []  # its organisation went with the deletion

    # … and it cannot take super admin from itself
    page.get_by_role("searchbox").fill(dashboard.admin_email)
    page.get_by_role("button", name="Search", exact=True).click()
    own = page.locator("tr", has_text=dashboard.admin_email)
    expect(own.get_by_role("button", name="Delete")).to_have_count(0)
    own.get_by_role("button", name="Edit").click()
    expect(dialog.get_by_label("Super admin")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()

    # WHEN it deletes the user, after confirming
    page.get_by_role("searchbox").fill(email)
    page.get_by_role("button", name="Search", exact=True).click()
    row.get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("Eva Editora will no longer be able to sign in")
    snap(page, "user-delete")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text(f"{email} was deleted.")).to_be_visible()
    expect(page.locator("tr", has_text=email)).to_have_count(0)
    with pytest.raises(urllib.error.HTTPError) as gone:
        dashboard.api("GET", f"/api/dashboard/users/{user['id']}", token)
    assert gone.value.code == 404
    snap(page, "users-after-delete")
    # Only the refusal staged above was logged as an error
    assert [m for m in browsing.log.messages("error") if "409 (Conflict)" not in m] == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_screen_speaks_the_chosen_language(browsing: Browsing, dashboard: Dashboard, lang: str) -> None:
    en, es = locale("en"), locale("es")
    assert set(en) == set(es), "en.json and es.json must have the same keys"
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang=lang)
    expect(page.locator(".live.on")).to_be_visible(timeout=10_000)
    # English phrases (not single words, which may be data such as a channel called "Website")
    english_only = {v for k, v in en.items() if v != es[k] and " " in v and "{{" not in v and v not in es.values()}
    for screen in [*SCREENS, "/no-such-page"]:
        page.goto(f"{dashboard.url}/{lang}{screen}")
        _settle(page)
        snap(page, f"{lang}-{screen.strip('/') or 'home'}")
        if lang == "es":
            text = page.locator("body").inner_text()
            leaked = sorted(s for s in english_only if s in text)
            assert leaked == [], f"English on /es{screen}: {leaked}"
    page.goto(f"{dashboard.url}/{lang}/ai")
    page.get_by_role("tab", name=es["ai.quick"] if lang == "es" else en["ai.quick"]).click()
    snap(page, f"{lang}-ai-quick")
    expect(page.get_by_role("tab")).to_have_count(3)  # Instructions, Knowledge and Quick settings
    page.get_by_role("tab", name=es["ai.knowledge"] if lang == "es" else en["ai.knowledge"]).click()
    _settle(page)
    snap(page, f"{lang}-ai-knowledge")
    if lang == "es":
        leaked = sorted(s for s in english_only if s in page.locator("body").inner_text())
        assert leaked == [], f"English on the Knowledge tab: {leaked}"
    # The management dialogs (opened and cancelled: nothing is changed)
    words = en if lang == "en" else es
    someone = f"dana-{lang}-{uuid.uuid4().hex[:6]}@example.com"
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    dashboard.api("POST", "/api/dashboard/users", token, {"email": someone, "name": "Dana"})
    dialogs = [
        ("/organizations", "orgs.rename", "organization-rename"),
        ("/organizations", "common.delete", "organization-delete"),
        ("/users", "common.edit", "user-edit"),
        ("/users", "common.delete", "user-delete"),
    ]
    for screen, button, name in dialogs:
        page.goto(f"{dashboard.url}/{lang}{screen}")
        _settle(page)
        if screen == "/users":  # found by search, however many users the stack has
            page.get_by_role("searchbox").fill(someone)
            page.get_by_role("button", name=words["common.search"], exact=True).click()
        row = page.locator("tr", has_text=someone) if screen == "/users" else page.locator("tr").last
        row.get_by_role("button", name=words[button], exact=True).click()
        dialog = page.locator("dialog[open]")
        expect(dialog).to_be_visible()
        snap(page, f"{lang}-{name}-dialog", full_page=False)
        if lang == "es":
            leaked = sorted(s for s in english_only if s in dialog.inner_text())
            assert leaked == [], f"English in the dialog on /es{screen}: {leaked}"
        dialog.get_by_role("button", name=words["common.cancel"]).click()
        expect(dialog).to_have_count(0)
    page.goto(f"{dashboard.url}/{lang}/no-such-page")
    expect(page.get_by_role("heading", name="404")).to_be_visible()
    page.set_viewport_size(TABLET)
    for screen in ["", "/channels", "/usage", "/organizations", "/users"]:
        page.goto(f"{dashboard.url}/{lang}{screen}")
        _settle(page)
        snap(page, f"{lang}-{screen.strip('/') or 'home'}-768")
    assert browsing.log.messages("error") == []


def test_the_language_choice_is_saved_on_the_profile(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    with page.expect_response(lambda r: r.url.endswith("/api/dashboard/me") and r.request.method == "PATCH") as patched:
        page.get_by_role("button", name="ES", exact=True).click()
    assert patched.value.json()["preferredLanguage"] == "es"
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible()
    assert page.evaluate("localStorage.getItem('cf360.lang')") == "es"
    page.goto(f"{dashboard.url}/")
    expect(page).to_have_url(re.compile(r"/app/es$"))
    # On another device (no choice stored), signing in follows the profile's language
    other = browsing.new_page()
    sign_in(other, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(other.get_by_role("heading", name="Resumen")).to_be_visible()
    expect(other).to_have_url(re.compile(r"/app/es$"))
    with other.expect_response(lambda r: r.url.endswith("/api/dashboard/me") and r.request.method == "PATCH"):
        other.get_by_role("button", name="EN", exact=True).click()
    expect(other.get_by_role("heading", name="Overview")).to_be_visible()


def test_an_expired_session_goes_back_to_sign_in(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    # The access token has expired and the refresh token is no longer accepted
    page.evaluate(
        """() => {
            const s = JSON.parse(localStorage.getItem("cf360.session"));
            s.accessToken = s.accessToken.slice(0, -8) + "AAAAAAAA";
            s.refreshToken = "revoked";
            s.expiresAt = Date.now() + 3600_000;
            localStorage.setItem("cf360.session", JSON.stringify(s));
        }"""
    )
    page.goto(f"{dashboard.url}/en/conversations")
    expect(page).to_have_url(re.compile(r"/app/en/login\?next="), timeout=10_000)
    expect(page.get_by_text("Your session has ended")).to_be_visible()
    snap(page, "expired")
    # Signing in again returns to where the operator was going
    page.get_by_label("Email").fill(dashboard.admin_email)
    page.get_by_label("Password", exact=True).fill(dashboard.admin_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def test_a_forgotten_password_asks_for_the_emailed_code(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    page.goto(f"{dashboard.url}/en/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_label("Code from the email")).to_be_visible()
    snap(page, "forgot-password")
    page.get_by_role("link", name="Back to sign in").click()
    expect(page.get_by_role("heading", name="Sign in to your dashboard")).to_be_visible()


def test_a_wrong_password_is_told_in_spanish_on_the_spanish_sign_in(browsing: Browsing, dashboard: Dashboard) -> None:
    page = browsing.page
    page.goto(f"{dashboard.url}/es/login")
    page.get_by_role("button", name="ES", exact=True).click()
    page.get_by_label("Correo electrónico").fill(dashboard.admin_email)
    page.get_by_label("Contraseña", exact=True).fill("not-the-password")
    with page.expect_response(lambda r: r.url.endswith("/api/dashboard/auth/login"), timeout=30_000) as answered:
        page.get_by_role("button", name="Iniciar sesión").click()

    assert answered.value.request.headers["accept-language"] == "es"
    expect(page.locator(".notice-error")).to_have_text("El correo electrónico o la contraseña no son correctos.")
