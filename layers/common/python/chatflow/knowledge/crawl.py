"""What a website crawl decides without the network: which URLs are one site's pages, what its
robots.txt allows, which pages a sitemap lists and which links a page holds (issue #17, item 3).

The fetching itself is chatflow.knowledge.sources' (every SSRF rule); the order of work is
chatflow.knowledge.websites'. robots.txt is read by the standard library's parser
(urllib.robotparser, RFC 9309's rules as Python keeps them), HTML and XML by lxml (trafilatura's
own parser, already a dependency) with entities and the network off."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from chatflow.knowledge.sources import USER_AGENT

__all__ = [
    "MAX_NESTED_SITEMAPS",
    "MAX_URL_LENGTH",
    "Robots",
    "Site",
    "links_of",
    "looks_like_sitemap",
    "normalise",
    "same_site_pages",
    "sitemap_urls",
]

MAX_URL_LENGTH = 2000
# A sitemap index may name other sitemaps: this many are read, at most, in one sync.
MAX_NESTED_SITEMAPS = 10
# Links to these are files, not pages: never queued (a PDF is a page: the fetch reads its text).
_NOT_PAGES = frozenset(
    {
        *(".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".ico", ".bmp", ".tif", ".tiff", ".avif"),
        *(".css", ".js", ".mjs", ".json", ".xml", ".rss", ".atom", ".ics", ".csv"),
        *(".zip", ".gz", ".tgz", ".rar", ".7z", ".tar", ".exe", ".dmg", ".apk"),
        *(".mp3", ".mp4", ".m4a", ".wav", ".ogg", ".webm", ".mov", ".avi"),
        *(".woff", ".woff2", ".ttf", ".otf", ".eot", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx"),
    }
)


def normalise(url: str) -> str | None:
    """`url` as one page is named once: http(s) only, lower-case scheme and host, no default port,
    no fragment, `/` for an empty path. None for anything else (mailto:, javascript:, malformed)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL_LENGTH:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = host if port is None or port == (443 if scheme == "https" else 80) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _site_key(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None
    if not host:
        return None
    default = 443 if parts.scheme == "https" else 80
    # http and https, and the bare domain and its www., are one site; another port is another site.
    return host.removeprefix("www."), None if port in (None, default) else port


@dataclass(frozen=True, slots=True)
class Site:
    """The pages of one site: the start URL's host (with or without www.) and port, either scheme."""

    start_url: str

    def contains(self, url: str) -> bool:
        key = _site_key(url)
        return key is not None and key == _site_key(self.start_url)

    @property
    def robots_url(self) -> str:
        parts = urlsplit(self.start_url)
        return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


class Robots:
    """A site's robots.txt, as the standard library reads it, for ChatFlow360-knowledge's user agent.
    No robots.txt (404 and the like) allows everything; one that could not be read (5xx, unreachable)
    allows nothing, as RFC 9309 asks."""

    def __init__(self, text: str | None, *, allow_all: bool = False) -> None:
        self._parser = RobotFileParser()
        if allow_all:
            self._parser.parse([])
        elif text is None:
            self._parser.parse(["User-agent: *", "Disallow: /"])
        else:
            self._parser.parse(text.splitlines())

    def allows(self, url: str) -> bool:
        return self._parser.can_fetch(USER_AGENT, url)

    @property
    def sitemaps(self) -> list[str]:
        return list(self._parser.site_maps() or [])


def looks_like_sitemap(url: str) -> bool:
    path = urlsplit(url).path.lower()
    return path.endswith(".xml") or posixpath.basename(path).startswith("sitemap")


def sitemap_urls(body: bytes) -> tuple[list[str], list[str]]:
    """(pages, nested sitemaps) a sitemap or sitemap index lists, in its order. XML entities and
    network access are off: a sitemap cannot make the parser read anything else."""
    from lxml import etree  # type: ignore[import-untyped]  # no stubs shipped

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    locations = [str(el.text).strip() for el in root.iter("{*}loc") if el.text and el.text.strip()]
    if etree.QName(root).localname == "sitemapindex":
        return [], locations
    return locations, []


def links_of(html: str, base_url: str) -> list[str]:
    """The pages a page links to (<a href>), absolute, normalised, each once, in page order; files
    (images, styles, archives…) and links marked nofollow left out."""
    import lxml.html  # type: ignore[import-untyped]  # no stubs shipped
    from lxml import etree  # type: ignore[import-untyped]

    try:
        document = lxml.html.document_fromstring(html, base_url=base_url)
    except (etree.ParserError, ValueError):
        return []
    document.make_links_absolute(base_url, resolve_base_href=True, handle_failures="discard")
    found: dict[str, None] = {}
    for element, attribute, link, _ in document.iterlinks():
        if element.tag != "a" or attribute != "href" or "nofollow" in (element.get("rel") or "").lower():
            continue
        url = normalise(link)
        if url is not None and posixpath.splitext(urlsplit(url).path)[1].lower() not in _NOT_PAGES:
            found.setdefault(url)
    return list(found)


def same_site_pages(urls: Iterable[str], site: Site, robots: Robots) -> list[str]:
    """Of `urls`, the normalised ones on `site` that robots.txt allows, each once."""
    kept: dict[str, None] = {}
    for url in urls:
        page = normalise(url)
        if page is not None and site.contains(page) and robots.allows(page):
            kept.setdefault(page)
    return list(kept)
