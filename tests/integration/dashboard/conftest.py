"""Dashboard fixtures: moto's Cognito and SES on loopback, the FastAPI app, people with roles."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from infra.local.aws import LocalAws
from tests.support.people import People


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def local_aws(database_url: str) -> Iterator[LocalAws]:
    from infra.local import aws

    started = aws.start(
        host="127.0.0.1",
        port=_free_port(),
        admin_email="root@chatflow360.test",
        admin_password="Root-passw0rd!",
        ses_sender="no-reply@chatflow360.test",
    )
    # Functions called in this process dispatch their events in it too (no DISPATCH_QUEUE_URL), so
    # that a test reads their effects as soon as the call returns; tests/integration/test_dispatch.py
    # covers the queue and functions/dispatch. Meta's webhooks likewise are handled where they are
    # received (tests/integration/meta).
    in_process = {"DISPATCH_QUEUE_URL", "INBOUND_QUEUE_URL"}
    os.environ.update({k: v for k, v in started.environment().items() if k not in in_process})
    yield started
    started.stop()


@pytest.fixture
def api(local_aws: LocalAws, db: psycopg.Connection[dict[str, Any]]) -> Iterator[TestClient]:
    from infra.functions import load_handler

    load_handler("dashboard_api")  # puts the function's folder on sys.path, as Lambda does
    from app import app

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def people(api: TestClient, db: psycopg.Connection[dict[str, Any]]) -> People:
    return People(api, db)
