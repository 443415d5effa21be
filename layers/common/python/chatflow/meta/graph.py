"""Meta's Graph API, over HTTPS at META_GRAPH_API_URL (a local fake in tests and, opt-in, on the
local stack). The one adapter through which WhatsApp and Messenger channels reach Meta. Access
tokens go in the Authorization header only, never in a URL, so that no access log records them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chatflow.settings import Settings

__all__ = [
    "GraphAnswer",
    "download",
    "get_object",
    "list_templates",
    "send_message",
    "upload_attachment",
    "upload_media",
]

# Where Meta serves media files: WhatsApp's download URLs (lookaside.fbsbx.com) and Messenger's
# attachment URLs (scontent-*.xx.fbcdn.net, cdn.fbsbx.com). Nothing else is fetched.
_MEDIA_HOSTS = (".fbcdn.net", ".fbsbx.com", ".facebook.com", ".whatsapp.net")


@dataclass(frozen=True, slots=True)
class GraphAnswer:
    """The HTTP status and the JSON body (an empty dict when it was not JSON); status 0: no answer."""

    status: int
    body: dict[str, Any]

    @property
    def error_message(self) -> str | None:
        error = self.body.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        return message[:500] if isinstance(message, str) else None

    @property
    def error_code(self) -> int | None:
        error = self.body.get("error")
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, int) else None

    @property
    def error_subcode(self) -> int | None:
        error = self.body.get("error")
        code = error.get("error_subcode") if isinstance(error, dict) else None
        return code if isinstance(code, int) else None


def _call(settings: Settings, method: str, path: str, access_token: str, **kwargs: Any) -> GraphAnswer:
    import httpx  # here: httpx (and, beside it, its command line's click and rich) is ~0.1 s of a cold start

    url = f"{settings.meta_graph_api_url.rstrip('/')}/{path.lstrip('/')}"
    try:
        with httpx.Client(timeout=settings.meta_graph_timeout_seconds) as client:
            response = client.request(method, url, headers={"Authorization": f"Bearer {access_token}"}, **kwargs)
    except httpx.HTTPError:
        return GraphAnswer(0, {})
    try:
        body = response.json()
    except ValueError:
        body = {}
    return GraphAnswer(response.status_code, body if isinstance(body, dict) else {})


def get_object(settings: Settings, object_id: str, *, access_token: str, fields: str) -> GraphAnswer:
    """GET /{object_id}?fields=…: a phone number's or a page's own description."""
    return _call(settings, "GET", object_id, access_token, params={"fields": fields})


def send_message(settings: Settings, account_id: str, *, access_token: str, body: dict[str, Any]) -> GraphAnswer:
    """POST /{phoneNumberId or pageId}/messages."""
    return _call(settings, "POST", f"{account_id}/messages", access_token, json=body)


# What a template sync reads of each template.
_TEMPLATE_FIELDS = "name,language,status,category,components,parameter_format"


def list_templates(
    settings: Settings, business_account_id: str, *, access_token: str, after: str | None = None
) -> GraphAnswer:
    """GET /{businessAccountId}/message_templates: one page (`paging.cursors.after` names the next)."""
    params = {"fields": _TEMPLATE_FIELDS, "limit": "100"}
    if after:
        params["after"] = after
    return _call(settings, "GET", f"{business_account_id}/message_templates", access_token, params=params)


def upload_media(
    settings: Settings, phone_number_id: str, *, access_token: str, data: bytes, content_type: str, filename: str
) -> GraphAnswer:
    """POST /{phoneNumberId}/media (multipart, messaging_product=whatsapp): WhatsApp keeps the file
    for 30 days and answers its `id`, which a message then names."""
    return _call(
        settings,
        "POST",
        f"{phone_number_id}/media",
        access_token,
        data={"messaging_product": "whatsapp", "type": content_type},
        files={"file": (filename, data, content_type)},
    )


def upload_attachment(
    settings: Settings, page_id: str, *, access_token: str, kind: str, data: bytes, content_type: str, filename: str
) -> GraphAnswer:
    """POST /{pageId}/message_attachments (Messenger's Attachment Upload API, multipart): answers an
    `attachment_id` that a message then names; `kind` is image, audio, video or file."""
    message = {"attachment": {"type": kind, "payload": {"is_reusable": False}}}
    return _call(
        settings,
        "POST",
        f"{page_id}/message_attachments",
        access_token,
        data={"message": json.dumps(message)},
        files={"filedata": (filename, data, content_type)},
    )


def _is_media_host(settings: Settings, url: str) -> bool:
    parsed, graph_origin = urlsplit(url), urlsplit(settings.meta_graph_api_url)
    if (parsed.scheme, parsed.netloc) == (graph_origin.scheme, graph_origin.netloc):
        return True  # the Graph API's own origin: a local fake's files
    host = (parsed.hostname or "").lower()
    return parsed.scheme == "https" and not parsed.username and host.endswith(_MEDIA_HOSTS)


def download(settings: Settings, url: str, *, access_token: str | None, max_bytes: int) -> bytes | None:
    """A media file's bytes: None when it is refused, larger than `max_bytes`, or not on Meta's HTTPS
    media hosts or the Graph API's own origin (a local fake's). WhatsApp's URL (from GET /{mediaId})
    is read with the channel's token; Messenger's attachment URLs carry their own signature and are
    read without one (`access_token=None`). Redirects are not followed: the token goes to that URL only."""
    import httpx

    if not _is_media_host(settings, url):
        return None
    headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    try:
        with (
            httpx.Client(timeout=settings.meta_graph_timeout_seconds) as client,
            client.stream("GET", url, headers=headers) as response,
        ):
            if response.status_code != 200:
                return None
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > max_bytes:
                    return None
            return bytes(data)
    except httpx.HTTPError:
        return None
