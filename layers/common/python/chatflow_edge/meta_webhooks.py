"""Reading Meta's webhook requests (API Gateway proxy events) for functions/meta_webhooks: which
kind the path names, the verification query, the raw body exactly as Meta signed it, its signature."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from chatflow.meta import MetaKind
from chatflow.meta.receiving import MAX_WEBHOOK_BYTES
from chatflow_edge.errors import BodyTooLarge

__all__ = ["kind_of", "raw_body", "signature_of", "subscription_query"]


def kind_of(event: dict[str, Any]) -> MetaKind | None:
    path = str(event.get("resource") or event.get("path") or "")
    if path.endswith("/whatsapp"):
        return "whatsapp"
    if path.endswith("/messenger"):
        return "messenger"
    return None


def subscription_query(event: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """hub.mode, hub.verify_token, hub.challenge."""
    query = event.get("queryStringParameters") or {}
    return query.get("hub.mode"), query.get("hub.verify_token"), query.get("hub.challenge")


def raw_body(event: dict[str, Any]) -> bytes:
    """The body's bytes, not re-serialised (the signature is over them); BodyTooLarge past the limit,
    checked before decoding. Broken base64 is an empty body, which no signature matches."""
    body = event.get("body") or ""
    if len(body) > (MAX_WEBHOOK_BYTES + 2) // 3 * 4 + 4:
        raise BodyTooLarge(MAX_WEBHOOK_BYTES)
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error):
            return b""
    else:
        raw = body.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_WEBHOOK_BYTES:
        raise BodyTooLarge(MAX_WEBHOOK_BYTES)
    return raw


def signature_of(event: dict[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    for name, value in headers.items():
        if name.lower() == "x-hub-signature-256":
            return str(value)
    return None
