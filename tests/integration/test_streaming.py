"""The AI's answer streams: message.delta frames on real sockets (the local gateway's WebSocket API)
while the recording fake OpenAI server streams, and the stored message is the whole of them."""

from __future__ import annotations

import itertools
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any, cast
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow.channels import create_channel
from chatflow.organizations import create_organization
from infra.local.aws import LocalAws
from tests.support.callers import super_admin
from tests.support.fake_openai import FakeOpenAI, Scripted
from tests.support.people import People
from tests.support.realtime import Gateway, Socket, serve_gateway
from tests.support.widget import Answer, WidgetClient

Db = psycopg.Connection[dict[str, Any]]

_PIECES = ["We ", "open ", "at ", "eight ", "and ", "close ", "at ", "six, ", "every ", "day."]


@pytest.fixture(scope="module")
def gateway(local_aws: LocalAws) -> Iterator[Gateway]:
    with serve_gateway(workers=2, scheduled=()) as served:
        yield served


@pytest.fixture
def channel(db: Db) -> tuple[UUID, UUID]:
    organization_id = create_organization(db, name="Acme Coffee", plan="growth")
    created = create_channel(db, super_admin(), organization_id, name="Website")
    return organization_id, created.public_key


def _widget(gateway: Gateway, visitor: WidgetClient, conversation_id: str) -> Socket:
    return gateway.connect(
        publicKey=str(visitor.public_key), visitorId=str(visitor.visitor_id), conversationId=conversation_id
    )


def _post_in_background(visitor: WidgetClient, text: str, **fields: Any) -> tuple[threading.Thread, dict[str, Any]]:
    done: dict[str, Any] = {}

    def run() -> None:
        done["answer"] = visitor.post(text, **fields)
        done["at"] = time.monotonic()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done


def _deltas(socket: Socket, until_type: str = "message.delta") -> list[tuple[float, dict[str, Any]]]:
    """The message.delta frames that come before the socket falls quiet for a second."""
    frames: list[tuple[float, dict[str, Any]]] = []
    while not socket.nothing_more(within=0.0):
        pass
    while True:
        try:
            event = socket.event(timeout=1.5)
        except AssertionError:
            return frames
        if event["type"] == until_type:
            frames.append((time.monotonic(), event))


def test_deltas_arrive_on_the_widgets_socket_before_the_post_returns_and_add_up_to_the_answer(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI, db: Db
) -> None:
    organization_id, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    conversation_id = visitor.post("Hello").body["conversationId"]
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, token_gap_seconds=0.05))

    with _widget(gateway, visitor, conversation_id) as widget:
        thread, done = _post_in_background(visitor, "When do you open?", conversationId=conversation_id)
        frames = _deltas(widget)
        thread.join(10)

    answer: Answer = done["answer"]
    assert answer.status == 200
    assert frames, "no message.delta frame came"
    assert frames[0][0] < done["at"]  # the first words came before the whole answer
    reply = answer.body["reply"]
    assert "".join(f["data"]["delta"] for _, f in frames) == reply["content"]
    assert {f["data"]["messageId"] for _, f in frames} == {reply["id"]}
    assert [f["data"]["index"] for _, f in frames] == list(range(len(frames)))
    assert {f["conversationId"] for _, f in frames} == {conversation_id}
    assert {f["organizationId"] for _, f in frames} == {str(organization_id)}
    stored = db.execute("SELECT content FROM messages WHERE id = %s", (reply["id"],)).fetchone()
    assert stored == {"content": "We open at eight and close at six, every day."}
    assert fake_openai.requests[-1]["stream"] is True
    assert fake_openai.requests[-1]["stream_options"] == {"include_usage": True}


def test_a_new_conversations_first_answer_streams_to_the_socket_the_widget_opened_before_writing(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI, db: Db
) -> None:
    _, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, token_gap_seconds=0.05))

    with gateway.connect(publicKey=str(public_key), visitorId=str(visitor.visitor_id)) as widget:
        thread, done = _post_in_background(visitor, "When do you open?")
        frames = _deltas(widget)
        thread.join(10)

    answer: Answer = done["answer"]
    assert frames, "no message.delta frame came"
    assert frames[0][0] < done["at"]
    assert {f["conversationId"] for _, f in frames} == {answer.body["conversationId"]}
    assert "".join(f["data"]["delta"] for _, f in frames) == answer.body["reply"]["content"]


def test_a_new_conversation_after_a_closed_one_streams_to_the_socket_of_the_old_one(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI
) -> None:
    _, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    old = visitor.post("Hello").body["conversationId"]
    visitor.close(old)
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, token_gap_seconds=0.05))

    with _widget(gateway, visitor, old) as widget:
        thread, done = _post_in_background(visitor, "Back again")
        frames = _deltas(widget)
        thread.join(10)

    new = done["answer"].body["conversationId"]
    assert new != old
    assert frames
    assert {f["conversationId"] for _, f in frames} == {new}


def test_another_visitors_first_answer_never_streams_to_a_socket_without_a_conversation(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI
) -> None:
    _, public_key = channel
    watcher, writer = WidgetClient(public_key, uuid4()), WidgetClient(public_key, uuid4())
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, token_gap_seconds=0.02))

    with gateway.connect(publicKey=str(public_key), visitorId=str(watcher.visitor_id)) as widget:
        assert writer.post("When do you open?").status == 200
        assert widget.nothing_more(within=1.0)


def test_deltas_are_coalesced_to_at_most_one_frame_per_60_ms(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI
) -> None:
    _, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    conversation_id = visitor.post("Hello").body["conversationId"]
    pieces = [f"w{i} " for i in range(60)]
    fake_openai.then(Scripted(content="".join(pieces), pieces=pieces, token_gap_seconds=0.005))

    with _widget(gateway, visitor, conversation_id) as widget:
        thread, done = _post_in_background(visitor, "Tell me everything", conversationId=conversation_id)
        frames = _deltas(widget)
        thread.join(10)

    assert "".join(f["data"]["delta"] for _, f in frames) == done["answer"].body["reply"]["content"]
    assert len(frames) < len(pieces) / 3  # 60 pieces over ~0.3 s: a handful of frames
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(frames)]
    # 60 ms apart when sent; on a loaded machine a delayed post lands next to the one after it, so the
    # typical gap is what the coalescing decides, not every single arrival
    assert statistics.median(gaps) > 0.045, gaps


def test_the_usage_the_stream_reports_is_stored(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI, db: Db
) -> None:
    _, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    fake_openai.then(Scripted(content="Hi there", total_tokens=77))

    answer = visitor.post("Hello")

    row = db.execute("SELECT tokens_used FROM messages WHERE id = %s", (answer.body["reply"]["id"],)).fetchone()
    assert row == {"tokens_used": 77}


def test_an_operator_watching_the_conversation_sees_it_stream_and_others_do_not(
    gateway: Gateway,
    channel: tuple[UUID, UUID],
    fake_openai: FakeOpenAI,
    db: Db,
    local_aws: LocalAws,
) -> None:
    organization_id, public_key = channel
    people = People(client=cast(Any, None), db=db)
    agent = people.make(agent_of=[organization_id])
    visitor = WidgetClient(public_key, uuid4())
    conversation_id = visitor.post("Hello").body["conversationId"]
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, token_gap_seconds=0.02))

    with gateway.connect(token=agent.token) as watching, gateway.connect(token=agent.token) as other:
        watching.send(f'{{"action": "watch", "conversationId": "{conversation_id}"}}')
        other.send(f'{{"action": "watch", "conversationId": "{uuid4()}"}}')
        deadline = time.monotonic() + 5
        while not db.execute(
            "SELECT 1 FROM ws_connections WHERE conversation_id = %s AND kind = 'dashboard'", (conversation_id,)
        ).fetchone():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        thread, done = _post_in_background(visitor, "When do you open?", conversationId=conversation_id)
        frames = _deltas(watching)
        others = _deltas(other)
        thread.join(10)

    assert "".join(f["data"]["delta"] for _, f in frames) == done["answer"].body["reply"]["content"]
    assert others == []


def test_a_stream_cut_half_way_keeps_what_came_with_a_polite_end_and_a_retry_does_not_call_the_model_again(
    gateway: Gateway, channel: tuple[UUID, UUID], fake_openai: FakeOpenAI, db: Db
) -> None:
    _, public_key = channel
    visitor = WidgetClient(public_key, uuid4())
    client_message_id = uuid4()
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES, cut_after=4))

    answer = visitor.post("When do you open?", clientMessageId=client_message_id)
    again = visitor.post("When do you open?", clientMessageId=client_message_id)

    assert answer.status == 200
    content = answer.body["reply"]["content"]
    assert content.startswith("We open at eight")
    assert "cut off" in content
    stored = db.execute("SELECT content FROM messages WHERE id = %s", (answer.body["reply"]["id"],)).fetchone()
    assert stored == {"content": content}
    assert len(fake_openai.requests) == 1
    assert again.body["reply"] == answer.body["reply"]


def test_a_stream_cut_before_any_text_is_a_failure_answered_as_one(
    channel: tuple[UUID, UUID], fake_openai: FakeOpenAI
) -> None:
    _, public_key = channel
    fake_openai.default = Scripted(content="Never sent", cut_after=0)

    answer = WidgetClient(public_key, uuid4()).post("When do you open?", lang="en")

    assert answer.status == 200
    assert answer.body["reply"]["role"] == "ai"
    assert "Never sent" not in answer.body["reply"]["content"]


def test_without_a_socket_the_post_still_answers_with_the_whole_reply(
    channel: tuple[UUID, UUID], fake_openai: FakeOpenAI
) -> None:
    _, public_key = channel
    fake_openai.then(Scripted(content="".join(_PIECES), pieces=_PIECES))

    answer = WidgetClient(public_key, uuid4()).post("When do you open?")

    assert answer.body["reply"]["content"] == "".join(_PIECES).strip()


def test_a_dashboard_cannot_watch_a_conversation_of_another_organisation(
    gateway: Gateway,
    channel: tuple[UUID, UUID],
    db: Db,
    local_aws: LocalAws,
) -> None:
    _, public_key = channel
    conversation_id = WidgetClient(public_key, uuid4()).post("Hello").body["conversationId"]
    other_organization = create_organization(db, name="Beta Books", plan="growth")
    outsider = People(client=cast(Any, None), db=db).make(agent_of=[other_organization])
    watching = "SELECT conversation_id FROM ws_connections WHERE kind = 'dashboard' AND user_id = %s"

    with gateway.connect(token=outsider.token) as dashboard:
        dashboard.send(f'{{"action": "watch", "conversationId": "{conversation_id}"}}')
        dashboard.send('{"action": "watch", "conversationId": "not-a-uuid"}')
        dashboard.send('{"action": "ping"}')
        assert dashboard.event()["type"] == "pong"
        time.sleep(0.3)  # each message is its own invocation: the watches have run by now
        rows = db.execute(watching, (outsider.id,)).fetchall()

    assert rows == [{"conversation_id": None}]
