"""The Reports page in a real browser against the whole local stack (issue #22): a new organisation's
conversations (one the AI answered and the visitor closed, one in Spanish handed to a person by a
keyword) show as figures that each say how they are counted, by language and by weekday and hour; the
rows export as CSV; an admin changes the organisation's time zone and the page says so at once.
English and Spanish, 1280 and 390 wide; screenshots under test-artifacts/ and /tmp/shots/22/."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, Stack, wait_until
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in, snap

SHOTS = Path("/tmp/shots/22")


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.fixture(scope="module")
def organisation(dashboard: Dashboard) -> dict[str, Any]:
    """A new organisation of its own (its time zone changes here) with two conversations."""
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, f"Informes {uuid.uuid4().hex[:6]}", "pro")
    chat = {"publicKey": channel["publicKey"]}
    english = str(uuid.uuid4())
    answered = dashboard.api("POST", "/api/chat", body={**chat, "visitorId": english, "message": "Do you sell decaf?"})
    dashboard.api("PATCH", f"/api/chat/{answered['conversationId']}", body={"visitorId": english})
    dashboard.api(
        "POST",
        "/api/chat",
        body={**chat, "visitorId": str(uuid.uuid4()), "message": "Quiero hablar con una persona", "lang": "es"},
    )
    return {"id": org["id"], "token": token}


def _open_reports(page: Page, dashboard: Dashboard, organisation: dict[str, Any], lang: str) -> dict[str, str]:
    t = locale(lang)
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.wait_for_url(re.compile(rf"/{lang}/?$"), timeout=30_000)
    page.goto(f"{dashboard.url}/{lang}/reports?org={organisation['id']}")
    figure = page.locator(".stat").filter(has_text=t["reports.conversations"]).first

    # The conversations reach the figures through the dispatch queue: read again until both are in.
    def counted() -> bool:
        expect(figure).to_be_visible(timeout=20_000)
        if figure.locator(".stat-value").inner_text() == "2":
            return True
        page.reload()
        return False

    wait_until(counted, timeout=60)
    return t


@pytest.mark.parametrize(("lang", "width"), [("en", 1280), ("es", 1280), ("en", 390), ("es", 390)])
def test_every_figure_says_how_it_is_counted_with_the_languages_apart(
    browsing: Browsing, dashboard: Dashboard, organisation: dict[str, Any], lang: str, width: int
) -> None:
    page = browsing.new_page(viewport={"width": width, "height": 900})
    t = _open_reports(page, dashboard, organisation, lang)

    # THEN each figure and each card explains itself (on hover, and to screen readers)
    stats = page.locator(".stat")
    expect(stats.first).to_be_visible()
    for index in range(stats.count()):
        assert stats.nth(index).get_attribute("title"), f"figure {index} has no explanation"
    for key in ("handoffReasons", "byLanguage", "heatmap", "byAgent", "cost", "daily"):
        title = page.locator(".explained", has_text=t[f"reports.{key}"]).first
        expect(title).to_have_attribute("title", t[f"reports.hint.{key}"])
    # AND the Spanish conversation's handoff shows apart from the English one's resolution
    languages = page.locator(".card", has_text=t["reports.byLanguage"]).locator("tbody tr")
    expect(languages).to_have_count(2)
    expect(languages.filter(has_text=t["languages.es"])).to_contain_text("100")
    expect(page.get_by_text(t["reports.source.keyword"])).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"reports-{width}-{lang}.png", full_page=True)
    snap(page, f"reports-{width}-{lang}")
    # AND nothing is wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert browsing.log.messages("error") == []


def test_an_admin_exports_the_rows_and_changes_the_time_zone_without_a_reload(
    browsing: Browsing, dashboard: Dashboard, organisation: dict[str, Any], tmp_path: Path
) -> None:
    page = browsing.new_page(viewport={"width": 1280, "height": 900})
    t = _open_reports(page, dashboard, organisation, "en")

    # WHEN the admin exports the rows, THEN the CSV holds both conversations
    with page.expect_download() as download:
        page.get_by_role("button", name=t["reports.export"]).click()
    saved = tmp_path / "rows.csv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert sorted(row["language"] for row in rows) == ["en", "es"]

    # WHEN it picks Madrid's time zone and saves it
    picker = page.get_by_label(t["reports.timeZone"])
    expect(picker).to_have_value("America/New_York")
    picker.select_option("Europe/Madrid")
    page.get_by_role("button", name=t["reports.timeZoneSave"]).click()

    # THEN the page says so, and the report counts its days there, without a reload
    expect(page.locator(".time-zone-setting [role=status]")).to_have_text(
        "Saved. Reports count days and hours in Europe/Madrid."
    )
    expect(page.get_by_text("Days and hours are in Europe/Madrid.")).to_be_visible()
    expect(page.locator(".stat").filter(has_text=t["reports.conversations"]).first.locator(".stat-value")).to_have_text(
        "2"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "reports-time-zone-saved-1280-en.png")
    # AND it stays after a reload
    page.reload()
    expect(page.get_by_label(t["reports.timeZone"])).to_have_value("Europe/Madrid")
    assert browsing.log.messages("error") == []


@pytest.fixture(scope="module")
def another_organisation(dashboard: Dashboard, organisation: dict[str, Any]) -> None:
    """A second new organisation of the same admin's, with one conversation."""
    _, channel = dashboard.new_organization(organisation["token"], f"Otra {uuid.uuid4().hex[:6]}", "starter")
    dashboard.api(
        "POST", "/api/chat", body={"publicKey": channel["publicKey"], "visitorId": str(uuid.uuid4()), "message": "Hi"}
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_someone_in_several_organisations_reads_them_all_at_once(
    browsing: Browsing, dashboard: Dashboard, organisation: dict[str, Any], another_organisation: None, lang: str
) -> None:
    page = browsing.new_page(viewport={"width": 1280, "height": 900})
    t = _open_reports(page, dashboard, organisation, lang)
    conversations = page.locator(".stat").filter(has_text=t["reports.conversations"]).first.locator(".stat-value")

    # WHEN the admin, a member of several organisations, reads all of them
    page.get_by_label(t["reports.scope"]).select_option("all")

    # THEN the title says so, each organisation counts its own days, and the one organisation's
    # channel and time zone pickers are gone
    every = re.escape(t["reports.everyOrganization"]).replace(re.escape("{{count}}"), r"\d+")
    expect(page.locator("h1 small")).to_have_text(re.compile(every))
    expect(page.get_by_text(t["reports.ownTimeZones"], exact=False)).to_be_visible()
    expect(page.get_by_label(t["inbox.channel"])).to_have_count(0)
    expect(page.get_by_label(t["reports.timeZone"])).to_have_count(0)
    # AND the figures hold the other organisation's conversation too
    scope = page.get_by_label(t["reports.scope"])

    def counted() -> bool:
        if int(conversations.inner_text().replace(",", "").replace(".", "")) >= 3:
            return True
        scope.select_option("one")  # and back: the report is read again
        scope.select_option("all")
        return False

    wait_until(counted, timeout=60)
    # AND the chart draws them on their day
    page.wait_for_function(
        "() => [...document.querySelectorAll('.recharts-bar-rectangle path')]"
        ".some((bar) => bar.getBoundingClientRect().height > 0)"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"reports-every-organization-1280-{lang}.png")
    # AND going back to the one organisation shows its own two again
    scope.select_option("one")
    expect(conversations).to_have_text("2")
    assert browsing.log.messages("error") == []
