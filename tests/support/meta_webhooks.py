"""Meta's webhooks as Meta sends them: the payloads of WhatsApp's Cloud API and Messenger, their
JSON as Meta writes it (non-ASCII escaped as \\uXXXX, no spaces), signed with X-Hub-Signature-256,
posted to functions/meta_webhooks as API Gateway events."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any

from infra.functions import load_handler
from tests.support.events import LambdaContextStub, rest_event

__all__ = ["MetaSender", "Reply", "messenger_text", "sign", "whatsapp_status", "whatsapp_text"]


def sign(raw: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()


def meta_json(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode()


def whatsapp_text(
    phone_number_id: str, wa_id: str, text: str, *, wamid: str, name: str = "Ana", timestamp: int | None = None
) -> dict[str, Any]:
    """`timestamp`: when the customer sent it (default now: the window is open)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "13055550100", "phone_number_id": phone_number_id},
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    "timestamp": str(timestamp),
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def whatsapp_status(phone_number_id: str, wamid: str, status: str, recipient: str) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "13055550100", "phone_number_id": phone_number_id},
                            "statuses": [
                                {"id": wamid, "status": status, "timestamp": "1764750100", "recipient_id": recipient}
                            ],
                        },
                    }
                ],
            }
        ],
    }


def messenger_text(page_id: str, psid: str, text: str, *, mid: str, timestamp_ms: int | None = None) -> dict[str, Any]:
    """`timestamp_ms`: when the person sent it (default now: the window is open)."""
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": 1764750000000,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": page_id},
                        "timestamp": timestamp_ms,
                        "message": {"mid": mid, "text": text},
                    }
                ],
            }
        ],
    }


@dataclass(frozen=True)
class Reply:
    status: int
    body: str
    headers: dict[str, str]


@dataclass
class MetaSender:
    kind: str  # whatsapp or messenger
    app_secret: str

    def _call(self, event: dict[str, Any]) -> Reply:
        answer = load_handler("meta_webhooks")(event, LambdaContextStub())
        return Reply(answer["statusCode"], answer["body"], answer.get("headers") or {})

    def post(self, payload: Any) -> Reply:
        raw = meta_json(payload)
        return self.post_raw(raw, sign(raw, self.app_secret))

    def post_raw(self, raw: bytes, signature: str | None) -> Reply:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        path = f"/api/webhooks/{self.kind}"
        return self._call(rest_event("POST", path, resource=path, raw_body=raw.decode("utf-8"), headers=headers))

    def verify(self, query: dict[str, str]) -> Reply:
        path = f"/api/webhooks/{self.kind}"
        return self._call(rest_event("GET", path, resource=path, query=query))
