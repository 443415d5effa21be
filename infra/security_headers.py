"""The security headers of the pages we serve ourselves: the operators' app and the widget's files.
One definition for CloudFront's response headers policy (infra/constructs/static_site.py) and the
local gateway (infra/local/gateway/static.py), so that a laptop serves what AWS serves. No CDK here:
the local stack imports it."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CONTENT_SECURITY_POLICY", "PAGE_HEADERS", "content_security_policy"]


def content_security_policy(attachment_origins: Sequence[str] = ()) -> str:
    """What the dashboard's pages (and the widget's demo page) may load and call: all on this origin, and
    the attachments' bucket (thumbnails, presigned uploads) where it is another origin (AWS; locally the
    gateway's /s3 is this one)."""
    extra = "".join(" " + origin for origin in attachment_origins)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",  # the widget sets inline styles on its own elements
            "img-src 'self' data:" + extra,
            "font-src 'self'",
            "connect-src 'self'" + extra,
            "frame-ancestors 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "object-src 'none'",
        )
    )


CONTENT_SECURITY_POLICY = content_security_policy()

# CloudFront's policy, header by header (HSTS aside: a laptop serves plain http).
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
