"""Email to operators through SES (moto's on a laptop). Each kind of message has its own module with
its English and Spanish text. Emails are sent by listeners (chatflow.listeners), after the write
that caused them committed, never inside anyone's request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatflow.settings import Settings

__all__ = ["Email", "EmailNotSent", "send", "send_all"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str


def send(settings: Settings, email: Email) -> bool:
    """Send one email; False (and a warning without the address) when SES refuses or is unreachable."""
    # Imported here: botocore is tens of ms of a cold start, and the package's message modules (the
    # Cognito trigger's password-reset text, the notices' wording) are imported where nothing is sent.
    from botocore.exceptions import BotoCoreError, ClientError

    from chatflow.aws import client

    try:
        client("ses", settings.aws_region).send_email(
            Source=settings.ses_sender,
            Destination={"ToAddresses": [email.to]},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"}},
            },
        )
    except (ClientError, BotoCoreError) as exc:
        _logger.warning("email not sent", extra={"subject": email.subject, "reason": type(exc).__name__})
        return False
    return True


class EmailNotSent(Exception):
    """Some emails of a batch were refused or not delivered (a listener raises it to be retried)."""


def send_all(settings: Settings, emails: list[Email]) -> None:
    """Send each email; raise EmailNotSent when any was not sent (the others were)."""
    unsent = sum(1 for email in emails if not send(settings, email))
    if unsent:
        raise EmailNotSent(f"{unsent} of {len(emails)} emails not sent")
