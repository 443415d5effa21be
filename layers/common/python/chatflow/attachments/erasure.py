"""Attachments that go with their conversation: an erasure (the visitor's right, an admin's) or a
retention run deletes the rows in its own statement (a CTE that returns their object and thumbnail keys);
the stored files follow, here.
Light on purpose: the functions that erase (close, cleanup, the dashboard API) import no Pillow for it."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chatflow.settings import get_settings

__all__ = ["delete_stored"]

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
