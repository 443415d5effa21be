"""The email an organisation's admins get when the sender disables one of its webhook endpoints
because every delivery to it has failed for days, in each admin's language."""

from __future__ import annotations

import logging
from uuid import UUID

from chatflow.db import Connection
from chatflow.notifications import Email, EmailNotSent, send_all
from chatflow.settings import Settings
from chatflow.webhooks import repository as repo

__all__ = ["email_admins_endpoint_disabled"]

_logger = logging.getLogger(__name__)

_SUBJECT = {
    "en": "[{organization}] A webhook endpoint was disabled",
    "es": "[{organization}] Se desactivó un destino de webhook",
}
_BODY = {
    "en": (
        "Hello,\n\n"
        "Every delivery to this webhook endpoint of {organization} has failed for five days, so ChatFlow360 has "
        "stopped sending to it:\n\n    {url}\n\n"
        "Its recent deliveries show what it answered. Once it works again, enable it in the dashboard; "
        "deliveries still waiting will be sent then:\n{link}\n\n"
        "The ChatFlow360 team"
    ),
    "es": (
        "Hola:\n\n"
        "Todos los envíos a este destino de webhook de {organization} han fallado durante cinco días, así que "
        "ChatFlow360 ha dejado de enviarle eventos:\n\n    {url}\n\n"
        "Sus envíos recientes muestran qué respondió. Cuando vuelva a funcionar, actívalo en el panel; "
        "los envíos pendientes saldrán entonces:\n{link}\n\n"
        "El equipo de ChatFlow360"
    ),
}


def email_admins_endpoint_disabled(conn: Connection, endpoint_id: UUID, settings: Settings) -> None:
    """Never raises: the endpoint is disabled whether or not the mail goes out (a warning says so)."""
    row = conn.execute("SELECT organization_id, url FROM webhook_endpoints WHERE id = %s", (endpoint_id,)).fetchone()
    if row is None:
        return
    organization, recipients = repo.admin_recipients(conn, row["organization_id"])
    emails = []
    for address, language in recipients:
        lang = "es" if language == "es" else "en"
        values = {
            "organization": organization,
            "url": row["url"],
            "link": f"{settings.dashboard_url.rstrip('/')}/{lang}/organizations/{row['organization_id']}/webhooks",
        }
        emails.append(Email(to=address, subject=_SUBJECT[lang].format(**values), text=_BODY[lang].format(**values)))
    try:
        send_all(settings, emails)
    except EmailNotSent:
        _logger.warning(
            "webhook endpoint disabled; its admins were not all told", extra={"endpoint_id": str(endpoint_id)}
        )
