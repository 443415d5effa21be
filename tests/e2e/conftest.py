"""End-to-end fixtures: the local stack as a visitor's browser meets it.

One local stack per session (`python -m infra.local` in a temp dir, on free ports, stopped with
SIGINT like Ctrl-C), one headless Chromium (Debian's `chromium`, driven by Playwright), and for
each test a fresh browser context (empty localStorage: a new visitor) whose page is screenshot into
`test-artifacts/` when the test ends, whatever its outcome.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import psycopg
import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Playwright,
    Request,
    Route,
    expect,
    sync_playwright,
)
from psycopg.rows import dict_row

from infra.local.fake_meta import FakeMeta
from tests.support.fake_openai import FakeOpenAI
from tests.support.local_stack import StackDidNotStart, local_stack
from tests.support.secret_scan import register_secret, scan_text

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PAGES = Path(__file__).resolve().parent / "pages"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 800}

Db = psycopg.Connection[dict[str, Any]]

expect.set_options(timeout=10_000)  # the whole suite shares two cores: a loaded CI machine is slow


@dataclass(frozen=True)
class Stack:
    api_url: str
    demo_url: str
    public_key: str
    organization_id: UUID
    database_url: str
    local_dir: Path

    def demo(self, **params: str) -> str:
        """The demo page's address with these query parameters (key=… is added unless given)."""
        query = {"key": self.public_key, **params}
        return self.demo_url.split("?", 1)[0] + "?" + urlencode(query)


_GENEROUS_LIMITS = {
    f"RATE_LIMIT_{action}_PER_MINUTE": "1000" for action in ("CHAT_POST", "CHAT_GET", "CHAT_PATCH", "AUTH")
}


@pytest.fixture(scope="session")
def fake_meta_server() -> Iterator[FakeMeta]:
    """Meta's Graph API as the stack reaches it: WhatsApp and Messenger tests register their numbers,
    pages and templates on it and read what the stack sent (tests/e2e/test_meta_inbox.py)."""
    fake = FakeMeta()
    yield fake
    fake.close()


@pytest.fixture(scope="session")
def stack(fake_openai_server: FakeOpenAI, fake_meta_server: FakeMeta) -> Iterator[Stack]:
    # Every browser test shares one stack and one address, so the real limits (tested in
    # tests/integration/test_rate_limits.py) would throttle the suite rather than a visitor. No key
    # is set, so the offline provider answers; an organisation given a key of its own is answered by
    # the recording fake (tests/e2e/test_widget_language.py reads the prompts it was sent).
    env = {
        **_GENEROUS_LIMITS,
        "OPENAI_BASE_URL": fake_openai_server.base_url,
        "META_GRAPH_API_URL": fake_meta_server.base_url,
    }
    # What the stack serves at /widget is the minified build (widget/build.mjs), so the browsers test
    # what visitors download; built afresh from the sources here (~0.2 s), as `make test` does first.
    subprocess.run(["node", str(ROOT / "widget" / "build.mjs")], check=True, capture_output=True)
    try:
        with local_stack("cf360-e2e-", env=env) as started:
            info = started.info
            api_url = info["apiUrl"]
            yield Stack(
                api_url=api_url,
                demo_url=info.get("widgetDemoUrl") or f"{api_url}/widget/demo.html",
                public_key=info["demo"]["publicKey"],
                organization_id=UUID(info["demo"]["organizationId"]),
                database_url=info.get("databaseUrl") or started.database_url,
                local_dir=started.local_dir,
            )
            # What every function, the gateway and moto logged while the browsers used the stack.
            register_secret(info["admin"]["password"], "the local admin's password")
            scan_text((started.local_dir / "stack.log").read_text(errors="replace"), "the local stack (e2e)")
    except StackDidNotStart as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (or set CHROMIUM_PATH)")
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@dataclass
class PageLog:
    """What the page said in its console and which JavaScript errors it threw."""

    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def messages(self, kind: str) -> list[str]:
        return [m.text for m in self.console if m.type == kind]


@dataclass
class Browsing:
    """A fresh visitor: its own browser context (storage) and page, and what the page logged."""

    page: Page
    log: PageLog
    new_page: Callable[..., Page]
    name: str

    def snap(self, step: str) -> None:
        """A screenshot of this moment, beside the one taken when the test ends."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / f"{self.name}--{step}.png")


@pytest.fixture
def browsing(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    log = PageLog()
    contexts = []

    def new_page(**context_options: Any) -> Page:
        # A page fulfilled by a route has no address, so Chromium treats it as public and asks before
        # it reaches the stack on loopback (Local Network Access); a real site and API are both public.
        options = {"viewport": DESKTOP, "locale": "en-US", "permissions": ["local-network-access"]}
        context = browser.new_context(**{**options, **context_options})
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: log.console.append(message))
        page.on("pageerror", lambda exc: log.errors.append(str(exc)))
        return page

    name = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    session = Browsing(page=new_page(), log=log, new_page=new_page, name=name)
    yield session
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        session.page.screenshot(path=ARTIFACTS / f"{name}.png")
    finally:
        for context in contexts:
            context.close()
    assert log.errors == [], f"JavaScript errors in the page: {log.errors}"


@pytest.fixture
def page(browsing: Browsing) -> Page:
    return browsing.page


@pytest.fixture
def db(stack: Stack) -> Iterator[Db]:
    with psycopg.connect(stack.database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn


class Widget:
    """The widget as a visitor sees it. Playwright's CSS locators pierce its (open) shadow root."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.host = page.locator("chatflow360-widget")
        self.launcher = self.host.locator("button.l")
        self.panel = self.host.locator("[role=dialog]")
        self.input = self.host.locator("textarea")
        self.log = self.host.locator("[role=log]")
        self.welcome = self.host.locator(".wl")
        self.typing = self.host.locator(".ty")
        self.end_button = self.host.locator("button.end")
        self.size_toggle = self.host.locator("button.big-t")
        self.close_button = self.host.locator("button.x")
        self.subtitle = self.host.locator(".sub")

    def messages(self, role: str) -> Locator:
        return self.log.locator(f".m.{role} .b")

    def open(self) -> None:
        expect(self.launcher).to_be_visible()
        if self.panel.is_hidden():
            self.launcher.click()
        expect(self.panel).to_be_visible()
        self.settle()

    def settle(self) -> None:
        """Wait for the panel's opening animation to end (it moves the panel by a few pixels)."""
        self.panel.evaluate("p => Promise.all(p.getAnimations().map(a => a.finished))")

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def focused(self) -> str:
        """`tag.class` of the focused element inside the widget, or '' when focus is elsewhere."""
        result: str = self.page.evaluate(
            """() => {
                const host = document.querySelector("chatflow360-widget");
                const el = host && document.activeElement === host && host.shadowRoot.activeElement;
                return el ? el.tagName.toLowerCase() + "." + el.className : "";
            }"""
        )
        return result

    def storage(self) -> dict[str, str]:
        stored: dict[str, str] = self.page.evaluate("() => Object.assign({}, localStorage)")
        return stored


@dataclass
class HeldRequests:
    """Requests to the chat API held back until the test lets them go (to see what shows meanwhile)."""

    routes: list[Route] = field(default_factory=list)

    def __call__(self, route: Route) -> None:
        self.routes.append(route)

    def release(self) -> None:
        while self.routes:
            self.routes.pop(0).continue_()


def load_page(name: str, **values: str) -> str:
    """A test page from tests/e2e/pages/, with its {{PLACEHOLDERS}} filled in."""
    html = (PAGES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        html = html.replace("{{" + key + "}}", value)
    return html


def third_party_page(page: Page, stack: Stack, name: str, **values: str) -> str:
    """Serve tests/e2e/pages/<name> to this page as if from another website (http://localhost:…),
    so that the widget, loaded from the stack (http://127.0.0.1:…), talks to its API cross-origin."""
    port = stack.api_url.rsplit(":", 1)[1]
    url = f"http://localhost:{port}/e2e/{name}"
    html = load_page(name, **values)
    page.route(url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
    return url


def wait_until(condition: Callable[[], bool], *, timeout: float = 5.0, page: Page | None = None) -> None:
    """Poll `condition` (letting Playwright's events through when a page is given) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the time limit")
        if page is not None:
            page.wait_for_timeout(50)
        else:
            time.sleep(0.05)


def body_of(request: Request) -> dict[str, Any]:
    """The JSON object a request sent."""
    body = request.post_data_json
    assert isinstance(body, dict), f"{request.method} {request.url} sent no JSON object"
    return body
