"""Attachments that go with their conversation: an erasure (the visitor's right, an admin's) or a
retention run deletes the rows in its own statement (a CTE that returns their object and thumbnail keys);
the stored files follow, here.
Light on purpose: the functions that erase (close, cleanup, the dashboard API) import no Pillow for it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chatflow.settings import get_settings

__all__ = ["ABANDONED_AFTER_HOURS", "delete_abandoned_uploads", "delete_stored"]

# An upload granted this long ago and never confirmed is abandoned (the confirmation refuses it too).
ABANDONED_AFTER_HOURS = 1

_logger = logging.getLogger(__name__)


def delete_stored(keys: Sequence[str] | None) -> int:
    """Delete the stored files of attachments whose rows are gone; how many keys. A failure is logged,
    never raised: the rows are gone, so nothing reaches the files through the API any more, and the
    erasure that asked for it has happened in the database."""
    if not keys or not get_settings().attachments_bucket:
        return 0
    from chatflow.attachments import storage

    try:
        storage.delete(*keys)
    except Exception:
        _logger.exception("could not delete the files of erased attachments", extra={"files": len(keys)})
        return 0
    return len(keys)


_DELETE_ABANDONED = """
DELETE FROM attachments
WHERE status = 'pending' AND created_at < now() - make_interval(hours => %(hours)s)
RETURNING object_key, organization_id, conversation_id, id
"""


def delete_abandoned_uploads() -> int:
    """The scheduled cleanup: uploads granted and never confirmed (a closed tab, a refused POST) are
    forgotten, and whatever a browser stored for them is deleted. How many."""
    from chatflow.attachments.models import UPLOADS_PREFIX
    from chatflow.db import connection

    with connection() as conn, conn.transaction():
        rows = conn.execute(_DELETE_ABANDONED, {"hours": ABANDONED_AFTER_HOURS}).fetchall()
    # Where the browser may have put it (the upload), and where nothing should be (the stored key).
    delete_stored(
        [f"{UPLOADS_PREFIX}{r['organization_id']}/{r['conversation_id']}/{r['id']}" for r in rows]
        + [r["object_key"] for r in rows]
    )
    _logger.info("removed abandoned attachment uploads", extra={"removed": len(rows)})
    return len(rows)
