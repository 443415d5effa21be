"""The local gateway serves /app and /widget with the security headers CloudFront adds in AWS
(issue #23, item 15): CSP with frame-ancestors 'none', nosniff, DENY framing, a strict referrer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from infra.security_headers import CONTENT_SECURITY_POLICY
from tests.integration.test_local_gateway import serving


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    widget, dashboard = tmp_path / "widget", tmp_path / "dist"
    widget.mkdir()
    dashboard.mkdir()
    (widget / "chatflow360.js").write_text("console.log('w');\n")
    (dashboard / "index.html").write_text("<!doctype html><title>app</title>\n")
    return widget, dashboard


@pytest.mark.parametrize("path", ["/app/", "/app/es/conversations/123", "/widget/chatflow360.js"])
def test_pages_and_the_widget_carry_the_security_headers(built: tuple[Path, Path], path: str) -> None:
    from infra.local.gateway import create_app

    widget, dashboard = built
    with serving(create_app(static_dir=widget, dashboard_dir=dashboard, scheduled=())) as client:
        answer: httpx.Response = client.get(path)

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(("path", "location"), [("/app", "/app/"), ("/app?org=42", "/app/?org=42")])
def test_the_dashboard_url_without_its_slash_opens_the_app(built: tuple[Path, Path], path: str, location: str) -> None:
    from infra.local.gateway import create_app

    widget, dashboard = built
    with serving(create_app(static_dir=widget, dashboard_dir=dashboard, scheduled=())) as client:
        moved = client.get(path)
        opened = client.get(path, follow_redirects=True)

    assert (moved.status_code, moved.headers["location"]) == (308, location)
    assert (opened.status_code, opened.text) == (200, "<!doctype html><title>app</title>\n")
