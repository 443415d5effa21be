"""Websites in the dashboard (issue #17, item 3): an admin adds a site from the Knowledge tab, the
local stack's ingest worker crawls it (a real HTTP site on 127.0.0.1: robots.txt disallowing a path,
a link to another site), and the site's pages are listed with their URLs and status; sync now and
remove. In Spanish and English, at 1280 and 390 wide (screenshots in /tmp/shots/17)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots/17")

PAGES = {
    "/": ("Café Brisa", "A bakery in Little Havana.", ["/menu", "/hours", "/private/staff", "https://elsewhere.test/"]),
    "/menu": ("Menú", "Pastelitos de guayaba a 1,50 dólares; croquetas de jamón a 1,25.", ["/"]),
    "/hours": ("Horario", "Abrimos todos los días de 7 am a 9 pm.", ["/"]),
    "/private/staff": ("Staff only", "Not for visitors.", []),
}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.fixture
def site() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                status, kind, body = 200, "text/plain", "User-agent: *\nDisallow: /private\n"
            elif self.path in PAGES:
                title, text, links = PAGES[self.path]
                anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
                status, kind = 200, "text/html; charset=utf-8"
                body = (
                    f"<html><head><title>{title}</title></head><body><nav>{anchors}</nav>"
                    f"<article><h1>{title}</h1><p>{text}</p></article></body></html>"
                )
            else:
                status, kind, body = 404, "text/plain", "missing"
            data = body.encode()
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def _wait_for(check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_admin_adds_a_website_and_sees_its_pages(
    browsing: Browsing, dashboard: Dashboard, site: str, lang: str
) -> None:
    words = locale(lang)
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org_name = f"Panadería {uuid.uuid4().hex[:6]}"
    org, _ = dashboard.new_organization(token, org_name)
    base = f"/api/dashboard/organizations/{org['id']}"

    # GIVEN an admin on the Knowledge tab
    page = browsing.page
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang=lang)
    expect(page.get_by_role("link", name=words["nav.ai"])).to_be_visible(timeout=20_000)
    page.locator("header.topbar select").select_option(label=org_name)
    page.get_by_role("link", name=words["nav.ai"]).click()
    page.get_by_role("tab", name=words["ai.knowledge"]).click()
    sites = page.locator(".knowledge-sites")
    expect(sites.get_by_text(words["ai.kb.sites.empty"])).to_be_visible()

    # WHEN it adds the site's start page
    sites.get_by_role("button", name=words["ai.kb.sites.add"]).click()
    dialog = page.locator("dialog[open]")
    expect(dialog.get_by_role("heading", name=words["ai.kb.sites.add"])).to_be_visible()
    dialog.get_by_label(words["ai.kb.sites.url"]).fill(site + "/")
    _shot(page, f"websites-{lang}-add-1280")
    dialog.get_by_role("button", name=words["ai.kb.sites.addSubmit"]).click()
    expect(dialog).to_have_count(0)
    expect(sites.get_by_text(words["ai.kb.sites.added"].replace("{{url}}", site + "/"))).to_be_visible()

    # THEN the worker crawls it: its pages on the same site that robots.txt allows, each with its URL
    [listed] = _wait_for(
        lambda: [s for s in dashboard.api("GET", f"{base}/knowledge-websites", token) if s["status"] == "ready"]
    )
    assert listed["pages"] == 3
    block = sites.locator(".site", has_text=site)
    expect(block.get_by_text(words["ai.kb.sites.statuses.ready"], exact=True)).to_be_visible(timeout=15_000)
    block.get_by_role("button", name=words["ai.kb.sites.showPages"]).click()
    rows = block.locator("tbody tr")
    expect(rows).to_have_count(3)
    for path in ("/", "/menu", "/hours"):
        expect(block.get_by_role("link", name=site + path, exact=True)).to_be_visible()
    expect(block.get_by_text("/private/staff")).to_have_count(0)
    expect(block.get_by_text("elsewhere.test")).to_have_count(0)
    expect(block.locator("tr", has_text=f"{site}/menu")).to_contain_text("Menú")
    expect(block.locator("tr", has_text=f"{site}/menu")).to_contain_text(words["ai.kb.statuses.ready"])
    _shot(page, f"websites-{lang}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(block.get_by_role("button", name=words["ai.kb.sites.syncNow"])).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390"
    _shot(page, f"websites-{lang}-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    # WHEN it syncs now, THEN the site syncs again in the background
    block.get_by_role("button", name=words["ai.kb.sites.syncNow"]).click()
    expect(sites.get_by_text(words["ai.kb.sites.syncStarted"].replace("{{url}}", site + "/"))).to_be_visible()
    assert _wait_for(
        lambda: [s["status"] for s in dashboard.api("GET", f"{base}/knowledge-websites", token)] == ["ready"]
    )

    # WHEN it removes the site, THEN its pages go with it
    block.get_by_role("button", name=words["ai.kb.sites.remove"]).click()
    confirm = page.locator("dialog[open]")
    confirm.get_by_role("button", name=words["ai.kb.sites.remove"]).click()
    expect(sites.get_by_text(words["ai.kb.sites.empty"])).to_be_visible()
    assert dashboard.api("GET", f"{base}/knowledge-websites", token) == []
