"""One attempt at a delivery: sign it per Standard Webhooks and POST it to the receiver.

The receiver's host is resolved here, each address is checked with the knowledge fetcher's rule
(chatflow.knowledge.sources.is_public: global unicast only, nothing that embeds or translates
another address; refused unless the local stack allows private ones), and the connection goes to
the very address that was checked (the Host header and TLS name stay the receiver's), so that DNS
cannot answer one address to the check and another to the connect. Redirects are not followed: a
3xx is a failed attempt.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
from standardwebhooks.webhooks import Webhook

from chatflow.knowledge.sources import is_public, resolved_addresses
from chatflow.settings import Settings
from chatflow.webhooks.models import RESPONSE_EXCERPT_BYTES, AttemptResult

__all__ = ["NotPublic", "check_destination", "post", "signature_header"]

_USER_AGENT = "ChatFlow360-webhooks/1.0"
# The longest Retry-After honoured; a receiver asking for more waits for the schedule's next step.
_MAX_RETRY_AFTER_SECONDS = 36_000.0
# Addresses of one host tried in one attempt (an IPv6 one unreachable from here, then the IPv4 one).
_MAX_ADDRESSES = 3


class NotPublic(Exception):
    """The URL's host cannot be resolved, or resolves to an address the sender must not reach."""


def signature_header(secrets: Sequence[str], *, message_id: str, timestamp: datetime, body: str) -> str:
    """`webhook-signature`: one `v1,<base64>` per secret (two during a rotation's overlap), space-separated."""
    return " ".join(Webhook(secret).sign(message_id, timestamp, body) for secret in secrets)


def check_destination(url: str, settings: Settings) -> list[str]:
    """The addresses to connect to for this URL, each one public by the knowledge fetcher's rule
    (`is_public`), or anything where the settings allow private destinations. Raises NotPublic."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolved_addresses(host, port)
    if not addresses:
        raise NotPublic("The host cannot be resolved.")
    if not settings.webhooks_private_destinations and not all(is_public(address) for address in addresses):
        raise NotPublic("The URL points to a private or loopback address.")
    return [str(address) for address in addresses]


def post(
    url: str,
    body: str,
    *,
    message_id: str,
    secrets: Sequence[str],
    settings: Settings,
    timeout: float,
) -> AttemptResult:
    """POST the body, signed now, to the checked addresses of the URL's host in turn (the next one
    only when a connection cannot be made), all within `timeout`."""
    started = time.monotonic()
    try:
        addresses = check_destination(url, settings)
    except NotPublic as exc:
        return AttemptResult(status=None, latency_ms=_since(started), excerpt=str(exc))
    timestamp = datetime.now(UTC)
    target = httpx.URL(url)
    headers = {
        "Host": target.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": _USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets, message_id=message_id, timestamp=timestamp, body=body),
    }
    extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
    failure = "Not delivered (ConnectError)."
    for address in addresses[:_MAX_ADDRESSES]:
        left = timeout - (time.monotonic() - started)
        if left <= 0:
            break
        try:
            with (
                httpx.Client(timeout=left, follow_redirects=False, trust_env=False) as client,
                client.stream(
                    "POST",
                    target.copy_with(host=address),
                    content=body.encode(),
                    headers=headers,
                    extensions=extensions,
                ) as response,
            ):
                first = bytearray()
                for chunk in response.iter_bytes():
                    first += chunk
                    if len(first) >= RESPONSE_EXCERPT_BYTES:
                        break
                return AttemptResult(
                    status=response.status_code,
                    latency_ms=_since(started),
                    excerpt=bytes(first[:RESPONSE_EXCERPT_BYTES]).decode("utf-8", errors="replace"),
                    retry_after_seconds=_retry_after(response) if response.status_code in (429, 503) else None,
                )
        except httpx.ConnectError:
            continue  # refused or unreachable: the host's next address
        except httpx.TimeoutException:
            return AttemptResult(status=None, latency_ms=_since(started), excerpt=f"No answer within {timeout:g} s.")
        except httpx.HTTPError as exc:
            failure = f"Not delivered ({type(exc).__name__})."
            break
    return AttemptResult(status=None, latency_ms=_since(started), excerpt=failure)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds (a number, or an HTTP date), capped; None when absent or unreadable."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER_SECONDS)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), _MAX_RETRY_AFTER_SECONDS)
