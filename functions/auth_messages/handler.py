"""Cognito's CustomMessage trigger: the words of the emails Cognito itself sends.

Only the password-reset email is ours to word (invitations go out through SES, written by
chatflow.notifications): in the language the dashboard passed with the request (`clientMetadata`),
else the user's `locale` attribute, else English. Cognito puts the code where its `codeParameter`
stands. Every other message keeps Cognito's default. No database, no secrets: it answers within
Cognito's five seconds from a cold start.
"""

import gc
import os

# The cyclic collector waits while the cold start imports (it would scan the growing heap again and
# again: 5-45 ms of CPU per function here), and what the import built is then frozen out of its reach
# (gc.freeze at the end of this module): it lives as long as the process (docs/benchmarks.md).
gc.disable()
# No pydantic plugin is used: without this, the first model built reads every installed package's
# entry points to look for one (10-17 ms of CPU here).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

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


# The end of the cold start's imports (gc.disable above): what they built lives as long as the process.
gc.freeze()
gc.enable()
