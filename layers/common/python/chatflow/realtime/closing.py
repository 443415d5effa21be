"""Closing a user's live sockets when its access ends (sign-out, deactivation): the rows go first, so
that nothing more is pushed to them, then each socket is closed through the Management API
(`DELETE @connections/{id}`), as API Gateway closes one. A rare call: boto3's client is good enough."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError

from chatflow.db import Connection
from chatflow.settings import Settings

__all__ = ["close_user_connections"]

_logger = logging.getLogger(__name__)


def close_user_connections(conn: Connection, settings: Settings, user_id: str) -> int:
    """Forget and close every dashboard socket of this user; how many there were. Never raises for a
    socket that is gone already or cannot be reached: its row is gone, so it receives nothing more."""
    rows = conn.execute(
        "DELETE FROM ws_connections WHERE kind = 'dashboard' AND user_id = %s RETURNING connection_id", (user_id,)
    ).fetchall()
    if rows and settings.websocket_management_url:
        import boto3  # imported here: ~0.15 s, and only sign-outs with open sockets need it

        client = boto3.client(
            "apigatewaymanagementapi", endpoint_url=settings.websocket_management_url, region_name=settings.aws_region
        )
        for row in rows:
            try:
                client.delete_connection(ConnectionId=row["connection_id"])
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "GoneException":
                    _logger.warning(
                        "a socket of a signed-out user could not be closed",
                        extra={"code": exc.response.get("Error", {}).get("Code")},
                    )
            except BotoCoreError:
                _logger.warning("a socket of a signed-out user could not be closed (management API unreachable)")
    return len(rows)
