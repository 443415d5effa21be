"""Meta's Graph API, over HTTPS at META_GRAPH_API_URL (a local fake in tests and, opt-in, on the
local stack). The one adapter through which WhatsApp and Messenger channels reach Meta. Access
tokens go in the Authorization header only, never in a URL, so that no access log records them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from chatflow.settings import Settings

__all__ = ["GraphAnswer", "download", "get_object", "list_templates", "send_message"]


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


def download(settings: Settings, url: str, *, access_token: str, max_bytes: int) -> bytes | None:
    """A media file's bytes from the URL the Graph API gave for it (GET /{mediaId}): None when it is
    refused, larger than `max_bytes`, or not on Meta's HTTPS hosts or the Graph API's own origin (a
    local fake's). Redirects are not followed: the token goes to that URL only."""
    import httpx

    parsed, graph_origin = urlsplit(url), urlsplit(settings.meta_graph_api_url)
    if not (parsed.scheme == "https" or (parsed.scheme, parsed.netloc) == (graph_origin.scheme, graph_origin.netloc)):
        return None
    try:
        with (
            httpx.Client(timeout=settings.meta_graph_timeout_seconds) as client,
            client.stream("GET", url, headers={"Authorization": f"Bearer {access_token}"}) as response,
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
