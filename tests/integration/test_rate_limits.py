"""The public API's limits: per client IP and per visitor, counted in PostgreSQL, 429 with Retry-After."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from chatflow import rate_limits
from chatflow.cleanup import remove_ended_rate_limit_windows
from chatflow.errors import RateLimited
from tests.support.widget import Answer, WidgetClient

Db = psycopg.Connection[dict[str, Any]]


@pytest.fixture
def tight_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_CHAT_POST_PER_MINUTE", "3")
    monkeypatch.setenv("RATE_LIMIT_CHAT_GET_PER_MINUTE", "4")
    monkeypatch.setenv("RATE_LIMIT_CHAT_PATCH_PER_MINUTE", "2")
    get_settings.cache_clear()


def _assert_limited(answer: Answer) -> None:
    assert answer.status == 429
    assert answer.error_code == "rate_limited"
    assert 1 <= int(answer.headers["Retry-After"]) <= rate_limits.WINDOW_SECONDS


def _messages(db: Db) -> int:
    row = db.execute("SELECT count(*) AS n FROM messages WHERE role = 'visitor'").fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.usefixtures("tight_limits")
def test_a_visitor_over_the_post_limit_gets_429_with_retry_after_and_nothing_is_stored(
    visitor: WidgetClient, db: Db
) -> None:
    answers = [visitor.post(f"Message {i}") for i in range(4)]

    assert [a.status for a in answers[:3]] == [200, 200, 200]
    _assert_limited(answers[3])
    assert _messages(db) == 3


@pytest.mark.usefixtures("tight_limits")
def test_the_visitor_limit_holds_across_addresses(visitor: WidgetClient) -> None:
    for i in range(3):
        assert visitor.from_ip(f"198.51.100.{i}").post(f"Message {i}").status == 200

    _assert_limited(visitor.from_ip("198.51.100.99").post("One more"))


@pytest.mark.usefixtures("tight_limits")
def test_the_address_limit_holds_across_visitors(visitor: WidgetClient) -> None:
    for i in range(3):
        assert visitor.another_visitor().post(f"Message {i}").status == 200

    _assert_limited(visitor.another_visitor().post("One more"))


@pytest.mark.usefixtures("tight_limits")
def test_another_visitor_on_another_address_is_not_limited_by_a_busy_one(visitor: WidgetClient) -> None:
    for i in range(4):
        visitor.post(f"Message {i}")

    stranger = WidgetClient(visitor.public_key, uuid4(), "192.0.2.77")
    assert stranger.post("Hello").status == 200


@pytest.mark.usefixtures("tight_limits")
def test_reading_and_closing_have_limits_of_their_own(visitor: WidgetClient) -> None:
    conversation = visitor.post("Hello").body["conversationId"]

    reads = [visitor.history(conversation) for _ in range(5)]
    closes = [visitor.close(conversation) for _ in range(3)]

    assert [a.status for a in reads[:4]] == [200] * 4
    _assert_limited(reads[4])
    assert [a.status for a in closes[:2]] == [200, 200]
    _assert_limited(closes[2])
    assert visitor.post("Still allowed to write").status == 200


def test_a_limit_of_zero_turns_the_limit_off(visitor: WidgetClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from chatflow.settings import get_settings

    monkeypatch.setenv("RATE_LIMIT_CHAT_POST_PER_MINUTE", "0")
    get_settings.cache_clear()

    assert all(visitor.post(f"Message {i}").status == 200 for i in range(25))


def test_the_default_post_limit_is_twenty_a_minute(visitor: WidgetClient) -> None:
    answers = [visitor.post(f"Message {i}") for i in range(21)]

    assert all(a.status == 200 for a in answers[:20])
    _assert_limited(answers[20])


@pytest.mark.usefixtures("tight_limits")
def test_a_rate_limited_answer_is_readable_by_a_widget_on_another_origin(visitor: WidgetClient) -> None:
    for i in range(3):
        visitor.post(f"Message {i}")

    answer = visitor.post_raw(
        json.dumps({"publicKey": str(visitor.public_key), "visitorId": str(visitor.visitor_id), "message": "Hi"}),
        headers={"origin": "https://shop.example"},
    )

    _assert_limited(answer)
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]


def test_concurrent_requests_never_lose_a_count(db: Db) -> None:
    def hit(_: int) -> bool:
        try:
            rate_limits.enforce("chat_post", limit=10, keys=["ip:203.0.113.5"])
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(hit, range(30)))

    assert allowed.count(True) == 10
    assert db.execute("SELECT sum(hits) AS hits FROM rate_limit_counters").fetchone() == {"hits": 30}


def test_the_retry_after_is_the_rest_of_the_window(db: Db) -> None:
    db.execute(
        "INSERT INTO rate_limit_counters (bucket, window_start, hits) "
        "VALUES ('chat_post:ip:203.0.113.6', date_bin('60 s', now(), TIMESTAMPTZ '2000-01-01'), 1)"
    )
    seconds_left = db.execute(
        "SELECT extract(epoch FROM date_bin('60 s', now(), TIMESTAMPTZ '2000-01-01') + interval '60 s' - now()) AS s"
    ).fetchone()
    assert seconds_left is not None

    with pytest.raises(RateLimited) as refused:
        rate_limits.enforce("chat_post", limit=1, keys=["ip:203.0.113.6"])

    assert abs(refused.value.retry_after_seconds - float(seconds_left["s"])) <= 1.5


def test_the_cleanup_forgets_windows_that_have_ended(db: Db) -> None:
    db.execute(
        "INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES "
        "('chat_post:ip:old', now() - interval '10 minutes', 5), ('chat_post:ip:now', now(), 1)"
    )

    assert remove_ended_rate_limit_windows() == 1
    rows = db.execute("SELECT bucket FROM rate_limit_counters").fetchall()
    assert [r["bucket"] for r in rows] == ["chat_post:ip:now"]


def test_a_malformed_request_is_refused_before_it_is_counted(visitor: WidgetClient, db: Db) -> None:
    assert visitor.post_raw("not json").status == 400

    assert db.execute("SELECT count(*) AS n FROM rate_limit_counters").fetchone() == {"n": 0}


@pytest.mark.parametrize(
    ("source", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.1", None, 0, "203.0.113.1"),
        ("203.0.113.1", "6.6.6.6", 0, "203.0.113.1"),
        ("130.176.0.9", "6.6.6.6, 198.51.100.4", 1, "198.51.100.4"),
        ("130.176.0.9", "6.6.6.6, 198.51.100.4, 130.176.0.9", 1, "198.51.100.4"),
        ("130.176.0.9", None, 1, "130.176.0.9"),
        (None, None, 0, "unknown"),
    ],
    ids=[
        "no proxy: the source",
        "no proxy: a forged header is ignored",
        "behind CloudFront: the address CloudFront appended",
        "behind CloudFront, API Gateway appended the source too",
        "behind CloudFront with no header: the source",
        "nothing known",
    ],
)
def test_the_client_address_is_read_from_the_right_past_trusted_proxies(
    source: str | None, forwarded: str | None, proxies: int, expected: str
) -> None:
    assert rate_limits.client_ip(source, forwarded, proxies) == expected


def test_a_conversation_id_never_counts_as_the_visitor(visitor: WidgetClient, db: Db) -> None:
    conversation = UUID(visitor.post("Hello").body["conversationId"])

    visitor.history(conversation)

    buckets = {r["bucket"] for r in db.execute("SELECT bucket FROM rate_limit_counters")}
    assert buckets == {
        "chat_post:ip:203.0.113.10",
        f"chat_post:visitor:{visitor.visitor_id}",
        "chat_get:ip:203.0.113.10",
        f"chat_get:visitor:{visitor.visitor_id}",
    }


def _synchronous_commit(db: Db) -> str:
    row = db.execute("SELECT current_setting('synchronous_commit') AS value").fetchone()
    assert row is not None
    return str(row["value"])


def test_a_count_alone_commits_without_waiting_for_the_disk_and_relaxes_nothing_else(db: Db) -> None:
    # The test server runs with synchronous_commit off; this connection asks for durable commits, as production's.
    db.execute("SET synchronous_commit = on")
    with db.transaction():
        # The statement enforce sends on a connection of its own: it turns the flush off for its
        # own transaction (seen here, inside one opened to look)…
        db.execute(rate_limits._HIT_COMMIT_ASYNC, {"buckets": ["chat_post:ip:203.0.113.9"], "window": 60})
        assert _synchronous_commit(db) == "off"
    # …and only for it.
    assert _synchronous_commit(db) == "on"

    rate_limits.enforce("chat_post", limit=5, keys=["ip:203.0.113.9"], conn=db)
    assert _synchronous_commit(db) == "on"

    with db.transaction():
        # In a caller's transaction the count is the caller's write: its commit stays durable.
        rate_limits.enforce("chat_post", limit=5, keys=["ip:203.0.113.9"], conn=db)
        assert _synchronous_commit(db) == "on"
    row = db.execute("SELECT hits FROM rate_limit_counters WHERE bucket = 'chat_post:ip:203.0.113.9'").fetchone()
    assert row == {"hits": 3}
