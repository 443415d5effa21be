"""A new organisation's home page shows its getting-started checklist: the steps tick themselves, "Check
installation" reports where the widget was first seen, and an admin hides the list for good."""

from __future__ import annotations

import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def test_a_new_business_follows_its_checklist_in_spanish(browsing: Browsing, dashboard: Dashboard) -> None:
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(
        token, f"Panadería {uuid.uuid4().hex[:6]}", allowedOrigins=["https://panaderia.example"]
    )
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang="es")
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible(timeout=20_000)

    page.goto(f"{dashboard.url}/es?org={org['id']}")
    checklist = page.locator(".getting-started")
    expect(checklist.get_by_role("heading")).to_have_text("Primeros pasos: 1 de 6 hechos")
    expect(checklist.get_by_role("status")).to_contain_text("Aún no se ha visto")

    # The widget loads on a page of the site: its config call comes from the allowed origin.
    config = urllib.request.Request(
        f"{dashboard.api_url}/api/channels/{channel['publicKey']}/config",
        headers={"Origin": "https://panaderia.example"},
    )
    urllib.request.urlopen(config, timeout=10).read()  # the local stack
    checklist.get_by_role("button", name="Comprobar la instalación").click()

    expect(checklist.get_by_role("status")).to_contain_text("se vio por primera vez en https://panaderia.example")
    expect(checklist.get_by_role("heading")).to_have_text("Primeros pasos: 2 de 6 hechos")
    browsing.snap("getting-started-es")

    checklist.get_by_role("button", name="Ocultar esta lista").click()
    expect(checklist).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="Resumen")).to_be_visible()
    expect(page.locator(".getting-started")).to_have_count(0)
