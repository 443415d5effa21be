"""The gateway as one ASGI app: the REST API, the WebSocket API and its Management API, the static
files and a health check, with the scheduled and queue-fed functions run for as long as it serves."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount
from starlette.routing import Route as StarletteRoute
from starlette.routing import WebSocketRoute as StarletteWebSocketRoute

from infra.functions import Handler
from infra.local.gateway.invoker import Functions
from infra.local.gateway.queues import poll_queue, pollers_per_queue
from infra.local.gateway.rest import RestApi
from infra.local.gateway.routing import RouteTable
from infra.local.gateway.s3 import MEDIA_PATH, S3_PATH, S3Front
from infra.local.gateway.schedules import run_on_schedule
from infra.local.gateway.static import (
    DASHBOARD_DIR,
    DASHBOARD_PATH,
    WIDGET_DIR,
    NoCacheStaticFiles,
    SinglePageApp,
    compressed,
)
from infra.local.gateway.websocket_api import (
    WEBSOCKET_IDLE_SECONDS,
    WEBSOCKET_MAX_SECONDS,
    WEBSOCKET_PATH,
    WebSocketApi,
)
from infra.routes import (
    QUEUE_FUNCTIONS,
    ROUTES,
    SCHEDULED_FUNCTIONS,
    WEBSOCKET_ROUTES,
    QueueFunction,
    Route,
    ScheduledFunction,
    WebSocketRoute,
)

__all__ = ["bind_socket", "create_app"]

_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(
    *,
    routes: Sequence[Route] = ROUTES,
    scheduled: Sequence[ScheduledFunction] = SCHEDULED_FUNCTIONS,
    schedule_interval_seconds: float | None = None,
    static_dir: Path = WIDGET_DIR,
    dashboard_dir: Path = DASHBOARD_DIR,
    load: Callable[[str], Handler] | None = None,
    workers: int = 4,
    websocket_routes: Sequence[WebSocketRoute] = WEBSOCKET_ROUTES,
    websocket_idle_seconds: float = WEBSOCKET_IDLE_SECONDS,
    websocket_max_seconds: float = WEBSOCKET_MAX_SECONDS,
    queue_functions: Sequence[QueueFunction] = QUEUE_FUNCTIONS,
    queue_urls: Mapping[str, str] | None = None,
    queue_wait_seconds: int = 5,
) -> Starlette:
    """The gateway. Scheduled functions run once at start, then every `rate_minutes` of the table,
    or every `schedule_interval_seconds` when given (the local stack's CLEANUP_INTERVAL_SECONDS).
    Functions run in `workers` processes, unless a test gives its own `load`. Each queue function
    whose queue has a URL in `queue_urls` (logical name -> SQS URL) is fed by concurrent pollers."""
    table = RouteTable(routes)
    functions = Functions(load, workers)
    rest_api = RestApi(table, functions)
    websocket_api = WebSocketApi(
        functions, websocket_routes, idle_seconds=websocket_idle_seconds, max_seconds=websocket_max_seconds
    )

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            for function in scheduled:
                tasks.start_soon(run_on_schedule, functions, function, schedule_interval_seconds)
            for queue_function in queue_functions:
                url = (queue_urls or {}).get(queue_function.queue)
                if not url:
                    continue
                for _ in range(pollers_per_queue(workers)):
                    tasks.start_soon(poll_queue, functions, queue_function, url, queue_wait_seconds)
            yield
            tasks.cancel_scope.cancel()
        await run_in_threadpool(functions.close)

    return Starlette(
        routes=[
            StarletteRoute("/healthz", _healthz, methods=["GET"]),
            Mount("/widget", compressed(NoCacheStaticFiles(directory=static_dir, check_dir=False)), name="widget"),
            StarletteRoute(DASHBOARD_PATH, _into_the_dashboard, methods=["GET", "HEAD"]),
            Mount(
                DASHBOARD_PATH,
                compressed(SinglePageApp(directory=dashboard_dir, html=True, check_dir=False)),
                name="dashboard",
            ),
            StarletteWebSocketRoute(WEBSOCKET_PATH, websocket_api.endpoint),
            StarletteRoute(
                WEBSOCKET_PATH + "/@connections/{connection_id:path}",
                websocket_api.management_api,
                methods=["GET", "POST", "DELETE"],
            ),
            # Attachments' presigned uploads and downloads reach moto's S3 here (chatflow.attachments).
            StarletteRoute(S3_PATH + "/{path:path}", S3Front().endpoint, methods=["GET", "HEAD", "POST", "OPTIONS"]),
            # The public pictures (chatflow.media): logos and operators' photos.
            StarletteRoute(MEDIA_PATH + "/{path:path}", S3Front().media, methods=["GET", "HEAD"]),
            StarletteRoute("/{path:path}", rest_api.endpoint, methods=_ALL_METHODS),
        ],
        lifespan=lifespan,
    )


async def _healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _into_the_dashboard(request: Request) -> Response:
    # DASHBOARD_URL has no trailing slash and links are made from it: /app opens the app, as
    # CloudFront's viewer-request function does in AWS, keeping the query (?org=).
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"{DASHBOARD_PATH}/{query}", status_code=308)


def server_config(app: Starlette, **options: Any) -> uvicorn.Config:
    """How uvicorn serves the gateway. API Gateway hands a function the connection's own address as
    `sourceIp` and passes `X-Forwarded-For` on as a header; so does the gateway: uvicorn's proxy
    headers (on by default for connections from loopback) would let any client choose its address,
    and with it get around every limit counted per address. The functions read the header
    themselves, only as far as TRUSTED_PROXIES says (chatflow.rate_limits.client_ip).

    httptools and uvloop, not h11 and asyncio's own loop: the live-update fan-out is one Management
    API POST per socket, and they halve, then halve again, the gateway's CPU per post (0.94 -> 0.31
    ms here), which is what a message to 200 open dashboards waits for on one machine."""
    return uvicorn.Config(app, proxy_headers=False, http="httptools", loop="uvloop", **options)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything else starts so that a busy port fails fast.
    Raises OSError (EADDRINUSE) when another process listens there."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # Lets a restart reuse a port whose old connections linger in TIME_WAIT; a port someone
        # listens on is still refused.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
