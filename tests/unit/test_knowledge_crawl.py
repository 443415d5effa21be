"""What a website crawl decides without the network (chatflow.knowledge.crawl): one name per page, one
site per host, robots.txt as the standard library reads it, the pages of a sitemap (whose entities
are never expanded) and the links of a page."""

from __future__ import annotations

from chatflow.knowledge.crawl import (
    Robots,
    Site,
    links_of,
    looks_like_sitemap,
    normalise,
    same_site_pages,
    sitemap_urls,
)


def test_a_page_has_one_name() -> None:
    assert normalise("HTTPS://Brisa.Test:443/menu#croquetas") == "https://brisa.test/menu"
    assert normalise("http://brisa.test") == "http://brisa.test/"
    assert normalise("http://brisa.test:8080/a?b=1") == "http://brisa.test:8080/a?b=1"
    assert normalise("mailto:hola@brisa.test") is None
    assert normalise("javascript:alert(1)") is None
    assert normalise("http://[::1") is None


def test_a_site_is_its_host_with_or_without_www_over_either_scheme_on_its_port() -> None:
    site = Site("https://www.brisa.test/")
    assert site.contains("http://brisa.test/menu")
    assert site.contains("https://www.brisa.test/hours")
    assert not site.contains("https://brisa.test:8443/")
    assert not site.contains("https://other.test/")
    assert not site.contains("https://shop.brisa.test/")  # a subdomain is another site
    assert site.robots_url == "https://www.brisa.test/robots.txt"


def test_robots_txt_rules_apply_to_our_user_agent() -> None:
    robots = Robots("User-agent: *\nDisallow: /private\n\nUser-agent: ChatFlow360-knowledge\nDisallow: /drafts\n")
    assert robots.allows("https://brisa.test/menu")
    assert not robots.allows("https://brisa.test/drafts/new-menu")
    assert Robots("").allows("https://brisa.test/anything")  # none: everything
    assert not Robots(None).allows("https://brisa.test/")  # unreadable: nothing
    assert Robots("Sitemap: https://brisa.test/sitemap.xml\n").sitemaps == ["https://brisa.test/sitemap.xml"]


def test_same_site_pages_keeps_the_sites_allowed_pages_once() -> None:
    site, robots = Site("https://brisa.test/"), Robots("User-agent: *\nDisallow: /private\n")
    urls = ["https://brisa.test/a#x", "https://brisa.test/a", "https://brisa.test/private/b", "https://evil.test/"]
    assert same_site_pages(urls, site, robots) == ["https://brisa.test/a"]


def test_a_sitemap_lists_pages_and_an_index_lists_sitemaps() -> None:
    pages, nested = sitemap_urls(
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc> https://brisa.test/menu </loc></url><url><loc>https://brisa.test/hours</loc></url></urlset>"
    )
    assert (pages, nested) == (["https://brisa.test/menu", "https://brisa.test/hours"], [])
    pages, nested = sitemap_urls(
        b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<sitemap><loc>https://brisa.test/pages.xml</loc></sitemap></sitemapindex>"
    )
    assert (pages, nested) == ([], ["https://brisa.test/pages.xml"])
    assert sitemap_urls(b"not xml at all") == ([], [])
    assert looks_like_sitemap("https://brisa.test/sitemap_index.xml")
    assert looks_like_sitemap("https://brisa.test/sitemap")
    assert not looks_like_sitemap("https://brisa.test/")


def test_a_sitemap_cannot_make_the_parser_read_a_file() -> None:
    pages, _ = sitemap_urls(
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://brisa.test/&secret;</loc></url>'
        b"</urlset>"
    )
    assert all("root:" not in page for page in pages)


def test_a_pages_links_are_absolute_pages_without_files_or_nofollow() -> None:
    html = """<html><head><base href="https://brisa.test/es/"></head><body>
    <a href="menu">Menú</a> <a href="/hours#hoy">Horario</a> <a href="menu">again</a>
    <a href="/logo.PNG">logo</a> <a href="/carta.pdf">carta</a> <a rel="nofollow" href="/login">login</a>
    <a href="mailto:hola@brisa.test">mail</a> <a href="https://other.test/x">other</a> <img src="/photo.jpg">
    </body></html>"""
    assert links_of(html, "https://brisa.test/es/index.html") == [
        "https://brisa.test/es/menu",
        "https://brisa.test/hours",
        "https://brisa.test/carta.pdf",
        "https://other.test/x",
    ]
    assert links_of("", "https://brisa.test/") == []
