"""Post a correctly signed Meta webhook to the local stack, as Meta would: a customer's WhatsApp or
Messenger text, file or voice note, or a status of one of our messages.

    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… "¿Abren mañana? 😊"
    python -m infra.local.meta_webhook --app-secret … --page-id 3184… --from 6000123 "Hello"
    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… --voice
    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… --video "Así quedó"
    python -m infra.local.meta_webhook --app-secret … --page-id 3184… --from 6000123 --voice
    python -m infra.local.meta_webhook --app-secret … --page-id 3184… --file photo.jpg "my order"
    python -m infra.local.meta_webhook --app-secret … --phone-number-id 1065… --status read --id wamid.FAKE000001

A file (`--file`; `--voice`: three seconds of an Ogg Opus voice note; `--video`: a small MP4) is first
given to the fake Graph API (`--fake`, infra.local.fake_meta), which then serves it as Meta does: by
media id for WhatsApp, at an attachment URL for Messenger; the text, if any, is its caption.

The JSON is written as Meta writes it (non-ASCII as \\uXXXX, no spaces) and signed over those bytes
(X-Hub-Signature-256). `--repeat 2` posts it twice, as Meta's redelivery does."""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import mimetypes
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from infra.local.meta_samples import mp4_video, voice_note

# A file's kind on each side, by its type's first word (WhatsApp says document, Messenger file).
_KINDS = {"image": "image", "audio": "audio", "video": "video"}


def _register(args: argparse.Namespace, now: int) -> dict[str, str] | None:
    """Give the file to the fake Graph API; what it answered: {mediaId, url, kind, mimeType, name}."""
    if args.voice:
        name, data, mime = "voice-note.ogg", voice_note(3), "audio/ogg"
    elif args.video:
        name, data, mime = "video.mp4", mp4_video(), "video/mp4"
    elif args.file:
        name, data = Path(args.file).name, Path(args.file).read_bytes()
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    else:
        return None
    request = urllib.request.Request(  # noqa: S310  # the developer's own fake, on their machine
        f"{args.fake.rstrip('/')}/fake/files/f{now}/{urllib.parse.quote(name)}",
        data=data,
        headers={"Content-Type": mime},
        method="PUT",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        registered: dict[str, str] = json.loads(answer.read())
    first = mime.split("/")[0]
    kind = _KINDS.get(first, "file" if args.page_id else "document")
    return {**registered, "kind": kind, "mimeType": mime + ("; codecs=opus" if args.voice else ""), "name": name}


def _payload(args: argparse.Namespace) -> dict[str, Any]:
    now = int(time.time())
    media = _register(args, now)
    if args.page_id:
        message: dict[str, Any] = {"mid": args.id or f"m_local{now}"}
        if not media:
            message["text"] = args.text or "Hello!"
        if media:
            message["attachments"] = [{"type": media["kind"], "payload": {"url": media["url"]}}]
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
                            "message": message,
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
        message = {"from": args.sender, "id": args.id or f"wamid.local{now}", "timestamp": str(now)}
        if media:
            described = {"id": media["mediaId"], "mime_type": media["mimeType"]}
            if media["kind"] == "document":
                described["filename"] = media["name"]
            if args.text and media["kind"] != "audio":
                described["caption"] = args.text
            message |= {"type": media["kind"], media["kind"]: described}
        else:
            message |= {"type": "text", "text": {"body": args.text or "Hello!"}}
        value["messages"] = [message]
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "0", "changes": [{"field": "messages", "value": value}]}],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("text", nargs="?", help="the message (default Hello!), or a file's caption")
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
    attached = parser.add_mutually_exclusive_group()
    attached.add_argument("--file", help="send this file (an image, audio, video or document)")
    attached.add_argument("--voice", action="store_true", help="send a voice note (three seconds, Ogg Opus)")
    attached.add_argument("--video", action="store_true", help="send a video (a small MP4)")
    parser.add_argument("--fake", default="http://127.0.0.1:8090", help="the fake Graph API that serves the file")
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
