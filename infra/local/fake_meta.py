"""A small fake of Meta's Graph API over real HTTP on loopback, for tests and (opt-in) the local
stack: it plays the endpoints WhatsApp and Messenger channels call and records what it was sent.

- `GET /{version}/{id}?fields=…`: a registered phone number or page, with the token it was given
  (Meta's answers otherwise: 401 with error code 190 for a wrong token, 400 with code 100 for an
  unknown id);
- `POST /{version}/{id}/messages`: a message sent; answered with a new `wamid.…` / `m_…` id, or as
  scripted (a status and Meta's error body, e.g. 131047 outside the 24-hour window);
- `GET /{version}/{businessAccountId}/message_templates`: the templates registered for it, a page
  at a time (`limit`, `after`);
- `GET /{version}/{mediaId}`: a registered media file's description with its download URL, and
  `GET /media/{mediaId}` the bytes (with the token it was registered with), as WhatsApp's media;
- `GET /cdn/{key}/{name}`: a file served without a token, as Messenger's attachment URLs (`cdn_url`);
- `POST /{version}/{phoneNumberId}/media` (WhatsApp) and `POST /{version}/{pageId}/message_attachments`
  (Messenger): a file uploaded as multipart, recorded in `uploads` and answered with a media id /
  attachment id (or a scripted failure, as a send);
- `PUT /fake/files/{id}/{name}` (the fake's own, for `infra.local.meta_webhook`): a file registered as both a
  WhatsApp media id and a Messenger attachment URL, with the token the fake was started with.

Everything fetched is recorded in `downloads`. Point META_GRAPH_API_URL at `base_url`."""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["Account", "Failure", "FakeMeta", "MediaFile", "Sent", "Uploaded"]

VERSION = "v23.0"


@dataclass
class Account:
    """A WhatsApp phone number or a Facebook page, and the token that may use it."""

    token: str
    fields: dict[str, Any]
    kind: str = "whatsapp"
    templates: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MediaFile:
    """A file Meta serves: WhatsApp's with the token it may be read with, a CDN file's (token None) to anyone."""

    token: str | None
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class Sent:
    account_id: str
    authorization: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Uploaded:
    """A file uploaded to the Graph API: the form's fields, and the file part's name, type and bytes."""

    account_id: str
    path: str  # media (WhatsApp) or message_attachments (Messenger)
    authorization: str
    fields: dict[str, str]
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Failure:
    """One scripted answer to a send: Meta's status and error code."""

    status: int
    code: int
    message: str = "scripted failure"


class FakeMeta:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.accounts: dict[str, Account] = {}
        self.media: dict[str, MediaFile] = {}
        self.cdn: dict[str, MediaFile] = {}
        self.downloads: list[str] = []
        self.download_authorizations: list[str] = []  # each download's Authorization header ("" without one)
        self.sent: list[Sent] = []
        self.uploads: list[Uploaded] = []
        self.default_token: str | None = None  # what files registered with PUT /fake/files are read with
        self.failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _account(self, account_id: str) -> Account | None:
                account = fake.accounts.get(account_id)
                if account is None:
                    self._answer(400, _error(100, f"Unsupported request: object {account_id} does not exist"))
                    return None
                if self.headers.get("Authorization") != f"Bearer {account.token}":
                    self._answer(401, _error(190, "Invalid OAuth access token."))
                    return None
                return account

            def _media(self, media_id: str, *, download: bool) -> bool:
                media = fake.media.get(media_id)
                if media is None:
                    return False
                if self.headers.get("Authorization") != f"Bearer {media.token}":
                    self._answer(401, _error(190, "Invalid OAuth access token."))
                    return True
                if not download:
                    host, port = fake._server.server_address[:2]
                    url = f"http://{host!s}:{port}/media/{media_id}"
                    description = {"url": url, "mime_type": media.mime_type, "file_size": len(media.data)}
                    self._answer(200, {"messaging_product": "whatsapp", "id": media_id, **description})
                    return True
                self._serve(media_id, media)
                return True

            def _serve(self, name: str, media: MediaFile) -> None:
                with fake._lock:
                    fake.downloads.append(name)
                    fake.download_authorizations.append(self.headers.get("Authorization", ""))
                self.send_response(200)
                self.send_header("Content-Type", media.mime_type)
                self.send_header("Content-Length", str(len(media.data)))
                self.end_headers()
                self.wfile.write(media.data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                segments = [s for s in parts.path.split("/") if s][1:]  # after the version
                if parts.path.startswith("/cdn/"):
                    key = "/".join(segments)
                    cdn = fake.cdn.get(key)
                    if cdn is None:
                        self._answer(404, _error(100, "Unknown file"))
                    else:
                        self._serve(key, cdn)
                    return
                if parts.path.startswith("/media/") and self._media(segments[0], download=True):
                    return
                if len(segments) == 1 and self._media(segments[0], download=False):
                    return
                account = self._account(segments[0]) if segments else None
                if account is None:
                    return
                if segments[1:] == ["message_templates"]:
                    self._answer(200, _templates_page(account.templates, parse_qs(parts.query), self.path))
                    return
                wanted = parse_qs(parts.query).get("fields", [""])[0].split(",")
                self._answer(200, {"id": segments[0], **{k: v for k, v in account.fields.items() if k in wanted}})

            def do_PUT(self) -> None:
                segments = [s for s in urlsplit(self.path).path.split("/") if s]
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if len(segments) != 4 or segments[:2] != ["fake", "files"]:
                    self._answer(404, _error(100, "Unknown path"))
                    return
                mime = self.headers.get("Content-Type", "application/octet-stream")
                media_id, name = segments[2], segments[3]
                fake.add_media(media_id, MediaFile(token=fake.default_token, data=raw, mime_type=mime))
                self._answer(200, {"mediaId": media_id, "url": fake.cdn_url(f"{media_id}/{name}", raw, mime)})

            def _upload(self, account_id: str, path: str, raw: bytes) -> None:
                fields, file = _form(self.headers.get("Content-Type", ""), raw)
                with fake._lock:
                    failure = fake.failures.popleft() if fake.failures else None
                    number = next(fake._ids)
                    if file is not None:
                        fake.uploads.append(
                            Uploaded(account_id, path, self.headers.get("Authorization", ""), fields, *file)
                        )
                if failure is not None:
                    self._answer(failure.status, _error(failure.code, failure.message))
                elif file is None:
                    self._answer(400, _error(100, "No file in the form"))
                elif path == "media":
                    self._answer(200, {"id": f"FAKEMEDIA{number:06d}"})
                else:
                    self._answer(200, {"attachment_id": f"FAKEATT{number:06d}"})

            def do_POST(self) -> None:
                segments = [s for s in urlsplit(self.path).path.split("/") if s][1:]
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if len(segments) != 2 or segments[1] not in ("messages", "media", "message_attachments"):
                    self._answer(404, _error(100, "Unknown path"))
                    return
                account = self._account(segments[0])
                if account is None:
                    return
                if segments[1] != "messages":
                    self._upload(segments[0], segments[1], raw)
                    return
                body = json.loads(raw or b"{}")
                with fake._lock:
                    fake.sent.append(Sent(segments[0], self.headers.get("Authorization", ""), body))
                    failure = fake.failures.popleft() if fake.failures else None
                    number = next(fake._ids)
                if failure is not None:
                    self._answer(failure.status, _error(failure.code, failure.message))
                elif account.kind == "whatsapp":
                    to = body.get("to", "")
                    self._answer(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "contacts": [{"input": to, "wa_id": to}],
                            "messages": [{"id": f"wamid.FAKE{number:06d}"}],
                        },
                    )
                else:
                    recipient = (body.get("recipient") or {}).get("id", "")
                    self._answer(200, {"recipient_id": recipient, "message_id": f"m_FAKE{number:06d}"})

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/{VERSION}"

    def add_account(self, account_id: str, account: Account) -> None:
        with self._lock:
            self.accounts[account_id] = account

    def add_media(self, media_id: str, media: MediaFile) -> None:
        with self._lock:
            self.media[media_id] = media

    def cdn_url(self, name: str, data: bytes, mime_type: str) -> str:
        """Serve a file without a token, as Messenger's attachment URLs are; its URL."""
        with self._lock:
            self.cdn[name] = MediaFile(token=None, data=data, mime_type=mime_type)
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/cdn/{name}"

    def uploaded_to(self, account_id: str) -> list[Uploaded]:
        with self._lock:
            return [u for u in self.uploads if u.account_id == account_id]

    def fail_next(self, *failures: Failure) -> None:
        with self._lock:
            self.failures.extend(failures)

    def sent_to(self, account_id: str) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.account_id == account_id]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# What --business-account-id serves: an approved template in each language, with variables.
EXAMPLE_TEMPLATES: list[dict[str, Any]] = [
    {
        "name": "order_ready",
        "language": "en_US",
        "status": "APPROVED",
        "category": "UTILITY",
        "components": [
            {
                "type": "BODY",
                "text": "Hi {{1}}, your order is ready for pickup at {{2}}.",
                "example": {"body_text": [["Ana", "5 pm"]]},
            }
        ],
    },
    {
        "name": "pedido_listo",
        "language": "es",
        "status": "APPROVED",
        "category": "UTILITY",
        "parameter_format": "NAMED",
        "components": [
            {
                "type": "BODY",
                "text": "Hola {{nombre}}, tu pedido está listo para recoger a las {{hora}}.",
                "example": {
                    "body_text_named_params": [
                        {"param_name": "nombre", "example": "Ana"},
                        {"param_name": "hora", "example": "5 pm"},
                    ]
                },
            }
        ],
    },
]


def _templates_page(templates: list[dict[str, Any]], query: dict[str, list[str]], path: str) -> dict[str, Any]:
    """One page of templates as Meta pages them: `limit` a page, `paging.cursors.after` and `paging.next`
    while more remain (the cursor here is the next page's offset)."""
    limit = max(1, min(int(query.get("limit", ["25"])[0] or 25), 250))
    start = int(query.get("after", ["0"])[0] or 0)
    page = templates[start : start + limit]
    paging: dict[str, Any] = {"cursors": {"before": str(start), "after": str(start + len(page))}}
    if start + len(page) < len(templates):
        paging["next"] = f"{path.split('?')[0]}?limit={limit}&after={start + len(page)}"
    return {"data": page, "paging": paging}


def _form(content_type: str, raw: bytes) -> tuple[dict[str, str], tuple[str, str, bytes] | None]:
    """A multipart/form-data body: its text fields, and its file part (name, type, bytes) if any."""
    fields: dict[str, str] = {}
    file: tuple[str, str, bytes] | None = None
    parsed = message_from_bytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw, policy=HTTP)
    for part in parsed.iter_parts() if parsed.is_multipart() else ():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            file = (filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode()
    return fields, file


def _error(code: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "FAKE"}}


def main() -> None:
    """`python -m infra.local.fake_meta --port 8090 --phone-number-id 1065… --token EAAG…`: the fake on a
    port of its own, for the local stack (start the stack with META_GRAPH_API_URL=http://127.0.0.1:8090/v23.0).
    What it is sent is printed, one JSON line per message."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--phone-number-id", action="append", default=[])
    parser.add_argument("--page-id", action="append", default=[])
    parser.add_argument("--token", required=True, help="the access token the channel was connected with")
    parser.add_argument(
        "--business-account-id",
        action="append",
        default=[],
        help="a WhatsApp business account whose message templates are two examples, in English and Spanish",
    )
    args = parser.parse_args()
    fake = FakeMeta(port=args.port)
    fake.default_token = args.token
    for account_id in args.business_account_id:
        fake.add_account(account_id, Account(token=args.token, fields={}, templates=EXAMPLE_TEMPLATES))
    for account_id in args.phone_number_id:
        fake.add_account(account_id, Account(token=args.token, fields={"verified_name": "Local fake"}))
    for account_id in args.page_id:
        fake.add_account(account_id, Account(token=args.token, fields={"name": "Local fake"}, kind="messenger"))
    print(f"fake Graph API on {fake.base_url}", flush=True)
    shown = uploaded_shown = 0
    try:
        while True:
            time.sleep(0.5)
            for sent in fake.sent[shown:]:
                print(json.dumps({"to": sent.account_id, "body": sent.body}, ensure_ascii=False), flush=True)
            shown = len(fake.sent)
            for uploaded in fake.uploads[uploaded_shown:]:
                about: dict[str, Any] = {"to": uploaded.account_id, "upload": uploaded.path, "fields": uploaded.fields}
                about |= {"file": uploaded.filename, "type": uploaded.content_type, "bytes": len(uploaded.data)}
                print(json.dumps(about, ensure_ascii=False), flush=True)
            uploaded_shown = len(fake.uploads)
    except KeyboardInterrupt:
        fake.close()


if __name__ == "__main__":
    main()
