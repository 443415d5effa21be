"""An AI answer, live, while the provider writes it: `message.delta` frames to the visitor's widget and
to the operators who have that conversation open.

    {"type": "message.delta", "organizationId", "conversationId", "data": {"messageId", "delta", "index"}}

`index` counts a message's frames from 0, so that a client can tell a missing or repeated one (it then
waits for the whole message). The provider's pieces are coalesced: at most one frame every
STREAM_INTERVAL_SECONDS per connection, each an API Gateway post, so that a 300-token answer is a
few dozen posts, not 300. The first piece goes out at once (the wait the visitor notices is the
time to the first words).

This is not a domain event: nothing is stored, nobody else needs it later, and a lost frame loses
nothing (the final `message.created`, from the outbox, carries the whole text; the POST answers with
it too). So the frames go straight from the chat function, on a thread of their own, so that a slow
post never holds the provider's stream; `close()` sends what is left and waits for it, before the
answer is stored and its `message.created` can overtake.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

from chatflow.db import Connection
from chatflow.realtime.management import management_api
from chatflow.settings import Settings

__all__ = ["STREAM_INTERVAL_SECONDS", "DeltaStream", "find_stream_targets"]

_logger = logging.getLogger(__name__)

STREAM_INTERVAL_SECONDS = 0.060
# close() waits at most this long for the last frames: an answer is never held for a slow socket.
_CLOSE_TIMEOUT_SECONDS = 2.0
# The posts themselves go through threads kept for the life of the process: each keeps its socket to
# API Gateway open (chatflow.realtime.management), so a warm function's next answer does not pay a TLS
# handshake before its first words.
_POSTERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="answer-delta-post")

# The widget's own sockets for the conversation, and the dashboards watching it (`{"action": "watch"}`,
# chatflow.realtime.sockets) whose user may still see its organisation — decided now, not when the
# socket said so, as for every live update.
_TARGETS = """
SELECT w.connection_id FROM ws_connections w
WHERE w.conversation_id = %(conversation_id)s AND w.kind = 'widget'
UNION ALL
SELECT w.connection_id FROM ws_connections w
JOIN users u ON u.id = w.user_id AND u.active
WHERE w.conversation_id = %(conversation_id)s AND w.kind = 'dashboard'
  AND (u.is_super_admin OR EXISTS (SELECT FROM organization_members m
                                   WHERE m.user_id = u.id AND m.organization_id = %(organization_id)s))
"""


def find_stream_targets(conn: Connection, *, conversation_id: UUID, organization_id: UUID) -> list[str]:
    rows = conn.execute(_TARGETS, {"conversation_id": conversation_id, "organization_id": organization_id})
    return [row["connection_id"] for row in rows.fetchall()]


class DeltaStream:
    """The `on_delta` of one answer (chatflow.ai.answer). Called on the provider's thread; posts on its own."""

    def __init__(
        self,
        conn: Connection,
        settings: Settings,
        *,
        organization_id: UUID,
        conversation_id: UUID,
        message_id: UUID,
        interval: float = STREAM_INTERVAL_SECONDS,
    ) -> None:
        self._conn = conn
        self._settings = settings
        self._organization_id = organization_id
        self._conversation_id = conversation_id
        self._message_id = message_id
        self._interval = interval
        self._targets: list[str] | None = None  # looked up at the first piece
        self._pending: list[str] = []
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self.frames = 0  # frames sent (for logs, the benchmark and tests)
        self.posts = 0  # posts made (frames × connections)

    def __call__(self, piece: str) -> None:
        if self._targets is None:
            self._targets = self._find_targets()
            if self._targets:
                self._thread = threading.Thread(target=self._run, name="answer-deltas", daemon=True)
                self._thread.start()
        if not self._targets:
            return
        with self._cond:
            self._pending.append(piece)
            self._cond.notify()

    def close(self) -> None:
        """Send what is left, then stop; returns once it is sent (or after a bounded wait)."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(_CLOSE_TIMEOUT_SECONDS)

    def _find_targets(self) -> list[str]:
        if not self._settings.websocket_management_url:
            return []  # no WebSocket API in this environment
        try:
            # The caller's connection, idle while the provider streams (a Lambda's pool holds one).
            return find_stream_targets(
                self._conn, conversation_id=self._conversation_id, organization_id=self._organization_id
            )
        except Exception:  # a live preview is worth less than the answer
            _logger.exception("stream targets not found; the answer is not streamed")
            return []

    def _run(self) -> None:
        assert self._targets is not None
        assert self._settings.websocket_management_url is not None
        api = management_api(
            self._settings.websocket_management_url,
            self._settings.aws_region,
            self._settings.realtime_post_timeout_seconds,
        )
        targets = list(self._targets)
        last = float("-inf")
        while targets:
            with self._cond:
                while not self._has_words() and not self._closed:
                    self._cond.wait()
                if not self._has_words():
                    return  # closed, everything sent
            # Pieces that come while we wait join this frame.
            wait = last + self._interval - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            with self._cond:
                waiting = "".join(self._pending)
                # Trailing blanks wait for the words after them: the stored answer has none at its
                # end, and the frames add up to it exactly.
                delta = waiting.rstrip()
                self._pending = [waiting[len(delta) :]] if len(delta) < len(waiting) else []
                if not delta:
                    if self._closed:
                        return
                    continue
            last = time.monotonic()
            frame = self._frame(delta)
            for connection_id in list(targets):
                try:
                    # One post at a time per answer, so that its frames arrive in order.
                    outcome = _POSTERS.submit(api.post, connection_id, frame).result()
                except Exception:  # no credentials, a malformed endpoint: the final message still comes
                    outcome = "failed"
                self.posts += 1
                if outcome == "gone":
                    targets.remove(connection_id)  # the live update's publisher forgets its row
            self.frames += 1

    def _has_words(self) -> bool:
        return any(piece.strip() for piece in self._pending)

    def _frame(self, delta: str) -> bytes:
        message = {
            "type": "message.delta",
            "organizationId": str(self._organization_id),
            "conversationId": str(self._conversation_id),
            "data": {"messageId": str(self._message_id), "delta": delta, "index": self.frames},
        }
        return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
