"""The inbox searches as the agent types: once the typing pauses the list narrows to the
conversations whose messages match, without pressing Enter, and the search is in the address (a
reload or a shared link keeps it). In both languages, against the local stack."""

from __future__ import annotations

import json
import re
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


def _visitor_writes(dashboard: Dashboard, public_key: str, message: str) -> None:
    body = json.dumps({"publicKey": public_key, "visitorId": str(uuid.uuid4()), "message": message}).encode()
    request = urllib.request.Request(
        dashboard.api_url + "/api/chat", data=body, method="POST", headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # the local stack
        assert response.status == 200


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_list_narrows_as_the_agent_types_without_pressing_enter(
    browsing: Browsing, dashboard: Dashboard, lang: str
) -> None:
    token = dashboard.token(dashboard.admin_email, dashboard.admin_password)
    org, channel = dashboard.new_organization(token, f"Search {uuid.uuid4().hex[:6]}")
    word = f"croissant{uuid.uuid4().hex[:6]}"
    _visitor_writes(dashboard, channel["publicKey"], f"Do you have a {word} today?")
    _visitor_writes(dashboard, channel["publicKey"], "What time do you open on Sunday?")
    page = browsing.new_page(locale="es-ES" if lang == "es" else "en-US")
    sign_in(page, dashboard, dashboard.admin_email, dashboard.admin_password, lang)
    page.goto(f"{dashboard.url}/{lang}/conversations?org={org['id']}&organizationId={org['id']}")
    rows = page.locator(".conv-list .conv-preview")
    expect(rows).to_have_count(2, timeout=30_000)  # the first list of a new organisation, on a loaded machine

    box = page.get_by_role("searchbox")
    box.press_sequentially("croissant", delay=40)
    expect(page).to_have_url(re.compile(r"[?&]q=croissant(&|$)"))  # searched at the pause
    expect(rows).to_have_count(1)
    box.press_sequentially(word[9:12], delay=40)  # and again, the letters typed since all kept

    expect(rows).to_have_count(1)
    rows.first.click()
    expect(page.get_by_text(f"Do you have a {word} today?")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]q={word[:12]}"))
    page.reload()
    expect(rows).to_have_count(1)
    expect(page.get_by_role("searchbox")).to_have_value(word[:12])
