"""An organisation's channels: where its visitors chat from, within what its plan allows, and how
their widgets look and speak."""

from chatflow.channels.models import (
    DEFAULT_COLOR,
    DEFAULT_WELCOME,
    Channel,
    ChannelChanges,
    WidgetConfig,
    WidgetPosition,
)
from chatflow.channels.service import (
    MAX_ALLOWED_ORIGINS,
    MAX_WELCOME_LENGTH,
    clean_welcome,
    create_channel,
    delete_channel,
    embed_snippet,
    get_channel,
    kept_page_url_of,
    list_channels,
    normalize_color,
    normalize_origin,
    normalize_origins,
    update_channel,
    widget_config,
    widget_script_url,
)

__all__ = [
    "DEFAULT_COLOR",
    "DEFAULT_WELCOME",
    "MAX_ALLOWED_ORIGINS",
    "MAX_WELCOME_LENGTH",
    "Channel",
    "ChannelChanges",
    "WidgetConfig",
    "WidgetPosition",
    "clean_welcome",
    "create_channel",
    "delete_channel",
    "embed_snippet",
    "get_channel",
    "kept_page_url_of",
    "list_channels",
    "normalize_color",
    "normalize_origin",
    "normalize_origins",
    "update_channel",
    "widget_config",
    "widget_script_url",
]
