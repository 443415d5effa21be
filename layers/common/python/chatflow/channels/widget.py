"""What a channel's widget is told when it starts (functions/widget_config): public, by the
channel's key, from a page its channel allows.

Apart from the operators' channel service, whose imports (Meta's connection, logo uploads, plans)
this public read never needs and would otherwise load at every cold start."""

from __future__ import annotations

from uuid import UUID

from chatflow.business_hours.repository import hours_from_json
from chatflow.business_hours.service import availability
from chatflow.channels import repository as repo
from chatflow.channels.models import DEFAULT_WELCOME, WidgetConfig
from chatflow.db import connection
from chatflow.errors import ChannelNotFound
from chatflow.getting_started import mark_widget_seen
from chatflow.media import media_url
from chatflow.origins import check_origin, is_dashboard_page

__all__ = ["widget_config"]


def widget_config(*, public_key: UUID, origin: str | None = None, referer: str | None = None) -> WidgetConfig:
    """Public: what the widget of this channel is told at start. ChannelNotFound for an unknown key,
    an inactive channel or organisation, and OriginNotAllowed for a page its channel does not list,
    exactly as the chat answers them."""
    with connection() as conn:
        found = repo.find_widget_settings(conn, public_key)
        if found is None:
            raise ChannelNotFound()
        check_origin(found.allowed_origins, origin)
        # The dashboard's preview of the widget (a frame in one of its pages) is not an installation.
        if origin is not None and not found.widget_seen and not is_dashboard_page(referer):
            mark_widget_seen(conn, public_key, origin)  # the getting-started checklist's "installed"
    state = None if found.business_hours is None else availability(hours_from_json(found.business_hours))
    return WidgetConfig(
        default_language=found.default_language,
        language_fixed=found.language_fixed,
        color=found.color,
        position=found.position,
        business_name=found.business_name,
        welcome={"en": found.welcome_en or DEFAULT_WELCOME["en"], "es": found.welcome_es or DEFAULT_WELCOME["es"]},
        # Outside its business hours nobody is available, whoever is online.
        human_available=found.human_available and (state is None or state.open),
        availability=state,
        csat_enabled=found.csat_enabled,
        csat_scale="thumbs" if found.csat_scale == "thumbs" else "five",
        avatar_url=media_url(found.logo_key),
    )
