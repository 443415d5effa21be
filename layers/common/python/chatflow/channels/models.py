"""A channel, where an organisation's visitors chat from, and a change to one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from chatflow.vocabulary import ChannelType

__all__ = ["Channel", "ChannelChanges"]


@dataclass(frozen=True, slots=True)
class Channel:
    """`handoff_keywords` and `system_prompt` None: the organisation's apply."""

    id: UUID
    organization_id: UUID
    name: str
    type: ChannelType
    public_key: UUID
    active: bool
    allowed_origins: list[str]
    handoff_enabled: bool
    handoff_keywords: list[str] | None
    system_prompt: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def has_widget(self) -> bool:
        return self.type == "website"


@dataclass(frozen=True, slots=True)
class ChannelChanges:
    """A partial update: a field left out is not changed. For the two inheritable fields, `None`
    (with its `set_…` flag) means "inherit from the organisation again"."""

    name: str | None = None
    type: ChannelType | None = None
    active: bool | None = None
    allowed_origins: list[str] | None = None
    handoff_enabled: bool | None = None
    set_handoff_keywords: bool = False
    handoff_keywords: list[str] | None = None
    set_system_prompt: bool = False
    system_prompt: str | None = None
