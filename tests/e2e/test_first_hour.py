"""The first hour of a new business, played in Chromium as its people would, in Spanish and in English,
without one call to the API from the test: the platform owner creates the organisation and invites its
admin; the admin follows the emailed link, chooses a password, describes the business, adds knowledge,
tries the real widget inside the dashboard, invites a teammate, and a visitor of the site gets an answer
on the widget's demo page. The checklist ticks every step by itself and goes away when all are done."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import FrameLocator, Locator, Page, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e

_LINK = re.compile(r"https?://[^\s\"'<>]+")
_TEMPORARY_PASSWORD = re.compile(r"(?:Temporary password|Contraseña temporal): (\S+)")
_OPEN_CHAT = {"en": "Open chat", "es": "Abrir chat"}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _invitation(dashboard: Dashboard, address: str) -> tuple[str, str]:
    """(the sign-in link, the temporary password) of the invitation moto's SES holds for `address`."""
    with urllib.request.urlopen(f"{dashboard.moto_url}/moto-api/data.json", timeout=10) as response:
        messages = json.loads(response.read()).get("ses", {}).get("Message", [])
    body = next(str(m["body"]) for m in reversed(messages) if address in json.dumps(m.get("destinations", "")))
    password = _TEMPORARY_PASSWORD.search(body)
    assert password, body
    return next(link for link in _LINK.findall(body) if "/app/" in link), password.group(1)


def _step(checklist: Locator, title: str) -> Locator:
    return checklist.locator("li", has=checklist.page.get_by_role("link", name=title, exact=True))


def _widget_answers(widget_page: Page | FrameLocator, lang: str, question: str) -> None:
    host = widget_page.locator("chatflow360-widget")
    host.get_by_role("button", name=_OPEN_CHAT[lang]).click()
    host.locator("textarea").fill(question)
    host.locator("textarea").press("Enter")
    expect(host.locator(".m.visitor .b")).to_have_text(question)
    expect(host.locator(".m.ai .b").first).to_be_visible(timeout=30_000)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_new_business_goes_from_its_invitation_to_an_answered_visitor(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    t = locale(lang)
    suffix = uuid.uuid4().hex[:6]
    business = {"es": f"Panadería Sol {suffix}", "en": f"Sunny Bakery {suffix}"}[lang]
    owner_email, teammate_email = f"duena-{suffix}@example.com", f"equipo-{suffix}@example.com"
    locale_option = "es-ES" if lang == "es" else "en-US"

    # The platform owner creates the organisation (its plans say what they cost) and invites its admin
    root = browsing.page = browsing.new_page(locale=locale_option)
    sign_in(root, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    root.get_by_role("link", name=t["nav.organizations"]).click()
    root.get_by_role("button", name=t["orgs.new"]).click()
    dialog = root.locator("dialog[open]")
    dialog.get_by_label(t["common.name"]).fill(business)
    expect(dialog.get_by_label(t["orgs.plan"]).locator("option").first).to_contain_text(
        re.compile(r"\b29\b"), timeout=30_000
    )
    dialog.get_by_role("button", name=t["common.create"]).click()
    expect(root.get_by_role("cell", name=business)).to_be_visible()
    root.locator("header.topbar select").select_option(label=business)
    root.get_by_role("link", name=t["nav.users"]).click()
    root.get_by_role("button", name=t["users.invite"]).click()
    dialog.get_by_label(t["auth.email"]).fill(owner_email)
    dialog.get_by_label(t["common.name"]).fill("Lucía Gómez" if lang == "es" else "Lucy Green")
    dialog.get_by_label(t["common.language"]).select_option(lang)
    expect(dialog.get_by_label(t["common.organization"])).to_have_value(re.compile(".+"))  # the selected one
    dialog.get_by_label(t["members.role"]).select_option("admin")
    dialog.get_by_role("button", name=t["users.sendInvite"]).click()
    expect(root.get_by_text(t["users.invited"].replace("{{email}}", owner_email))).to_be_visible()

    # The admin follows the emailed link and replaces the temporary password
    link, temporary = _invitation(dashboard, owner_email)
    owner = browsing.page = browsing.new_page(locale=locale_option)  # the failure screenshot's page
    owner.goto(link)
    owner.get_by_label(t["auth.email"]).fill(owner_email)
    owner.get_by_label(t["auth.password"], exact=True).fill(temporary)
    owner.get_by_role("button", name=t["auth.signIn"]).click()
    owner.get_by_label(t["auth.newPassword"], exact=True).fill("Sol-Pass-2026!")
    owner.get_by_label(t["auth.confirmPassword"]).fill("Sol-Pass-2026!")
    owner.get_by_role("button", name=t["auth.setPassword"]).click()
    expect(owner.get_by_role("heading", name=t["home.title"])).to_be_visible(timeout=30_000)

    # The checklist is there, with its website channel already made
    checklist = owner.locator(".getting-started")
    expect(checklist.get_by_role("heading")).to_have_text(
        t["gettingStarted.title"].replace("{{done}}", "1").replace("{{total}}", "6")
    )
    expect(_step(checklist, t["gettingStarted.steps.channel.title"])).to_have_class("done")
    browsing.snap(f"first-hour-checklist-{lang}")

    # Describe the business; the page says it saved
    checklist.get_by_role("link", name=t["gettingStarted.steps.describe.title"]).click()
    instructions = {
        "es": "Somos una panadería de barrio en Miami. Abrimos de 7 a 19, todos los días.",
        "en": "We are a neighbourhood bakery in Miami. Open 7 am to 7 pm, every day.",
    }[lang]
    owner.get_by_label(t["ai.systemPrompt"]).fill(instructions)
    owner.get_by_role("button", name=t["common.save"]).first.click()
    expect(owner.get_by_text(t["common.saved"]).first).to_be_visible()

    # Add knowledge
    owner.get_by_role("tab", name=t["ai.knowledge"]).click()
    owner.get_by_role("button", name=t["ai.kb.addText"]).click()
    dialog = owner.locator("dialog[open]")
    fact = {"es": ("Pan sin gluten", "Horneamos pan sin gluten los martes y viernes."),
            "en": ("Gluten-free bread", "We bake gluten-free bread on Tuesdays and Fridays.")}[lang]  # fmt: skip
    dialog.get_by_label(t["ai.kb.title"]).fill(fact[0])
    dialog.get_by_label(t["ai.kb.content"]).fill(fact[1])
    dialog.get_by_role("button", name=t["common.save"]).click()
    expect(owner.locator("tr", has_text=fact[0]).locator(".badge")).to_have_text(
        t["ai.kb.statuses.ready"], timeout=30_000
    )

    # Try the real widget inside the dashboard: the checklist's first message
    owner.get_by_role("link", name=t["nav.home"]).click()
    checklist.get_by_role("link", name=t["gettingStarted.steps.first_message.title"]).click()
    expect(owner.get_by_role("heading", name=t["preview.title"])).to_be_visible()
    preview = owner.frame_locator("iframe.widget-trial-frame")
    question = {"es": "¿Tienen pan sin gluten?", "en": "Do you have gluten-free bread?"}[lang]
    _widget_answers(preview, lang, question)
    browsing.snap(f"first-hour-preview-{lang}")

    # Invite a teammate
    owner.get_by_role("link", name=t["nav.members"]).click()
    owner.get_by_role("button", name=t["members.add"]).click()
    dialog = owner.locator("dialog[open]")
    dialog.get_by_label(t["auth.email"]).fill(teammate_email)
    dialog.get_by_label(t["members.nameIfNew"]).fill("Ana")
    dialog.get_by_role("button", name=t["members.add"]).click()
    expect(owner.get_by_text(t["members.invited"].replace("{{email}}", teammate_email))).to_be_visible()

    # A visitor of the site (the demo page stands for it) gets an answer
    owner.get_by_role("link", name=t["nav.channels"]).click()
    public_key = owner.locator(".card", has_text=t["preview.link"]).locator(".facts code").first.inner_text().strip()
    visitor = browsing.page = browsing.new_page(locale=locale_option)
    visitor.goto(f"{dashboard.api_url}/widget/demo.html?key={public_key}&lang={lang}")
    _widget_answers(visitor, lang, question)
    browsing.page = owner

    # Every step ticked itself: the checklist is done and gone, the conversations are in the inbox
    owner.get_by_role("link", name=t["nav.home"]).click()
    expect(owner.get_by_role("heading", name=t["home.title"])).to_be_visible()
    expect(owner.locator(".getting-started")).to_have_count(0, timeout=15_000)
    owner.get_by_role("link", name=t["nav.conversations"]).click()
    expect(owner.locator(".conv-row")).to_have_count(2, timeout=15_000)
    browsing.snap(f"first-hour-inbox-{lang}")
