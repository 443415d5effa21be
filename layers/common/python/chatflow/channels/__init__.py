"""An organisation's channels: where its visitors chat from, within what its plan allows, and how
their widgets look and speak.

The names are imported on first use (chatflow._lazy): the visitor's chat reads one rule of a
channel (`kept_page_url_of`) and its widget's models, and should not import, at every cold start,
the operators' channel management with its logos, Meta connections and plans."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
    from chatflow.channels.models import (
        DEFAULT_COLOR,
        DEFAULT_WELCOME,
        Channel,
        ChannelChanges,
        WidgetConfig,
        WidgetPosition,
    )
    from chatflow.channels.pages import kept_page_url_of
    from chatflow.channels.service import (
        MAX_ALLOWED_ORIGINS,
        MAX_WELCOME_LENGTH,
        clean_welcome,
        create_channel,
        delete_channel,
        embed_snippet,
        get_channel,
        list_channels,
        normalize_color,
        normalize_origin,
        normalize_origins,
        remove_logo,
        request_logo_upload,
        set_logo,
        update_channel,
        widget_script_url,
    )
    from chatflow.channels.widget import widget_config

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
    "remove_logo",
    "request_logo_upload",
    "set_logo",
    "update_channel",
    "widget_config",
    "widget_script_url",
]

_MODELS = ("DEFAULT_COLOR", "DEFAULT_WELCOME", "Channel", "ChannelChanges", "WidgetConfig", "WidgetPosition")
_SERVICE = tuple(name for name in __all__ if name not in {*_MODELS, "kept_page_url_of", "widget_config"})

__getattr__ = lazy_attributes(
    __name__,
    {
        **dict.fromkeys(_MODELS, "chatflow.channels.models"),
        **dict.fromkeys(_SERVICE, "chatflow.channels.service"),
        "kept_page_url_of": "chatflow.channels.pages",
        "widget_config": "chatflow.channels.widget",
    },
)
