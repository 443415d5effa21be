"""Destructive actions ask first and say what depends on them; what a page saves shows at once, without a
reload (issue #24, item 4). In Chromium, in Spanish: a label of the inbox, kept when the question is
declined and gone when it is accepted."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Dialog, expect

from tests.e2e.conftest import Browsing, Stack
from tests.e2e.dashboard_support import Dashboard, dashboard_of, locale, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def dashboard(stack: Stack) -> Dashboard:
    return dashboard_of(stack)


def test_deleting_a_label_asks_first_and_the_list_follows_without_a_reload(
    browsing: Browsing, dashboard: Dashboard
) -> None:
    t = locale("es")
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, _ = dashboard.new_organization(token, f"Floristería {uuid.uuid4().hex[:6]}")
    name = f"VIP {uuid.uuid4().hex[:4]}"
    page = browsing.page
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, "es")
    page.goto(f"{dashboard.url}/es/inbox-settings?org={org['id']}")
    labels = page.locator(".card", has_text=t["labels.title"])
    labels.get_by_label(t["labels.name"]).fill(name)
    labels.get_by_role("button", name=t["labels.create"]).click()
    expect(labels.get_by_text(name)).to_be_visible()  # added: listed at once
    delete = labels.get_by_role("button", name=t["labels.delete"].replace("{{name}}", name))
    questions: list[str] = []

    def decline(dialog: Dialog) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    delete.click()
    expect(labels.get_by_text(name)).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    expect(labels.get_by_text(name)).to_have_count(0)
    assert questions == [t["labels.confirmDelete"].replace("{{name}}", name)]
