"""Attachments both ways: files a visitor or an agent sends in a conversation, uploaded straight to S3
with a presigned POST, checked after upload, served through short-lived presigned GETs.

The operations are in `chatflow.attachments.service` (imported by name where used: it needs the
conversations and inbox packages, whose read models need this package's models); the wire form in
`chatflow.attachments.views`; the S3 adapter in `chatflow.attachments.storage`.
"""

from chatflow.attachments.models import (
    ALLOWED_TYPES,
    IMAGE_TYPES,
    MAX_ATTACHMENT_BYTES,
    PLAN_STORAGE_LIMITS,
    AttachmentRef,
    UploadGrant,
)

__all__ = [
    "ALLOWED_TYPES",
    "IMAGE_TYPES",
    "MAX_ATTACHMENT_BYTES",
    "PLAN_STORAGE_LIMITS",
    "AttachmentRef",
    "UploadGrant",
]
