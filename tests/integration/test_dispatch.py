"""Domain events: written with their change, delivered after it by functions/dispatch to each listener
once in effect — however often they are signalled, whoever dies in the middle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow import outbox
from chatflow.db import Connection
from chatflow.outbox import ConversationUpdated, DomainEvent, Listener, MessageCreated
from chatflow.outbox import repository as events_repo
from chatflow.settings import get_settings
from infra.functions import load_handler
from infra.local.aws import LocalAws
from tests.integration.conftest import Tenant
from tests.support.events import LambdaContextStub, sqs_event
from tests.support.people import People, Person
from tests.support.widget import WidgetClient

Db = psycopg.Connection[dict[str, Any]]


class Recorder:
    """Listeners that record what they ran, and can be told to fail."""

    def __init__(self) -> None:
        self.runs: dict[str, list[UUID]] = {}
        self.failing: set[str] = set()

    def listener(self, name: str, *handles: type[DomainEvent]) -> Listener:
        def run(conn: Connection, events: Sequence[DomainEvent]) -> None:
            if name in self.failing:
                raise RuntimeError(f"{name} is down")
            self.runs.setdefault(name, []).extend(e.id for e in events)

        return Listener(name=name, handles=handles or (ConversationUpdated, MessageCreated), run=run)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _events(db: Db, tenant: Tenant, count: int = 2) -> list[DomainEvent]:
    """Events of a conversation of the tenant, written as a write would, not yet signalled."""
    conversation_id = WidgetClient(tenant.public_key, uuid4()).post("Hello").body["conversationId"]
    events: list[DomainEvent] = [
        ConversationUpdated(organization_id=tenant.organization_id, conversation_id=UUID(conversation_id))
        for _ in range(count)
    ]
    events_repo.add(db, events)
    return events


def _runs(db: Db, event_ids: Sequence[UUID]) -> list[dict[str, Any]]:
    return db.execute(
        "SELECT listener, attempts, done_at IS NOT NULL AS done, failed_at IS NOT NULL AS failed, last_error,"
        " extract(epoch FROM next_attempt_at - now()) AS wait FROM listener_runs"
        " WHERE event_id = ANY(%s) ORDER BY listener, event_id",
        (list(event_ids),),
    ).fetchall()


def _dispatched(db: Db, event_ids: Sequence[UUID]) -> bool:
    row = db.execute(
        "SELECT bool_and(dispatched_at IS NOT NULL) AS all FROM outbox WHERE id = ANY(%s)", (list(event_ids),)
    )
    result = row.fetchone()
    assert result is not None
    return bool(result["all"])


# --- written with the change -----------------------------------------------------------------------------


def test_a_visitors_message_and_its_answer_write_their_events_in_their_own_statements(
    visitor: WidgetClient, db: Db
) -> None:
    answer = visitor.post("Do you have oat milk?")

    rows = db.execute("SELECT type, conversation_id, payload FROM outbox ORDER BY seq").fetchall()
    messages = db.execute("SELECT id FROM messages ORDER BY seq").fetchall()
    assert [r["type"] for r in rows] == [
        "conversation.created",
        "message.created",
        "conversation.updated",
        "message.created",
    ]
    assert {str(r["conversation_id"]) for r in rows} == {answer.body["conversationId"]}
    assert [r["payload"]["message_id"] for r in rows if r["type"] == "message.created"] == [
        str(m["id"]) for m in messages
    ]


def test_a_retried_message_writes_no_second_set_of_events(visitor: WidgetClient, db: Db) -> None:
    client_message_id = uuid4()
    visitor.post("Hello", clientMessageId=client_message_id)

    visitor.post("Hello", clientMessageId=client_message_id)

    assert db.execute("SELECT count(*) AS n FROM outbox").fetchone() == {"n": 4}


def test_a_handoff_keyword_writes_a_handoff_event_asked_by_the_visitor(visitor: WidgetClient, db: Db) -> None:
    visitor.post("I want to talk to a human")

    row = db.execute("SELECT payload FROM outbox WHERE type = 'conversation.handoff'").fetchone()
    assert row == {
        "payload": {
            "requested_by": "visitor",
            "agent_name": None,
            "source": "keyword",
            "reason": "visitor_asked",
            "summary": None,
        }
    }


def test_events_are_delivered_and_marked_so_once_their_listeners_ran(visitor: WidgetClient, db: Db) -> None:
    visitor.post("Hello")

    assert db.execute("SELECT count(*) AS n FROM outbox WHERE dispatched_at IS NULL").fetchone() == {"n": 0}
    # send_to_meta runs on every message.created and sends nothing for a website's; so does
    # count_question_embeddings, which counts nothing for an answer given without a search.
    assert {r["listener"] for r in db.execute("SELECT listener FROM listener_runs")} == {
        "push_to_sockets",
        "send_to_meta",
        "count_for_reports",
        "count_question_embeddings",
        "deliver_webhooks",
    }


def test_events_of_a_type_this_release_does_not_know_wait_undelivered(
    tenant: Tenant, db: Db, recorder: Recorder
) -> None:
    event_id = uuid4()
    db.execute(
        "INSERT INTO outbox (id, type, version, organization_id, payload) VALUES (%s, 'invoice.paid', 1, %s, '{}')",
        (event_id, tenant.organization_id),
    )

    outcome = outbox.dispatch([event_id], [recorder.listener("a")])

    assert outcome == outbox.DispatchOutcome()
    assert not _dispatched(db, [event_id])


# --- once in effect --------------------------------------------------------------------------------------


def test_each_listener_runs_each_event_once_however_often_it_is_signalled(
    tenant: Tenant, db: Db, recorder: Recorder
) -> None:
    events = _events(db, tenant)
    ids = [e.id for e in events]
    listeners = [recorder.listener("a"), recorder.listener("b")]

    first = outbox.dispatch(ids, listeners)
    again = outbox.dispatch(ids, listeners)

    assert recorder.runs == {"a": ids, "b": ids}
    assert (first.ran, again.ran) == (4, 0)
    assert _dispatched(db, ids)


def test_a_failing_listener_leaves_the_others_alone_and_is_retried_after_its_backoff(
    tenant: Tenant, db: Db, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCH_RETRY_BASE_SECONDS", "30")
    events = _events(db, tenant)
    ids = [e.id for e in events]
    listeners = [recorder.listener("a"), recorder.listener("b")]
    recorder.failing.add("a")

    outcome = outbox.dispatch(ids, listeners)

    assert (outcome.ran, outcome.failed, outcome.retry_after_seconds) == (2, 2, 30)
    assert recorder.runs == {"b": ids}
    failed = [r for r in _runs(db, ids) if r["listener"] == "a"]
    assert all(r["attempts"] == 1 and not r["done"] and r["last_error"] == "RuntimeError: a is down" for r in failed)
    assert all(25 < r["wait"] <= 30 for r in failed)
    assert not _dispatched(db, ids)

    recorder.failing.clear()
    early = outbox.dispatch(ids, listeners)  # a signal that comes back before the retry is due
    db.execute("UPDATE listener_runs SET next_attempt_at = now() WHERE listener = 'a'")
    due = outbox.dispatch(ids, listeners)

    assert early.ran == 0
    assert early.retry_after_seconds is not None
    assert due.ran == 2
    assert recorder.runs == {"a": ids, "b": ids}
    assert _dispatched(db, ids)


def test_the_backoff_doubles_with_each_attempt(tenant: Tenant, db: Db, recorder: Recorder) -> None:
    events = _events(db, tenant, count=1)
    ids = [e.id for e in events]
    recorder.failing.add("a")
    delays = []
    for _ in range(3):
        delays.append(outbox.dispatch(ids, [recorder.listener("a")]).retry_after_seconds)
        db.execute("UPDATE listener_runs SET next_attempt_at = now()")

    assert delays == [10, 20, 40]


def test_a_listener_failing_past_its_attempts_is_given_up_and_reported(
    tenant: Tenant, db: Db, recorder: Recorder, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DISPATCH_MAX_ATTEMPTS", "2")
    ids = [e.id for e in _events(db, tenant, count=1)]
    recorder.failing.add("a")
    outbox.dispatch(ids, [recorder.listener("a")])
    db.execute("UPDATE listener_runs SET next_attempt_at = now()")

    last = outbox.dispatch(ids, [recorder.listener("a")])

    assert (last.given_up, last.retry_after_seconds) == (1, None)
    assert [(r["attempts"], r["failed"]) for r in _runs(db, ids)] == [(2, True)]
    assert _dispatched(db, ids)
    assert "listener failed for the last time; given up" in caplog.text


def test_the_dispatch_function_retries_a_failed_message_alone_and_counts_what_it_gives_up(
    tenant: Tenant, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = load_handler("dispatch")
    good = [e.id for e in _events(db, tenant, count=1)]
    missing = [uuid4()]

    response = handler(
        sqs_event(outbox.service.signal_body(good), outbox.service.signal_body(missing), "not json"),
        LambdaContextStub(),
    )

    assert response == {"batchItemFailures": []}
    assert _dispatched(db, good)


# --- delivered twice, killed, cut off -----------------------------------------------------------------------


@pytest.fixture
def admins(people: People, tenant: Tenant) -> list[Person]:
    return [people.make(admin_of=[tenant.organization_id], language=lang) for lang in ("en", "es")]


def _mail_to(address: str) -> int:
    from moto.ses.models import ses_backends

    return sum(
        1
        for account in ses_backends.values()
        for backend in account.values()
        for message in backend.sent_messages
        if address in message.destinations.get("ToAddresses", [])
    )


def test_one_sqs_message_delivered_twice_emails_each_admin_once(
    tenant: Tenant,
    db: Db,
    admins: list[Person],
    local_aws: LocalAws,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISPATCH_QUEUE_URL", local_aws.dispatch_queue_url)
    get_settings.cache_clear()
    WidgetClient(tenant.public_key, uuid4()).post("human please")  # signalled to the queue: nobody polls it
    ids = [r["id"] for r in db.execute("SELECT id FROM outbox")]
    body = outbox.service.signal_body(ids)

    handler = load_handler("dispatch")
    response = handler(sqs_event(body, body), LambdaContextStub())
    handler(sqs_event(body, receive_count=2), LambdaContextStub())

    assert response == {"batchItemFailures": []}
    assert [_mail_to(a.email) for a in admins] == [1, 1]
    assert _dispatched(db, ids)


_KILLABLE_DISPATCH = textwrap.dedent(
    """
    import sys, time
    from uuid import UUID
    from chatflow import outbox
    from chatflow.outbox import ConversationUpdated, Listener

    log = open(sys.argv[1], "a", buffering=1)

    def first(conn, events):
        for e in events:
            log.write(f"first {e.id}\\n")

    def second(conn, events):
        log.write("second started\\n")
        time.sleep(600)  # killed here

    ids = [UUID(i) for i in sys.argv[2:]]
    listeners = [Listener("first", (ConversationUpdated,), first), Listener("second", (ConversationUpdated,), second)]
    outbox.dispatch(ids, listeners)
    """
)


def test_a_dispatcher_killed_mid_batch_leaves_each_listener_to_run_each_event_once(
    tenant: Tenant, db: Db, database_url: str, tmp_path: Path
) -> None:
    ids = [e.id for e in _events(db, tenant, count=3)]
    log = tmp_path / "effects.log"
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLABLE_DISPATCH, str(log), *map(str, ids)],
        env={**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        deadline = time.monotonic() + 30
        while "second started" not in (log.read_text() if log.exists() else ""):
            assert process.poll() is None, "the dispatcher ended before it got there"
            assert time.monotonic() < deadline, "the dispatcher did not get there"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()

    def first(conn: Connection, events: Sequence[DomainEvent]) -> None:
        with log.open("a") as f:
            f.writelines(f"first {e.id}\n" for e in events)

    def second(conn: Connection, events: Sequence[DomainEvent]) -> None:
        with log.open("a") as f:
            f.writelines(f"second {e.id}\n" for e in events)

    listeners = [Listener("first", (ConversationUpdated,), first), Listener("second", (ConversationUpdated,), second)]
    held = outbox.dispatch(ids, listeners)  # the dead dispatcher's lease still holds "second"
    db.execute("UPDATE listener_runs SET leased_until = now() - interval '1 second' WHERE done_at IS NULL")
    after_lease = outbox.dispatch(ids, listeners)

    effects = [line for line in log.read_text().splitlines() if line != "second started"]
    assert sorted(effects) == sorted([f"first {i}" for i in ids] + [f"second {i}" for i in ids])
    assert (held.ran, after_lease.ran) == (0, 3)
    assert held.retry_after_seconds is not None
    assert held.retry_after_seconds > 60
    assert _dispatched(db, ids)


def test_events_never_signalled_are_delivered_by_the_sweep(
    tenant: Tenant, db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [e.id for e in _events(db, tenant)]
    db.execute("UPDATE outbox SET created_at = now() - interval '2 minutes' WHERE id = ANY(%s)", (ids,))

    signalled = outbox.sweep()

    assert signalled == 2
    assert _dispatched(db, ids)


def test_the_sweep_forgets_events_delivered_before_the_retention(tenant: Tenant, db: Db) -> None:
    old, recent = _events(db, tenant, count=1), _events(db, tenant, count=1)
    db.execute("UPDATE outbox SET dispatched_at = now() - interval '8 days' WHERE id = %s", (old[0].id,))
    db.execute("UPDATE outbox SET dispatched_at = now() WHERE id = %s", (recent[0].id,))

    outbox.sweep()

    remaining = {r["id"] for r in db.execute("SELECT id FROM outbox")}
    assert old[0].id not in remaining
    assert recent[0].id in remaining


def test_a_database_stopped_during_dispatch_loses_no_event(
    tenant: Tenant, db: Db, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away while a listener runs: the dispatch fails (its message comes back), and
    the next one, once the database is back, runs what was not recorded as done."""
    from chatflow.db import close_pool

    ids = [e.id for e in _events(db, tenant, count=2)]
    outage = {"on": True}

    def cut_off(conn: Connection, events: Sequence[DomainEvent]) -> None:
        if outage["on"]:
            # What a restart does to the dispatcher's connection: the server ends it.
            conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        recorder.runs.setdefault("cut", []).extend(e.id for e in events)

    listeners = [recorder.listener("a"), Listener("cut", (ConversationUpdated,), cut_off)]
    with pytest.raises(Exception):  # noqa: B017,PT011 - whatever psycopg raises for a dead connection
        outbox.dispatch(ids, listeners)
    close_pool()
    outage["on"] = False
    db.execute("UPDATE listener_runs SET leased_until = NULL WHERE done_at IS NULL")

    outbox.dispatch(ids, listeners)

    assert recorder.runs == {"a": ids, "cut": ids}
    assert _dispatched(db, ids)


def test_a_write_signalled_to_the_queue_reaches_an_operators_socket_through_the_gateway(
    tenant: Tenant,
    db: Db,
    local_aws: LocalAws,
    people: People,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.support.realtime import serve_gateway

    agent = people.make(agent_of=[tenant.organization_id])
    monkeypatch.setenv("DISPATCH_QUEUE_URL", local_aws.dispatch_queue_url)
    get_settings.cache_clear()
    with (
        serve_gateway(workers=1, scheduled=(), queue_urls={"dispatch": local_aws.dispatch_queue_url}) as gateway,
        gateway.connect(token=agent.token) as dashboard,
    ):
        answer = WidgetClient(tenant.public_key, uuid4()).post("Hello from the queue")

        first = dashboard.event(timeout=20)
        rest = [dashboard.event() for _ in range(2)]

    assert first["type"] == "conversation.created"
    assert first["conversationId"] == answer.body["conversationId"]
    assert [e["data"]["role"] for e in rest] == ["visitor", "ai"]
    assert json.loads(json.dumps(rest[0]))["data"]["content"] == "Hello from the queue"


@pytest.fixture
def people(db: Db, local_aws: LocalAws) -> People:
    return People(client=cast(Any, None), db=db)  # only make(): real Cognito users and tokens
