"""Invoking functions, and reading their answers as API Gateway reads them.

Functions run in worker processes, each serving one invocation at a time, as Lambda's execution
environments do: Powertools' resolver relies on it by keeping the current event in a class
attribute that every resolver of a process shares, so two threads of one process would answer
from each other's events. A worker imports a function on its first call (a cold start) and keeps
it. GATEWAY_WORKERS sets how many run at once.

A proxy result that API Gateway could not turn into an HTTP response raises MalformedResponse,
which the REST API answers with API Gateway's 502.
"""

from __future__ import annotations

import base64
import binascii
import multiprocessing
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from starlette.responses import Response

from infra.functions import Handler, load_handler
from infra.local.gateway.events import LambdaContext

__all__ = ["Functions", "MalformedResponse", "proxy_response"]


def _invoke(load: Callable[[str], Handler], function: str, event: dict[str, Any], request_id: str) -> Any:
    handler = load(function)
    return handler(event, LambdaContext(function_name=f"chatflow-{function}", aws_request_id=request_id))


def _invoke_in_worker(function: str, event: dict[str, Any], request_id: str) -> Any:
    return _invoke(load_handler, function, event, request_id)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; the gateway, not its workers, decides how to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class Functions:
    """Invokes functions: in a pool of worker processes, or, for a loader given by a test, in this
    process one invocation at a time (see this module's docstring)."""

    def __init__(self, load: Callable[[str], Handler] | None, workers: int) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def invoke(self, function: str, event: dict[str, Any], request_id: str) -> Any:
        if self._load is not None:
            with self._lock:
                return _invoke(self._load, function, event, request_id)
        with self._lock:
            if self._pool is None:
                # Spawned, not forked: the gateway runs threads, and a forked child inherits their locks.
                self._pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_ignore_interrupts,
                )
            pool = self._pool
        try:
            return pool.submit(_invoke_in_worker, function, event, request_id).result()
        except BrokenProcessPool:
            with self._lock:  # a worker died (killed, out of memory): start afresh next time
                if self._pool is pool:
                    self._pool = None
            raise

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None


class MalformedResponse(Exception):
    pass


def proxy_response(result: object, *, request_id: str) -> Response:
    """The HTTP response for a function's proxy result; raises MalformedResponse where API Gateway
    would answer 502. Values of multiValueHeaders win over headers of the same name, as in AWS."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raise MalformedResponse(f"not a proxy response: {type(result).__name__}")
    try:
        status = int(result["statusCode"])
        raw_body = result.get("body")
        if raw_body is None:
            raw_body = ""
        if not 100 <= status <= 599 or not isinstance(raw_body, str):
            raise MalformedResponse(f"statusCode {status} with a {type(raw_body).__name__} body")
        body = base64.b64decode(raw_body, validate=True) if result.get("isBase64Encoded") else raw_body.encode()
        merged: dict[str, tuple[str, list[str]]] = {}
        for name, value in (result.get("headers") or {}).items():
            merged[name.lower()] = (name, [str(value)])
        for name, values in (result.get("multiValueHeaders") or {}).items():
            merged[name.lower()] = (name, [str(v) for v in values])
        raw_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for key, (name, values) in merged.items()
            if key not in ("content-length", "transfer-encoding")
            for value in values
        ]
    except (TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise MalformedResponse(str(exc)) from exc
    response = Response(content=body, status_code=status)
    response.raw_headers.extend(raw_headers)
    response.headers.setdefault("x-amzn-RequestId", request_id)
    return response
