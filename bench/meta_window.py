"""WhatsApp's 24-hour window, looked up as the inbox and the send path do (chatflow.meta.window),
printed as figures (never asserted).

    .venv/bin/python -m bench.meta_window [--contacts 20000] [--conversations 50] [--messages 400]

One WhatsApp channel in a throw-away embedded PostgreSQL (migrated as in production): many contacts
with one short conversation each, and one loyal contact with `--conversations` conversations of
`--messages` messages each, visitor and AI turns. Times the window of the loyal contact's latest
conversation and of a one-conversation contact, p50/p95 over RUNS runs: the query as shipped (the
newest visitor message of each of the contact's conversations, walking the (conversation, seq)
index backwards) against the plain max() over every visitor message of the contact.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

import psycopg

RUNS = 50

_PLAIN_MAX = """(
    SELECT max(vm.created_at) FROM conversations vc JOIN messages vm ON vm.conversation_id = vc.id
    WHERE vc.channel_id = {conversation}.channel_id AND vc.visitor_id = {conversation}.visitor_id
      AND vm.role = 'visitor'
)"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args()

    from infra.functions import LAYER_PYTHON_DIR

    if str(LAYER_PYTHON_DIR) not in sys.path:
        sys.path.insert(0, str(LAYER_PYTHON_DIR))
    from psycopg.rows import dict_row

    from chatflow.meta import window
    from infra.local import postgres

    print("ChatFlow360 WhatsApp window: the customer's last message, per conversation shown or sent")
    with (
        postgres.throwaway_database("chatflow-window-", "window") as (url, _),
        psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn,
    ):
        loyal, single = _populate(conn, args.contacts, args.conversations, args.messages)
        conn.execute("VACUUM ANALYZE")
        plain = window._WINDOW.replace(
            window.LAST_CUSTOMER_MESSAGE_SQL.format(conversation="c"), _PLAIN_MAX.format(conversation="c")
        )
        total = args.conversations * args.messages
        for label, conversation_id in (
            (f"loyal contact ({args.conversations} conversations, {total} messages)", loyal),
            ("one-conversation contact", single),
        ):
            shipped = _times(lambda cid=conversation_id: window.reply_window(conn, cid))
            baseline = _times(lambda cid=conversation_id: conn.execute(plain, (cid,)).fetchone())
            print(
                f"  {label}: shipped p50 {_ms(shipped, 50)} p95 {_ms(shipped, 95)};"
                f" plain max() p50 {_ms(baseline, 50)} p95 {_ms(baseline, 95)}"
            )


def _times(call: Any) -> list[float]:
    call()  # warm
    out = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def _ms(times: list[float], pct: int) -> str:
    value = statistics.quantiles(times, n=100)[pct - 1] if pct != 50 else statistics.median(times)
    return f"{value * 1000:.2f} ms"


def _populate(conn: psycopg.Connection[Any], contacts: int, conversations: int, messages: int) -> tuple[Any, Any]:
    org = conn.execute("INSERT INTO organizations (name, plan) VALUES ('Bench', 'growth') RETURNING id").fetchone()
    assert org is not None
    channel = conn.execute(
        "INSERT INTO channels (organization_id, name, type) VALUES (%s, 'WhatsApp', 'whatsapp') RETURNING id",
        (org["id"],),
    ).fetchone()
    assert channel is not None
    conn.execute(
        """INSERT INTO channel_meta_connections (channel_id, organization_id, kind, account_id,
               business_account_id, encrypted_access_token, access_token_hint, encrypted_app_secret,
               app_secret_hint, verify_token)
           VALUES (%s, %s, 'whatsapp', '106540352242922', '102290129340398', 'x', 'EAAG...x', 'x', '...x',
                   'bench-verify')""",
        (channel["id"], org["id"]),
    )
    params = {"channel": channel["id"], "org": org["id"]}
    meta = "jsonb_build_object('channel', 'whatsapp', 'contactId', '1305' || i)"
    conn.execute(
        f"""INSERT INTO conversations (channel_id, organization_id, visitor_id, status, last_message_at,
                                       visitor_metadata)
            SELECT %(channel)s, %(org)s, gen_random_uuid(), 'closed', now() - make_interval(mins => i), {meta}
            FROM generate_series(1, %(n)s) i""",  # our own constant
        {**params, "n": contacts},
    )
    loyal_visitor = conn.execute("SELECT gen_random_uuid() AS id").fetchone()
    assert loyal_visitor is not None
    conn.execute(
        """INSERT INTO conversations (channel_id, organization_id, visitor_id, status, last_message_at,
                                      visitor_metadata)
           SELECT %(channel)s, %(org)s, %(visitor)s, CASE WHEN i = 1 THEN 'open' ELSE 'closed' END,
                  now() - make_interval(days => i),
                  jsonb_build_object('channel', 'whatsapp', 'contactId', '13055550000')
           FROM generate_series(1, %(n)s) i""",
        {**params, "visitor": loyal_visitor["id"], "n": conversations},
    )
    conn.execute(
        """INSERT INTO messages (conversation_id, organization_id, role, content, created_at)
           SELECT c.id, c.organization_id, CASE WHEN k %% 2 = 0 THEN 'visitor' ELSE 'ai' END, 'turn ' || k,
                  c.last_message_at - make_interval(secs => %(per)s - k)
           FROM conversations c, generate_series(1, %(per)s) k WHERE c.visitor_id = %(visitor)s""",
        {"per": messages, "visitor": loyal_visitor["id"]},
    )
    conn.execute(
        """INSERT INTO messages (conversation_id, organization_id, role, content, created_at)
           SELECT c.id, c.organization_id, r.role, 'hello', c.last_message_at
           FROM conversations c, (VALUES ('visitor'), ('ai')) r(role) WHERE c.visitor_id <> %s""",
        (loyal_visitor["id"],),
    )
    loyal = conn.execute(
        "SELECT id FROM conversations WHERE visitor_id = %s AND status = 'open'", (loyal_visitor["id"],)
    ).fetchone()
    single = conn.execute(
        "SELECT id FROM conversations WHERE visitor_id <> %s LIMIT 1", (loyal_visitor["id"],)
    ).fetchone()
    assert loyal is not None
    assert single is not None
    return loyal["id"], single["id"]


if __name__ == "__main__":
    main()
