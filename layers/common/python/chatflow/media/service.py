"""A picture's way from a browser to the public: a presigned POST straight to S3 (never through
Lambda), then publish_image reads it back, checks what it really is (its bytes, not its name),
re-encodes it as a square WebP of AVATAR_PX without metadata (no EXIF, no GPS), and stores it under a
name made of its own hash, so that it can be cached for a year and a new picture is a new address.

S3 is called outside any database transaction; callers store the returned key in their own row."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import urlsplit
from uuid import uuid4

from chatflow.attachments import storage
from chatflow.errors import AttachmentNotUploaded, ImageNotAllowed, InvalidInput
from chatflow.media.models import (
    AVATAR_PX,
    IMAGE_TYPES,
    MAX_IMAGE_BYTES,
    MEDIA_PREFIX,
    UPLOAD_PREFIX,
    ImageUpload,
)
from chatflow.settings import get_settings

__all__ = ["delete_image", "media_url", "publish_image", "request_image_upload"]

_YEAR = "public, max-age=31536000, immutable"


def request_image_upload(*, folder: str, content_type: str, size: int) -> ImageUpload:
    """A POST that may store one picture of this type and at most this size under `folder` (e.g.
    `logos/<channel id>`: the caller's, checked again by publish_image)."""
    content_type = content_type.split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES or size > MAX_IMAGE_BYTES:
        raise ImageNotAllowed(MAX_IMAGE_BYTES // (1024 * 1024))
    if size < 1:
        raise InvalidInput("size: must be at least 1 byte.", variant="field", field="size")
    key = f"{UPLOAD_PREFIX}{folder}/{uuid4()}"
    url, fields, expires_at = storage.presigned_post(key=key, content_type=content_type, max_bytes=size)
    return ImageUpload(url=url, fields=fields, upload_key=key, expires_at=expires_at, max_bytes=size)


def publish_image(*, folder: str, upload_key: str) -> str:
    """The public key of the checked, re-encoded picture uploaded at `upload_key`, which must be one of
    `folder`'s (a caller cannot publish another's upload). The upload is deleted either way once read."""
    if not upload_key.startswith(f"{UPLOAD_PREFIX}{folder}/") or ".." in upload_key:
        raise InvalidInput("uploadKey: not an upload of this picture.", variant="field", field="uploadKey")
    found = storage.head(upload_key)
    if found is None:
        raise AttachmentNotUploaded()
    try:
        if found.size > MAX_IMAGE_BYTES:
            raise ImageNotAllowed(MAX_IMAGE_BYTES // (1024 * 1024))
        square = _square_webp(storage.get(upload_key))
    finally:
        storage.delete(upload_key)
    key = f"{MEDIA_PREFIX}{folder}/{hashlib.sha256(square).hexdigest()[:20]}.webp"
    storage.put(key, square, content_type="image/webp", cache_control=_YEAR)
    return key


def delete_image(key: str | None) -> None:
    if key and key.startswith(MEDIA_PREFIX):
        storage.delete(key)


def media_url(key: str | None) -> str | None:
    """Where browsers load a public picture: the product's origin (DASHBOARD_URL's) + /<key>, as
    CloudFront and the local gateway serve the bucket's media/ prefix."""
    if not key:
        return None
    dashboard = urlsplit(get_settings().dashboard_url)
    return f"{dashboard.scheme}://{dashboard.netloc}/{key}"


def _square_webp(data: bytes) -> bytes:
    # Pillow only where a picture is published: media_url is on the chat's path, which never needs it.
    from PIL import Image, ImageOps, UnidentifiedImageError

    from chatflow.attachments.checking import sniff

    if sniff(data[:64]) not in IMAGE_TYPES:
        raise ImageNotAllowed(MAX_IMAGE_BYTES // (1024 * 1024))
    try:
        with Image.open(io.BytesIO(data)) as image:
            upright = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageNotAllowed(MAX_IMAGE_BYTES // (1024 * 1024)) from exc
    square = ImageOps.fit(upright, (AVATAR_PX, AVATAR_PX), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85, method=4)  # Pillow writes no metadata unless given
    return out.getvalue()
