"""Reports: an organisation's conversations over a period of its own days, against the period before,
by language, agent, model, hour and day; the rows behind them for export; the price table that
turns tokens into money. Members read their organisations' reports; super admins every one's, and
the price table is theirs to edit."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from chatflow import audit
from chatflow.access import Caller
from chatflow.db import Connection, connection
from chatflow.errors import InvalidInput, OrganizationNotFound
from chatflow.reports import repository as repo
from chatflow.reports.models import LIST_PRICES, MAX_DAYS, ModelPrice, Report, ReportQuery

__all__ = [
    "conversation_rows",
    "model_prices",
    "refresh_marked_days",
    "report",
    "set_model_price",
    "set_time_zone",
    "time_zone",
]

# The scheduled sweep's batch: a month of days in one short transaction.
_SWEEP_BATCH_DAYS = 31


def _scope(conn: Connection, caller: Caller, query: ReportQuery) -> tuple[list[UUID] | None, str | None]:
    """The organisations read, and their time zone (None for several: each counts its own days)."""
    if query.last < query.first:
        raise InvalidInput("to: must not be before from", variant="field", field="to")
    if (query.last - query.first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"to: at most {MAX_DAYS} days after from", variant="field", field="to")
    if query.organization_id is None:
        return caller.scope, None
    caller.require_member(query.organization_id)
    time_zone = repo.time_zone_of(conn, query.organization_id)
    if time_zone is None:
        raise OrganizationNotFound()
    return [query.organization_id], time_zone


def report(conn: Connection, caller: Caller, query: ReportQuery) -> Report:
    organization_ids, time_zone = _scope(conn, caller, query)
    figures = repo.load_report(conn, organization_ids, query)
    return Report(query=query, time_zone=time_zone, figures=figures)


def conversation_rows(conn: Connection, caller: Caller, query: ReportQuery) -> list[dict[str, Any]]:
    """The period's conversations with what each came to: the rows behind the figures."""
    organization_ids, _ = _scope(conn, caller, query)
    return repo.load_rows(conn, organization_ids, query)


def model_prices(conn: Connection, caller: Caller) -> list[ModelPrice]:
    """What the AI's tokens are counted at: every model the code has a list price for, and every one a
    super admin priced. Every member may see it."""
    del caller
    set_by_admin = {row["model"]: row for row in repo.select_prices(conn)}
    return [
        ModelPrice(
            model=model,
            usd_per_million_tokens=float(set_by_admin[model]["usd_per_million_tokens"])
            if model in set_by_admin
            else LIST_PRICES[model],
            list_price=LIST_PRICES.get(model),
            updated_at=set_by_admin[model]["updated_at"] if model in set_by_admin else None,
        )
        for model in sorted(set(LIST_PRICES) | set(set_by_admin))
    ]


def set_model_price(conn: Connection, caller: Caller, model: str, usd_per_million_tokens: float) -> list[ModelPrice]:
    caller.require_super_admin()
    repo.upsert_price(conn, model, usd_per_million_tokens)
    return model_prices(conn, caller)


def time_zone(conn: Connection, caller: Caller, organization_id: UUID) -> str:
    """The organisation's time zone, whose days and hours its reports count in. Its members read it."""
    caller.require_member(organization_id)
    zone = repo.time_zone_of(conn, organization_id)
    if zone is None:
        raise OrganizationNotFound()
    return zone


def set_time_zone(conn: Connection, caller: Caller, organization_id: UUID, zone: str) -> str:
    """Org admin: an IANA time zone (InvalidInput, field timeZone, otherwise). Every day of the
    organisation is counted again in it on the next report; recorded in the audit log."""
    # Here, not at the top: the dispatch function imports this package (its listener) and needs none of it.
    from chatflow.business_hours.schedule import check_time_zone

    caller.require_admin(organization_id)
    zone = check_time_zone(zone)
    before = repo.time_zone_of(conn, organization_id)
    if before == zone:  # nothing to count again
        return zone
    changed = repo.change_time_zone(conn, organization_id, zone)
    if before is None or changed is None:
        raise OrganizationNotFound()
    audit.record(
        conn,
        action="organization.time_zone_changed",
        organization_id=organization_id,
        actor=caller,
        details={"from": before, "to": changed},
    )
    return changed


def refresh_marked_days(*, batches: int = 24) -> int:
    """The scheduled run (functions/cleanup): remake the rollups of the days marked as changed, a
    month of days per transaction, so that a report finds only what changed since the last run to
    remake (a new time zone or a migration marks a busy organisation's every day: too much for one
    request). How many days it remade."""
    remade = 0
    for _ in range(batches):
        with connection() as conn:
            done = repo.refresh_some(conn, _SWEEP_BATCH_DAYS)
        remade += done
        if done < _SWEEP_BATCH_DAYS:
            break
    return remade
