"""What a public picture may be, and the form a browser uploads it with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["AVATAR_PX", "IMAGE_TYPES", "MAX_IMAGE_BYTES", "MEDIA_PREFIX", "UPLOAD_PREFIX", "ImageUpload"]

# Objects under this prefix of the attachments' bucket are public: CloudFront (and the local gateway)
# serve them at /media/…; nothing else of the bucket is.
MEDIA_PREFIX = "media/"
# Where browsers upload a picture before it is checked; the bucket's lifecycle expires what stays.
UPLOAD_PREFIX = "uploads/media/"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# Shown at most 40 px wide (80 on a dense screen): 256 leaves room and stays a few KB.
AVATAR_PX = 256


@dataclass(frozen=True, slots=True)
class ImageUpload:
    """A presigned POST for one picture: `fields` go in the form before the file; `upload_key` names it
    to publish_image afterwards."""

    url: str
    fields: dict[str, str]
    upload_key: str
    expires_at: datetime
    max_bytes: int
