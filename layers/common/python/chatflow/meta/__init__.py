"""WhatsApp and Messenger channels: their connection to Meta's Graph API (issue #20).

The names are imported on first use (chatflow._lazy): the inbox reads Meta's reply window
(`chatflow.meta.window`) and the webhooks' receiver checks signatures, and neither should import the
connection's service (the Graph API's client) into every function that loads them."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
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

__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(("ConnectionTest", "MetaConnection", "MetaCredentials", "MetaKind"), "chatflow.meta.models"),
        **dict.fromkeys(
            ("META_KINDS", "WEBHOOK_PATHS", "connect", "connections", "disconnect", "test_connection", "webhook_url"),
            "chatflow.meta.service",
        ),
    },
)
