"""The words the product shares across areas and the API: one definition each, so that a new plan,
role or language is added in one place (and the database's CHECK constraints in a migration)."""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ChannelType",
    "ConversationStatus",
    "Language",
    "MemberRole",
    "MessageRole",
    "Plan",
    "Provider",
    "ResponderMode",
]

Plan = Literal["starter", "pro", "growth"]
# A person's role in an organisation (a super admin is a flag on the user, not a role).
MemberRole = Literal["admin", "agent"]
Language = Literal["en", "es"]
ChannelType = Literal["website", "whatsapp", "messenger"]
ConversationStatus = Literal["open", "pending", "closed"]
# Who answers the visitor: the AI, or a person since a handoff or a take-over.
ResponderMode = Literal["ai", "human"]
MessageRole = Literal["visitor", "ai", "agent", "system"]
Provider = Literal["openai"]
