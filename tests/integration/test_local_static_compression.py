"""The local gateway sends its static files compressed, as CloudFront does in AWS (issue #25, item 2): brotli
or gzip as the request's Accept-Encoding allows, for every text type, with `Vary: Accept-Encoding`; and
what it serves at /widget is the minified build of widget/ (widget/build.mjs), never the readable source."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import httpx
import pytest

from infra.functions import ROOT
from tests.integration.test_local_gateway import serving

# Text compresses well only when it repeats, as real code does; 4 KB is well over the 500-byte floor.
_TEXT = "function answer(visitor) { return visitor.question + ' ' + visitor.language; }\n" * 60

TEXT_FILES = {
    "chatflow360.js": "text/javascript",
    "style.css": "text/css",
    "demo.html": "text/html",
    "config.json": "application/json",
    "icon.svg": "image/svg+xml",
}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    widget, dashboard = tmp_path / "widget", tmp_path / "dist"
    widget.mkdir()
    (dashboard / "assets").mkdir(parents=True)
    for name in TEXT_FILES:
        (widget / name).write_text(_TEXT)
    (widget / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16)
    (dashboard / "index.html").write_text(_TEXT)
    (dashboard / "assets" / "index-abc123.js").write_text(_TEXT)
    return widget, dashboard


def _raw(built: tuple[Path, Path], path: str, accept_encoding: str) -> tuple[httpx.Headers, bytes]:
    from infra.local.gateway import create_app

    widget, dashboard = built
    with serving(create_app(static_dir=widget, dashboard_dir=dashboard, scheduled=())) as client:
        request = client.build_request("GET", path, headers={"Accept-Encoding": accept_encoding})
        answer = client.send(request, stream=True)
        try:
            return answer.headers, b"".join(answer.iter_raw())
        finally:
            answer.close()


@pytest.mark.parametrize("name", sorted(TEXT_FILES))
def test_every_text_file_goes_out_brotli_compressed_to_a_browser_that_accepts_it(
    built: tuple[Path, Path], name: str
) -> None:
    headers, body = _raw(built, f"/widget/{name}", "gzip, deflate, br, zstd")  # what Chromium sends

    assert headers["content-type"].startswith(TEXT_FILES[name])
    assert headers["content-encoding"] == "br"
    assert "accept-encoding" in headers["vary"].lower()
    assert brotli.decompress(body).decode() == _TEXT
    assert len(body) < len(_TEXT) / 10


@pytest.mark.parametrize("path", ["/widget/chatflow360.js", "/app/", "/app/assets/index-abc123.js"])
def test_a_client_that_accepts_only_gzip_gets_gzip(built: tuple[Path, Path], path: str) -> None:
    headers, body = _raw(built, path, "gzip")

    assert headers["content-encoding"] == "gzip"
    assert "accept-encoding" in headers["vary"].lower()
    assert gzip.decompress(body).decode() == _TEXT


def test_a_client_that_accepts_no_encoding_gets_the_file_as_it_is_and_still_the_vary_header(
    built: tuple[Path, Path],
) -> None:
    headers, body = _raw(built, "/widget/chatflow360.js", "identity")

    assert "content-encoding" not in headers
    assert "accept-encoding" in headers["vary"].lower()  # a cache must not hand this to a brotli client
    assert body.decode() == _TEXT


def test_an_image_is_not_compressed_again(built: tuple[Path, Path]) -> None:
    headers, _ = _raw(built, "/widget/photo.png", "gzip, br")

    assert "content-encoding" not in headers


def test_the_served_widget_is_the_minified_build_of_the_source_with_its_chat_beside_it() -> None:
    from infra.local.gateway import create_app

    built = subprocess.run(
        ["node", str(ROOT / "widget" / "build.mjs"), "--json"], check=True, capture_output=True, text=True
    )
    figures = json.loads(built.stdout)
    source = (ROOT / "widget" / "chatflow360.js").read_text()
    with serving(create_app(scheduled=())) as client:
        launcher = client.get("/widget/chatflow360.js")
        chat_file = re.search(r"chatflow360-chat\.[0-9a-f]{10}\.js", launcher.text)
        assert chat_file, "the launcher names the chat it loads"
        chat = client.get(f"/widget/{chat_file.group(0)}")

    assert launcher.status_code == chat.status_code == 200
    assert chat_file.group(0) == figures["chat"]["file"]
    assert launcher.content == (ROOT / "widget" / "dist" / "chatflow360.js").read_bytes()
    # Minified: no comments, no indentation, a fraction of the source; and nothing of the build left unset.
    assert "/*" not in launcher.text
    assert "\n  " not in launcher.text
    assert len(launcher.content) < len(source) / 2
    assert "CHAT_FILE" not in launcher.text
    assert "._mount=" in chat.text.replace(" ", "")
