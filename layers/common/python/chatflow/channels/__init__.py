"""An organisation's channels: where its visitors chat from, within what its plan allows."""

from chatflow.channels.models import Channel, ChannelChanges
from chatflow.channels.service import (
    MAX_ALLOWED_ORIGINS,
    create_channel,
    delete_channel,
    embed_snippet,
    get_channel,
    list_channels,
    normalize_origin,
    normalize_origins,
    update_channel,
    widget_script_url,
)

__all__ = [
    "MAX_ALLOWED_ORIGINS",
    "Channel",
    "ChannelChanges",
    "create_channel",
    "delete_channel",
    "embed_snippet",
    "get_channel",
    "list_channels",
    "normalize_origin",
    "normalize_origins",
    "update_channel",
    "widget_script_url",
]
