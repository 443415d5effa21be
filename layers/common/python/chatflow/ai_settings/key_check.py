"""A key is checked before it is kept: one cheap authenticated call to the provider (`models.list`,
with a short timeout and no retry). A key the provider rejects (401/403) is refused, with the
provider's reason, and never stored; a provider that cannot be reached (a timeout, a 5xx, a 429)
proves nothing either way, so the key is stored with a warning that says so."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from chatflow.errors import InvalidInput
from chatflow.settings import Settings

__all__ = ["KEY_CHECK_TIMEOUT_SECONDS", "InvalidApiKey", "KeyCheck", "check_api_key"]

_logger = logging.getLogger(__name__)

KEY_CHECK_TIMEOUT_SECONDS = 5.0
# Anything in a provider's message that looks like a key, even masked as OpenAI masks them.
_KEYISH = re.compile(r"\b(sk|pk|rk)[-_][\w\-*.]{4,}", re.IGNORECASE)
_REASON_CHARS = 300


class InvalidApiKey(InvalidInput):
    """The provider rejected the key (its reason in `reason`): 400, as any invalid field."""

    code = "invalid_api_key"

    def __init__(self, reason: str) -> None:
        super().__init__(reason=reason)


@dataclass(frozen=True, slots=True)
class KeyCheck:
    outcome: Literal["accepted", "unreachable"]

    @property
    def warning(self) -> Literal["provider_unreachable"] | None:
        return "provider_unreachable" if self.outcome == "unreachable" else None


def check_api_key(api_key: str, settings: Settings) -> KeyCheck:
    """`accepted`, or `unreachable`; InvalidApiKey (with the provider's reason) when it is rejected."""
    import openai

    client = openai.OpenAI(
        api_key=api_key, base_url=settings.openai_base_url, timeout=KEY_CHECK_TIMEOUT_SECONDS, max_retries=0
    )
    try:
        client.models.list()
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise InvalidApiKey(_reason(exc)) from None
    except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
        _logger.warning("the provider could not check a key", extra={"reason": type(exc).__name__})
        return KeyCheck("unreachable")
    finally:
        client.close()
    return KeyCheck("accepted")


def _reason(exc: Exception) -> str:
    """The provider's own words, without anything that looks like a key, bounded."""
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        status = getattr(exc, "status_code", None)
        message = f"the provider answered {status}"
    cleaned = _KEYISH.sub("[key]", " ".join(message.split()))
    return cleaned[:_REASON_CHARS]
