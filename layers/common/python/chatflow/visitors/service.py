"""An organisation's visitors, as its members (and API tokens with contacts:read) read them: each
visitor of each channel once, most recently seen first, with the identity its business signed when
there is one (chatflow.visitor_identity)."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound
from chatflow.visitors import repository as repo
from chatflow.visitors.models import MAX_PAGE_SIZE, Visitor

__all__ = ["list_visitors"]


def list_visitors(
    conn: Connection,
    caller: Caller,
    organization_id: UUID,
    *,
    verified_only: bool = False,
    limit: int = 50,
    search: str | None = None,
) -> list[Visitor]:
    """Members: the organisation's visitors, most recently seen first; `search` finds one by its
    visitor id, a verified user's id, or part of their email or name (an admin's first step to
    export or erase a visitor's data)."""
    caller.require_member(organization_id)
    if conn.execute("SELECT FROM organizations WHERE id = %s", (organization_id,)).fetchone() is None:
        raise OrganizationNotFound()
    return repo.select_visitors(
        conn, organization_id, verified_only=verified_only, limit=max(1, min(limit, MAX_PAGE_SIZE)), search=search
    )
