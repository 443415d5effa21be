"""Rate limits of the public endpoints, counted in PostgreSQL so that every Lambda sees the same counts.

A request counts against each of its keys (its client IP and its visitor, or the email it signs in
as) in a fixed one-minute window, in one atomic upsert: concurrent requests never lose a count, and
a limit costs one round trip. Past the limit the request is refused with the seconds left in the
window. A fixed window lets a client send up to twice the limit across a window's edge; that is
within what the limits are for (stopping floods and guessing, not shaping traffic).

A count is not worth a flush of the WAL to disk: on its own connection (autocommit, no transaction
open) the upsert commits asynchronously (`synchronous_commit = off` for that one transaction, set by the
statement itself), so the request does not wait for the disk. A crash of the database may then forget
the counts of its last fraction of a second, which only lets a few requests more through; nothing else
is relaxed, since the setting ends with the transaction, and the next durable commit on the server
(a POST's message, a moment later) flushes the count with it. Inside a caller's transaction the
statement leaves the commit to the caller.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable
from typing import Literal

from psycopg.pq import TransactionStatus

from chatflow.db import Connection, connection
from chatflow.errors import RateLimited
from chatflow.settings import Settings

__all__ = ["WINDOW_SECONDS", "Action", "client_ip", "delete_ended_windows", "enforce", "per_minute"]

WINDOW_SECONDS = 60

# chat_config: the widget's public config call, limited as a history GET but counted apart.
# api_token: each organisation API token's requests (chatflow.api_tokens), counted apart from everyone's.
# auth_email: sign-in requests of one email across every address (a larger ceiling than "auth").
# preview: the dashboard's AI preview, per user.
Action = Literal["chat_post", "chat_get", "chat_patch", "chat_config", "auth", "auth_email", "api_token", "preview"]

# Keys are sorted so that two requests with the same keys lock their rows in the same order, and
# distinct because one INSERT may not touch a row twice.
_HIT_TEMPLATE = """
INSERT INTO rate_limit_counters AS c (bucket, window_start, hits)
SELECT bucket, date_bin(make_interval(secs => %(window)s), now(), TIMESTAMPTZ '2000-01-01'), 1
FROM unnest(%(buckets)s::text[]) AS bucket{relaxed}
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = c.hits + 1
RETURNING hits,
          extract(epoch FROM c.window_start + make_interval(secs => %(window)s) - now())::float8 AS seconds_left
"""
_HIT = _HIT_TEMPLATE.format(relaxed="")
# The same in a transaction of its own whose commit does not wait for the WAL flush: set_config(...,
# true) lasts until the end of the statement's transaction, past its commit (bench/widget_api.py: a
# flush costs a POST 0.1 ms on an idle disk here and several ms on a busy one).
_HIT_COMMIT_ASYNC = _HIT_TEMPLATE.format(
    relaxed="\nCROSS JOIN (SELECT set_config('synchronous_commit', 'off', true)) AS commit_async"
)


def per_minute(settings: Settings, action: Action) -> int:
    """The limit of an action; 0 turns it off."""
    limits: dict[Action, int] = {
        "chat_post": settings.rate_limit_chat_post_per_minute,
        "chat_get": settings.rate_limit_chat_get_per_minute,
        "chat_patch": settings.rate_limit_chat_patch_per_minute,
        "chat_config": settings.rate_limit_chat_get_per_minute,
        "auth": settings.rate_limit_auth_per_minute,
        "auth_email": settings.rate_limit_auth_per_email_per_minute,
        "preview": settings.rate_limit_preview_per_minute,
        "api_token": settings.rate_limit_api_token_per_minute,
    }
    return limits[action]


# A bucket is stored and indexed as given up to this length; a longer one (a forged header, a long
# email) is counted under its SHA-256 instead: an index entry has a size limit, and a key must never
# turn a request into an error.
_MAX_BUCKET_CHARS = 200


def _bucket(action: Action, key: str) -> str:
    bucket = f"{action}:{key}"
    if len(bucket) <= _MAX_BUCKET_CHARS:
        return bucket
    return f"{action}:sha256:{hashlib.sha256(key.encode('utf-8', 'surrogatepass')).hexdigest()}"


def enforce(action: Action, *, limit: int, keys: Iterable[str], conn: Connection | None = None) -> None:
    """Count one request of `action` against each key; RateLimited when any key is over `limit`."""
    buckets = sorted({_bucket(action, key) for key in keys})
    if limit <= 0 or not buckets:
        return
    params = {"buckets": buckets, "window": WINDOW_SECONDS}
    if conn is None:
        with connection() as own:
            rows = own.execute(_HIT_COMMIT_ASYNC, params).fetchall()
    else:
        alone = conn.autocommit and conn.info.transaction_status == TransactionStatus.IDLE
        rows = conn.execute(_HIT_COMMIT_ASYNC if alone else _HIT, params).fetchall()
    over = [row["seconds_left"] for row in rows if row["hits"] > limit]
    if over:
        raise RateLimited(max(1, math.ceil(max(over))))


def client_ip(source_ip: str | None, forwarded_for: str | None, trusted_proxies: int) -> str:
    """The address of whoever sent the request.

    With no proxy in front (the local stack) it is the connection's source address. Behind CloudFront
    the source is a CloudFront address; CloudFront appends the viewer's address to X-Forwarded-For,
    and anything before it came from the viewer and may be forged. So the chain is read from the
    right, skipping as many hops as there are trusted proxies. API Gateway may or may not append the
    source itself; it is added to the chain once either way.

    What is read from the header is kept only if it is an IP address (and then in one spelling): a
    forged value must not become a counter's key (a NUL, a lone surrogate or a few kilobytes cannot be
    stored or indexed), nor dodge its limit by spelling one address differently. Otherwise the source.
    """
    chain = [part.strip() for part in (forwarded_for or "").split(",") if part.strip()]
    if source_ip and (not chain or chain[-1] != source_ip):
        chain.append(source_ip)
    if not chain:
        return "unknown"
    picked = chain[max(0, len(chain) - 1 - trusted_proxies)]
    if picked == source_ip:
        return picked
    try:
        return str(ipaddress.ip_address(picked))
    except ValueError:
        return source_ip or "unknown"


def delete_ended_windows(conn: Connection) -> int:
    """Forget counters whose window has ended; returns how many."""
    cursor = conn.execute(
        "DELETE FROM rate_limit_counters WHERE window_start < now() - make_interval(secs => %(window)s)",
        {"window": WINDOW_SECONDS},
    )
    return cursor.rowcount
