"""Links from an email into the operators' app: in the reader's language (the app's first path
segment), and on the organisation the email is about (`?org=`, which the app selects), so that a
link opens the page it names whichever organisation the reader last looked at."""

from __future__ import annotations

from urllib.parse import quote, urlencode
from uuid import UUID

from chatflow.settings import Settings

__all__ = ["dashboard_link"]


def dashboard_link(
    settings: Settings,
    language: str,
    page: str,
    *,
    organization_id: UUID | None = None,
    fragment: str | None = None,
) -> str:
    """`page` is one of the app's routes under its language ("login", "usage", "conversations/<id>")."""
    lang = "es" if language == "es" else "en"
    link = f"{settings.dashboard_url.rstrip('/')}/{lang}/{page}"
    if organization_id is not None:
        link += "?" + urlencode({"org": str(organization_id)})
    if fragment is not None:
        link += "#" + quote(fragment, safe="")
    return link
