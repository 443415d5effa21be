"""Cognito's CustomMessage trigger: the words of the emails Cognito itself sends.

Only the password-reset email is ours to word (invitations go out through SES, written by
chatflow.notifications): in the language the dashboard passed with the request (`clientMetadata`),
else the user's `locale` attribute, else English. Cognito puts the code where its `codeParameter`
stands. Every other message keeps Cognito's default. No database, no secrets: it answers within
Cognito's five seconds from a cold start.
"""

from chatflow import cold_start  # first: chatflow.cold_start says why

# isort: split
from typing import Any

from chatflow.languages import DEFAULT_LANGUAGE, normalize_language
from chatflow.notifications.password_reset import password_reset_message

RESET_CODE_MESSAGE = "CustomMessage_ForgotPassword"  # a trigger source, not a password


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    if event.get("triggerSource") != RESET_CODE_MESSAGE:
        return event
    request = event.get("request") or {}
    language = (
        normalize_language((request.get("clientMetadata") or {}).get("language"))
        or normalize_language((request.get("userAttributes") or {}).get("locale"))
        or DEFAULT_LANGUAGE
    )
    message = password_reset_message(language, str(request.get("codeParameter") or "{####}"))
    event["response"] = {**(event.get("response") or {}), "emailSubject": message.subject, "emailMessage": message.html}
    return event


cold_start.finished()
