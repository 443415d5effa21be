"""Post a correctly signed Meta webhook to the local stack, as Meta would: a customer's WhatsApp or
Messenger text, or a status of one of our messages.

    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… "¿Abren mañana? 😊"
    python -m infra.local.meta_webhook --app-secret … --page-id 3184… --from 6000123 "Hello"
    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… --status read --id wamid.FAKE000001

The JSON is written as Meta writes it (non-ASCII as \\uXXXX, no spaces) and signed over those bytes
(X-Hub-Signature-256). `--repeat 2` posts it twice, as Meta's redelivery does."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
import urllib.request
from typing import Any


def _payload(args: argparse.Namespace) -> dict[str, Any]:
    now = int(time.time())
    if args.page_id:
        return {
            "object": "page",
            "entry": [
                {
                    "id": args.page_id,
                    "time": now * 1000,
                    "messaging": [
                        {
                            "sender": {"id": args.sender},
                            "recipient": {"id": args.page_id},
                            "timestamp": now * 1000,
                            "message": {"mid": args.id or f"m_local{now}", "text": args.text},
                        }
                    ],
                }
            ],
        }
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "13055550100", "phone_number_id": args.phone_number_id},
    }
    if args.status:
        value["statuses"] = [{"id": args.id, "status": args.status, "timestamp": str(now), "recipient_id": args.sender}]
    else:
        value["contacts"] = [{"profile": {"name": args.name}, "wa_id": args.sender}]
        value["messages"] = [
            {
                "from": args.sender,
                "id": args.id or f"wamid.local{now}",
                "timestamp": str(now),
                "type": "text",
                "text": {"body": args.text},
            }
        ]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", default="Hello!")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the local stack's apiUrl")
    parser.add_argument("--app-secret", required=True, help="the app secret the channel was connected with")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--phone-number-id")
    target.add_argument("--page-id")
    parser.add_argument("--from", dest="sender", default="13055551234", help="wa_id or page-scoped id")
    parser.add_argument("--name", default="Ana")
    parser.add_argument("--id", help="the provider's message id (default: a new one)")
    parser.add_argument("--status", choices=["sent", "delivered", "read", "failed"])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.status and not args.id:
        parser.error("--status needs --id, the wamid of our message")
    raw = json.dumps(_payload(args), separators=(",", ":"), ensure_ascii=True).encode()
    signature = "sha256=" + hmac.new(args.app_secret.encode(), raw, hashlib.sha256).hexdigest()
    kind = "messenger" if args.page_id else "whatsapp"
    for _ in range(args.repeat):
        request = urllib.request.Request(  # noqa: S310  # a URL the developer gives, to their own stack
            f"{args.api.rstrip('/')}/api/webhooks/{kind}",
            data=raw,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                print(answer.status, answer.read().decode())
        except urllib.error.HTTPError as refused:
            print(refused.code, refused.read().decode())


if __name__ == "__main__":
    main()
