"""Fixtures every test may use: a database of its own in one throw-away PostgreSQL per run, the fake
OpenAI server, and the environment a function runs with; and each test's tier, as a marker.

One run, with or without pytest-xdist, starts one embedded server: the first process that needs it
starts it and migrates a template database, under a file lock in a folder the run shares; every
process (each xdist worker, or the only one) then tests in its own copy of the template. The process
that made the folder (xdist's controller, or the only one) stops the server when the run ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import psycopg
import pytest
from psycopg.rows import dict_row

from tests.support.fake_openai import FakeOpenAI
from tests.support.local_stack import free_port

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from infra.local.aws import LocalAws
    from tests.support.people import People

# Every test's captured output is scanned for secrets; a finding fails the session.
pytest_plugins = ["tests.support.secret_scan", "pytester"]

# The environment of a function, before anything reads settings.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "chatflow-tests")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("OPENAI_API_KEY", None)
os.environ.pop("OPENAI_BASE_URL", None)
TEST_ENCRYPTION_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
os.environ["ENCRYPTION_KEY"] = TEST_ENCRYPTION_KEY
os.environ["ALLOW_OFFLINE_AI"] = "true"
os.environ["AI_MAX_RETRIES"] = "0"


TESTS = Path(__file__).resolve().parent
TIERS = ("unit", "integration", "property", "infra", "e2e")
# One worker runs all of a group, so that a group's session fixtures (a synthesis of each environment,
# the whole local stack and a browser) are made once per run, not once per worker.
_XDIST_GROUPS = ("infra", "e2e")
_SHARED = pytest.StashKey[Path]()
_SHARED_OPTION = "chatflow_shared_dir"
_TEMPLATE = "chatflow_template"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test gets the marker of its tier, the folder it lives in under tests/."""
    grouped = config.pluginmanager.hasplugin("xdist") and config.getoption("dist", "no") == "loadgroup"
    for item in items:
        parts = item.path.relative_to(TESTS).parts if item.path.is_relative_to(TESTS) else ()
        tier = parts[0] if parts else ""
        if tier in TIERS:
            item.add_marker(tier)
            if grouped and tier in _XDIST_GROUPS:
                item.add_marker(pytest.mark.xdist_group(tier))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """An xdist worker sends each report to the controller as UTF-8, which a lone surrogate (a property
    test's input, echoed in a log line) cannot be: such characters are sent escaped."""
    report: pytest.TestReport = yield
    if hasattr(item.config, "workerinput"):
        report.sections = [(title, _utf8(text)) for title, text in report.sections]
    return report


def _utf8(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):  # xdist's controller, or a run without workers
        config.stash[_SHARED] = Path(tempfile.mkdtemp(prefix="chatflow-tests-"))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist's controller tells each worker where the run's shared folder is."""
    node.workerinput[_SHARED_OPTION] = str(node.config.stash[_SHARED])


def pytest_unconfigure(config: pytest.Config) -> None:
    shared = config.stash.get(_SHARED, None)
    if shared is None:
        return
    from infra.local import postgres

    server = _read_server(shared)
    if server and server.get("pgdata"):
        postgres.discard(Path(server["pgdata"]))
    shutil.rmtree(shared, ignore_errors=True)


def _shared_dir(config: pytest.Config) -> Path:
    workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
    return Path(workerinput[_SHARED_OPTION]) if workerinput else config.stash[_SHARED]


def _read_server(shared: Path) -> dict[str, str] | None:
    path = shared / "server.json"
    if not path.exists():
        return None
    server: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return server


def _server(shared: Path) -> dict[str, str]:
    """The run's server and its migrated template: {"uri" of a database to administer it from,
    "template", and "pgdata" when embedded}; made by the first caller, under the run's lock."""
    from chatflow.migrate import migrate
    from infra.local import postgres

    server = _read_server(shared)
    if server is not None:
        if "uri" not in server:
            raise RuntimeError("the run's PostgreSQL did not start: see the error of the first test that needed it")
        return server
    url = os.environ.get("TEST_DATABASE_URL")
    if url:  # another PostgreSQL: its database, migrated, is the template; the copies sit beside it
        migrate(url)
        server = {"uri": postgres.database_uri(url, "postgres"), "template": unquote(urlsplit(url).path[1:])}
    else:
        pgdata = postgres.new_data_dir("chatflow-test-pg-")
        server = {"pgdata": str(pgdata)}
        (shared / "server.json").write_text(json.dumps(server), encoding="utf-8")  # stopped even if what follows fails
        uri = postgres.start(pgdata)
        with psycopg.connect(uri, autocommit=True) as admin:  # a throw-away server need not survive a crash
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                admin.execute(f"ALTER SYSTEM SET {setting} = off")
            admin.execute("SELECT pg_reload_conf()")
        migrate(postgres.create_database(uri, _TEMPLATE))
        server |= {"uri": uri, "template": _TEMPLATE}
    (shared / "server.json").write_text(json.dumps(server), encoding="utf-8")
    return server


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """This process's own copy of the migrated template: `chatflow_test_<worker>` (gw0, gw1, … under
    xdist, else main) on the run's server — TEST_DATABASE_URL's when set, else an embedded one."""
    from chatflow.db import close_pool
    from infra.local import postgres

    shared = _shared_dir(request.config)
    name = f"chatflow_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    with (shared / "server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process starts the server; copies never overlap a migration
        server = _server(shared)
        url = postgres.create_database(server["uri"], name, template=server["template"])
    os.environ["DATABASE_URL"] = url
    try:
        yield url
    finally:
        close_pool()  # before the database goes
        if "pgdata" not in server:  # another's server: leave it as it was found
            with psycopg.connect(server["uri"], autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def new_database(database_url: str) -> Iterator[Callable[[str], str]]:
    """Makes empty databases beside this process's own (`<its name>_<suffix>`), dropped after the test."""
    from infra.local import postgres

    own = unquote(urlsplit(database_url).path[1:])
    made: list[str] = []

    def make(suffix: str) -> str:
        made.append(f"{own}_{suffix}")
        return postgres.create_database(database_url, made[-1])

    yield make
    with psycopg.connect(database_url, autocommit=True) as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[dict[str, Any]]]:
    """A connection to the test database, emptied after the test."""
    with psycopg.connect(database_url, autocommit=True, row_factory=dict_row) as conn:
        yield conn
        conn.execute(_EMPTY_EVERY_TABLE)


# DELETE, with the foreign keys' triggers off, is some 30 times faster than a TRUNCATE of every table
# (which makes new files for each): a millisecond instead of tens, after each of hundreds of tests.
_EMPTY_EVERY_TABLE = """
DO $$
DECLARE
    name text;
BEGIN
    SET LOCAL session_replication_role = replica;
    FOR name IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
        EXECUTE format('DELETE FROM %I', name);
    END LOOP;
END $$"""


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai(fake_openai_server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """Points the platform's OpenAI key and base URL at the fake server for this test."""
    from chatflow.settings import get_settings

    fake_openai_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-environment-key-0000")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai_server.base_url)
    get_settings.cache_clear()
    yield fake_openai_server
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    from chatflow.settings import get_settings

    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def local_aws(database_url: str) -> Iterator[LocalAws]:
    """moto's Cognito, SES and SQS on loopback: one per run (per xdist worker) for every tier that
    signs people in or sends mail, so that the environment it exports names the one server."""
    from infra.local import aws

    started = aws.start(
        host="127.0.0.1",
        port=free_port(),
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
    """The dashboard API, in process, as its Lambda serves it."""
    from fastapi.testclient import TestClient

    from infra.functions import load_handler

    load_handler("dashboard_api")  # puts the function's folder on sys.path, as Lambda does
    from app import app

    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def people(api: TestClient, db: psycopg.Connection[dict[str, Any]]) -> People:
    from tests.support.people import People

    return People(api, db)
