"""The local gateway as Lambda's SQS event source mapping: moto's queue long-polled, the real SQS
event shape, messages deleted when they succeed and left to come back when reported failed."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest
from moto.server import ThreadedMotoServer

from chatflow.knowledge import service as knowledge
from chatflow.settings import get_settings
from infra.functions import Handler, load_handler
from infra.local.gateway import create_app
from infra.routes import QueueFunction
from tests.integration.conftest import Tenant
from tests.integration.test_local_gateway import serving
from tests.support.callers import admin_of

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """moto's SQS on loopback with one queue whose failed messages come back after a second."""
    import boto3

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client: Any = boto3.client("sqs", region_name="us-east-1")
    url: str = client.create_queue(QueueName="chatflow-ingest-test", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    yield client, url
    server.stop()


def _until(condition: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _waiting(client: Any, url: str) -> int:
    attributes = client.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_the_poller_delivers_sqs_events_and_deletes_only_what_succeeded(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    events: list[dict[str, Any]] = []

    def fake_function(event: dict[str, Any], _context: Any) -> dict[str, Any]:
        events.append(event)
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if json.loads(r["body"])["fail"]
            ]
        }

    def load(_name: str) -> Handler:
        return fake_function

    client.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": False}))
    client.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": True}))
    app = create_app(
        load=load,
        scheduled=(),
        queue_functions=(QueueFunction("fake", queue="test", batch_size=10),),
        queue_urls={"test": url},
        queue_wait_seconds=1,
    )
    with serving(app):
        # The failed message comes back (after its 1 s visibility timeout) and is delivered again.
        _until(lambda: sum(1 for e in events for r in e["Records"] if json.loads(r["body"])["fail"]) >= 2)

    record = events[0]["Records"][0]
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert (record["eventSource"], record["awsRegion"]) == ("aws:sqs", "us-east-1")
    assert record["eventSourceARN"].endswith(":chatflow-ingest-test")
    assert "ApproximateReceiveCount" in record["attributes"]
    delivered = [json.loads(r["body"])["fail"] for e in events for r in e["Records"]]
    assert delivered.count(False) == 1  # deleted after its success, never delivered again
    assert _waiting(client, url) == 1  # only the failing one is left


def test_knowledge_queued_by_the_api_is_ingested_through_the_gateway(
    db: Db, tenant: Tenant, sqs: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, url = sqs
    monkeypatch.setenv("INGEST_QUEUE_URL", url)
    get_settings.cache_clear()
    from chatflow import aws

    aws._client.cache_clear()  # a client made for another endpoint must not be reused
    entry = knowledge.create_entry(
        db,
        admin_of(tenant.organization_id),
        tenant.organization_id,
        knowledge.EntryInput(title="Hours", content="We open at 7 am every day."),
        get_settings(),
    )
    assert knowledge.enqueue(entry.id, get_settings())

    def status(entry_id: UUID) -> str:
        row = db.execute("SELECT status FROM channel_knowledge WHERE id = %s", (entry_id,)).fetchone()
        assert row is not None
        return str(row["status"])

    with serving(create_app(load=load_handler, scheduled=(), queue_urls={"ingest": url}, queue_wait_seconds=1)):
        _until(lambda: status(entry.id) == "ready")
        _until(lambda: _waiting(client, url) == 0)
    aws._client.cache_clear()
