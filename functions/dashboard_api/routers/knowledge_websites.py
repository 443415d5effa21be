"""An organisation's website sources (issue #17, item 3): a start URL or a sitemap, crawled in the
ingest worker (never in the request), each page a knowledge entry listed with
`GET …/knowledge?websiteId=`. Org admins and super admins add, sync and remove; agents read."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, BackgroundTasks, status
from pydantic import Field, StringConstraints

from chatflow import outbox
from chatflow.knowledge import websites
from chatflow.knowledge.sources import failure_message
from chatflow.text import Storable
from chatflow.vocabulary import Language
from dependencies import AppSettings, CallerLanguage, CurrentCaller, Db, accepts_api_token
from schemas import SIGNED_IN_ERRORS, Schema

router = APIRouter(
    prefix="/organizations/{organization_id}/knowledge-websites", tags=["knowledge"], responses=SIGNED_IN_ERRORS
)

Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000, pattern=r"^https?://\S+$"), Storable]


class WebsiteCreate(Schema):
    url: Url = Field(description="The start page (its same-site links are followed) or a sitemap (.xml).")
    channel_id: UUID | None = Field(default=None, description="null: organisation-wide, for all its channels.")


class WebsiteOut(Schema):
    id: UUID
    organization_id: UUID
    channel_id: UUID | None
    start_url: str
    mode: Literal["links", "sitemap"] = Field(description="links: from the start page; sitemap: its pages.")
    status: Literal["pending", "syncing", "ready", "failed"] = Field(
        description="syncing while its first step runs or any page waits to be fetched or embedded."
    )
    error: str | None = Field(default=None, description="Why the sync failed, in the caller's language.")
    page_cap: int = Field(description="The pages the plan allows, for all the organisation's sites together.")
    page_cap_reached: bool = Field(description="The last sync found more pages than the cap left room for.")
    pages: int
    pages_ready: int
    pages_pending: int
    pages_failed: int
    last_synced_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, website: websites.Website, language: Language, *, page_cap: int) -> WebsiteOut:
        syncing = website.status in ("pending", "syncing") or website.pages_pending > 0
        return cls(
            id=website.id,
            organization_id=website.organization_id,
            channel_id=website.channel_id,
            start_url=website.start_url,
            mode="sitemap" if website.mode == "sitemap" else "links",
            status="failed" if website.status == "failed" else "syncing" if syncing else "ready",
            error=failure_message(website.error_reason, website.error_values, language)
            if website.error_reason
            else None,
            page_cap=page_cap,
            page_cap_reached=website.page_cap_reached,
            pages=website.pages,
            pages_ready=website.pages_ready,
            pages_pending=website.pages_pending,
            pages_failed=website.pages_failed,
            last_synced_at=website.last_synced_at,
            created_at=website.created_at,
        )


def _plan(db: Db, organization_id: UUID) -> str:
    row = db.execute("SELECT plan FROM organizations WHERE id = %s", (organization_id,)).fetchone()
    return str(row["plan"]) if row is not None else "starter"


@router.get("", response_model=list[WebsiteOut], **accepts_api_token("knowledge:read"))
def list_websites(organization_id: UUID, caller: CurrentCaller, db: Db, language: CallerLanguage) -> list[WebsiteOut]:
    """Members: the organisation's sites, newest first, with their pages counted by status."""
    found = websites.list_websites(db, caller, organization_id)
    cap = websites.page_cap(_plan(db, organization_id))
    return [WebsiteOut.of(w, language, page_cap=cap) for w in found]


@router.post("", response_model=WebsiteOut, status_code=status.HTTP_201_CREATED, **accepts_api_token("knowledge:write"))
def create_website(
    organization_id: UUID,
    body: WebsiteCreate,
    caller: CurrentCaller,
    db: Db,
    settings: AppSettings,
    background: BackgroundTasks,
    language: CallerLanguage,
) -> WebsiteOut:
    """Org admin: a site to learn from, crawled at once in the background and again every week.
    400 invalid_url (not http(s), or not a public address); 404 channel_not_found."""
    website, event_id = websites.create_website(
        db, caller, organization_id, url=body.url, channel_id=body.channel_id, settings=settings
    )
    # Background tasks run once the transaction has committed: the worker always finds the site.
    background.add_task(outbox.signal, [event_id])
    return WebsiteOut.of(website, language, page_cap=websites.page_cap(_plan(db, organization_id)))


@router.get("/{website_id}", response_model=WebsiteOut, **accepts_api_token("knowledge:read"))
def get_website(
    organization_id: UUID, website_id: UUID, caller: CurrentCaller, db: Db, language: CallerLanguage
) -> WebsiteOut:
    website = websites.get_website(db, caller, organization_id, website_id)
    return WebsiteOut.of(website, language, page_cap=websites.page_cap(_plan(db, organization_id)))


@router.post(
    "/{website_id}/sync",
    response_model=WebsiteOut,
    status_code=status.HTTP_202_ACCEPTED,
    **accepts_api_token("knowledge:write"),
)
def sync_website(
    organization_id: UUID,
    website_id: UUID,
    caller: CurrentCaller,
    db: Db,
    background: BackgroundTasks,
    language: CallerLanguage,
) -> WebsiteOut:
    """Org admin: "sync now": the site is crawled again in the background (robots.txt, then its pages;
    a page whose text did not change is not embedded again)."""
    website, event_id = websites.request_sync(db, caller, organization_id, website_id)
    background.add_task(outbox.signal, [event_id])
    return WebsiteOut.of(website, language, page_cap=websites.page_cap(_plan(db, organization_id)))


@router.delete("/{website_id}", status_code=status.HTTP_204_NO_CONTENT, **accepts_api_token("knowledge:write"))
def delete_website(organization_id: UUID, website_id: UUID, caller: CurrentCaller, db: Db) -> None:
    """Org admin: the site and all its pages; the chat stops answering from them at once."""
    websites.delete_website(db, caller, organization_id, website_id)
