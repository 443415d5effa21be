"""What the dashboard's browser tests need beside tests/e2e/conftest.py: the built app on the local
stack, the seeded super admin, moto's sent mail (invitations carry a temporary password), and a
signed-in operator's page."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.e2e.conftest import ARTIFACTS, ROOT, Stack

DIST = ROOT / "dashboard" / "dist" / "index.html"
LOCALES = ROOT / "dashboard" / "src" / "i18n"
TABLET: ViewportSize = {"width": 768, "height": 1000}


@dataclass(frozen=True)
class Dashboard:
    url: str  # http://127.0.0.1:<port>/app
    api_url: str
    moto_url: str
    admin_email: str
    admin_password: str

    def api(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        """A JSON call to the stack (path from the host: /api/dashboard/…, /api/chat…)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, method=method)
        request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=15) as response:  # the local stack
            text = response.read().decode()
        return json.loads(text) if text else None

    def new_organization(
        self, token: str, name: str, plan: str = "starter", /, **channel: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new organisation and the website channel it comes with, changed by `channel`'s fields."""
        org = self.api("POST", "/api/dashboard/organizations", token, {"name": name, "plan": plan})
        channels = f"/api/dashboard/organizations/{org['id']}/channels"
        website = next(c for c in self.api("GET", channels, token) if c["type"] == "website")
        if channel:
            website = self.api("PATCH", f"{channels}/{website['id']}", token, channel)
        return org, website

    def token(self, email: str, password: str) -> str:
        tokens = self.api("POST", "/api/dashboard/auth/login", body={"email": email, "password": password})
        return str(tokens["accessToken"])

    def temporary_password(self, email: str, timeout: float = 10.0) -> str:
        """The temporary password of the newest invitation moto's SES sent to this address."""
        deadline = time.monotonic() + timeout
        while True:
            with urllib.request.urlopen(f"{self.moto_url}/moto-api/data.json", timeout=10) as response:
                data = json.loads(response.read())
            for message in reversed(data.get("ses", {}).get("Message", [])):
                body = str(message.get("body", ""))
                if email in body or email in json.dumps(message.get("destinations", "")):
                    found = re.search(r"(?:Temporary password|Contraseña temporal): (\S+)", body)
                    if found:
                        return found.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no invitation with a temporary password was sent to {email}")
            time.sleep(0.2)


def dashboard_of(stack: Stack) -> Dashboard:
    if not DIST.exists():
        pytest.fail("dashboard/dist is missing: run `npm --prefix dashboard ci && npm --prefix dashboard run build`")
    info = json.loads((stack.local_dir / "stack.json").read_text(encoding="utf-8"))
    log = (stack.local_dir / "stack.log").read_text(encoding="utf-8", errors="replace")
    moto = re.search(r"moto \(Cognito, SES, SQS\) on (http://\S+)", log)
    assert moto, "the stack's log does not say where moto listens"
    return Dashboard(
        url=info.get("dashboardUrl", info["apiUrl"] + "/app/").rstrip("/"),
        api_url=info["apiUrl"],
        moto_url=moto.group(1),
        admin_email=info["admin"]["email"],
        admin_password=info["admin"]["password"],
    )


def sign_in(page: Page, dashboard: Dashboard, email: str, password: str, lang: str = "en") -> None:
    labels = {"en": ("Email", "Password", "Sign in"), "es": ("Correo electrónico", "Contraseña", "Iniciar sesión")}[
        lang
    ]
    page.goto(f"{dashboard.url}/{lang}/login")
    if lang != "en":  # an explicit choice, which wins over the profile's language
        page.get_by_role("button", name=lang.upper(), exact=True).click()
    page.get_by_label(labels[0]).fill(email)
    page.get_by_label(labels[1], exact=True).fill(password)
    # Sign-in is three calls to moto's Cognito and one to the database: slow on a loaded machine.
    with page.expect_response(lambda r: r.url.endswith("/api/dashboard/auth/login"), timeout=30_000):
        page.get_by_role("button", name=labels[2]).click()
    # The app stores the session after the response; a navigation before that lands back on the form.
    expect(page.get_by_role("button", name=labels[2], exact=True)).to_be_hidden(timeout=30_000)


def choose_new_password(page: Page, password: str) -> None:
    """The first sign-in's second step; the overview shows once the password is set and the user
    signed in with it (three Cognito calls through moto, slow on a loaded machine)."""
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=20_000)


def snap(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"dashboard--{name}.png", full_page=full_page)


def locale(lang: str) -> dict[str, str]:
    """The flattened translations: {"inbox.takeOver": "Take over", …}."""

    def flat(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in obj.items():
            if isinstance(value, dict):
                out.update(flat(value, f"{prefix}{key}."))
            else:
                out[f"{prefix}{key}"] = str(value)
        return out

    return flat(json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8")))


def expect_live(page: Page, text: str = "Live") -> None:
    expect(page.locator(".live.on")).to_have_text(text, timeout=10_000)


__all__ = ["TABLET", "Dashboard", "dashboard_of", "expect_live", "locale", "sign_in", "snap"]
