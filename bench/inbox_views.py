"""The agents' workspace at scale, printed as figures (never asserted).

    .venv/bin/python -m bench.inbox_views [--conversations 100000] [--messages 500000]

One busy organisation in a throw-away embedded PostgreSQL (migrated as in production): conversations
with messages, a tenth still open, some waiting for a person, a few held by each of 10 members, a
quarter wearing one of 5 labels. Times, as GET /conversations and GET /conversations/counts run them,
the first page of each view (all, mine, unassigned, waiting), the label filter, a visitor-name search,
and the views' counts: p50/p95 over RUNS runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg

RUNS = 30


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=500_000)
    args = parser.parse_args()

    from infra.functions import LAYER_PYTHON_DIR

    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from psycopg.rows import dict_row

    from chatflow.inbox import repository as repo
    from infra.local import postgres

    print("ChatFlow360 inbox views: one organisation's conversations, a page and the counts")
    with (
        postgres.throwaway_database("chatflow-inbox-", "inbox") as (url, _),
        psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn,
    ):
        organization_id, label_id = _populate(conn, args.conversations, args.messages)
        conn.execute("VACUUM ANALYZE")
        scope = [organization_id]
        cases: list[tuple[str, Callable[[], Any]]] = [
            (
                "page: all",
                lambda: repo.list_conversations(conn, scope=scope, filters=repo.InboxFilter(), after=None, limit=26),
            ),
            (
                "page: mine",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(assignee_id="member-3"), after=None, limit=26
                ),
            ),
            (
                "page: unassigned",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(unassigned=True), after=None, limit=26
                ),
            ),
            (
                "page: waiting",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(waiting=True), after=None, limit=26
                ),
            ),
            (
                "page: label",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(label_id=label_id), after=None, limit=26
                ),
            ),
            (
                "page: search a name",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(text="marta 4242"), after=None, limit=26
                ),
            ),
            (
                "page: search no match",
                lambda: repo.list_conversations(
                    conn, scope=scope, filters=repo.InboxFilter(text="zzqx"), after=None, limit=26
                ),
            ),
            ("counts", lambda: repo.count_views(conn, scope=scope, user_id="member-3", organization_id=None)),
        ]
        print(f"{'case':<22}{'p50 ms':>10}{'p95 ms':>10}")
        for name, run in cases:
            times = []
            for _ in range(RUNS):
                begun = time.perf_counter()
                run()
                times.append((time.perf_counter() - begun) * 1000)
            times.sort()
            print(f"{name:<22}{statistics.median(times):>10.1f}{times[int(len(times) * 0.95) - 1]:>10.1f}")


def _populate(conn: psycopg.Connection[Any], conversations: int, messages: int) -> tuple[Any, Any]:
    org = conn.execute("INSERT INTO organizations (name, plan) VALUES ('Bench', 'growth') RETURNING id").fetchone()
    assert org is not None
    organization_id = org["id"]
    channel = conn.execute(
        "INSERT INTO channels (organization_id, name) VALUES (%s, 'Web') RETURNING id", (organization_id,)
    ).fetchone()
    assert channel is not None
    conn.execute(
        "INSERT INTO users (id, email, name) SELECT 'member-' || i, 'm' || i || '@bench.test', 'Member ' || i "
        "FROM generate_series(1, 10) i"
    )
    conn.execute(
        "INSERT INTO organization_members (organization_id, user_id, role) "
        "SELECT %s, 'member-' || i, 'agent' FROM generate_series(1, 10) i",
        (organization_id,),
    )
    conn.execute(
        """
        INSERT INTO conversations (channel_id, organization_id, visitor_id, status, responder_mode, language,
                                   created_at, last_message_at, assigned_user_id, visitor_metadata)
        SELECT %(channel)s, %(org)s, gen_random_uuid(),
               CASE WHEN i %% 10 = 0 THEN 'open' WHEN i %% 97 = 0 THEN 'pending' ELSE 'closed' END,
               CASE WHEN i %% 97 = 0 OR i %% 20 = 0 THEN 'human' ELSE 'ai' END,
               CASE WHEN i %% 3 = 0 THEN 'es' ELSE 'en' END,
               now() - make_interval(mins => i), now() - make_interval(mins => i),
               CASE WHEN i %% 20 = 0 THEN 'member-' || (i / 20 %% 10 + 1) END,
               jsonb_build_object('profile', jsonb_build_object('name', 'Marta ' || i))
        FROM generate_series(1, %(n)s) i
        """,
        {"channel": channel["id"], "org": organization_id, "n": conversations},
    )
    conn.execute(
        """
        INSERT INTO messages (conversation_id, organization_id, role, content, created_at)
        SELECT c.id, c.organization_id, CASE WHEN k %% 2 = 0 THEN 'visitor' ELSE 'ai' END,
               'message ' || k || ' about an order', c.last_message_at - make_interval(secs => %(per)s - k)
        FROM conversations c, generate_series(1, %(per)s) k
        """,
        {"per": max(1, messages // conversations)},
    )
    conn.execute(
        "INSERT INTO labels (organization_id, name, color) SELECT %s, 'Label ' || i, '#22c55e' "
        "FROM generate_series(1, 5) i",
        (organization_id,),
    )
    conn.execute(
        """
        INSERT INTO conversation_labels (conversation_id, label_id, organization_id)
        SELECT c.id, l.id, c.organization_id FROM conversations c
        JOIN LATERAL (SELECT id FROM labels ORDER BY random() LIMIT 1) l ON true
        WHERE random() < 0.25
        """
    )
    label = conn.execute("SELECT id FROM labels LIMIT 1").fetchone()
    assert label is not None
    return organization_id, label["id"]


if __name__ == "__main__":
    main()
