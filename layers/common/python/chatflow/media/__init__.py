"""Public pictures: a channel's logo (the widget's header) and an operator's photo (beside their
messages), served to anyone from the product's own origin under /media (chatflow.media.service)."""

from chatflow.media.models import AVATAR_PX, IMAGE_TYPES, MAX_IMAGE_BYTES, MEDIA_PREFIX, ImageUpload
from chatflow.media.service import delete_image, media_url, publish_image, request_image_upload

__all__ = [
    "AVATAR_PX",
    "IMAGE_TYPES",
    "MAX_IMAGE_BYTES",
    "MEDIA_PREFIX",
    "ImageUpload",
    "delete_image",
    "media_url",
    "publish_image",
    "request_image_upload",
]
