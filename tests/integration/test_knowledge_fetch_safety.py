"""The knowledge fetcher cannot be turned against the network it runs in (issue #23, item 3): every
address that is not global unicast is refused (translation and 6to4 ranges, IPv4-compatible IPv6,
multicast and reserved included), the connection goes to the very address that was checked (no DNS
rebinding), only ports 80 and 443 outside the local stack, a fetched body is never kept verbatim, and
every page that cannot be fetched gets one and the same reason (no port scanner)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chatflow.knowledge import sources
from chatflow.knowledge.sources import UNREACHABLE, SourceError, check_url, fetch_url_text
from chatflow.settings import get_settings

REFUSED = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "::127.0.0.1",  # IPv4-compatible
    "::ffff:10.0.0.1",  # IPv4-mapped private
    "ff0e::1",  # global multicast
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "100.64.0.1",  # shared address space
    "fd00::1",
    "fe80::1",
    "169.254.169.254",
    "0.0.0.0",
    "2001::1",  # Teredo
]
ALLOWED = ["93.184.215.14", "2606:4700:4700::1111"]


@pytest.fixture(autouse=True)
def _production_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "false")
    monkeypatch.setenv("KNOWLEDGE_FETCH_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize("address", REFUSED)
def test_an_address_that_is_not_global_unicast_is_refused(address: str) -> None:
    host = f"[{address}]" if ":" in address else address

    with pytest.raises(SourceError) as refused:
        check_url(f"http://{host}/", get_settings())

    assert refused.value.reason == UNREACHABLE


@pytest.mark.parametrize("address", ALLOWED)
def test_a_global_unicast_address_is_allowed(address: str) -> None:
    assert sources.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("url", ["http://example.com:8080/", "https://example.com:22/", "http://example.com:6379/"])
def test_only_ports_80_and_443_outside_the_local_stack(url: str) -> None:
    with pytest.raises(SourceError) as refused:
        check_url(url, get_settings())

    assert refused.value.reason == UNREACHABLE


@pytest.fixture
def local_site() -> Iterator[tuple[int, list[str]]]:
    """A web server on loopback that records every request it gets."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            seen.append(self.path)
            if self.path == "/json":
                body, kind = b'{"AccessKeyId": "ASIA-not-a-real-one", "Token": "secret-looking"}', "application/json"
            else:
                body, kind = b"<html><title>t</title><body><article><p>Inside.</p></article></body></html>", "text/html"
            self.send_response(500 if self.path == "/error" else 200)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()
    server.server_close()


def test_dns_that_answers_a_public_address_then_loopback_never_reaches_loopback(
    local_site: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = local_site
    monkeypatch.setattr(sources, "ALLOWED_PORTS", (80, 443, port))
    answers = iter(["93.184.215.14"] + ["127.0.0.1"] * 10)
    real = socket.getaddrinfo

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebinding.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    with pytest.raises(SourceError) as refused:
        fetch_url_text(f"http://rebinding.example:{port}/page", get_settings())

    assert refused.value.reason == UNREACHABLE
    assert seen == []


def test_a_body_that_is_not_a_web_page_is_never_kept(
    local_site: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, _ = local_site
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()

    with pytest.raises(SourceError) as refused:
        fetch_url_text(f"http://127.0.0.1:{port}/json", get_settings())

    assert "AccessKeyId" not in str(refused.value)


def test_every_unreachable_page_gets_the_same_reason(
    local_site: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, _ = local_site
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]
    reasons = set()
    for url in (f"http://127.0.0.1:{port}/error", f"http://127.0.0.1:{closed_port}/", "http://no-such-host.invalid/"):
        with pytest.raises(SourceError) as refused:
            fetch_url_text(url, get_settings())
        reasons.add(refused.value.reason)

    assert reasons == {UNREACHABLE}
