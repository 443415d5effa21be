"""The domain's exceptions. Each carries a machine-readable code; the edges map them to HTTP."""

from __future__ import annotations

__all__ = [
    "BadRequest",
    "Conflict",
    "DomainError",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "ServiceUnavailable",
    "TooManyRequests",
    "Unauthorized",
]


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the error body."""
        return {}


class BadRequest(DomainError):
    status = 400


class Unauthorized(DomainError):
    status = 401


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class PayloadTooLarge(DomainError):
    status = 413


class TooManyRequests(DomainError):
    status = 429


class RateLimited(TooManyRequests):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("rate_limited", f"Too many requests; retry in {retry_after_seconds} s.")
        self.retry_after_seconds = retry_after_seconds

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


class ServiceUnavailable(DomainError):
    status = 503
