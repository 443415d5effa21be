"""An operator's own photo (chatflow.media), shown to visitors beside their messages, as their first
name is. Only the caller's own: nobody sets another's face."""

from __future__ import annotations

import re

from chatflow.access import Caller
from chatflow.db import Connection
from chatflow.media import ImageUpload, delete_image, media_url, publish_image, request_image_upload

__all__ = ["my_avatar_url", "remove_my_avatar", "request_my_avatar_upload", "set_my_avatar"]


def request_my_avatar_upload(caller: Caller, *, content_type: str, size: int) -> ImageUpload:
    return request_image_upload(folder=_folder(caller), content_type=content_type, size=size)


def set_my_avatar(conn: Connection, caller: Caller, *, upload_key: str) -> str | None:
    """The new photo's public URL; the previous photo is deleted."""
    key = publish_image(folder=_folder(caller), upload_key=upload_key)
    replaced = _swap(conn, caller, key)
    if replaced != key:
        delete_image(replaced)
    return media_url(key)


def remove_my_avatar(conn: Connection, caller: Caller) -> None:
    delete_image(_swap(conn, caller, None))


def my_avatar_url(conn: Connection, caller: Caller) -> str | None:
    row = conn.execute("SELECT avatar_key FROM users WHERE id = %s", (caller.user_id,)).fetchone()
    return None if row is None else media_url(row["avatar_key"])


def _swap(conn: Connection, caller: Caller, key: str | None) -> str | None:
    with conn.transaction():
        row = conn.execute(
            "UPDATE users u SET avatar_key = %(key)s, updated_at = now() FROM users before"
            " WHERE u.id = %(id)s AND before.id = u.id RETURNING before.avatar_key",
            {"key": key, "id": caller.user_id},
        ).fetchone()
    return None if row is None else row["avatar_key"]


def _folder(caller: Caller) -> str:
    # Cognito's subject ids are UUIDs; anything else is kept to safe characters for a storage key.
    return "avatars/" + re.sub(r"[^A-Za-z0-9-]", "", caller.user_id)
