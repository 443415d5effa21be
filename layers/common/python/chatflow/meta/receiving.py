"""Meta's webhooks in: the subscription handshake and the signature (functions/meta_webhooks).

`receive` checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw body) against the app secret of every
connected channel of that type, in constant time, before the body is read: a webhook is handled only
for the channels whose secret signed it, so a webhook naming another organisation's number never
lands there. It then queues the body (INBOUND_QUEUE_URL) and returns, so that Meta gets its 200 at
once; functions/meta_inbound handles it (chatflow.meta.webhooks). Kept apart from that module, whose
conversation pipeline the receiver would otherwise import at every cold start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from uuid import UUID

from chatflow.crypto import EncryptionKeyError, decrypt
from chatflow.db import connection
from chatflow.errors import EncryptionUnavailable, InvalidSignature, SubscriptionRefused
from chatflow.meta import repository as repo
from chatflow.meta.models import MetaKind
from chatflow.secrets import encryption_key
from chatflow.settings import Settings, get_settings

__all__ = ["MAX_WEBHOOK_BYTES", "parse_inbound", "receive", "subscribe"]

_logger = logging.getLogger(__name__)

# Meta's webhooks are a few kilobytes; a batch of a hundred messages is well under this. It must fit
# an SQS message (256 KiB) with its envelope.
MAX_WEBHOOK_BYTES = 192 * 1024
_SIGNATURE_PREFIX = "sha256="


def subscribe(kind: MetaKind, *, mode: str | None, verify_token: str | None, challenge: str | None) -> str:
    """Meta's verification: the challenge to echo when the mode is subscribe and a channel of this
    type has this verify token; SubscriptionRefused otherwise."""
    if mode != "subscribe" or not verify_token or not challenge or len(challenge) > 500 or len(verify_token) > 200:
        raise SubscriptionRefused()
    with connection() as conn:
        known = repo.has_verify_token(conn, kind, verify_token)
    if not known:
        _logger.warning("webhook subscription refused", extra={"kind": kind})
        raise SubscriptionRefused()
    _logger.info("webhook subscription verified", extra={"kind": kind})
    return challenge


def _signers(kind: MetaKind, raw: bytes, signature: str | None, settings: Settings) -> list[UUID]:
    """The channels whose app secret made this signature (every one is compared: constant time each)."""
    if not signature or not signature.startswith(_SIGNATURE_PREFIX):
        return []
    given = signature[len(_SIGNATURE_PREFIX) :].strip().lower().encode("ascii", "replace")
    with connection() as conn:
        secrets = repo.signing_secrets(conn, kind)
    if not secrets:
        return []
    key = encryption_key(settings)
    if key is None:
        raise EncryptionUnavailable()
    digests: dict[str, bytes] = {}
    signers = []
    for channel_id, encrypted in secrets:
        if encrypted not in digests:
            try:
                secret = decrypt(encrypted, key)
            except EncryptionKeyError:
                _logger.error("an app secret cannot be decrypted", extra={"channel_id": str(channel_id)})
                continue
            digests[encrypted] = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest().encode()
        if hmac.compare_digest(digests[encrypted], given):
            signers.append(channel_id)
    return signers


def receive(kind: MetaKind, raw: bytes, signature: str | None, *, settings: Settings | None = None) -> None:
    """A webhook's raw body and its X-Hub-Signature-256: InvalidSignature (nothing kept) unless a
    connected channel's app secret signed it; then queued, or handled here without a queue."""
    settings = settings or get_settings()
    signers = _signers(kind, raw, signature, settings)
    if not signers:
        _logger.warning("webhook signature refused", extra={"kind": kind, "bytes": len(raw)})
        raise InvalidSignature()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        _logger.warning("webhook body is not UTF-8: dropped", extra={"kind": kind})
        return
    envelope = json.dumps({"kind": kind, "channelIds": [str(c) for c in signers], "body": text})
    if not settings.inbound_queue_url:
        # Tests and scripts: no queue, so this process handles it, as functions/meta_inbound would.
        from chatflow.meta.webhooks import handle

        handle(envelope, settings=settings)
        return
    from chatflow.aws import client

    client("sqs", settings.aws_region).send_message(QueueUrl=settings.inbound_queue_url, MessageBody=envelope)


def parse_inbound(envelope: str) -> tuple[MetaKind, list[UUID], str] | None:
    """What `receive` queued: the channel type, the channels that signed it, and the body; None when
    it is not such an envelope."""
    try:
        data = json.loads(envelope)
        kind = data["kind"]
        if kind not in ("whatsapp", "messenger"):
            return None
        return kind, [UUID(c) for c in data["channelIds"]], str(data["body"])
    except (ValueError, TypeError, KeyError):
        return None
