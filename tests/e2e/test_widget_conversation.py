"""A visitor's conversation through the widget on the demo page, against the running local stack."""

from __future__ import annotations

import re
import time
from uuid import UUID, uuid4

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, Db, HeldRequests, Stack, Widget, body_of, third_party_page, wait_until

pytestmark = pytest.mark.e2e

TWO_HOURS_AND_A_MINUTE_MS = (2 * 60 + 1) * 60 * 1000


def _conversation_status(db: Db, conversation_id: str) -> str:
    row = db.execute("SELECT status FROM conversations WHERE id = %s", (conversation_id,)).fetchone()
    assert row is not None
    status: str = row["status"]
    return status


def test_a_visitor_sends_a_message_and_sees_the_ai_reply(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    browsing.snap("closed")
    widget.open()
    expect(widget.welcome).to_contain_text("Hi there")
    browsing.snap("welcome")
    held = HeldRequests()
    page.route("**/api/chat", held)

    widget.input.fill("Hello!")
    widget.input.press("Shift+Enter")
    widget.input.press_sequentially("Do you sell oat milk?")
    widget.input.press("Enter")

    expect(widget.typing).to_be_visible()
    expect(widget.welcome).to_be_hidden()
    browsing.snap("typing")
    assert widget.messages("visitor").inner_text() == "Hello!\nDo you sell oat milk?"
    wait_until(lambda: bool(held.routes), page=page)
    sent = body_of(held.routes[0].request)
    held.release()
    reply = widget.messages("ai")
    expect(reply).to_contain_text("[Offline demo]")
    expect(widget.typing).to_be_hidden()
    expect(widget.input).to_have_value("")
    assert sent["publicKey"] == stack.public_key
    assert sent["lang"] == "en"
    assert sent["pageUrl"] == page.url
    assert sent["message"] == "Hello!\nDo you sell oat milk?"
    assert "conversationId" not in sent
    assert UUID(sent["visitorId"]).version == 4
    assert UUID(sent["clientMessageId"]).version == 4
    expect(widget.log.locator(".m.ai .meta")).to_contain_text("AI assistant")
    expect(widget.log.locator("time")).to_have_count(2)


def test_markup_in_messages_is_shown_as_text_and_never_runs(page: Page, stack: Stack) -> None:
    payload = '<img src=x onerror="window.__pwned = 1"><b>bold?</b> & <script>window.__pwned = 2</script>'
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()

    widget.send(payload)

    expect(widget.messages("ai")).to_contain_text("[Offline demo]")
    expect(widget.messages("visitor")).to_have_text(payload)
    expect(widget.log.locator(".b img, .b b, .b script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_the_history_and_the_open_panel_come_back_after_a_reload(page: Page, stack: Stack) -> None:
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("What time do you open on Saturday?")
    expect(widget.messages("ai")).to_have_count(1)
    stored = widget.storage()
    key = stack.public_key
    conversation = stored[f"cf360_conv_{key}"]
    assert UUID(stored[f"cf360_visitor_{key}"]).version == 4
    assert abs(int(stored[f"cf360_conv_ts_{key}"]) / 1000 - time.time()) < 60

    page.reload()

    expect(widget.panel).to_be_visible()  # it was open on this visit's previous page
    expect(widget.messages("visitor")).to_have_text(["What time do you open on Saturday?"])
    expect(widget.messages("ai")).to_contain_text(["[Offline demo]"])
    expect(widget.welcome).to_be_hidden()
    with page.expect_request(lambda r: r.method == "POST" and "/api/chat" in r.url) as request:
        widget.send("And on Sunday?")
    assert body_of(request.value)["conversationId"] == conversation
    expect(widget.messages("ai")).to_have_count(2)


def test_asking_for_a_person_hands_over_and_agent_messages_appear_by_polling(page: Page, stack: Stack, db: Db) -> None:
    # The widget polls only while its socket is down (tests/e2e/test_widget_live.py has the socket up).
    page.route_web_socket(re.compile(r"/ws(\?|$)"), lambda ws: ws.close())
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("Hi")
    expect(widget.messages("ai")).to_have_count(1)

    widget.send("I want to talk to a person, please")

    expect(widget.messages("system")).to_contain_text(["connecting you with a person"])
    expect(widget.subtitle).to_have_text("A person from our team will answer here")
    with page.expect_response(lambda r: r.request.method == "POST" and "/api/chat" in r.url) as answer:
        widget.send("Are you there?")
    assert answer.value.json()["reply"] is None
    expect(widget.typing).to_be_hidden()
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]

    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content) VALUES (%s, %s, 'agent', %s)",
        (conversation, stack.organization_id, "Hi, I'm Ana from Demo Coffee Co.\nHow can I help?"),
    )
    written = time.monotonic()

    expect(widget.messages("agent")).to_have_count(1, timeout=7_000)
    assert time.monotonic() - written < 6.5  # within one polling interval (5 s) and a request
    assert widget.messages("agent").inner_text() == "Hi, I'm Ana from Demo Coffee Co.\nHow can I help?"
    expect(widget.log.locator(".m.agent .meta")).to_contain_text("Team")
    with page.expect_response(lambda r: r.request.method == "GET" and "after=" in r.url, timeout=7_000):
        pass  # one more poll: nothing shows twice
    expect(widget.messages("agent")).to_have_count(1)
    expect(widget.messages("visitor")).to_have_text(["Hi", "I want to talk to a person, please", "Are you there?"])

    # An agent with a name is shown by their first name, never the rest of it
    ana = f"e2e-{uuid4()}"
    db.execute("INSERT INTO users (id, email, name) VALUES (%s, %s, 'Ana López')", (ana, f"{ana}@example.com"))
    db.execute(
        "INSERT INTO messages (conversation_id, organization_id, role, content, author_user_id)"
        " VALUES (%s, %s, 'agent', 'Still there?', %s)",
        (conversation, stack.organization_id, ana),
    )
    expect(widget.log.locator(".m.agent .meta").nth(1)).to_contain_text("Ana", timeout=7_000)
    expect(widget.log.locator(".m.agent .meta").nth(1)).not_to_contain_text("López")
    expect(widget.messages("ai")).to_have_count(1)


def test_ending_the_conversation_asks_first_then_closes_it_and_asks_for_a_rating(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    page = browsing.page
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    expect(widget.end_button).to_be_hidden()  # nothing to end yet
    widget.send("Hello")
    expect(widget.messages("ai")).to_have_count(1)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    confirm = widget.host.get_by_role("group", name="End this conversation?")

    widget.end_button.click()
    expect(confirm).to_be_visible()
    assert widget.focused() == "button.n"
    browsing.snap("confirm")
    confirm.get_by_role("button", name="No").click()
    expect(confirm).to_be_hidden()
    expect(widget.messages("visitor")).to_have_count(1)
    widget.end_button.click()
    confirm.get_by_role("button", name="Yes").click()

    # The channel's satisfaction survey is on by default (tests/e2e/test_around_conversation.py: with it
    # off, the welcome screen comes back at once).
    expect(widget.log.locator(".m.system")).to_have_text(
        ["This conversation has ended. Write again any time to start a new one."]
    )
    expect(widget.host.locator("form.rt")).to_contain_text("How was this conversation?")
    expect(widget.end_button).to_be_hidden()
    assert f"cf360_conv_{stack.public_key}" not in widget.storage()
    wait_until(lambda: _conversation_status(db, conversation) == "closed")


def test_a_visitor_deletes_their_conversation_after_confirming_and_its_messages_are_gone(
    browsing: Browsing, stack: Stack, db: Db
) -> None:
    page = browsing.page
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    widget.open()
    delete = widget.host.locator("button.dl")
    expect(delete).to_be_hidden()  # nothing to delete yet
    widget.send("Hola, mi teléfono es 305 555 0101")
    expect(widget.messages("ai")).to_have_count(1)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    confirm = widget.host.get_by_role("group", name="¿Eliminar esta conversación y sus mensajes para siempre?")

    expect(delete).to_have_text("Eliminar")
    delete.click()
    expect(confirm).to_be_visible()
    browsing.snap("delete-confirm")
    confirm.get_by_role("button", name="Sí").click()

    expect(widget.log.locator(".m.system")).to_have_text(["Tu conversación y sus mensajes se eliminaron."])
    expect(delete).to_be_hidden()
    assert f"cf360_conv_{stack.public_key}" not in widget.storage()
    kept = db.execute("SELECT content FROM messages WHERE conversation_id = %s", (conversation,)).fetchall()
    assert all("305 555 0101" not in row["content"] for row in kept)
    assert _conversation_status(db, conversation) == "closed"


def test_a_conversation_idle_for_two_hours_is_closed_and_forgotten_on_the_next_visit(page: Page, stack: Stack) -> None:
    page.goto(stack.demo())
    widget = Widget(page)
    widget.open()
    widget.send("Hello")
    expect(widget.messages("ai")).to_have_count(1)
    stored = widget.storage()
    key = stack.public_key
    conversation, visitor = stored[f"cf360_conv_{key}"], stored[f"cf360_visitor_{key}"]
    page.evaluate(f"localStorage.setItem('cf360_conv_ts_{key}', String(Date.now() - {TWO_HOURS_AND_A_MINUTE_MS}))")

    page.reload()
    widget.open()

    expect(widget.welcome).to_be_visible()
    expect(widget.log.locator(".m")).to_have_count(0)
    assert f"cf360_conv_{key}" not in widget.storage()

    def closed_on_the_server() -> bool:
        answer = httpx.get(f"{stack.api_url}/api/chat/{conversation}", params={"publicKey": key, "visitorId": visitor})
        return bool(answer.json()["status"] == "closed")

    wait_until(closed_on_the_server)
    with page.expect_request(lambda r: r.method == "POST" and "/api/chat" in r.url) as request:
        widget.send("Hello again")
    assert "conversationId" not in body_of(request.value)
    expect(widget.messages("ai")).to_have_count(1)
    assert widget.storage()[f"cf360_conv_{key}"] != conversation


def test_a_spanish_page_gets_a_spanish_widget_that_sends_lang_es(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-label", "Abrir chat")

    widget.open()
    browsing.snap("welcome")

    expect(widget.host.locator("h2")).to_have_text("Demo Coffee Co.")  # the organisation's name
    expect(widget.welcome).to_contain_text("¡Hola!")
    expect(widget.input).to_have_attribute("placeholder", "Escribe un mensaje…")
    with page.expect_request(lambda r: r.method == "POST" and "/api/chat" in r.url) as request:
        widget.send("Hola, ¿abren el domingo?")
    assert body_of(request.value)["lang"] == "es"
    expect(widget.messages("ai")).to_contain_text("[Demo sin conexión]")
    expect(widget.log.locator(".m.ai .meta")).to_contain_text("Asistente de IA")
    expect(widget.end_button).to_have_text("Finalizar conversación")
    expect(widget.launcher).to_have_attribute("aria-label", "Cerrar chat")


def test_without_data_lang_on_a_page_without_a_language_the_browser_decides(browsing: Browsing, stack: Stack) -> None:
    page = browsing.page = browsing.new_page(locale="es-MX")
    tag = f'<script src="{stack.api_url}/widget/chatflow360.js" data-key="{stack.public_key}" defer></script>'
    page.goto(third_party_page(page, stack, "bilingual.html", HTML_LANG="", SCRIPT_TAG=tag))
    widget = Widget(page)

    widget.open()

    expect(widget.host.locator(".sub")).to_have_text("Nuestro asistente de IA responde en segundos")
    with page.expect_request(lambda r: r.method == "POST" and "/api/chat" in r.url) as request:
        widget.send("Hola")
    assert body_of(request.value)["lang"] == "es"
    expect(widget.messages("ai")).to_contain_text("[Demo sin conexión]")
