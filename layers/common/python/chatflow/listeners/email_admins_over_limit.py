"""The organisation's admins learn by email that the month's conversations passed their plan's."""

from __future__ import annotations

from collections.abc import Sequence

from chatflow.db import Connection
from chatflow.notifications import send_all
from chatflow.notifications.over_limit import load_over_limit_notice, over_limit_emails
from chatflow.outbox import DomainEvent, UsageLimitExceeded, listener
from chatflow.settings import get_settings

__all__ = ["email_admins_over_limit"]


@listener(UsageLimitExceeded)
def email_admins_over_limit(conn: Connection, events: Sequence[DomainEvent]) -> None:
    settings = get_settings()
    for event in events:
        assert isinstance(event, UsageLimitExceeded)
        notice = load_over_limit_notice(conn, event)
        if notice is not None:
            send_all(settings, over_limit_emails(notice, settings, organization_id=event.organization_id))
