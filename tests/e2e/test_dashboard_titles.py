"""Each tab says which page it is, in the dashboard's language, with the number of conversations
waiting for a person in front: an agent with five tabs open finds the inbox at a glance."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, sign_in

pytestmark = pytest.mark.e2e

_PAGES = {
    "en": [("/login", "Sign in to your dashboard"), ("/reports", "Reports"), ("/channels", "Channels")],
    "es": [("/login", "Inicia sesión en tu panel"), ("/reports", "Informes"), ("/channels", "Canales")],
}


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_each_page_names_itself_in_the_tab_in_the_dashboards_language(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    page = browsing.new_page(locale="es-ES" if lang == "es" else "en-US")
    (login, login_title), *signed_in = _PAGES[lang]
    page.goto(f"{dashboard.url}/{lang}{login}")
    expect(page).to_have_title(f"{login_title} · ChatFlow360")
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)

    for path, title in signed_in:
        page.goto(f"{dashboard.url}/{lang}{path}")
        # "(2) Reports · ChatFlow360" while conversations wait for a person on the demo organisation
        expect(page).to_have_title(re.compile(rf"^(\(\d+\) )?{re.escape(title)} · ChatFlow360$"))
    inbox = {"en": "Conversations", "es": "Conversaciones"}[lang]
    page.get_by_role("navigation").get_by_role("link", name=re.compile(f"^{inbox}")).click()  # no reload
    expect(page).to_have_title(re.compile(rf"^(\(\d+\) )?{inbox} · ChatFlow360$"))
    page.goto(f"{dashboard.url}/{lang}/nowhere")
    expect(page).to_have_title(re.compile(r"(Page not found|Página no encontrada) · ChatFlow360$"))
