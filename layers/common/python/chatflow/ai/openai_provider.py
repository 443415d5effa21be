"""OpenAI (or any OpenAI-compatible server) through the official SDK.

The SDK retries timeouts, 429s and 5xx with exponential backoff; we bound each attempt and the
number of retries so that an answer or a failure comes within API Gateway's 29 seconds. The SDK
also waits as long as a provider's Retry-After asks, up to two minutes: a provider that asks for
more than AI_MAX_RETRY_AFTER_SECONDS is not retried, and the visitor gets the fallback now rather
than a gateway timeout later.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chatflow.ai.base import AIProviderError, ChatTurn, Completion

if TYPE_CHECKING:
    import httpx2
    from openai import OpenAI

__all__ = ["OpenAIProvider", "shared_client"]

_clients: dict[tuple[str, str | None, float, int, float], OpenAI] = {}
_clients_lock = threading.Lock()


def shared_client(
    api_key: str, base_url: str | None, timeout: float, max_retries: int, max_retry_after: float
) -> OpenAI:
    """One SDK client per key and bounds, kept for the life of the process (its connection pool too)."""
    # Imported here: the SDK costs ~0.3 s to import and many cold starts never call it.
    from openai import DefaultHttpxClient, OpenAI

    cache_key = (api_key, base_url, timeout, max_retries, max_retry_after)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            client = OpenAI(
                api_key=api_key,
                base_url=base_url,
                timeout=timeout,
                max_retries=max_retries,
                http_client=DefaultHttpxClient(transport=_bounded_waits_transport(max_retry_after)),
            )
            _clients[cache_key] = client
        return client


def _bounded_waits_transport(max_retry_after: float) -> httpx2.HTTPTransport:
    import httpx2

    class BoundedWaits(httpx2.HTTPTransport):
        def handle_request(self, request: httpx2.Request) -> httpx2.Response:
            response = super().handle_request(request)
            if _asks_to_wait_longer_than(response.headers, max_retry_after):
                # The SDK's own switch: an answer that says not to retry fails at once.
                response.headers["x-should-retry"] = "false"
            return response

    return BoundedWaits()


def _asks_to_wait_longer_than(headers: Any, seconds: float) -> bool:
    """Whether Retry-After (or OpenAI's Retry-After-Ms) asks for a longer wait; a date counts as longer."""
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(header)
        if value is None:
            continue
        try:
            return float(value) / divisor > seconds
        except ValueError:
            return True
    return False


class OpenAIProvider:
    def __init__(
        self, *, api_key: str, base_url: str | None, timeout: float, max_retries: int, max_retry_after: float
    ) -> None:
        self._client = shared_client(api_key, base_url, timeout, max_retries, max_retry_after)

    def __repr__(self) -> str:
        return "OpenAIProvider()"

    def complete(
        self, turns: list[ChatTurn], *, model: str, temperature: float, max_tokens: int, language: str
    ) -> Completion:
        import openai

        try:
            response = self._client.chat.completions.create(
                model=model,
                messages=[{"role": t.role, "content": t.content} for t in turns],  # type: ignore[misc]
                temperature=temperature,
                max_tokens=max_tokens,
            )
        # A 200 with a body that is not a completion surfaces as a parsing error, not an OpenAIError.
        except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
            raise AIProviderError(f"{type(exc).__name__}: {_safe_reason(exc)}") from exc
        if not response.choices or not (response.choices[0].message.content or "").strip():
            raise AIProviderError("the provider returned no text")
        usage = response.usage
        return Completion(
            content=response.choices[0].message.content.strip(),  # type: ignore[union-attr]
            model=response.model or model,
            tokens_used=usage.total_tokens if usage is not None else 0,
        )


def _safe_reason(exc: Exception) -> str:
    """The status code or class of a failure; never the request (which carries the key)."""
    status = getattr(exc, "status_code", None)
    return f"status {status}" if status is not None else "no response"
