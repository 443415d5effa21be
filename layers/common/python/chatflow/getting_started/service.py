"""A new organisation's getting-started checklist: describe the business, add knowledge, create the
website channel, install its snippet, a first message, a teammate. Each step ticks itself from what
exists; nothing is ticked by hand. Members read it; admins put it away (or bring it back)."""

from __future__ import annotations

from uuid import UUID

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound
from chatflow.getting_started import repository as repo
from chatflow.getting_started.models import STEPS, GettingStarted, Step

__all__ = ["get_getting_started", "set_dismissed"]


def get_getting_started(conn: Connection, caller: Caller, organization_id: UUID) -> GettingStarted:
    caller.require_member(organization_id)
    state = repo.select_state(conn, organization_id)
    if state is None:
        raise OrganizationNotFound()
    done = {**state, "install": state["widget_seen_at"] is not None or state["chatted_from_a_page"]}
    return GettingStarted(
        steps=[Step(key=key, done=bool(done[key])) for key in STEPS],
        dismissed=state["dismissed"],
        widget_seen_at=state["widget_seen_at"],
        widget_seen_origin=state["widget_seen_origin"],
        website_channel_id=state["website_channel_id"],
    )


def set_dismissed(conn: Connection, caller: Caller, organization_id: UUID, *, dismissed: bool) -> GettingStarted:
    caller.require_admin(organization_id)
    repo.dismiss(conn, organization_id, dismissed)
    return get_getting_started(conn, caller, organization_id)
