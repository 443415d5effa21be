"""The Privacy and Audit log pages in a real browser against the whole local stack (issue #23, the
data lifecycle): an admin sets the organisation's retention, finds a signed-in visitor by email,
exports their data as JSON and erases it, then reads both actions in the audit log, filtered; each
screen in English and Spanish, wide and phone-sized."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in, snap
from tests.support.secret_scan import register_secret

PHONE: ViewportSize = {"width": 390, "height": 844}
WIDE: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _organisation_with_a_signed_in_visitor(dashboard: Dashboard, email: str) -> tuple[str, str]:
    """A new organisation whose channel's visitor signed in as `email`: (organisation name, visitor id)."""
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    name = f"Privacy {uuid.uuid4().hex[:6]}"
    org, channel = dashboard.new_organization(token, name)
    secret = dashboard.api(
        "POST", f"/api/dashboard/organizations/{org['id']}/channels/{channel['id']}/identity/secret", token
    )["secret"]
    register_secret(secret, "a channel identity secret")
    claims = {"sub": "customer-7", "exp": int(time.time()) + 3600, "name": "Ana Pérez", "email": email}
    user_jwt = jwt.encode(claims, secret, algorithm="HS256")
    register_secret(user_jwt, "a visitor identity token")
    answer = dashboard.api(
        "POST",
        "/api/chat",
        body={
            "publicKey": channel["publicKey"],
            "visitorId": str(uuid.uuid4()),
            "message": "My phone is 555-0100",
            "userJwt": user_jwt,
        },
    )
    return name, str(answer["visitorId"])


def _open(page: Page, dashboard: Dashboard, lang: str, screen: str, org_name: str) -> None:
    page.goto(f"{dashboard.url}/{lang}{screen}")
    page.locator("header.topbar select").select_option(label=org_name)
    page.wait_for_load_state("networkidle")


def test_an_admin_sets_retention_exports_and_erases_a_visitor_and_reads_it_in_the_audit_log(
    browsing: Browsing, dashboard: Dashboard, tmp_path: Path
) -> None:
    page = browsing.page
    page.set_viewport_size(WIDE)
    email = f"ana-{uuid.uuid4().hex[:6]}@example.com"
    org_name, visitor_id = _organisation_with_a_signed_in_visitor(dashboard, email)
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()

    # GIVEN the Privacy page: conversations are kept until deleted by hand
    _open(page, dashboard, "en", "/privacy", org_name)
    expect(page.get_by_text("Now: kept until deleted by hand")).to_be_visible()

    # WHEN the admin keeps them 90 days, THEN that is saved
    page.get_by_label("90 days").check()
    expect(page.get_by_text("will be deleted for good within the hour")).to_be_visible()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Now: kept 90 days")).to_be_visible()

    # WHEN it looks the visitor up by email, THEN it finds them, verified, by name
    page.get_by_role("searchbox").fill(email.upper())
    page.get_by_role("button", name="Search", exact=True).click()
    row = page.locator("tr", has_text=email)
    expect(row).to_be_visible()
    expect(row.get_by_text("Verified")).to_be_visible()
    expect(row.get_by_text(visitor_id)).to_be_visible()
    snap(page, "privacy-visitor-found")

    # WHEN it exports them, THEN the JSON holds their conversation with their words
    with page.expect_download() as download:
        row.get_by_role("button", name="Export JSON").click()
    saved = tmp_path / "visitor.json"
    download.value.save_as(saved)
    exported = json.loads(saved.read_text(encoding="utf-8"))
    assert exported["visitorId"] == visitor_id
    assert exported["conversations"][0]["messages"][0]["content"] == "My phone is 555-0100"

    # WHEN it erases them (after confirming), THEN the counts are shown and the search finds nobody
    row.get_by_role("button", name="Erase").click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_text("This cannot be undone")).to_be_visible()
    snap(page, "privacy-erase-dialog", full_page=False)
    dialog.get_by_role("button", name="Erase").click()
    expect(page.get_by_text("Erased. Conversations: 1")).to_be_visible()
    expect(page.get_by_text(f"No visitor matches “{email.upper()}”.")).to_be_visible()
    snap(page, "privacy-erased")

    # THEN the audit log shows the retention change, the export and the erasure; the area filter keeps two
    _open(page, dashboard, "en", "/audit", org_name)
    table = page.locator("table.audit-table")
    for action in ["Erased a visitor", "Exported a visitor's data", "Changed retention"]:
        expect(table.get_by_text(action)).to_be_visible()
    page.get_by_label("Action").select_option(label="Any Visitor data action")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(table.get_by_text("Changed retention")).to_have_count(0)
    expect(table.locator("tbody tr")).to_have_count(2)
    snap(page, "audit-filtered")
    with page.expect_download() as log_download:
        page.get_by_role("button", name="Export JSON").click()
    log_file = tmp_path / "audit.json"
    log_download.value.save_as(log_file)
    assert [e["action"] for e in json.loads(log_file.read_text(encoding="utf-8"))["entries"]] == [
        "visitor.erased",
        "visitor.exported",
    ]
    assert browsing.log.messages("error") == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_privacy_and_audit_pages_speak_the_language_wide_and_on_a_phone(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    en, es = locale("en"), locale("es")
    english_only = {v for k, v in en.items() if v != es[k] and " " in v and "{{" not in v and v not in es.values()}
    org_name, _ = _organisation_with_a_signed_in_visitor(dashboard, f"luz-{uuid.uuid4().hex[:6]}@example.com")
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang=lang)
    expect(page.locator(".live.on")).to_be_visible(timeout=10_000)
    words = en if lang == "en" else es
    for size_name, size in (("1280", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        for screen in ("/privacy", "/audit", "/integrations", "/channels"):
            _open(page, dashboard, lang, screen, org_name)
            if screen == "/privacy":
                page.get_by_role("searchbox").fill("luz-")
                page.get_by_role("button", name=words["common.search"], exact=True).click()
                expect(page.get_by_text(words["privacy.visitors.verified"], exact=True)).to_be_visible()
            snap(page, f"{lang}-{screen.strip('/')}-{size_name}")
            if screen == "/channels":  # the edit dialog, with the channel's private URL parameters
                page.get_by_role("button", name=words["common.edit"], exact=True).click()
                dialog = page.locator("dialog[open]")
                expect(dialog.get_by_label(words["channels.secretParameters"])).to_be_visible()
                snap(page, f"{lang}-channels-edit-{size_name}", full_page=False)
                dialog.get_by_role("button", name=words["common.cancel"]).click()
            if lang == "es":
                leaked = sorted(s for s in english_only if s in page.locator("body").inner_text())
                assert leaked == [], f"English on /es{screen}: {leaked}"
    assert browsing.log.messages("error") == []
