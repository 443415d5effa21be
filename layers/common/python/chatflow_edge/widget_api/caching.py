"""Answers a browser may keep: a JSON body with Cache-Control, an ETag, and 304 when the browser
already holds it (If-None-Match). The public config call answers this way, so a widget on every page
of a site costs one request a minute, and then a 304 that carries no body."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

__all__ = ["cacheable", "etag_of"]


def etag_of(body: dict[str, Any]) -> str:
    """A strong validator of the body's content: the same JSON, the same tag."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    # RFC 9110: a list of tags or "*", compared weakly (W/ is ignored).
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def cacheable(body: dict[str, Any], *, if_none_match: str | None, max_age: int) -> Response[Any]:
    """200 with the body, or 304 without it when the browser's copy is current. The answer depends
    on the page's Origin (a channel may refuse other sites), so caches keep one copy per origin."""
    etag = etag_of(body)
    headers = {"Cache-Control": f"public, max-age={max_age}", "ETag": etag, "Vary": "Origin"}
    if _matches(if_none_match, etag):
        return Response(status_code=304, body="", headers=headers)
    return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body, headers=headers)
