"""WhatsApp in the agents' inbox in Chromium (#20, items 5 and 6), in both languages, on the local
stack pointed at a fake of Meta's Graph API: a customer's signed webhook becomes a conversation with
the WhatsApp badge and the customer's name and number; the channel-type filter finds it; the agent's
reply shows its delivery (sent, then read when Meta's status comes); once the customer's 24 hours
are over the reply box says so and offers the channel's templates, synced from Meta, filled in and
sent as a template. Screenshots at 1280 and 390 wide go to /tmp/shots/meta."""

from __future__ import annotations

import io
import json
import random
import re
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import pytest
from PIL import Image
from playwright.sync_api import Page, ViewportSize, expect

from infra.local.fake_meta import Account, FakeMeta, MediaFile
from infra.local.meta_samples import voice_note
from tests.e2e.conftest import Browsing, Db, Stack
from tests.e2e.dashboard_support import Dashboard, choose_new_password, dashboard_of, expect_live, locale, sign_in
from tests.support.meta_webhooks import meta_json, sign, whatsapp_status, whatsapp_text

SHOTS = Path("/tmp/shots/meta")
PHONE_VIEW: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
APP_SECRET = "5e4d3c2b1a0918273645546372819a0b"
BUSINESS = "102290129340398"

TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "order_ready",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [
            {
                "type": "BODY",
                "text": "Hi {{1}}, your order is ready for pickup at {{2}}.",
                "example": {"body_text": [["Ana", "5 pm"]]},
            },
            {"type": "FOOTER", "text": "Brisa Spa"},
        ],
    },
    {
        "name": "pedido_listo",
        "language": "es",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Hola {{nombre}}, tu pedido está listo para recoger a las {{hora}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "nombre", "example": "Ana"},
                        {"param_name": "hora", "example": "5 pm"},
                    ]
                },
            }
        ],
    },
]


class Words(TypedDict):
    ask: str
    reply: str
    photo: str
    template: str
    values: dict[str, str]
    sent: str


WORDS: dict[str, Words] = {
    "en": {
        "ask": "Is my order ready? 😊",
        "reply": "Yes! Come by any time.",
        "photo": "This is the one",
        "template": "order_ready|en_US",
        "values": {"1": "Ana", "2": "6 pm"},
        "sent": "Hi Ana, your order is ready for pickup at 6 pm.",
    },
    "es": {
        "ask": "¿Está listo mi pedido? 😊",
        "reply": "¡Sí! Pasa cuando quieras.",
        "photo": "Es este",
        "template": "pedido_listo|es",
        "values": {"nombre": "Ana", "hora": "6 pm"},
        "sent": "Hola Ana, tu pedido está listo para recoger a las 6 pm.",
    },
}


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


def _post_webhook(stack: Stack, payload: Any) -> None:
    raw = meta_json(payload)  # as Meta writes it: non-ASCII escaped, no spaces
    request = urllib.request.Request(f"{stack.api_url}/api/webhooks/whatsapp", data=raw, method="POST")
    request.add_header("content-type", "application/json")
    request.add_header("x-hub-signature-256", sign(raw, APP_SECRET))
    with urllib.request.urlopen(request, timeout=15) as response:  # the local stack
        assert response.status == 200


def _eventually(db: Db, query: str, params: tuple[Any, ...], timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        row = db.execute(query, params).fetchone()
        if row is not None:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing found in {timeout} s: {query}")
        time.sleep(0.2)


class WhatsAppBusiness(NamedTuple):
    suffix: str
    phone_id: str
    customer: str
    token: str
    org: dict[str, Any]
    agent_email: str


def _whatsapp_business(dashboard: Dashboard, fake_meta_server: FakeMeta, lang: str) -> WhatsAppBusiness:
    """Brisa, an organisation of its own with a WhatsApp number connected to the fake Graph API (and
    its approved templates), and Ana, its agent, who reads the dashboard in `lang`; a customer's number."""
    suffix = uuid.uuid4().hex[:6]
    phone_id = "1065" + "".join(random.choices("0123456789", k=11))
    customer = "1305555" + "".join(random.choices("0123456789", k=4))
    token = f"EAAG-e2e-{suffix}-0123456789abcdef"
    fake_meta_server.add_account(phone_id, Account(token=token, fields={"verified_name": "Brisa"}))
    fake_meta_server.add_account(BUSINESS, Account(token=token, fields={}, templates=TEMPLATES))
    root = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org = dashboard.api("POST", "/api/dashboard/organizations", root, {"name": f"Brisa {suffix}", "plan": "pro"})
    dashboard.api(
        "POST",
        f"/api/dashboard/organizations/{org['id']}/channels",
        root,
        {
            "name": "WhatsApp",
            "type": "whatsapp",
            "whatsapp": {
                "phoneNumberId": phone_id,
                "businessAccountId": BUSINESS,
                "accessToken": token,
                "appSecret": APP_SECRET,
                "verifyToken": f"brisa-{suffix}",
            },
        },
    )
    agent_email = f"ana-{suffix}@example.com"
    dashboard.api(
        "POST",
        "/api/dashboard/users",
        root,
        {
            "email": agent_email,
            "name": "Ana",
            "preferredLanguage": lang,
            "memberships": [{"organizationId": org["id"], "role": "agent"}],
        },
    )
    return WhatsAppBusiness(suffix, phone_id, customer, token, org, agent_email)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_agent_answers_a_whatsapp_customer_sees_delivery_and_sends_a_template_after_24_hours(
    browsing: Browsing, dashboard: Dashboard, stack: Stack, db: Db, fake_meta_server: FakeMeta, lang: str
) -> None:
    t, words = locale(lang), WORDS[lang]
    suffix, phone_id, customer, token, org, agent_email = _whatsapp_business(dashboard, fake_meta_server, lang)

    # GIVEN a customer who writes on WhatsApp (signed as Meta signs, emoji escaped as Meta escapes them)
    _post_webhook(stack, whatsapp_text(phone_id, customer, words["ask"], wamid=f"wamid.E2E{suffix}", name="Ana Pérez"))
    conversation = _eventually(
        db,
        "SELECT c.id FROM conversations c JOIN channels ch ON ch.id = c.channel_id WHERE ch.organization_id = %s",
        (org["id"],),
    )["id"]

    # … and a photo, which the stack fetches through the Graph API into the attachment store
    photo = io.BytesIO()
    Image.new("RGB", (96, 64), (30, 120, 200)).save(photo, format="PNG")
    fake_meta_server.add_media(f"media{suffix}", MediaFile(token=token, data=photo.getvalue(), mime_type="image/png"))
    pictured = whatsapp_text(phone_id, customer, "unused", wamid=f"wamid.E2EPHOTO{suffix}", name="Ana Pérez")
    pictured["entry"][0]["changes"][0]["value"]["messages"][0].update(
        {"type": "image", "image": {"id": f"media{suffix}", "mime_type": "image/png", "caption": words["photo"]}}
    )
    _post_webhook(stack, pictured)

    # WHEN the agent filters the inbox by WhatsApp
    page = browsing.page
    page.set_viewport_size(DESKTOP)
    sign_in(page, dashboard, agent_email, dashboard.temporary_password(agent_email), lang)
    _new_password(page, lang, "Agent-Pass-2026!")
    page.get_by_role("link", name=t["nav.conversations"]).first.click()
    expect_live(page, t["live.on"])
    page.get_by_label(t["metaInbox.channelType"]).select_option("whatsapp")
    expect(page).to_have_url(re.compile(r"channelType=whatsapp"))

    # THEN the card names the customer and wears the WhatsApp badge
    card = page.locator(".conv-row").first
    expect(card).to_contain_text("Ana Pérez")
    expect(card.locator(".channel-badge")).to_have_text("WhatsApp")
    _shot(page, f"{lang}-1280-list")
    page.set_viewport_size(PHONE_VIEW)
    expect(card.locator(".channel-badge")).to_be_visible()
    _shot(page, f"{lang}-390-list")
    page.set_viewport_size(DESKTOP)

    # WHEN the agent opens it and answers within the 24 hours
    card.click()
    head = page.locator(".detail-head")
    expect(head).to_contain_text("Ana Pérez")
    expect(head).to_contain_text("+" + customer)
    expect(head.locator(".channel-badge")).to_have_text("WhatsApp")
    expect(page.locator("[data-window=open]")).to_be_visible()
    photo_message = page.locator(".msg-visitor").filter(has_text=words["photo"])
    expect(photo_message.locator(".attachment-image img")).to_be_visible(timeout=20_000)
    page.get_by_label(t["inbox.reply"], exact=True).fill(words["reply"])
    page.get_by_role("button", name=t["inbox.send"], exact=True).click()
    mine = page.locator(".msg-agent").filter(has_text=words["reply"])
    expect(mine.locator("[data-delivery=sent]")).to_have_text(t["metaInbox.delivery.sent"], timeout=20_000)

    # … and Meta says the customer read it
    sent = _eventually(
        db,
        """SELECT d.provider_message_id FROM meta_deliveries d JOIN messages m ON m.id = d.message_id
           WHERE m.conversation_id = %s AND m.content = %s AND d.provider_message_id IS NOT NULL""",
        (conversation, words["reply"]),
    )
    _post_webhook(stack, whatsapp_status(phone_id, sent["provider_message_id"], "read", customer))
    expect(mine.locator("[data-delivery=read]")).to_have_text(t["metaInbox.delivery.read"], timeout=20_000)
    assert json.dumps(fake_meta_server.sent_to(phone_id)[-1].body["text"]["body"]) == json.dumps(words["reply"])
    _shot(page, f"{lang}-1280-thread-delivery")

    # WHEN a day and more has passed since the customer's message
    db.execute(
        "UPDATE messages SET created_at = now() - interval '25 hours' WHERE conversation_id = %s AND role = 'visitor'",
        (conversation,),
    )
    page.reload()
    expect(page.locator("[data-window=closed]")).to_have_text(t["metaInbox.window.closed.whatsapp"], timeout=20_000)
    expect(page.get_by_label(t["inbox.reply"], exact=True)).to_have_count(0)  # no free text to be refused

    # THEN the agent syncs the channel's templates, fills one in and sends it
    composer = page.locator(".template-composer")
    expect(composer.get_by_text(t["metaInbox.templates.neverSynced"])).to_be_visible()
    composer.get_by_role("button", name=t["metaInbox.templates.sync"]).click()
    picker = composer.get_by_label(t["metaInbox.templates.pick"])
    expect(picker.locator("option")).to_have_count(3)  # "choose…" and the two approved ones
    picker.select_option(words["template"])
    for key, value in words["values"].items():
        composer.get_by_label(t["metaInbox.templates.variable"].replace("{{key}}", "{{" + key + "}}")).fill(value)
    expect(composer.locator(".template-preview")).to_contain_text(words["sent"])
    _shot(page, f"{lang}-1280-window-closed-template")
    page.set_viewport_size(PHONE_VIEW)
    composer.scroll_into_view_if_needed()
    _shot(page, f"{lang}-390-window-closed-template")
    page.set_viewport_size(DESKTOP)
    composer.get_by_role("button", name=t["metaInbox.templates.send"]).click()
    template_message = page.locator(".msg-agent").filter(has_text=words["sent"])
    expect(template_message).to_contain_text(words["template"].replace("|", " · "))
    expect(template_message.locator("[data-delivery]")).to_have_attribute("data-delivery", "sent", timeout=20_000)
    body = fake_meta_server.sent_to(phone_id)[-1].body
    assert body["type"] == "template"
    assert body["template"]["name"] == words["template"].split("|")[0]
    page.set_viewport_size(PHONE_VIEW)
    template_message.scroll_into_view_if_needed()
    _shot(page, f"{lang}-390-thread-template-sent")
    page.set_viewport_size(DESKTOP)
    _shot(page, f"{lang}-1280-thread-template-sent")
    overflow = page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False

    # AND the channel's page lists the synced templates, the one each language offers
    page.get_by_role("link", name=t["nav.channels"]).first.click()
    templates = page.get_by_test_id("channel-templates")
    expect(templates.locator("li")).to_have_count(2)
    expect(templates).to_contain_text("order_ready")
    expect(templates).to_contain_text("pedido_listo")
    expect(templates.get_by_text(t["metaInbox.templates.offered"])).to_have_count(2)
    templates.scroll_into_view_if_needed()
    _shot(page, f"{lang}-1280-channel-templates")
    page.set_viewport_size(PHONE_VIEW)
    templates.scroll_into_view_if_needed()
    _shot(page, f"{lang}-390-channel-templates")
    assert page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth") is False

    # … and the thread past its window in dark mode
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name=t["nav.conversations"]).first.click()
    page.locator(".theme-switch").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.locator(".conv-row").first.click()
    expect(page.locator("[data-window=closed]")).to_be_visible()
    _shot(page, f"{lang}-1280-dark-window-closed")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_thread_plays_a_customers_whatsapp_voice_note(
    browsing: Browsing, dashboard: Dashboard, stack: Stack, db: Db, fake_meta_server: FakeMeta, lang: str
) -> None:
    t = locale(lang)
    suffix, phone_id, customer, token, org, agent_email = _whatsapp_business(dashboard, fake_meta_server, lang)

    # GIVEN a customer's voice note on WhatsApp (two seconds of Ogg Opus, as WhatsApp records them)
    fake_meta_server.add_media(f"voice{suffix}", MediaFile(token=token, data=voice_note(2), mime_type="audio/ogg"))
    voice = whatsapp_text(phone_id, customer, "unused", wamid=f"wamid.E2EVOICE{suffix}", name="Ana Pérez")
    voice["entry"][0]["changes"][0]["value"]["messages"][0].update(
        {"type": "audio", "audio": {"id": f"voice{suffix}", "mime_type": "audio/ogg; codecs=opus", "voice": True}}
    )
    _post_webhook(stack, voice)
    _eventually(
        db,
        """SELECT a.id FROM attachments a JOIN conversations c ON c.id = a.conversation_id
           JOIN channels ch ON ch.id = c.channel_id WHERE ch.organization_id = %s AND a.status = 'ready'""",
        (org["id"],),
    )

    # WHEN the agent opens the conversation
    page = browsing.page
    page.set_viewport_size(DESKTOP)
    sign_in(page, dashboard, agent_email, dashboard.temporary_password(agent_email), lang)
    _new_password(page, lang, "Agent-Pass-2026!")
    page.get_by_role("link", name=t["nav.conversations"]).first.click()
    page.locator(".conv-row").filter(has_text="Ana Pérez").first.click()

    # THEN the thread shows an audio player, labelled in the agent's language, that the browser can play
    player = page.locator(".msg-visitor audio[controls]")
    expect(player).to_have_attribute("aria-label", t["attachments.audio"].replace("{{name}}", "whatsapp-audio.ogg"))
    player.evaluate("audio => audio.load()")
    page.wait_for_function(
        "audio => audio.readyState >= 1 && Math.abs(audio.duration - 2) < 0.2", arg=player.element_handle()
    )
    expect(page.locator(".msg-visitor .attachment-media")).to_contain_text("whatsapp-audio.ogg")
    _shot(page, f"{lang}-1280-voice-note")
    page.set_viewport_size(PHONE_VIEW)
    player.scroll_into_view_if_needed()
    _shot(page, f"{lang}-390-voice-note")
    assert page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth") is False
