"""Usage and billing as the dashboard reads them: an organisation's months against its plan, and
every organisation's month. The counts are written by the chat path itself, in the statement of the
write they count (repository.COUNT_USAGE_SQL); this module only reads them.

Plans are not kept per month: every month is measured against the organisation's plan today.
An organisation's members read its usage; only a super admin reads every organisation's."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from chatflow.access import Caller
from chatflow.billing import repository
from chatflow.billing.models import OrganizationUsage
from chatflow.db import Connection
from chatflow.errors import OrganizationNotFound

__all__ = ["MAX_MONTHS", "organization_usage", "usage_this_month"]

MAX_MONTHS = 24


def organization_usage(conn: Connection, caller: Caller, organization_id: UUID, *, months: int) -> OrganizationUsage:
    """Its members and super admins: this month and the `months - 1` before it, newest first;
    OrganizationNotFound when the organisation is missing or not the caller's."""
    caller.require_member(organization_id)
    usage = repository.organization_months(
        conn, organization_id=organization_id, months=max(1, min(months, MAX_MONTHS)), scope=caller.scope
    )
    if usage is None:
        raise OrganizationNotFound()
    return usage


def usage_this_month(conn: Connection, caller: Caller) -> tuple[date, list[OrganizationUsage]]:
    """Super admin: this month and every organisation's usage in it, by name."""
    caller.require_super_admin()
    return repository.every_organization_this_month(conn)
