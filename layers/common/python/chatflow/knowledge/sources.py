"""Where an entry's text comes from: typed text, an uploaded file (plain text, Markdown, PDF) or a
web page fetched by URL.

A fetch must not be turned against the network it runs in. Outside the local stack: only global
unicast addresses (`is_public`: no private, loopback, link-local, shared, reserved or multicast
address, and no IPv6 range that embeds or translates an IPv4 one: 64:ff9b::/96, 64:ff9b:1::/48,
2002::/16, ::/96, ::ffff:0:0/96 by its IPv4 address, Teredo), only ports 80 and 443, and the
connection goes to the very address that was checked (the host is resolved once per connection, by
the transport that connects: DNS cannot answer one address to the check and another to the connect).
What is kept of a page is its extracted main text (HTML) or a PDF's text, never a body as fetched, and
every page that cannot be fetched, for whatever reason, gets the same one (UNREACHABLE), so that the
errors do not map ports and hosts."""

from __future__ import annotations

import io
import ipaddress
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import httpcore
import httpx

from chatflow.errors import DomainError
from chatflow.languages import text
from chatflow.settings import Settings
from chatflow.vocabulary import Language

__all__ = [
    "ALLOWED_PORTS",
    "FILE_TYPES",
    "MAX_TEXT_CHARS",
    "UNREACHABLE",
    "USER_AGENT",
    "Fetched",
    "FileType",
    "Gone",
    "Page",
    "SourceError",
    "check_url",
    "extract_file_text",
    "failure_message",
    "fetch",
    "fetch_url_text",
    "file_type_of",
    "is_public",
    "looks_like_pdf",
    "page_of",
    "within_text_cap",
]

FileType = Literal["txt", "md", "pdf"]
FILE_TYPES: dict[str, FileType] = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf"}
# Sent with every fetch; robots.txt rules for "ChatFlow360-knowledge" apply to it (chatflow.knowledge.websites).
USER_AGENT = "ChatFlow360-knowledge/1.0"

# The one reason of every page that cannot be fetched, whatever happened (its words: the catalogue's
# texts, knowledge.unreachable).
UNREACHABLE = "unreachable"
ALLOWED_PORTS: tuple[int, ...] = (80, 443)

# IPv6 ranges that carry or translate an IPv4 address, or tunnel to one: where they lead cannot be told.
_EMBEDDING_IPV4 = tuple(
    ipaddress.IPv6Network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16", "::/96", "2001::/32")
)
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")


_Refusal = TypeVar("_Refusal", bound=DomainError)


class SourceError(Exception):
    """The source cannot give text. `reason` names why (the catalogue's texts `knowledge.<reason>`
    word it in each language, with `values`), so that a failed entry tells its operators why in
    theirs; `str()` is the English, for logs and English callers."""

    def __init__(self, reason: str, **values: object) -> None:
        self.reason = reason
        self.values = values
        super().__init__(reason)

    def message_in(self, language: Language) -> str:
        return failure_message(self.reason, self.values, language)

    def refusal(self, error: type[_Refusal]) -> _Refusal:
        """`error` refusing the request for this reason, worded in each caller's language."""
        refused = error(str(self), worded_by=_text_key(self.reason))
        refused.values = dict(self.values)
        return refused

    def __str__(self) -> str:
        return self.message_in("en")


def failure_message(reason: str, values: Mapping[str, object], language: Language) -> str:
    """Why an entry failed, in `language`."""
    return text(_text_key(reason), language, **values)


def _text_key(reason: str) -> str:
    return f"knowledge.{reason}"


def file_type_of(file_name: str) -> FileType:
    lowered = file_name.lower()
    for suffix, kind in FILE_TYPES.items():
        if lowered.endswith(suffix):
            return kind
    raise SourceError("file_type")


def extract_file_text(data: bytes, file_name: str, *, max_bytes: int, pdf_seconds: float | None = None) -> str:
    """A file's text. A PDF's is read here too, within `pdf_seconds`: call it with a PDF only where
    that time is affordable (the ingest worker), never in a request."""
    if len(data) > max_bytes:
        raise SourceError("file_too_large", mb=max_bytes // (1024 * 1024))
    kind = file_type_of(file_name)
    if kind == "pdf":
        return _pdf_text(data, seconds=MAX_PDF_SECONDS if pdf_seconds is None else pdf_seconds)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def looks_like_pdf(data: bytes) -> bool:
    """The PDF header within the first kilobyte, as readers accept it: what an upload can be refused
    for at once, before the worker reads the file."""
    return b"%PDF-" in data[:1024]


# The most text one entry may hold, whatever its source: what a typed entry may hold (the dashboard
# API's bound), and so what an upload or a page may extract to. Past it the entry fails, with the
# reason (`text_too_long`): it is never cut silently, nor chunked and embedded at any length.
MAX_TEXT_CHARS = 200_000


def within_text_cap(text: str) -> str:
    """`text`, or SourceError `text_too_long` when it holds more than MAX_TEXT_CHARS characters."""
    if len(text) > MAX_TEXT_CHARS:
        raise SourceError("text_too_long")  # its words name the cap (the catalogue's, per language)
    return text


# What one PDF may cost to read. A 7 KB file can inflate to millions of characters (a PDF bomb): the
# pages, the bytes any one stream decompresses to, the characters extracted and the time are capped,
# and past any cap the file is refused whole, each cap with its own reason.
MAX_PDF_PAGES = 500
MAX_PDF_STREAM_BYTES = 4_000_000
MAX_PDF_TEXT_CHARS = MAX_TEXT_CHARS
# The default budget of time; the ingest worker's is KNOWLEDGE_PDF_SECONDS.
MAX_PDF_SECONDS = 20.0


def _pdf_text(data: bytes, *, seconds: float = MAX_PDF_SECONDS) -> str:
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    too_big = SourceError("pdf_too_large")
    deadline = time.monotonic() + seconds
    texts: list[str] = []
    length = 0
    try:
        with apply_configuration(
            zlib_maximum_output_length=MAX_PDF_STREAM_BYTES,
            lzw_maximum_output_length=MAX_PDF_STREAM_BYTES,
            run_length_maximum_output_length=MAX_PDF_STREAM_BYTES,
            brotli_maximum_output_length=MAX_PDF_STREAM_BYTES,
            array_based_stream_maximum_output_length=MAX_PDF_STREAM_BYTES,
            stream_decoding_work_maximum_length=MAX_PDF_STREAM_BYTES,
        ):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                raise SourceError("pdf_encrypted")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise SourceError("pdf_too_many_pages", pages=MAX_PDF_PAGES)
            for page in reader.pages:
                text = (page.extract_text() or "").strip()
                length += len(text)
                if length > MAX_PDF_TEXT_CHARS:
                    raise SourceError("text_too_long")
                if time.monotonic() > deadline:
                    raise SourceError("pdf_too_slow", seconds=f"{seconds:g}")
                texts.append(text)
    except LimitReachedError as exc:
        raise too_big from exc
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SourceError("pdf_unreadable") from exc
    text = "\n\n".join(texts)
    if not text.strip():
        raise SourceError("pdf_no_text")
    return text


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global unicast, and nothing that embeds or translates another address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address not in _GLOBAL_UNICAST_V6 or any(address in net for net in _EMBEDDING_IPV4):
            return False
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def _parts(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        raise SourceError("url_invalid") from exc
    if parts.scheme not in ("http", "https") or not hostname:
        raise SourceError("url_scheme")
    return parts.scheme, hostname, port or (443 if parts.scheme == "https" else 80)


def resolved_addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to, each once, in the resolver's order; none when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    # A scope id (fe80::1%eth0) is not part of the address.
    return list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))


def _public_address(host: str, port: int) -> str:
    """The first address `host` resolves to, once every address it resolves to is public; SourceError
    (UNREACHABLE) otherwise."""
    addresses = resolved_addresses(host, port) if port in ALLOWED_PORTS else []
    if not addresses or not all(is_public(a) for a in addresses):
        raise SourceError(UNREACHABLE)
    return str(addresses[0])


def check_url(url: str, settings: Settings) -> None:
    """Refuse what is not http(s) and, unless the settings allow private URLs (the local stack),
    anything but a public address on port 80 or 443 (one reason for all: UNREACHABLE). The fetch
    checks again, at the moment it connects."""
    _, hostname, port = _parts(url)
    if not settings.knowledge_allow_private_urls:
        _public_address(hostname, port)


class _CheckedBackend(httpcore.NetworkBackend):
    """Connects only to an address it has just checked: the check and the connection are one step."""

    def __init__(self, *, allow_private: bool) -> None:
        self._inner = httpcore.SyncBackend()
        self._allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        address = host if self._allow_private else _public_address(host, port)
        # TLS still names (and verifies) the host: httpcore takes the server name from the URL.
        return self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise SourceError(UNREACHABLE)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _CheckedTransport(httpx.HTTPTransport):
    def __init__(self, *, allow_private: bool) -> None:
        super().__init__()
        # httpx builds its pool with the default network backend; this one checks what it connects to.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_CheckedBackend(allow_private=allow_private)
        )


class Gone(SourceError):
    """The page answered 404 or 410: the site no longer has it (a website's sync forgets such a page)."""

    def __init__(self) -> None:
        super().__init__(UNREACHABLE)


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # where the last redirect led
    content_type: str
    body: bytes
    encoding: str


def fetch(
    url: str,
    settings: Settings,
    *,
    kinds: tuple[str, ...] = ("html", "pdf"),
    stay_on: Callable[[str], bool] | None = None,
) -> Fetched:
    """GET `url` with every rule of this module: each hop checked and connected to at the address that
    was checked, redirects followed by hand (at most 5, each checked again, and each kept to the site
    when `stay_on` says which URLs are), at most KNOWLEDGE_MAX_FILE_BYTES, and only a content type
    naming one of `kinds` (anything else is refused unread: `not_a_page`). Gone for 404/410."""
    max_bytes = settings.knowledge_max_file_bytes
    current = url
    transport = _CheckedTransport(allow_private=settings.knowledge_allow_private_urls)
    with httpx.Client(
        transport=transport, timeout=settings.knowledge_fetch_timeout_seconds, follow_redirects=False, trust_env=False
    ) as client:
        for _ in range(5):
            check_url(current, settings)
            if stay_on is not None and not stay_on(current):
                raise SourceError(UNREACHABLE)
            try:
                with client.stream("GET", current, headers={"User-Agent": USER_AGENT}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code in (404, 410):
                        raise Gone()
                    if response.status_code != 200:
                        raise SourceError(UNREACHABLE)
                    content_type = response.headers.get("content-type", "").lower()
                    if not any(kind in content_type for kind in kinds):
                        # A body is never kept as fetched: JSON, text and the like are not learned from.
                        raise SourceError("not_a_page")
                    body = bytearray()
                    for part in response.iter_bytes():
                        body += part
                        if len(body) > max_bytes:
                            raise SourceError("page_too_large", mb=max_bytes // (1024 * 1024))
                    return Fetched(current, content_type, bytes(body), response.encoding or "utf-8")
            except httpx.HTTPError as exc:
                raise SourceError(UNREACHABLE) from exc
    raise SourceError(UNREACHABLE)


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    title: str | None
    html: str | None  # None for a PDF


def page_of(fetched: Fetched, settings: Settings) -> Page:
    """The main text of a fetched web page (trafilatura) or PDF, within the text cap."""
    import trafilatura

    if "pdf" in fetched.content_type:
        return Page(_pdf_text(fetched.body, seconds=settings.knowledge_pdf_seconds), None, None)
    html = fetched.body.decode(fetched.encoding, errors="replace")
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
    if not text or not text.strip():
        raise SourceError("page_no_text")
    metadata = trafilatura.extract_metadata(html)
    return Page(within_text_cap(text), metadata.title if metadata is not None else None, html)


def fetch_url_text(url: str, settings: Settings) -> tuple[str, str | None]:
    """(main text, page title) of a web page (HTML, its main text; or a PDF, its text)."""
    page = page_of(fetch(url, settings), settings)
    return page.text, page.title
