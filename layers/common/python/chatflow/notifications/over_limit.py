"""The email an organisation's admins get the first time a month's conversations pass the plan:
once a month, whatever the number of requests racing past the limit together. Nobody is cut off.

The opening message's statement returns the month's count and whether the notice went out, so
under the limit (and after the notice) this costs no round trip at all; past it, one statement
claims the notice (`over_limit_notified_at IS NULL` → now(), under the row's lock) and writes the
usage.limit_exceeded event: only the request that claimed it reports it, and the listener
chatflow.listeners.email_admins_over_limit writes the emails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import cast
from uuid import UUID

from psycopg import sql

from chatflow.billing import OVERAGE_BLOCK_CONVERSATIONS, OVERAGE_BLOCK_PRICE_USD, PLAN_CONVERSATION_LIMITS
from chatflow.db import Connection
from chatflow.notifications import Email
from chatflow.notifications.links import dashboard_link
from chatflow.outbox import UsageLimitExceeded
from chatflow.outbox import repository as outbox
from chatflow.settings import Settings
from chatflow.vocabulary import Plan

__all__ = ["OverLimitNotice", "claim_over_limit_notice", "load_over_limit_notice", "over_limit_emails"]


@dataclass(frozen=True, slots=True)
class OverLimitNotice:
    organization_name: str
    plan: Plan
    month: date
    conversations: int
    recipients: list[tuple[str, str]]  # (email, preferred language)


_CLAIM = sql.SQL("""
WITH claimed AS (
    UPDATE usage_tracking u SET over_limit_notified_at = now()
    FROM organizations o
    WHERE u.organization_id = %(organization_id)s AND o.id = u.organization_id
      AND u.month = %(month)s
      AND u.over_limit_notified_at IS NULL
      AND u.conversations > CASE o.plan WHEN 'starter' THEN %(starter)s WHEN 'pro' THEN %(pro)s
                                        ELSE %(growth)s END
    RETURNING u.organization_id
), {events}
SELECT count(*) AS claimed FROM claimed
""").format(events=outbox.events_when("claimed"))


def claim_over_limit_notice(conn: Connection, event: UsageLimitExceeded) -> bool:
    """Mark the month's notice as sent and write its event; False when it was already claimed (or
    the month is not over the plan). Committed on its own on an autocommit connection."""
    row = conn.execute(
        _CLAIM,
        {
            "organization_id": event.organization_id,
            "month": event.month,
            "starter": PLAN_CONVERSATION_LIMITS["starter"],
            "pro": PLAN_CONVERSATION_LIMITS["pro"],
            "growth": PLAN_CONVERSATION_LIMITS["growth"],
            "events": outbox.records([event]),
        },
    ).fetchone()
    return row is not None and row["claimed"] > 0


_RECIPIENTS = """
SELECT o.name, u.email, u.preferred_language
FROM organizations o
LEFT JOIN organization_members om ON om.organization_id = o.id AND om.role = 'admin'
LEFT JOIN users u ON u.id = om.user_id AND u.active
WHERE o.id = %(organization_id)s
ORDER BY u.email
"""


def load_over_limit_notice(conn: Connection, event: UsageLimitExceeded) -> OverLimitNotice | None:
    """What the event's emails say and to whom; None when the organisation is gone."""
    rows = conn.execute(_RECIPIENTS, {"organization_id": event.organization_id}).fetchall()
    if not rows:
        return None
    return OverLimitNotice(
        organization_name=rows[0]["name"],
        plan=cast(Plan, event.plan),
        month=event.month,
        conversations=event.conversations,
        recipients=[(r["email"], r["preferred_language"]) for r in rows if r["email"] is not None],
    )


_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}

_MONTH_FORMAT = {"en": "{name} {year}", "es": "{name} de {year}"}

_PLAN_NAMES = {"starter": "Starter", "pro": "Pro", "growth": "Growth"}

_SUBJECT = {
    "en": "[{organization}] This month's conversations passed your plan ({limit})",
    "es": "[{organization}] Las conversaciones de este mes superaron tu plan ({limit})",
}

_BODY = {
    "en": (
        "{organization} has had {conversations} conversations in {month}, over the {limit} included in "
        "the {plan} plan.\n\n"
        "Nobody is cut off: your visitors keep chatting and every conversation is counted. Each started "
        "block of {block} conversations over the plan costs ${price}.\n\n"
        "See your usage or change your plan: {link}\n\n"
        "The ChatFlow360 team"
    ),
    "es": (
        "{organization} lleva {conversations} conversaciones en {month}, por encima de las {limit} "
        "incluidas en el plan {plan}.\n\n"
        "Nadie se queda sin atención: tus visitantes siguen conversando y cada conversación se cuenta. "
        "Cada bloque iniciado de {block} conversaciones por encima del plan cuesta {price} USD.\n\n"
        "Consulta tu consumo o cambia de plan: {link}\n\n"
        "El equipo de ChatFlow360"
    ),
}


def over_limit_emails(notice: OverLimitNotice, settings: Settings, *, organization_id: UUID) -> list[Email]:
    emails = []
    for address, language in notice.recipients:
        lang = "es" if language == "es" else "en"
        month = _MONTH_FORMAT[lang].format(name=_MONTHS[lang][notice.month.month - 1], year=notice.month.year)
        values = {
            "organization": notice.organization_name,
            "conversations": str(notice.conversations),
            "limit": str(PLAN_CONVERSATION_LIMITS[notice.plan]),
            "plan": _PLAN_NAMES[notice.plan],
            "month": month,
            "block": str(OVERAGE_BLOCK_CONVERSATIONS),
            "price": str(OVERAGE_BLOCK_PRICE_USD),
            "link": dashboard_link(settings, lang, "usage", organization_id=organization_id),
        }
        emails.append(Email(to=address, subject=_SUBJECT[lang].format(**values), text=_BODY[lang].format(**values)))
    return emails
