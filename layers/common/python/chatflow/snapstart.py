"""Lambda SnapStart: what must not outlive a snapshot.

With SnapStart, Lambda runs a function's initialisation once, when a version is published, and
resumes every new execution environment of that version from a snapshot of its memory. Whatever
the initialisation left in memory is then shared by every environment restored from it: an open
database connection (one socket, many copies, none of them connected any more), the state of
`random` (every copy would draw the same numbers), a secret read once (rotated since). So, through
the runtime's hooks (`snapshot_restore_py`, which the Python 3.12+ managed runtimes import before
the function and which the layer pins for tests and type checks):

- before the snapshot: the pool is closed, so that no connection is in the snapshot at all; and what
  a first request would import (the pool's package, pgvector's adapter) is imported now, so that a
  restored environment's first request does not pay for it (a function adds its own priming with
  `register_before_snapshot`: the chat loads its language models);
- after each restore: the pool is closed again (in case anything reopened it), secrets are read
  afresh on first use, and `random` is re-seeded from the operating system.

`uuid.uuid4`, `secrets` and `os.urandom` read the kernel's generator on every call, which Lambda
re-seeds on restore: only Python's own `random` keeps a seed in memory.

Every function imports this through chatflow.observability; outside Lambda nothing calls the hooks.
"""

from __future__ import annotations

import random

from snapshot_restore_py import register_after_restore, register_before_snapshot

__all__ = ["after_restore", "before_snapshot", "prime_first_request"]


def before_snapshot() -> None:
    """Nothing that holds a socket goes into the snapshot."""
    _close_pool()


def prime_first_request() -> None:
    """Into the snapshot: the modules a first request imports as it opens the pool (chatflow.db
    defers them so that a cold start without SnapStart does not import them before it must). No
    connection is opened: that is the restored environment's own."""
    import pgvector.psycopg  # noqa: F401
    import psycopg_pool  # noqa: F401


def after_restore() -> None:
    """A restored environment opens its own connections, reads secrets again and draws its own numbers."""
    _close_pool()
    from chatflow.secrets import forget_secrets

    forget_secrets()
    random.seed()  # from os.urandom, which Lambda re-seeds on restore


def _close_pool() -> None:
    from chatflow.db import close_pool

    close_pool()


register_before_snapshot(before_snapshot)
register_before_snapshot(prime_first_request)
register_after_restore(after_restore)
