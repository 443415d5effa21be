"""Websites as knowledge sources (issue #17, item 3), end to end: the dashboard API adds a site, the
event's listener queues its sync on the ingest queue (moto's SQS), functions/ingest reads robots.txt
and the pages of a real HTTP site on 127.0.0.1 (allowed only by KNOWLEDGE_ALLOW_PRIVATE_URLS, which
these tests set and the SSRF tests leave off): same-site links only, robots.txt respected, the plan's
page cap, each page an entry whose URL is its source; sync now and the weekly schedule; the SSRF
rules; another organisation's site answers 404."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from chatflow.errors import InvalidUrl
from chatflow.knowledge import websites
from chatflow.knowledge.sources import UNREACHABLE
from chatflow.organizations import create_organization
from chatflow.settings import get_settings
from infra.functions import load_handler
from infra.local.aws import LocalAws
from tests.integration.conftest import Tenant
from tests.support.callers import admin_of
from tests.support.events import LambdaContextStub
from tests.support.ingest_queue import IngestQueue
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]

SECRET = "internal-token-5f1e"  # what a JSON answer holds: never learned, never shown


def _page(title: str, body: str, links: list[str] = ()) -> str:  # type: ignore[assignment]
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (
        f"<html><head><title>{title}</title></head><body><nav><ul>{anchors}</ul></nav>"
        f"<article><h1>{title}</h1><p>{body}</p></article></body></html>"
    )


@dataclass
class Site:
    """A small website: path → (status, content type, body); every request's path is recorded."""

    pages: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    requested: list[str] = field(default_factory=list)
    url: str = ""

    def html(self, path: str, title: str, body: str, links: list[str] = ()) -> None:  # type: ignore[assignment]
        self.pages[path] = (200, "text/html; charset=utf-8", _page(title, body, links))


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            served.requested.append(self.path)
            status, kind, body = served.pages.get(self.path, (404, "text/plain", "missing"))
            data = body.encode()
            self.send_response(status)
            if status in (301, 302):
                self.send_header("location", body)  # a redirect's body here is where it leads
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    served.pages["/robots.txt"] = (200, "text/plain", "User-agent: *\nDisallow: /private\n")
    served.html(
        "/",
        "Café Brisa",
        "A bakery in Little Havana: pastelitos, croquetas and cafecito every morning.",
        [
            "/menu",
            "/hours#today",
            "/private/staff",
            "http://other.test/elsewhere",
            "/logo.png",
            "/api/prices",
            "mailto:hola@brisa.test",
        ],
    )
    served.html("/menu", "Menu", "Guava pastelitos cost 1.50 dollars; ham croquetas 1.25 dollars each.", ["/"])
    served.html("/hours", "Opening hours", "We open every day at 7 am and close at 9 pm.", ["/menu"])
    served.html("/private/staff", "Staff only", "The alarm code is 4321.")
    served.pages["/api/prices"] = (200, "application/json", f'{{"token": "{SECRET}"}}')
    served.pages["/sitemap.xml"] = (
        200,
        "application/xml",
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(
            f"<url><loc>{loc}</loc></url>"
            for loc in (
                f"{served.url}/menu",
                f"{served.url}/hours",
                f"{served.url}/private/staff",
                "http://other.test/x",
            )
        )
        + "</urlset>",
    )
    yield served
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()


@pytest.fixture
def queue(local_aws: LocalAws) -> IngestQueue:
    ingest = IngestQueue(local_aws.ingest_queue_url)
    ingest.purge()
    return ingest


@pytest.fixture
def admin(people: People, tenant: Tenant) -> Person:
    return people.make(admin_of=[tenant.organization_id])


def _add_site(people: People, admin: Person, tenant: Tenant, url: str) -> dict[str, Any]:
    answer = people.post(admin, f"/organizations/{tenant.organization_id}/knowledge-websites", {"url": url})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _pages(people: People, admin: Person, tenant: Tenant, website_id: str) -> dict[str, dict[str, Any]]:
    answer = people.get(admin, f"/organizations/{tenant.organization_id}/knowledge", websiteId=website_id)
    assert answer.status_code == 200, answer.text
    return {p["sourceUrl"]: p for p in answer.json()}


def _site(people: People, admin: Person, tenant: Tenant, website_id: str) -> dict[str, Any]:
    answer = people.get(admin, f"/organizations/{tenant.organization_id}/knowledge-websites/{website_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.usefixtures("private_urls")
def test_a_website_is_crawled_from_its_start_page_through_same_site_links_that_robots_txt_allows(
    people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, site.url)
    assert (website["mode"], website["status"]) == ("links", "syncing")
    assert site.requested == []  # nothing is fetched in the request

    queue.drain()

    pages = _pages(people, admin, tenant, website["id"])
    assert set(pages) == {f"{site.url}/", f"{site.url}/menu", f"{site.url}/hours", f"{site.url}/api/prices"}
    assert pages[f"{site.url}/menu"]["status"] == "ready"
    assert pages[f"{site.url}/menu"]["source"] == "page"
    assert pages[f"{site.url}/menu"]["title"] == "Menu"  # the page's own title
    assert "croquetas 1.25 dollars" in pages[f"{site.url}/menu"]["content"]
    assert "/private/staff" not in site.requested  # robots.txt disallows it
    assert site.requested.count("/menu") == 1  # linked from two pages, fetched once
    # A JSON answer is not a page: the entry fails and nothing of its body is kept or shown.
    prices = pages[f"{site.url}/api/prices"]
    assert (prices["status"], prices["content"]) == ("failed", "")
    assert SECRET not in str(pages)
    summary = _site(people, admin, tenant, website["id"])
    assert (summary["status"], summary["pages"], summary["pagesReady"], summary["pagesFailed"]) == ("ready", 4, 3, 1)
    assert (summary["pageCap"], summary["pageCapReached"]) == (50, False)
    # The site's pages are listed under it, not among the other entries.
    assert people.get(admin, f"/organizations/{tenant.organization_id}/knowledge").json() == []


@pytest.mark.usefixtures("private_urls")
def test_a_sitemap_gives_the_pages_it_lists_on_its_site_that_robots_txt_allows(
    people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, f"{site.url}/sitemap.xml")
    assert website["mode"] == "sitemap"

    queue.drain()

    assert set(_pages(people, admin, tenant, website["id"])) == {f"{site.url}/menu", f"{site.url}/hours"}
    assert "/" not in site.requested  # a sitemap's pages only: its links are not followed
    assert "/private/staff" not in site.requested


@pytest.mark.usefixtures("private_urls")
def test_the_page_cap_is_the_plans_for_all_the_organisations_sites(
    db: Db, people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    many = [f"/p/{i}" for i in range(60)]
    site.html("/", "Catalogue", "Every product we sell, one page each.", many)
    for path in many:
        site.html(path, f"Product {path}", f"Product {path} is a fine pastry baked daily.")

    starter = _add_site(people, admin, tenant, site.url)
    queue.drain()

    summary = _site(people, admin, tenant, starter["id"])
    assert (summary["pages"], summary["pageCap"], summary["pageCapReached"]) == (50, 50, True)
    assert len([p for p in site.requested if p.startswith("/p/")]) == 49  # the start page is one of the 50

    db.execute("UPDATE organizations SET plan = 'pro' WHERE id = %s", (tenant.organization_id,))
    assert (
        people.post(
            admin, f"/organizations/{tenant.organization_id}/knowledge-websites/{starter['id']}/sync"
        ).status_code
        == 202
    )
    queue.drain()

    summary = _site(people, admin, tenant, starter["id"])
    assert (summary["pages"], summary["pageCap"], summary["pageCapReached"]) == (61, 500, False)


_CHUNKS_OF_PAGE = (
    "SELECT c.id FROM knowledge_chunks c JOIN channel_knowledge k ON k.id = c.knowledge_id WHERE k.source_url = %s"
)


@pytest.mark.usefixtures("private_urls")
def test_sync_now_forgets_removed_pages_and_does_not_embed_unchanged_ones_again(
    db: Db, people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, site.url)
    queue.drain()
    menu_chunks = db.execute(
        _CHUNKS_OF_PAGE,
        (f"{site.url}/menu",),
    ).fetchall()
    del site.pages["/hours"]
    site.html("/", "Café Brisa", "Now also open for brunch on Sundays.", ["/menu", "/hours", "/brunch"])
    site.html("/brunch", "Brunch", "Sunday brunch from 10 am: tostadas, eggs and cafecito.")

    answer = people.post(admin, f"/organizations/{tenant.organization_id}/knowledge-websites/{website['id']}/sync")
    assert answer.status_code == 202
    assert answer.json()["status"] == "syncing"
    queue.drain()

    pages = _pages(people, admin, tenant, website["id"])
    assert f"{site.url}/hours" not in pages  # the site answers 404 for it now
    assert pages[f"{site.url}/brunch"]["status"] == "ready"
    assert "brunch on Sundays" in pages[f"{site.url}/"]["content"]
    assert (
        db.execute(
            _CHUNKS_OF_PAGE,
            (f"{site.url}/menu",),
        ).fetchall()
        == menu_chunks
    )  # its text did not change: its chunks were kept, not made again


@pytest.mark.usefixtures("private_urls")
def test_each_website_is_synced_again_weekly_by_the_schedule(
    db: Db, people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, site.url)
    queue.drain()
    knowledge_sync = load_handler("knowledge_sync")

    assert knowledge_sync({}, LambdaContextStub()) == {"modelChanges": 0, "websiteSyncs": 0}  # synced just now

    db.execute(
        "UPDATE knowledge_websites SET last_synced_at = now() - %s WHERE id = %s",
        (timedelta(days=7, minutes=1), website["id"]),
    )
    site.requested.clear()
    assert knowledge_sync({}, LambdaContextStub()) == {"modelChanges": 0, "websiteSyncs": 1}
    assert knowledge_sync({}, LambdaContextStub()) == {"modelChanges": 0, "websiteSyncs": 0}  # asked once
    queue.drain()

    assert "/robots.txt" in site.requested
    assert "/menu" in site.requested
    assert _site(people, admin, tenant, website["id"])["status"] == "ready"


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",  # link-local: the cloud's metadata service
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
        "http://[64:ff9b::7f00:1]/",  # NAT64 translation of 127.0.0.1
        "http://[ff02::1]/",  # multicast
        "http://127.0.0.1/",
        "http://10.0.0.5/sitemap.xml",
        "https://example.com:8443/",  # a port other than 80 and 443
    ],
)
def test_a_website_at_an_address_that_is_not_public_is_refused(db: Db, tenant: Tenant, url: str) -> None:
    with pytest.raises(InvalidUrl):
        websites.create_website(
            db,
            admin_of(tenant.organization_id),
            tenant.organization_id,
            url=url,
            channel_id=None,
            settings=get_settings(),
        )
    assert db.execute("SELECT count(*) AS n FROM knowledge_websites").fetchone() == {"n": 0}


def test_the_worker_checks_the_address_again_when_it_connects(
    db: Db,
    people: People,
    admin: Person,
    tenant: Tenant,
    site: Site,
    queue: IngestQueue,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    website = _add_site(people, admin, tenant, site.url)  # the local stack's rule, when it was added
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "false")
    get_settings.cache_clear()

    queue.drain()

    assert site.requested == []
    summary = _site(people, admin, tenant, website["id"])
    assert summary["status"] == "failed"
    assert "robots.txt" in summary["error"]
    row = db.execute("SELECT error_reason FROM knowledge_websites WHERE id = %s", (website["id"],)).fetchone()
    assert row == {"error_reason": "robots_unreadable"}
    assert row["error_reason"] != UNREACHABLE


def test_the_failure_is_worded_in_the_callers_language(
    people: People, tenant: Tenant, site: Site, queue: IngestQueue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KNOWLEDGE_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    spanish = people.make(admin_of=[tenant.organization_id], language="es")
    site.pages["/robots.txt"] = (200, "text/plain", "User-agent: *\nDisallow: /\n")
    website = _add_site(people, spanish, tenant, site.url)

    queue.drain()

    answer = people.client.get(
        f"/api/dashboard/organizations/{tenant.organization_id}/knowledge-websites/{website['id']}",
        headers={**spanish.headers, "Accept-Language": "es"},
    )
    assert answer.json()["error"] == "El robots.txt del sitio no permite descargar la página de inicio."


@pytest.mark.usefixtures("private_urls")
def test_another_organisations_website_answers_as_if_it_did_not_exist(
    db: Db, people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, site.url)
    queue.drain()
    beta = create_organization(db, name="Beta")
    outsider = people.make(admin_of=[beta])
    base = f"/organizations/{tenant.organization_id}/knowledge-websites"

    for answer in (
        people.get(outsider, f"{base}/{website['id']}"),
        people.post(outsider, f"{base}/{website['id']}/sync"),
        people.delete(outsider, f"{base}/{website['id']}"),
        people.get(outsider, f"/organizations/{beta}/knowledge-websites/{website['id']}"),
        people.post(outsider, f"/organizations/{beta}/knowledge-websites/{website['id']}/sync"),
        people.delete(outsider, f"/organizations/{beta}/knowledge-websites/{website['id']}"),
    ):
        assert answer.status_code in (403, 404), answer.text
    assert people.get(outsider, f"/organizations/{beta}/knowledge-websites").json() == []
    assert people.get(outsider, f"/organizations/{beta}/knowledge", websiteId=website["id"]).json() == []
    assert (
        people.get(outsider, f"/organizations/{beta}/knowledge-websites/{website['id']}").json()["error"]["code"]
        == "knowledge_website_not_found"
    )
    assert _site(people, admin, tenant, website["id"])["pages"] == 4  # nothing of it changed


@pytest.mark.usefixtures("private_urls")
def test_removing_a_website_removes_its_pages_and_their_chunks(
    db: Db, people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    website = _add_site(people, admin, tenant, site.url)
    queue.drain()

    answer = people.delete(admin, f"/organizations/{tenant.organization_id}/knowledge-websites/{website['id']}")

    assert answer.status_code == 204
    assert db.execute("SELECT count(*) AS n FROM channel_knowledge").fetchone() == {"n": 0}
    assert db.execute("SELECT count(*) AS n FROM knowledge_chunks").fetchone() == {"n": 0}


@pytest.mark.usefixtures("private_urls")
def test_an_answer_from_a_website_page_names_the_page_url_as_its_source(
    people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    _add_site(people, admin, tenant, site.url)
    queue.drain()

    posted = WidgetClient(tenant.public_key, uuid4()).post("How much are the ham croquetas?")

    detail = people.get(admin, f"/conversations/{posted.body['conversationId']}").json()
    _, ai_message = detail["messages"]
    sources = ai_message["knowledgeSources"]
    assert sources, "the answer found no passage"
    assert sources[0]["sourceUrl"] == f"{site.url}/menu"
    assert sources[0]["title"] == "Menu"


@pytest.mark.usefixtures("private_urls")
def test_a_page_that_redirects_off_its_site_is_not_followed(
    people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    # Even where private addresses are allowed (here), a page is kept to its site: a redirect to another
    # host (the same server under another name, which would answer) is not followed.
    site.html("/", "Café Brisa", "A bakery in Little Havana.", ["/menu", "/moved"])
    site.pages["/moved"] = (302, "text/plain", site.url.replace("127.0.0.1", "localhost") + "/menu")
    website = _add_site(people, admin, tenant, site.url)

    queue.drain()

    moved = _pages(people, admin, tenant, website["id"])[f"{site.url}/moved"]
    assert (moved["status"], moved["content"]) == ("failed", "")
    assert "/moved" in site.requested
    assert site.requested.count("/menu") == 1  # its own fetch, not the redirect's


@pytest.mark.usefixtures("private_urls")
def test_the_ai_preview_names_a_website_pages_url_among_its_sources(
    people: People, admin: Person, tenant: Tenant, site: Site, queue: IngestQueue
) -> None:
    _add_site(people, admin, tenant, site.url)
    queue.drain()

    answer = people.post(
        admin, f"/organizations/{tenant.organization_id}/ai-settings/preview", {"message": "Ham croquetas price?"}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["sources"][0]["sourceUrl"] == f"{site.url}/menu"
