"""The dashboard's first page loads the app's shell, its language and its own chunk, compressed, within the
120 KB budget; every other page comes when first visited, and one that is gone since the tab loaded (a
deploy) loads the app afresh (issue #25, item 2)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Response, Route, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in

pytestmark = pytest.mark.e2e

BUDGET = 120 * 1024


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def _chunk(response: Response) -> str:
    return response.url.rsplit("/", 1)[1].split("-", 1)[0]


def test_the_spanish_sign_in_page_loads_its_own_chunks_compressed_within_the_budget(
    browsing: Browsing, dashboard: Dashboard
) -> None:
    page = browsing.new_page(locale="es-ES")
    scripts: list[Response] = []
    page.on("response", lambda r: scripts.append(r) if re.search(r"/app/assets/[^/]+\.js$", r.url) else None)

    page.goto(f"{dashboard.url}/es/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    page.wait_for_load_state("networkidle")

    chunks = {_chunk(r) for r in scripts}
    assert {"index", "react", "Login", "es"} <= chunks
    assert not chunks & {"en", "Inbox", "Reports", "Home", "DailyChart"}
    assert all(r.header_value("content-encoding") == "br" for r in scripts)
    assert sum(r.request.sizes()["responseBodySize"] for r in scripts) <= BUDGET


def test_a_pages_chunk_gone_since_the_tab_loaded_the_app_loads_the_app_afresh(
    browsing: Browsing, dashboard: Dashboard
) -> None:
    page = browsing.new_page()
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password)
    expect(page.get_by_role("link", name="Reports")).to_be_visible()
    gone: list[str] = []

    def first_time_gone(route: Route) -> None:
        if gone:
            route.continue_()
        else:
            gone.append(route.request.url)
            route.fulfill(status=404, body="Not Found")

    page.route(re.compile(r"/app/assets/Reports-[^/]+\.js$"), first_time_gone)
    page.get_by_role("link", name="Reports").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Reports", timeout=15_000)
    assert len(gone) == 1
