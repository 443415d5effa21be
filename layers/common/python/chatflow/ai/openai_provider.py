"""OpenAI (or any OpenAI-compatible server) through the official SDK.

The SDK retries timeouts, 429s and 5xx with exponential backoff; we bound each attempt and the
number of retries so that an answer or a failure comes within API Gateway's 29 seconds.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from chatflow.ai.base import AIProviderError, ChatTurn, Completion

if TYPE_CHECKING:
    from openai import OpenAI

__all__ = ["OpenAIProvider"]

_clients: dict[tuple[str, str | None, float, int], OpenAI] = {}
_clients_lock = threading.Lock()


def _client(api_key: str, base_url: str | None, timeout: float, max_retries: int) -> OpenAI:
    # Imported here: the SDK costs ~0.3 s to import and many cold starts never call it.
    from openai import OpenAI

    cache_key = (api_key, base_url, timeout, max_retries)
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
            _clients[cache_key] = client
        return client


class OpenAIProvider:
    def __init__(self, *, api_key: str, base_url: str | None, timeout: float, max_retries: int) -> None:
        self._client = _client(api_key, base_url, timeout, max_retries)

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
