"""The AI's answer grows in the widget as the model writes it and ends as exactly one message; "Talk to a
person" hands the conversation over, or, where nobody can come, takes an email. Against the local
stack, whose OpenAI is the recording fake (streaming), in headless Chromium."""

from __future__ import annotations

import time
import uuid

import pytest
from playwright.sync_api import expect

from chatflow import channels
from chatflow.organizations import create_organization
from tests.e2e.conftest import Browsing, Db, Stack, Widget, third_party_page
from tests.e2e.dashboard_support import dashboard_of
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI, Scripted

pytestmark = pytest.mark.e2e

PIECES = ["Our ", "shop ", "opens ", "at ", "eight ", "every ", "morning, ", "Monday ", "to ", "Saturday."]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def admin_token(stack: Stack) -> str:
    dashboard = dashboard_of(stack)
    token: str = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    return token


def _site(db: Db, stack: Stack, token: str, *, handoff: bool = True) -> tuple[uuid.UUID, str]:
    """An organisation of its own, answered by the recording fake (a key of its own, checked by it)."""
    organization_id = create_organization(db, name=f"Streaming Café {uuid.uuid4().hex[:6]}")
    channel = channels.create_channel(db, super_admin(), organization_id, name="Website")
    if not handoff:
        changes = channels.ChannelChanges(handoff_enabled=False)
        channels.update_channel(db, super_admin(), organization_id, channel.id, changes)
    answer = dashboard_of(stack).api(
        "PATCH",
        f"/api/dashboard/organizations/{organization_id}/ai-settings",
        token,
        {"apiKey": "sk-e2e-key-for-the-recording-fake"},
    )
    assert answer["apiKeySource"] == "organization", answer
    return organization_id, str(channel.public_key)


def _open(
    browsing: Browsing, stack: Stack, key: str, *, lang: str = "en", viewport: dict[str, int] | None = None
) -> Widget:
    if viewport is not None or lang != "en":
        locale = "es-ES" if lang == "es" else "en-US"
        browsing.page = browsing.new_page(viewport=viewport or {"width": 1280, "height": 800}, locale=locale)
    page = browsing.page
    tag = f'<script src="{stack.api_url}/widget/chatflow360.js" data-key="{key}" defer></script>'
    page.goto(third_party_page(page, stack, "bilingual.html", HTML_LANG=f' lang="{lang}"', SCRIPT_TAG=tag))
    widget = Widget(page)
    widget.open()
    return widget


def _socket_up(db: Db, conversation_id: str) -> None:
    deadline = time.monotonic() + 10
    while not db.execute(
        "SELECT 1 FROM ws_connections WHERE conversation_id = %s AND kind = 'widget'", (conversation_id,)
    ).fetchone():
        assert time.monotonic() < deadline, "the widget's socket did not connect"
        time.sleep(0.05)


def _conversation(widget: Widget) -> str:
    stored: dict[str, str] = widget.storage()
    return next(v for k, v in stored.items() if k.startswith("cf360_conv_") and not k.startswith("cf360_conv_ts"))


def test_the_answer_grows_as_the_model_writes_it_then_is_exactly_one_message(
    browsing: Browsing, stack: Stack, db: Db, fake_openai_server: FakeOpenAI, admin_token: str
) -> None:
    _, key = _site(db, stack, admin_token)
    widget = _open(browsing, stack, key)
    fake_openai_server.then(Scripted(content="Hello! How can I help?"))
    widget.send("Hi")
    expect(widget.messages("ai")).to_have_text("Hello! How can I help?")
    _socket_up(db, _conversation(widget))
    fake_openai_server.then(Scripted(content="".join(PIECES), pieces=PIECES, token_gap_seconds=0.25))

    widget.send("When do you open?")

    growing = widget.log.locator(".m.ai.streaming .b")
    expect(growing).to_contain_text("Our shop")  # the first words, long before the last
    assert "Saturday." not in growing.inner_text()
    browsing.snap("growing")
    expect(widget.messages("ai").last).to_have_text("".join(PIECES))
    expect(widget.messages("ai")).to_have_count(2)  # the streamed text was replaced, not repeated
    expect(widget.log.locator(".streaming")).to_have_count(0)
    expect(widget.typing).to_be_hidden()
    browsing.snap("whole")


def test_the_very_first_answer_grows_too_on_the_socket_opened_with_the_panel(
    browsing: Browsing, stack: Stack, db: Db, fake_openai_server: FakeOpenAI, admin_token: str
) -> None:
    organization_id, key = _site(db, stack, admin_token)
    widget = _open(browsing, stack, key, lang="es")
    deadline = time.monotonic() + 10
    while not db.execute(
        "SELECT 1 FROM ws_connections WHERE organization_id = %s AND kind = 'widget' AND conversation_id IS NULL",
        (organization_id,),
    ).fetchone():
        assert time.monotonic() < deadline, "the widget opened no socket with its panel"
        time.sleep(0.05)
    pieces = ["Abrimos ", "a ", "las ", "ocho ", "cada ", "mañana, ", "de ", "lunes ", "a ", "sábado."]
    fake_openai_server.then(Scripted(content="".join(pieces), pieces=pieces, token_gap_seconds=0.25))

    widget.send("¿A qué hora abren?")

    growing = widget.log.locator(".m.ai.streaming .b")
    expect(growing).to_contain_text("Abrimos a")
    assert "sábado." not in growing.inner_text()
    expect(widget.messages("ai").last).to_have_text("".join(pieces))
    expect(widget.messages("ai")).to_have_count(1)
    _socket_up(db, _conversation(widget))  # the same socket, now on the conversation


def test_talk_to_a_person_hands_the_conversation_over(
    browsing: Browsing, stack: Stack, db: Db, fake_openai_server: FakeOpenAI, admin_token: str
) -> None:
    _, key = _site(db, stack, admin_token)
    widget = _open(browsing, stack, key)
    person = widget.host.locator("button.per")
    expect(person).to_be_hidden()  # no conversation to hand over yet
    fake_openai_server.then(Scripted(content="We sell coffee beans."))
    widget.send("What do you sell?")
    expect(widget.messages("ai")).to_have_text("We sell coffee beans.")
    expect(person).to_have_text("Talk to a person")
    calls = len(fake_openai_server.requests)

    person.click()

    expect(widget.messages("system").first).to_contain_text("I'm connecting you with a person")
    expect(widget.subtitle).to_have_text("A person from our team will answer here")
    expect(person).to_be_hidden()
    row = db.execute(
        "SELECT responder_mode, handoff_source FROM conversations WHERE id = %s", (_conversation(widget),)
    ).fetchone()
    assert row == {"responder_mode": "human", "handoff_source": "button"}
    widget.send("Hello?")
    expect(widget.messages("visitor")).to_have_count(2)
    assert len(fake_openai_server.requests) == calls  # a person is in charge: no AI call
    browsing.snap("handed-over")


@pytest.mark.parametrize(
    ("lang", "viewport"),
    [("en", None), ("es", None), ("en", PHONE), ("es", PHONE)],
    ids=["en-1280", "es-1280", "en-390", "es-390"],
)
def test_with_nobody_to_hand_off_to_the_visitor_can_leave_an_email(
    browsing: Browsing,
    stack: Stack,
    db: Db,
    fake_openai_server: FakeOpenAI,
    admin_token: str,
    lang: str,
    viewport: dict[str, int] | None,
) -> None:
    _, key = _site(db, stack, admin_token, handoff=False)
    widget = _open(browsing, stack, key, lang=lang, viewport=viewport)
    fake_openai_server.then(Scripted(content="Hola" if lang == "es" else "Hello"))
    widget.send("Hola" if lang == "es" else "Hello")
    expect(widget.messages("ai")).to_have_count(1)
    person = widget.host.locator("button.per")
    expect(person).to_have_text("Hablar con una persona" if lang == "es" else "Talk to a person")

    person.click()

    expect(widget.messages("system").last).to_contain_text(
        "Ahora no hay nadie" if lang == "es" else "Nobody from our team is available right now"
    )
    field = widget.host.locator(".em input[type=email]")
    expect(field).to_be_focused()
    browsing.snap("email-form")
    field.fill("not-an-email")
    widget.host.locator(".em button").click()
    expect(widget.host.locator(".em p")).to_be_visible()
    field.fill("ana@example.com")
    widget.host.locator(".em button").click()

    expect(widget.messages("system").last).to_contain_text("¡Gracias!" if lang == "es" else "Thanks!")
    expect(widget.host.locator(".em")).to_have_count(0)
    expect(person).to_be_hidden()
    row = db.execute(
        "SELECT responder_mode, visitor_metadata->>'contactEmail' AS email FROM conversations WHERE id = %s",
        (_conversation(widget),),
    ).fetchone()
    assert row == {"responder_mode": "ai", "email": "ana@example.com"}
    browsing.snap("email-left")
