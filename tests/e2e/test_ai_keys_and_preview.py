"""Keys that are checked, as a super admin meets them on the API keys page, and a preview that says
plainly why the AI did not answer — against the local stack and the recording fake OpenAI server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in
from tests.support.fake_openai import FakeOpenAI, Scripted

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.fixture
def provider(fake_openai_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    yield fake_openai_server
    fake_openai_server.models_status = 200  # the server is the session's: leave it as found
    fake_openai_server.default = Scripted()


def _shot(page: Page, name: str) -> None:
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"ai-keys--{name}.png", full_page=True)


@pytest.mark.parametrize(
    ("lang", "viewport"),
    [("en", None), ("es", None), ("en", PHONE), ("es", PHONE)],
    ids=["en-1280", "es-1280", "en-390", "es-390"],
)
def test_a_rejected_key_is_refused_with_the_providers_reason_and_an_unchecked_one_is_saved_with_a_warning(
    browsing: Browsing, dashboard: Dashboard, provider: FakeOpenAI, lang: str, viewport: dict[str, int] | None
) -> None:
    t = locale(lang)
    screen = viewport or {"width": 1280, "height": 800}
    page = browsing.new_page(viewport=screen, locale="es-ES" if lang == "es" else "en-US")
    name = f"Llave {uuid.uuid4().hex[:6]}"
    root = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org = dashboard.api("POST", "/api/dashboard/organizations", root, {"name": name})
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.goto(f"{dashboard.url}/{lang}/api-keys")
    row = page.locator("tr", has_text=name)
    field = row.get_by_label(t["keys.orgKeyFor"].replace("{{name}}", name))

    # A key the provider rejects: refused, with its reason, and nothing saved
    provider.models_status = 401
    field.fill("sk-wrong-key-00000000000000")
    row.get_by_role("button", name=t["keys.set"]).click()
    # the server asks the provider before answering: on a loaded CI machine that round trip can exceed 10 s
    refusal = row.locator(".notice-error, [role=alert]").first
    expect(refusal).to_contain_text("Incorrect API key provided", timeout=30_000)
    expect(row).to_contain_text(t["keys.notSet"])
    _shot(page, f"rejected-{lang}-{screen['width']}")

    # A provider that cannot be reached: saved, with a warning that says so
    provider.models_status = 503
    field.fill("sk-unchecked-key-000001234")
    row.get_by_role("button", name=t["keys.set"]).click()
    expect(row.get_by_role("status")).to_have_text(t["keys.unreachable"], timeout=30_000)
    expect(row).to_contain_text("sk-...1234")
    expect(row).to_contain_text(t["keys.sourceShort.organization"])
    _shot(page, f"unchecked-{lang}-{screen['width']}")

    # The preview of that organisation: the provider rejects the key now, and the preview says so
    provider.default = Scripted(status=401)
    page.goto(f"{dashboard.url}/{lang}/ai")
    page.locator("header.topbar select").select_option(org["id"])
    preview = page.locator(".ai-preview")
    preview.get_by_label(t["ai.preview.message"]).fill("Hello?")
    preview.get_by_role("button", name=t["ai.preview.send"]).click()
    expect(preview.locator(".ai-preview-fallback")).to_have_text(t["ai.preview.keyRejected"], timeout=15_000)
    reply = preview.locator(".msg-ai .msg-body")
    expect(reply).not_to_contain_text("saved")
    expect(reply).not_to_contain_text("guardad")
    _shot(page, f"preview-{lang}-{screen['width']}")
