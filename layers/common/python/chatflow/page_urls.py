"""What is kept of the page a visitor chats from. Customers' URLs carry secrets: password-reset and
magic-link tokens, OAuth codes, session ids, signed-URL signatures, in the query or the fragment. The
fragment is never kept (it is the browser's alone), and neither is a query parameter whose name says it
holds a secret; the rest of the URL stays, for the operator's context."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["SECRET_PARAMETER", "kept_page_url"]

# Names (any case, any separator) of parameters that carry credentials or one-time codes.
SECRET_PARAMETER = re.compile(
    r"(token|code|secret|password|passwd|pwd|key|session|sid|auth|sig|signature|credential|otp|nonce|"
    r"ticket|jwt|saml|state|hash|email)",
    re.IGNORECASE,
)


def kept_page_url(url: str) -> str:
    """The URL without its fragment and without any query parameter whose name looks like a secret's."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return ""  # not a URL we can read: keep nothing of it
    kept = [(name, value) for name, value in query if not SECRET_PARAMETER.search(name)]
    return urlunsplit(parts._replace(query=urlencode(kept), fragment=""))
