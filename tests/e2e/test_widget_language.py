"""The widget follows the visitor (#15): without data-lang it speaks the visitor's own choice, else
the page's <html lang>, else the browser's languages, else the channel's default; a switch in its
header changes the language at once and is remembered. Its colour, corner, name and greeting come
from the channel's settings in the dashboard, through the public config call."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Locator, Page, Route, expect

from chatflow import channels
from chatflow.organizations import create_organization
from tests.e2e.conftest import Browsing, Db, Stack, Widget, body_of, third_party_page, wait_until
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in, snap
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI, Scripted

pytestmark = pytest.mark.e2e

SPANISH_WELCOME = "¿En qué podemos ayudarte hoy? Escribe tu pregunta abajo para empezar una conversación."
ENGLISH_WELCOME = "How can we help you today? Write your question below to start a conversation."


@dataclass(frozen=True)
class Site:
    """An organisation of its own with one website channel, so that its settings touch no other test."""

    organization_id: UUID
    name: str
    channel_id: UUID
    public_key: str

    def change(self, db: Db, **fields: Any) -> None:
        changes = channels.ChannelChanges(**fields)
        channels.update_channel(db, super_admin(), self.organization_id, self.channel_id, changes)


@pytest.fixture
def site(db: Db) -> Site:
    name = f"Café Bilingüe {uuid.uuid4().hex[:6]}"
    organization_id = create_organization(db, name=name)
    channel = channels.create_channel(db, super_admin(), organization_id, name="Website")
    return Site(organization_id, name, channel.id, str(channel.public_key))


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _snippet(stack: Stack, key: str, extra: str = "") -> str:
    return f'<script src="{stack.api_url}/widget/chatflow360.js" data-key="{key}"{extra} defer></script>'


def _open_page(page: Page, stack: Stack, key: str, html_lang: str | None, extra: str = "") -> Widget:
    attribute = f' lang="{html_lang}"' if html_lang is not None else ""
    tag = _snippet(stack, key, extra)
    page.goto(third_party_page(page, stack, "bilingual.html", HTML_LANG=attribute, SCRIPT_TAG=tag))
    return Widget(page)


def _expect_spanish(widget: Widget) -> None:
    expect(widget.launcher).to_have_attribute("aria-label", "Abrir chat")
    widget.open()
    expect(widget.welcome).to_contain_text("¡Hola!")
    expect(widget.welcome).to_contain_text(SPANISH_WELCOME)
    expect(widget.input).to_have_attribute("placeholder", "Escribe un mensaje…")
    expect(widget.close_button).to_have_attribute("aria-label", "Cerrar chat")
    expect(widget.host.locator(".w")).to_have_attribute("lang", "es")


def _expect_english(widget: Widget) -> None:
    expect(widget.launcher).to_have_attribute("aria-label", "Open chat")
    widget.open()
    expect(widget.welcome).to_contain_text("Hi there!")
    expect(widget.welcome).to_contain_text(ENGLISH_WELCOME)
    expect(widget.input).to_have_attribute("placeholder", "Write a message…")
    expect(widget.host.locator(".w")).to_have_attribute("lang", "en")


def _switch(widget: Widget) -> Locator:
    return widget.host.locator("button.lg")


def test_a_spanish_page_in_a_spanish_browser_gets_a_spanish_widget_without_data_lang(
    browsing: Browsing, stack: Stack, site: Site
) -> None:
    page = browsing.page = browsing.new_page(locale="es-ES")
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    widget = _open_page(page, stack, site.public_key, "es")

    _expect_spanish(widget)
    expect(widget.host.locator("h2")).to_have_text(site.name)  # the organisation's name
    browsing.snap("spanish")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/chat")) as request:
        widget.send("Hola, ¿abren el domingo?")

    assert body_of(request.value)["lang"] == "es"
    expect(widget.messages("ai")).to_contain_text("[Demo sin conexión]")
    expect(widget.log.locator(".m.ai .meta")).to_contain_text("Asistente de IA")
    wait_until(lambda: any("/ws?" in url for url in sockets), page=page)
    assert "&lang=es" in next(url for url in sockets if "/ws?" in url)


def test_a_spanish_message_on_an_english_widget_gets_a_spanish_answer_and_a_spanish_handoff_notice(
    browsing: Browsing, stack: Stack, site: Site, dashboard: Dashboard, fake_openai_server: FakeOpenAI
) -> None:
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    dashboard.api(
        "PATCH",
        f"/api/dashboard/organizations/{site.organization_id}/ai-settings",
        token,
        {"apiKey": "sk-e2e-key-for-the-recording-fake"},
    )
    fake_openai_server.then(Scripted(content="¡Hola! Los sábados abrimos de 9 a 14."))
    page = browsing.page  # an English browser on an English page
    widget = _open_page(page, stack, site.public_key, "en")
    _expect_english(widget)

    widget.send("Hola, ¿a qué hora abren los sábados?")

    expect(widget.messages("ai")).to_have_text("¡Hola! Los sábados abrimos de 9 a 14.")
    prompt = fake_openai_server.requests[-1]["messages"]
    assert prompt[-1]["content"] == "Hola, ¿a qué hora abren los sábados?"
    assert "The visitor's message is in Spanish: answer in Spanish" in prompt[0]["content"]

    widget.send("Prefiero hablar con una persona, por favor")

    # (the handoff notice, then the widget's invitation to leave a name and email)
    expect(widget.messages("system").filter(has_text="Te estoy comunicando con una persona")).to_have_count(1)
    expect(widget.input).to_have_attribute("placeholder", "Write a message…")  # the widget's own words stay
    browsing.snap("spanish-answer-on-english-widget")


def test_an_english_page_wins_over_a_spanish_browser(browsing: Browsing, stack: Stack, site: Site) -> None:
    page = browsing.page = browsing.new_page(locale="es-ES")

    widget = _open_page(page, stack, site.public_key, "en")

    _expect_english(widget)
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/chat")) as request:
        widget.send("Hello")
    assert body_of(request.value)["lang"] == "en"


def test_a_page_without_a_language_follows_the_browsers_first_english_or_spanish_one(
    browsing: Browsing, stack: Stack, site: Site
) -> None:
    page = browsing.page = browsing.new_page(locale="fr-FR")
    page.add_init_script("Object.defineProperty(navigator, 'languages', {get: () => ['fr-FR', 'es-MX', 'en-US']})")

    widget = _open_page(page, stack, site.public_key, None)

    _expect_spanish(widget)


def test_when_neither_page_nor_browser_speaks_english_or_spanish_the_channels_default_does(
    browsing: Browsing, stack: Stack, site: Site, db: Db
) -> None:
    site.change(db, default_language="es")
    page = browsing.page = browsing.new_page(locale="fr-FR")

    widget = _open_page(page, stack, site.public_key, "fr")

    _expect_spanish(widget)
    expect(_switch(widget)).to_be_visible()  # not fixed: the visitor may still switch


def test_the_switch_changes_the_language_at_once_is_remembered_and_works_from_the_keyboard(
    browsing: Browsing, stack: Stack, site: Site
) -> None:
    page = browsing.page
    widget = _open_page(page, stack, site.public_key, "en")
    widget.open()
    widget.send("Hello")
    expect(widget.messages("ai")).to_have_count(1)
    switch = _switch(widget)
    expect(switch).to_have_text("ES")
    expect(switch).to_have_accessible_name("Cambiar a español")
    browsing.snap("before-switch")

    switch.click()

    expect(widget.welcome).to_be_hidden()
    expect(widget.input).to_have_attribute("placeholder", "Escribe un mensaje…")
    expect(widget.end_button).to_have_text("Finalizar conversación")
    expect(widget.log.locator(".m.ai .meta b")).to_have_text("Asistente de IA")  # shown messages too
    expect(widget.launcher).to_have_attribute("aria-label", "Cerrar chat")
    expect(switch).to_have_text("EN")
    expect(switch).to_have_accessible_name("Switch to English")
    assert widget.storage()[f"cf360_lang_{site.public_key}"] == "es"
    browsing.snap("after-switch")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/api/chat")) as request:
        widget.send("¿Y el domingo?")
    assert body_of(request.value)["lang"] == "es"

    # After a reload (the chat still open, as on every page of a visit), the choice wins over the English page
    page.reload()
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-label", "Cerrar chat")
    widget.open()
    expect(widget.end_button).to_have_text("Finalizar conversación")

    # Back to English with the keyboard alone
    _switch(widget).focus()
    page.keyboard.press("Enter")
    expect(widget.end_button).to_have_text("End conversation")
    assert widget.focused() == "button.hb lg"
    page.keyboard.press("Space")
    expect(widget.end_button).to_have_text("Finalizar conversación")


def test_a_fixed_language_hides_the_switch_and_ignores_the_page_and_browser(
    browsing: Browsing, stack: Stack, site: Site, db: Db
) -> None:
    site.change(db, default_language="es", language_fixed=True)
    page = browsing.page
    page.add_init_script(f"localStorage.setItem('cf360_lang_{site.public_key}', 'en')")  # an earlier choice

    widget = _open_page(page, stack, site.public_key, "en")

    _expect_spanish(widget)
    expect(_switch(widget)).to_be_hidden()


def test_data_lang_fixes_the_language_and_hides_the_switch(browsing: Browsing, stack: Stack, site: Site) -> None:
    page = browsing.page = browsing.new_page(locale="es-ES")

    widget = _open_page(page, stack, site.public_key, "es", extra=' data-lang="en"')

    _expect_english(widget)
    expect(_switch(widget)).to_be_hidden()


def test_without_its_config_the_widget_still_works_with_the_defaults(
    browsing: Browsing, stack: Stack, site: Site, db: Db
) -> None:
    site.change(db, color="#e91e63")
    page = browsing.page
    page.route("**/api/channels/*/config", lambda route: route.abort("internetdisconnected"))

    widget = _open_page(page, stack, site.public_key, "es")

    _expect_spanish(widget)
    assert widget.launcher.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(47, 146, 173)"
    expect(widget.host.locator("h2")).to_have_text("Chatea con nosotros")
    widget.send("Hola")
    expect(widget.messages("ai")).to_have_count(1)


def test_a_slow_config_does_not_keep_the_chat_away(browsing: Browsing, stack: Stack, site: Site) -> None:
    page = browsing.page
    held: list[Route] = []
    page.route("**/api/channels/*/config", lambda route: held.append(route))

    widget = _open_page(page, stack, site.public_key, "en")

    expect(widget.launcher).to_be_visible(timeout=6_000)
    assert held, "the widget did not ask for its config"
    held[0].continue_()


def test_the_colour_corner_and_name_set_in_the_dashboard_reach_the_widget_of_the_snippet_it_shows(
    browsing: Browsing, stack: Stack, site: Site, dashboard: Dashboard
) -> None:
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.locator(".live.on")).to_be_visible(timeout=10_000)
    page.locator("header.topbar select").select_option(label=site.name)
    page.get_by_role("link", name="Channels").click()
    card = page.locator(".card", has_text="Website")
    snippet = card.locator("pre").inner_text()
    assert "data-lang" not in snippet

    card.get_by_role("button", name="Edit").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Color code").fill("#e91e63")
    dialog.get_by_label("Position").select_option("left")
    dialog.get_by_label("Chat title").fill("Casa Rosa")
    dialog.get_by_label("Welcome message in Spanish").fill("¡Bienvenidos a Casa Rosa!")
    expect(dialog.get_by_test_id("launcher-preview")).to_have_css("background-color", "rgb(233, 30, 99)")
    snap(page, "channel-appearance-dialog", full_page=False)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(card).to_contain_text("#e91e63")
    assert card.locator("pre").inner_text() == snippet  # the tag on the site never changes

    visitor = browsing.new_page(locale="es-ES")
    visitor.goto(third_party_page(visitor, stack, "bilingual.html", HTML_LANG=' lang="es"', SCRIPT_TAG=snippet))
    widget = Widget(visitor)
    expect(widget.launcher).to_have_css("background-color", "rgb(233, 30, 99)")
    assert widget.launcher.bounding_box() == pytest.approx({"x": 20, "y": 800 - 20 - 58, "width": 58, "height": 58})
    widget.open()
    expect(widget.host.locator("h2")).to_have_text("Casa Rosa")
    expect(widget.host.get_by_role("dialog", name="Casa Rosa")).to_be_visible()
    expect(widget.welcome).to_contain_text("¡Bienvenidos a Casa Rosa!")
    expect(widget.host.locator(".h")).to_have_css("background-color", "rgb(233, 30, 99)")
