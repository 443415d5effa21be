"""Who sees which figures: an organisation's members and super admins see that organisation's; with
no organisation named, the caller sees those of all its organisations (every one for a super admin)."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.stats import repository as repo
from chatflow.stats.models import Figures

__all__ = ["MAX_DAYS", "figures"]

MAX_DAYS = 365


def figures(conn: Connection, caller: Caller, *, organization_id: UUID | None, days: int) -> Figures:
    """The figures of one organisation, or of every organisation of the caller (None), over the last
    `days` days (1 to MAX_DAYS)."""
    if organization_id is not None:
        caller.require_member(organization_id)
    organization_ids = [organization_id] if organization_id is not None else caller.scope
    return repo.load_figures(conn, organization_ids, days=max(1, min(days, MAX_DAYS)))
