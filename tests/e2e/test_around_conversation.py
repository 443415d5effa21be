"""Around the conversation in real Chromium (issue #19, items 2 and 3): the widget outside business
hours (the header says when the team is back; the offline form; a handoff asking for an email), the
satisfaction survey once a conversation ends, and the channel's Business hours settings page.
Screenshots at 1280 and 390 wide, English and Spanish, under test-artifacts/ and /tmp/shots/around/."""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, Db, Stack, Widget, wait_until
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/around")
PHONE = {"width": 390, "height": 780}
ZONE = "America/New_York"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _shot(page: Page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=full_page)


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.fixture
def channel(db: Db, stack: Stack) -> Iterator[UUID]:
    """The demo channel, with whatever hours and survey a test gives it taken away after it."""
    row = db.execute("SELECT id FROM channels WHERE public_key = %s", (stack.public_key,)).fetchone()
    assert row is not None
    yield row["id"]
    db.execute("DELETE FROM channel_business_hours WHERE channel_id = %s", (row["id"],))
    db.execute("UPDATE channels SET csat_enabled = true, csat_scale = 'five' WHERE id = %s", (row["id"],))


def _closed_now(db: Db, stack: Stack, channel: UUID, mode: str) -> datetime:
    """Hours on one weekday two days ahead only: closed now, back that day at 09:00 New York time."""
    day = datetime.now(ZoneInfo(ZONE)).date() + timedelta(days=2)
    weekly = {DAYS[day.weekday()]: [{"start": "09:00", "end": "17:00"}]}
    db.execute(
        "INSERT INTO channel_business_hours (channel_id, organization_id, time_zone, weekly, offline_mode) "
        "VALUES (%s, %s, %s, %s, %s)",
        (channel, stack.organization_id, ZONE, json.dumps(weekly), mode),
    )
    return datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(ZONE))


def test_outside_business_hours_the_widget_offers_a_form_and_the_message_waits_in_the_inbox(
    browsing: Browsing, stack: Stack, db: Db, channel: UUID
) -> None:
    _closed_now(db, stack, channel, "form")
    page = browsing.page
    page.goto(stack.demo(lang="en"))
    widget = Widget(page)
    widget.open()

    # THEN the header says the team is away and when it is back (not that the AI answers), and a form
    # replaces the chat
    expect(widget.subtitle).to_have_text(re.compile(r"^we're away · back "))
    form = widget.host.locator("form.em")
    expect(form).to_be_visible()
    expect(widget.host.locator("form.f")).to_be_hidden()
    expect(widget.log).to_contain_text("Our team is away right now. Leave a message and your email")
    browsing.snap("offline-form")
    _shot(page, "widget-offline-form-1280-en")

    # WHEN the visitor leaves a message and an email
    form.get_by_label("Your email").fill("nora@example.com")
    form.get_by_label("Your message").fill("Do you deliver on Sundays?")
    form.get_by_role("button", name="Send").click()

    # THEN it is thanked for, the chat comes back, and the conversation waits for a person
    expect(widget.log).to_contain_text("Thanks, we got your message. Our team will write back to nora@example.com.")
    expect(widget.host.locator("form.f")).to_be_visible()
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    row = db.execute(
        "SELECT status, responder_mode, visitor_metadata FROM conversations WHERE id = %s", (conversation,)
    ).fetchone()
    assert row is not None
    assert (row["status"], row["responder_mode"]) == ("pending", "human")
    assert row["visitor_metadata"]["contactEmail"] == "nora@example.com"
    _shot(page, "widget-offline-sent-1280-en")


def test_the_offline_form_in_spanish_on_a_phone(browsing: Browsing, stack: Stack, db: Db, channel: UUID) -> None:
    _closed_now(db, stack, channel, "form")
    page = browsing.new_page(viewport=PHONE, locale="es-ES")
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    widget.open()

    expect(widget.subtitle).to_contain_text("no estamos · volvemos")
    expect(widget.log).to_contain_text("Nuestro equipo no está disponible ahora.")
    form = widget.host.locator("form.em")
    form.get_by_role("button", name="Enviar").click()
    expect(form.get_by_role("alert")).to_have_text("Escribe un email válido.")
    _shot(page, "widget-offline-form-390-es")


def test_asking_for_a_person_outside_the_hours_says_when_they_are_back_and_keeps_an_email(
    browsing: Browsing, stack: Stack, db: Db, channel: UUID
) -> None:
    _closed_now(db, stack, channel, "ai")
    page = browsing.page
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    widget.open()
    widget.send("Hola, ¿tienen pan sin gluten?")
    expect(widget.messages("ai")).to_have_count(1, timeout=20_000)

    widget.send("Quiero hablar con una persona")

    notice = widget.messages("system").first
    expect(notice).to_contain_text("Nuestro equipo no está disponible ahora. Volvemos el ")
    expect(notice).to_contain_text("Déjanos tu email abajo")
    form = widget.host.locator("form.em")
    form.get_by_label("Tu email").fill("marta@example.com")
    form.get_by_role("button", name="Enviar").click()
    expect(widget.log).to_contain_text("¡Gracias! Nuestro equipo te escribirá por email.")
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]
    kept = db.execute(
        "SELECT visitor_metadata->>'contactEmail' AS email FROM conversations WHERE id = %s", (conversation,)
    ).fetchone()
    assert kept == {"email": "marta@example.com"}
    # AND the transcript may now be emailed from the widget's footer
    expect(widget.host.locator("button.cp")).to_be_visible()  # to_have_text alone passes on a hidden button
    expect(widget.host.locator("button.cp")).to_have_text("Enviarme una copia")
    widget.host.locator("button.cp").click()
    expect(widget.log).to_contain_text("Te enviamos una copia a m***@example.com.")
    _shot(page, "widget-offline-handoff-1280-es")


def test_a_visitor_rates_the_conversation_they_ended_once(
    browsing: Browsing, stack: Stack, db: Db, channel: UUID
) -> None:
    page = browsing.page
    page.goto(stack.demo(lang="en"))
    widget = Widget(page)
    widget.open()
    widget.send("Do you sell oat milk?")
    expect(widget.messages("ai")).to_have_count(1, timeout=20_000)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]

    # WHEN the visitor ends the conversation
    widget.end_button.click()
    widget.host.locator("button.y").click()

    # THEN the survey asks for a rating, in stars, with an optional comment
    survey = widget.host.locator("form.rt")
    expect(survey).to_contain_text("How was this conversation?")
    survey.get_by_role("button", name="4 of 5").click()
    expect(survey.get_by_role("button", name="4 of 5")).to_have_attribute("aria-pressed", "true")
    survey.get_by_label("Anything to add? (optional)").fill("Quick answer, thanks")
    _shot(page, "widget-csat-stars-1280-en")
    survey.get_by_role("button", name="Send").click()

    expect(widget.log).to_contain_text("Thanks for your feedback!")
    expect(survey).to_have_count(0)
    wait_until(
        lambda: (
            db.execute("SELECT rating FROM conversations WHERE id = %s", (conversation,)).fetchone() == {"rating": 4}
        )
    )
    stored = db.execute(
        "SELECT rating_comment, rated_responder FROM conversations WHERE id = %s", (conversation,)
    ).fetchone()
    assert stored == {"rating_comment": "Quick answer, thanks", "rated_responder": "ai"}

    # AND a reload does not ask again
    page.reload()
    widget.open()
    expect(widget.host.locator("form.rt")).to_have_count(0)


def test_with_the_survey_off_ending_shows_the_welcome_screen(
    browsing: Browsing, stack: Stack, db: Db, channel: UUID
) -> None:
    db.execute("UPDATE channels SET csat_enabled = false WHERE id = %s", (channel,))
    page = browsing.page
    page.goto(stack.demo(lang="en"))
    widget = Widget(page)
    widget.open()
    widget.send("Hello")
    expect(widget.messages("ai")).to_have_count(1, timeout=20_000)

    widget.end_button.click()
    widget.host.locator("button.y").click()

    expect(widget.welcome).to_be_visible()
    expect(widget.log.locator(".m")).to_have_count(0)
    expect(widget.host.locator("form.rt")).to_have_count(0)


def test_a_thumbs_survey_in_spanish_when_an_agent_closes_on_a_phone(
    browsing: Browsing, stack: Stack, db: Db, channel: UUID, dashboard: Dashboard
) -> None:
    db.execute("UPDATE channels SET csat_scale = 'thumbs' WHERE id = %s", (channel,))
    page = browsing.new_page(viewport=PHONE, locale="es-ES")
    page.goto(stack.demo(lang="es"))
    widget = Widget(page)
    widget.open()
    widget.send("¿Abren los domingos?")
    expect(widget.messages("ai")).to_have_count(1, timeout=20_000)
    conversation = widget.storage()[f"cf360_conv_{stack.public_key}"]

    # WHEN an agent closes it from the dashboard
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    dashboard.api("POST", f"/api/dashboard/conversations/{conversation}/close", token)

    # THEN the widget says it ended and asks for a thumb, in Spanish
    survey = widget.host.locator("form.rt")
    expect(survey).to_contain_text("¿Qué tal fue esta conversación?", timeout=20_000)
    survey.get_by_role("button", name="Mal").click()
    _shot(page, "widget-csat-thumbs-390-es")
    survey.get_by_role("button", name="Enviar").click()
    expect(widget.log).to_contain_text("¡Gracias por tu opinión!")
    wait_until(
        lambda: (
            db.execute("SELECT rating, rating_scale FROM conversations WHERE id = %s", (conversation,)).fetchone()
            == {"rating": 1, "rating_scale": "thumbs"}
        )
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_admin_sets_business_hours_and_bad_hours_are_refused_with_the_field_named(
    browsing: Browsing, stack: Stack, dashboard: Dashboard, db: Db, channel: UUID, lang: str
) -> None:
    t = locale(lang)
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.wait_for_url(re.compile(rf"/{lang}/?$"), timeout=30_000)
    page.goto(f"{dashboard.url}/{lang}/channels/{channel}/settings?org={stack.organization_id}")
    expect(page.get_by_role("heading", name=t["hours.title"], exact=True)).to_be_visible(timeout=20_000)
    monday = page.get_by_role("group", name="Monday" if lang == "en" else "lunes")

    # WHEN a second range of Monday overlaps the first
    monday.get_by_role("button", name=t["hours.addRange"]).click()
    monday.get_by_label(t["hours.opens"].replace("{{day}}", "Monday" if lang == "en" else "lunes")).nth(1).fill("16:00")
    page.get_by_role("button", name=t["common.save"]).click()

    # THEN the server's refusal names the field
    expect(page.locator(".notice-error, [role=alert]").first).to_contain_text("weekly.mon.1")
    _shot(page, f"dashboard-hours-error-1280-{lang}", full_page=True)

    # WHEN it starts after the first ends, with a holiday and the offline form
    monday.get_by_label(t["hours.opens"].replace("{{day}}", "Monday" if lang == "en" else "lunes")).nth(1).fill("18:00")
    monday.get_by_label(t["hours.closes"].replace("{{day}}", "Monday" if lang == "en" else "lunes")).nth(1).fill(
        "20:00"
    )
    page.get_by_label(t["hours.holidayDate"]).fill("2026-12-25")
    page.get_by_role("button", name=t["hours.addHoliday"]).click()
    page.get_by_label(t["hours.modes.form"]).check()
    page.get_by_role("button", name=t["common.save"]).click()

    # THEN it is stored as sent
    expect(page.get_by_role("status").filter(has_text=t["common.saved"])).to_be_visible()
    stored = db.execute(
        "SELECT weekly, holidays, offline_mode FROM channel_business_hours WHERE channel_id = %s", (channel,)
    ).fetchone()
    assert stored is not None
    assert stored["weekly"]["mon"] == [{"start": "09:00", "end": "17:00"}, {"start": "18:00", "end": "20:00"}]
    assert [str(d) for d in stored["holidays"]] == ["2026-12-25"]
    assert stored["offline_mode"] == "form"
    _shot(page, f"dashboard-hours-1280-{lang}", full_page=True)
    page.set_viewport_size({"width": 390, "height": 780})
    _shot(page, f"dashboard-hours-390-{lang}", full_page=True)


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("es", 390)])
def test_the_inbox_shows_the_rating_and_an_agent_emails_the_transcript(
    browsing: Browsing, stack: Stack, dashboard: Dashboard, db: Db, channel: UUID, lang: str, width: int
) -> None:
    t = locale(lang)
    visitor = str(uuid4())
    chat = dashboard.api(
        "POST",
        "/api/chat",
        body={"publicKey": stack.public_key, "visitorId": visitor, "message": "Do you roast decaf?"},
    )
    conversation = chat["conversationId"]
    address = f"reader-{visitor[:8]}@example.com"
    db.execute(
        "UPDATE conversations SET visitor_metadata = jsonb_build_object('contactEmail', %s::text) WHERE id = %s",
        (address, conversation),
    )
    dashboard.api("PATCH", f"/api/chat/{conversation}", body={"visitorId": visitor})
    dashboard.api(
        "POST",
        f"/api/chat/{conversation}/rating",
        body={"visitorId": visitor, "rating": 2, "comment": "Too slow <b>really</b>"},
    )

    page = browsing.new_page(viewport={"width": width, "height": 800})
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.wait_for_url(re.compile(rf"/{lang}/?$"), timeout=30_000)
    page.goto(f"{dashboard.url}/{lang}/conversations/{conversation}")

    # THEN the thread shows the rating, who it credits, and the comment as text
    rating = page.locator(".detail-head .rating")
    expect(rating).to_contain_text("★★☆☆☆", timeout=20_000)  # the thread loads after the app, on a busy machine
    expect(rating).to_contain_text(t["csat.after.ai"])
    expect(rating.locator("q")).to_have_text("Too slow <b>really</b>")

    # WHEN the agent emails the transcript, THEN the visitor's address is told and moto's SES has it
    more = page.locator(".detail details.more-menu > summary")  # the thread's secondary actions, when folded
    if more.count():
        more.click()
    page.get_by_role("button", name=t["transcripts.send"]).click()
    expect(page.get_by_role("status").filter(has_text=address)).to_be_visible()
    _shot(page, f"dashboard-thread-rating-{width}-{lang}", full_page=True)

    def sent() -> bool:
        with urllib.request.urlopen(f"{dashboard.moto_url}/moto-api/data.json", timeout=10) as response:
            data = json.loads(response.read())
        return any(address in json.dumps(m.get("destinations", "")) for m in data.get("ses", {}).get("Message", []))

    wait_until(sent, timeout=15)


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("es", 390)])
def test_the_reports_show_satisfaction_with_the_ai_and_with_agents(
    browsing: Browsing, stack: Stack, dashboard: Dashboard, channel: UUID, lang: str, width: int
) -> None:
    t = locale(lang)
    visitor = str(uuid4())
    conversation = dashboard.api(
        "POST", "/api/chat", body={"publicKey": stack.public_key, "visitorId": visitor, "message": "Oat milk?"}
    )["conversationId"]
    dashboard.api("PATCH", f"/api/chat/{conversation}", body={"visitorId": visitor})
    dashboard.api("POST", f"/api/chat/{conversation}/rating", body={"visitorId": visitor, "rating": 5})

    page = browsing.new_page(viewport={"width": width, "height": 900})
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.wait_for_url(re.compile(rf"/{lang}/?$"), timeout=30_000)
    page.goto(f"{dashboard.url}/{lang}/reports?org={stack.organization_id}")  # the demo's, whatever was chosen last

    figure = page.locator(".stat").filter(has_text=t["csat.reportAi"])
    expect(figure).to_be_visible(timeout=20_000)

    # The rating reaches the figures through the dispatch queue: on a loaded machine, after the page's
    # first read; the page is read again until it has it.
    def rated() -> bool:
        if figure.locator(".stat-value").inner_text() != "—":
            return True
        page.reload()
        expect(figure).to_be_visible(timeout=20_000)
        return False

    wait_until(rated, timeout=60)
    expect(page.locator(".stat").filter(has_text=t["csat.reportAgents"])).to_be_visible()
    _shot(page, f"dashboard-reports-csat-{width}-{lang}", full_page=True)
