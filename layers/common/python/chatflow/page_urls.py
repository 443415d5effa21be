"""What is kept of the page a visitor chats from. Customers' URLs carry secrets: password-reset and
magic-link tokens, OAuth codes, session ids, signed-URL signatures, in the query or the fragment. The
fragment is never kept (it is the browser's alone), and neither is a query parameter whose name says it
holds a secret, nor one the channel names as its site's own secret (a channel's
`secret_query_parameters`); the rest of the URL stays, for the operator's context."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "MAX_SECRET_PARAMETERS",
    "SECRET_PARAMETER",
    "has_query",
    "kept_page_url",
    "normalize_secret_parameters",
]

MAX_SECRET_PARAMETERS = 50
# A query parameter's name as sites write them: letters, digits and . _ - [ ] (PHP's arrays), 1-100.
_PARAMETER_NAME = re.compile(r"^[a-z0-9._\-\[\]]{1,100}$")

# Names (any case, any separator) of parameters that carry credentials or one-time codes.
SECRET_PARAMETER = re.compile(
    r"(token|code|secret|password|passwd|pwd|key|session|sid|auth|sig|signature|credential|otp|nonce|"
    r"ticket|jwt|saml|state|hash|email)",
    re.IGNORECASE,
)


def kept_page_url(url: str, secret_parameters: Collection[str] = ()) -> str:
    """The URL without its fragment, without any query parameter whose name looks like a secret's, and
    without those named in `secret_parameters` (lower-case names; matched in any case)."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return ""  # not a URL we can read: keep nothing of it
    kept = [
        (name, value)
        for name, value in query
        if not SECRET_PARAMETER.search(name) and name.lower() not in secret_parameters
    ]
    return urlunsplit(parts._replace(query=urlencode(kept), fragment=""))


def has_query(url: str) -> bool:
    """Whether anything of the URL's query is left to check against a channel's own names."""
    return "?" in url


def normalize_secret_parameters(values: Iterable[str]) -> list[str]:
    """A channel's list of secret parameter names: trimmed, lower-cased, duplicates dropped (first
    kept), each a parameter's name, at most MAX_SECRET_PARAMETERS. Raises ValueError."""
    names = list(dict.fromkeys(v.strip().lower() for v in values))
    for name in names:
        if not _PARAMETER_NAME.match(name):
            raise ValueError(f"{name[:100]!r} is not a query parameter's name (letters, digits, . _ - [ ], 1-100)")
    if len(names) > MAX_SECRET_PARAMETERS:
        raise ValueError(f"at most {MAX_SECRET_PARAMETERS} secret parameters")
    return names
