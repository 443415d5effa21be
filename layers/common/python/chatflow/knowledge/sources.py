"""Where an entry's text comes from: typed text, an uploaded file (plain text, Markdown, PDF) or a
web page fetched by URL (with a timeout, a size cap, and loopback/private addresses refused
outside the local stack)."""

from __future__ import annotations

import io
import ipaddress
import socket
from typing import Literal
from urllib.parse import urlsplit

from chatflow.settings import Settings

__all__ = [
    "FILE_TYPES",
    "FileType",
    "SourceError",
    "check_url",
    "extract_file_text",
    "fetch_url_text",
    "file_type_of",
]

FileType = Literal["txt", "md", "pdf"]
FILE_TYPES: dict[str, FileType] = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".pdf": "pdf"}
_USER_AGENT = "ChatFlow360-knowledge/1.0"


class SourceError(Exception):
    """The source cannot give text; the message says why, for the entry's `error`."""


def file_type_of(file_name: str) -> FileType:
    lowered = file_name.lower()
    for suffix, kind in FILE_TYPES.items():
        if lowered.endswith(suffix):
            return kind
    raise SourceError("Only .txt, .md and .pdf files are accepted.")


def extract_file_text(data: bytes, file_name: str, *, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise SourceError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    kind = file_type_of(file_name)
    if kind == "pdf":
        return _pdf_text(data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise SourceError("The PDF is encrypted.")
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise SourceError("The PDF cannot be read.") from exc
    if not text.strip():
        raise SourceError("The PDF has no text (a scan needs OCR, which is not supported).")
    return text


def check_url(url: str, settings: Settings) -> None:
    """Refuse what is not http(s), and (unless allowed) hosts that resolve to loopback, private,
    link-local or otherwise non-public addresses: the fetch must not reach inside the network."""
    try:
        parts = urlsplit(url)
        hostname, port = parts.hostname, parts.port
    except ValueError as exc:  # an unclosed IPv6 bracket, a port out of range
        raise SourceError("The URL is not valid.") from exc
    if parts.scheme not in ("http", "https") or not hostname:
        raise SourceError("Only http and https URLs can be fetched.")
    if settings.knowledge_allow_private_urls:
        return
    try:
        infos = socket.getaddrinfo(hostname, port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError) as exc:
        raise SourceError("The URL's host cannot be resolved.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise SourceError("The URL points to a private or loopback address.")


def fetch_url_text(url: str, settings: Settings) -> tuple[str, str | None]:
    """(main text, page title) of a web page. Redirects are followed by hand so that each hop is checked."""
    import httpx
    import trafilatura

    max_bytes = settings.knowledge_max_file_bytes
    current = url
    with httpx.Client(timeout=settings.knowledge_fetch_timeout_seconds, follow_redirects=False) as client:
        for _ in range(5):
            check_url(current, settings)
            try:
                with client.stream("GET", current, headers={"User-Agent": _USER_AGENT}) as response:
                    if response.is_redirect and "location" in response.headers:
                        current = str(response.url.join(response.headers["location"]))
                        continue
                    if response.status_code != 200:
                        raise SourceError(f"The page answered HTTP {response.status_code}.")
                    body = bytearray()
                    for part in response.iter_bytes():
                        body += part
                        if len(body) > max_bytes:
                            raise SourceError(f"The page is larger than {max_bytes // (1024 * 1024)} MB.")
                    content_type = response.headers.get("content-type", "")
                    encoding = response.encoding or "utf-8"
            except httpx.HTTPError as exc:
                raise SourceError(f"The page cannot be fetched ({type(exc).__name__}).") from exc
            if "pdf" in content_type:
                return _pdf_text(bytes(body)), None
            html = bytes(body).decode(encoding, errors="replace")
            if "html" not in content_type:
                return html, None
            text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True)
            metadata = trafilatura.extract_metadata(html)
            if not text or not text.strip():
                raise SourceError("The page has no main text to learn from.")
            return text, (metadata.title if metadata is not None else None)
    raise SourceError("The page redirects too many times.")
