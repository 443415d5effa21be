"""OpenAI (or any OpenAI-compatible server) through the official SDK.

The SDK retries timeouts, 429s and 5xx with exponential backoff; we bound each attempt and the
number of retries so that an answer or a failure comes within API Gateway's 29 seconds. The SDK
also waits as long as a provider's Retry-After asks, up to two minutes: a provider that asks for
more than AI_MAX_RETRY_AFTER_SECONDS is not retried, and the visitor gets the fallback now rather
than a gateway timeout later.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from chatflow.ai.base import AIProviderError, ChatTurn, Completion, DeltaSink
from chatflow.ai.handoff_tool import HANDOFF_TOOL, HANDOFF_TOOL_NAME, read_handoff_call

if TYPE_CHECKING:
    import httpx2
    from openai import OpenAI

__all__ = ["OpenAIProvider", "shared_client"]

_logger = logging.getLogger(__name__)

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
        self,
        turns: list[ChatTurn],
        *,
        model: str,
        temperature: float,
        max_tokens: int,
        language: str,
        offer_handoff: bool = False,
        on_delta: DeltaSink | None = None,
    ) -> Completion:
        import openai

        messages = [_message(t) for t in turns]
        try:
            try:
                return self._complete(messages, model, temperature, max_tokens, offer_handoff, on_delta)
            except openai.BadRequestError:
                if not offer_handoff:
                    raise
                # A provider (an OpenAI-compatible server) that knows no tools refuses the request:
                # it still answers without them, and keywords alone hand off.
                _logger.info("the provider refused tools; answering without handoff_to_human")
                return self._complete(messages, model, temperature, max_tokens, False, on_delta)
        # A 200 with a body that is not a completion surfaces as a parsing error, not an OpenAIError.
        except (openai.OpenAIError, ValueError, TypeError, KeyError) as exc:
            rejected = isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError)
            raise AIProviderError(f"{type(exc).__name__}: {_safe_reason(exc)}", key_rejected=rejected) from exc

    def _complete(
        self,
        messages: list[dict[str, Any]],
        model: str,
        temperature: float,
        max_tokens: int,
        offer_handoff: bool,
        on_delta: DeltaSink | None,
    ) -> Completion:
        if on_delta is not None:
            return self._stream(messages, model, temperature, max_tokens, offer_handoff, on_delta)
        from openai import omit

        response = self._client.chat.completions.create(
            model=model,
            messages=messages,  # type: ignore[arg-type]
            temperature=temperature,
            max_tokens=max_tokens,
            tools=[HANDOFF_TOOL] if offer_handoff else omit,  # type: ignore[list-item]
            tool_choice="auto" if offer_handoff else omit,
        )
        if not response.choices:
            raise AIProviderError("the provider returned no choice")
        message = response.choices[0].message
        handoff = None
        for call in message.tool_calls or []:
            function = getattr(call, "function", None)
            if function is not None and function.name == HANDOFF_TOOL_NAME:
                handoff = read_handoff_call(function.arguments)
                break
        content = (message.content or "").strip()
        if not content and handoff is None:
            raise AIProviderError("the provider returned no text")
        usage = response.usage
        return Completion(
            content=content,
            model=response.model or model,
            tokens_used=usage.total_tokens if usage is not None else 0,
            handoff=handoff,
        )

    def _stream(
        self,
        messages: list[dict[str, Any]],
        model: str,
        temperature: float,
        max_tokens: int,
        offer_handoff: bool,
        on_delta: DeltaSink,
    ) -> Completion:
        """The answer as the provider streams it, each piece of text handed to `on_delta` as it comes.
        The SDK retries only the opening of the stream; a stream that breaks later keeps what came
        (`cut`), for the visitor has already read it."""
        from openai import omit

        # Our messages and tool are plain dicts of the SDK's TypedDicts' shape.
        stream = self._client.chat.completions.create(  # type: ignore[call-overload]
            model=model,
            messages=messages,
            temperature=temperature,
            max_tokens=max_tokens,
            stream=True,
            stream_options={"include_usage": True},
            tools=[HANDOFF_TOOL] if offer_handoff else omit,
            tool_choice="auto" if offer_handoff else omit,
        )
        pieces: list[str] = []
        calls: dict[int, list[str]] = {}  # tool call index -> [name, arguments so far]
        answered_model, tokens, cut, finished = model, 0, False, False
        try:
            for chunk in stream:
                answered_model = chunk.model or answered_model
                if chunk.usage is not None:
                    tokens = chunk.usage.total_tokens
                if not chunk.choices:
                    continue
                finished = finished or chunk.choices[0].finish_reason is not None
                delta = chunk.choices[0].delta
                for call in delta.tool_calls or []:
                    entry = calls.setdefault(call.index, ["", ""])
                    if call.function is not None:
                        entry[0] += call.function.name or ""
                        entry[1] += call.function.arguments or ""
                if delta.content:
                    # The first piece loses its leading blanks, as the whole text would.
                    piece = delta.content if pieces else delta.content.lstrip()
                    if piece:
                        pieces.append(piece)
                        on_delta(piece)
        except Exception as exc:  # a broken connection, a malformed chunk: whatever came is kept
            if not pieces:
                raise AIProviderError(f"the stream broke before any text: {type(exc).__name__}") from exc
            _logger.warning("the provider's stream broke off", extra={"reason": type(exc).__name__})
            cut = True
        finally:
            stream.close()
        if not finished and not cut:
            # The connection closed cleanly but the model never said it was done: a cut all the same.
            if not pieces:
                raise AIProviderError("the stream ended before any text")
            _logger.warning("the provider's stream ended without a finish reason")
            cut = True
        handoff = next(
            (read_handoff_call(arguments) for name, arguments in calls.values() if name == HANDOFF_TOOL_NAME), None
        )
        content = "".join(pieces).strip()
        if not content and handoff is None:
            raise AIProviderError("the provider returned no text")
        return Completion(content=content, model=answered_model, tokens_used=tokens, handoff=handoff, cut=cut)


def _safe_reason(exc: Exception) -> str:
    """The status code or class of a failure; never the request (which carries the key)."""
    status = getattr(exc, "status_code", None)
    return f"status {status}" if status is not None else "no response"


def _message(turn: ChatTurn) -> dict[str, Any]:
    """A turn in the Chat Completions shape: text, or text and images as content parts (low detail: a
    visitor's photo of a part or a receipt reads well at 512 px, at a fraction of the tokens)."""
    if not turn.image_urls:
        return {"role": turn.role, "content": turn.content}
    parts: list[dict[str, Any]] = [{"type": "text", "text": turn.content}]
    parts += [{"type": "image_url", "image_url": {"url": url, "detail": "low"}} for url in turn.image_urls]
    return {"role": turn.role, "content": parts}
