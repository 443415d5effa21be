"""Typing both ways and read receipts with the real widget (issue #18, item 6): the visitor sees who of
the team is typing, the agent sees that the visitor types (never what), and the visitor sees "seen"
under their message once an agent opened the conversation."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, Db, Stack, Widget, wait_until
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def test_typing_shows_both_ways_and_the_visitor_sees_when_the_agent_read(
    browsing: Browsing, stack: Stack, dashboard: Dashboard
) -> None:
    t = locale("es")
    visitor_page = browsing.page
    visitor_page.goto(stack.demo(lang="es"))
    widget = Widget(visitor_page)
    widget.open()
    widget.send("Hola, ¿hacen pasteles por encargo?")
    expect(widget.messages("ai")).to_have_count(1)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]

    # WHEN an agent opens the conversation, THEN the visitor sees "Visto" under their message
    agent = browsing.new_page()
    sign_in(agent, dashboard, dashboard.admin_email, dashboard.admin_password, "es")
    expect(agent.get_by_role("heading", name="Resumen")).to_be_visible(timeout=20_000)
    agent.goto(f"{dashboard.url}/es/conversations/{conversation}")
    expect(agent.get_by_role("log", name=t["inbox.thread"])).to_contain_text("pasteles por encargo")
    expect(widget.host.locator(".m.visitor .seen")).to_have_text("Visto", timeout=10_000)

    # WHEN the agent types a draft, THEN the widget says who is typing, and nothing of what
    agent.get_by_label(t["inbox.reply"], exact=True).press_sequentially("Sí, con dos días")
    typing = widget.host.locator(".ty")
    expect(typing).to_be_visible(timeout=10_000)
    expect(typing.locator(".sr")).to_have_text("Super está escribiendo…")
    assert "dos días" not in widget.log.inner_text()
    browsing.snap("agent-typing")

    # WHEN the visitor types, THEN the agent sees that they do
    widget.input.press_sequentially("Para el sáb")
    expect(agent.get_by_text(t["presence.visitorTyping"])).to_be_visible(timeout=10_000)


def test_a_visitor_waiting_for_a_person_leaves_a_name_and_email_for_the_agents(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    page = browsing.page
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    widget.open()
    widget.send("Hola")
    expect(widget.messages("ai")).to_have_count(1)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]

    widget.send("Quiero hablar con una persona")
    form = widget.host.locator("form.em")
    expect(form).to_be_visible(timeout=10_000)
    form.get_by_label("Tu nombre").fill("Marta")
    form.get_by_label("Tu email").fill("marta@example.com")
    browsing.snap("details-form")
    form.get_by_role("button", name="Enviar").click()

    expect(form).to_have_count(0)
    expect(widget.log.locator(".m.system").last).to_have_text("¡Gracias! Nuestro equipo ya ve tus datos.")

    def profile() -> dict[str, Any]:
        row = db.execute("SELECT visitor_metadata -> 'profile' AS p FROM conversations WHERE id = %s", (conversation,))
        found = row.fetchone()
        return dict(found["p"] or {}) if found else {}

    wait_until(lambda: profile().get("name") == "Marta")
    assert profile()["email"] == "marta@example.com"
