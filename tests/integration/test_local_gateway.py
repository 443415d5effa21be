"""The local gateway over real HTTP: uvicorn in a thread, the real functions, the test database."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from starlette.applications import Starlette

from chatflow.channels import Channel, create_channel
from chatflow.organizations import create_organization
from infra.functions import Handler, load_handler
from infra.local.gateway import bind_socket, create_app
from infra.routes import CORS_METHODS, WIDGET_ROUTES, Route
from tests.support.callers import super_admin

Db = psycopg.Connection[dict[str, Any]]


@contextmanager
def serving(app: Starlette, config: uvicorn.Config | None = None) -> Iterator[httpx.Client]:
    """The app on a free loopback port (with `config`, as uvicorn is configured there), and a client for it."""
    sock = bind_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(config or uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the gateway did not start"
        time.sleep(0.01)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def channel(db: Db) -> Channel:
    organization_id = create_organization(db, name="Gateway Test Co.", plan="pro")
    return create_channel(db, super_admin(), organization_id, name="Website")


@pytest.fixture
def widget_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "widget"
    folder.mkdir()
    (folder / "chatflow360.js").write_text("console.log('chatflow360');\n")
    return folder


@pytest.fixture
def gateway(db: Db, widget_dir: Path) -> Iterator[httpx.Client]:
    with serving(create_app(static_dir=widget_dir)) as client:
        yield client


def _post_chat(client: httpx.Client, channel: Channel, visitor_id: str, message: str = "Hello") -> httpx.Response:
    return client.post(
        "/api/chat", json={"publicKey": str(channel.public_key), "visitorId": visitor_id, "message": message}
    )


def _load_with(function: str, handler: Handler) -> Callable[[str], Handler]:
    def load(name: str) -> Handler:
        return handler if name == function else load_handler(name)

    return load


def test_post_chat_answers_with_the_offline_ai_reply(gateway: httpx.Client, channel: Channel) -> None:
    response = _post_chat(gateway, channel, str(uuid.uuid4()), "What time do you open?")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["status"] == "open"
    assert body["reply"]["role"] == "ai"
    assert body["reply"]["content"].startswith("[Offline demo]")  # no key: the knowledge's own answer


def test_get_chat_returns_the_messages_of_the_conversation(gateway: httpx.Client, channel: Channel) -> None:
    visitor_id = str(uuid.uuid4())
    conversation_id = _post_chat(gateway, channel, visitor_id).json()["conversationId"]

    response = gateway.get(
        f"/api/chat/{conversation_id}", params={"publicKey": str(channel.public_key), "visitorId": visitor_id}
    )

    assert response.status_code == 200
    assert [m["role"] for m in response.json()["messages"]] == ["visitor", "ai"]


def test_patch_chat_closes_the_conversation(gateway: httpx.Client, channel: Channel) -> None:
    visitor_id = str(uuid.uuid4())
    conversation_id = _post_chat(gateway, channel, visitor_id).json()["conversationId"]

    response = gateway.patch(f"/api/chat/{conversation_id}", json={"visitorId": visitor_id})

    assert response.status_code == 200
    assert response.json() == {"id": conversation_id, "status": "closed"}


def test_function_error_answers_pass_through_unchanged(gateway: httpx.Client) -> None:
    response = gateway.post("/api/chat", content=b"{not json", headers={"content-type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    """Threads switch thousands of times more often than usual, so that a race between two
    invocations shows within a short test."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


@pytest.mark.usefixtures("eager_thread_switching")
def test_concurrent_requests_each_get_the_answer_to_their_own_message(gateway: httpx.Client, channel: Channel) -> None:
    # Powertools keeps the current event in a class attribute: unless the gateway runs one
    # invocation at a time, as Lambda does, a request can be answered from another's event.
    sent = [(str(uuid.uuid4()), f"message number {n}") for n in range(12)]

    with ThreadPoolExecutor(max_workers=len(sent)) as pool:
        replies = list(pool.map(lambda vm: _post_chat(gateway, channel, vm[0], vm[1]).json(), sent))

    for (visitor_id, message), reply in zip(sent, replies, strict=True):
        query = {"publicKey": str(channel.public_key), "visitorId": visitor_id}
        history = gateway.get(f"/api/chat/{reply['conversationId']}", params=query).json()
        assert [m["content"] for m in history["messages"][:1]] == [message]
        assert history["messages"][1]["id"] == reply["reply"]["id"]


def test_preflight_is_answered_by_the_gateway_with_open_cors(gateway: httpx.Client) -> None:
    response = gateway.options(
        f"/api/chat/{uuid.uuid4()}",
        headers={"Origin": "https://shop.example.com", "Access-Control-Request-Method": "PATCH"},
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == ",".join(CORS_METHODS)
    assert response.headers["access-control-allow-headers"] == "Authorization,Content-Type"
    assert response.headers["access-control-max-age"] == "600"


def test_unknown_path_answers_404_in_the_error_shape(gateway: httpx.Client) -> None:
    response = gateway.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "route_not_found"
    assert response.json()["error"]["message"]


def test_known_path_with_another_method_answers_405_in_the_error_shape(gateway: httpx.Client) -> None:
    response = gateway.put(f"/api/chat/{uuid.uuid4()}")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert response.headers["allow"] == "GET, PATCH, DELETE, OPTIONS"


def test_body_over_10_mb_answers_413_in_the_error_shape(gateway: httpx.Client) -> None:
    response = gateway.post("/api/chat", content=b"x" * (10 * 1024 * 1024 + 1))

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_handler_exception_answers_502_like_api_gateway(db: Db, widget_dir: Path) -> None:
    def crash(_event: dict[str, Any], _context: Any) -> Any:
        raise RuntimeError("a bug")

    routes = (*WIDGET_ROUTES, Route("GET", "/api/crash", "crash"))
    with serving(create_app(routes=routes, load=_load_with("crash", crash), static_dir=widget_dir)) as client:
        response = client.get("/api/crash")

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_malformed_proxy_response_answers_502_like_api_gateway(db: Db, widget_dir: Path) -> None:
    def malformed(_event: dict[str, Any], _context: Any) -> Any:
        return "not a proxy response"

    routes = (*WIDGET_ROUTES, Route("GET", "/api/malformed", "malformed"))
    with serving(create_app(routes=routes, load=_load_with("malformed", malformed), static_dir=widget_dir)) as client:
        response = client.get("/api/malformed")

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_widget_files_are_served_with_no_cache(gateway: httpx.Client) -> None:
    response = gateway.get("/widget/chatflow360.js")

    assert response.status_code == 200
    assert response.text == "console.log('chatflow360');\n"
    assert response.headers["cache-control"] == "no-cache"


def test_healthz_answers_200(gateway: httpx.Client) -> None:
    assert gateway.get("/healthz").status_code == 200


def test_scheduled_cleanup_closes_a_stale_conversation_at_start(db: Db, channel: Channel, widget_dir: Path) -> None:
    row = db.execute(
        """
        INSERT INTO conversations (channel_id, organization_id, visitor_id, last_message_at)
        SELECT id, organization_id, gen_random_uuid(), now() - interval '3 hours' FROM channels WHERE id = %s
        RETURNING id
        """,
        (channel.id,),
    ).fetchone()
    assert row is not None

    with serving(create_app(static_dir=widget_dir)):
        deadline = time.monotonic() + 10
        while True:
            status = db.execute("SELECT status FROM conversations WHERE id = %s", (row["id"],)).fetchone()
            if status == {"status": "closed"} or time.monotonic() > deadline:
                break
            time.sleep(0.05)

    assert status == {"status": "closed"}


def test_the_dashboard_api_is_served_under_api_dashboard(database_url: str, widget_dir: Path) -> None:
    with serving(create_app(static_dir=widget_dir, workers=1)) as client:
        document = client.get("/api/dashboard/openapi.json")
        unauthenticated = client.get("/api/dashboard/me")

    assert document.status_code == 200
    assert "/api/dashboard/organizations" in document.json()["paths"]
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "missing_token"


def test_the_dashboard_build_is_served_under_app_with_deep_links_opening_the_app(
    database_url: str, widget_dir: Path, tmp_path: Path
) -> None:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "app.js").write_text("console.log('app')")
    with serving(create_app(static_dir=widget_dir, dashboard_dir=dist, workers=1)) as client:
        index = client.get("/app/")
        deep_link = client.get("/app/es/conversations/123")
        asset = client.get("/app/assets/app.js")
        missing_asset = client.get("/app/assets/missing.js")

    assert index.status_code == deep_link.status_code == 200
    assert deep_link.text == index.text == "<!doctype html><div id=root></div>"
    assert asset.text == "console.log('app')"
    assert missing_asset.status_code == 404
