"""WhatsApp and Messenger channels: their connection to Meta's Graph API (issue #20)."""

from chatflow.meta.models import ConnectionTest, MetaConnection, MetaCredentials, MetaKind
from chatflow.meta.service import (
    META_KINDS,
    WEBHOOK_PATHS,
    connect,
    connections,
    disconnect,
    test_connection,
    webhook_url,
)

__all__ = [
    "META_KINDS",
    "WEBHOOK_PATHS",
    "ConnectionTest",
    "MetaConnection",
    "MetaCredentials",
    "MetaKind",
    "connect",
    "connections",
    "disconnect",
    "test_connection",
    "webhook_url",
]
