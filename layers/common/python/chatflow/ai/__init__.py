"""AI providers behind one interface, the prompt we send them, and the answering pipeline that the
visitor's chat and the dashboard's preview share."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes
from chatflow.ai.answering import Answer, answer
from chatflow.ai.base import AIProvider, AIProviderError, ChatTurn, Completion
from chatflow.ai.factory import provider_for
from chatflow.ai.prompt import build_prompt

if TYPE_CHECKING:
    from chatflow.ai.preview import preview_answer

__all__ = [
    "AIProvider",
    "AIProviderError",
    "Answer",
    "ChatTurn",
    "Completion",
    "answer",
    "build_prompt",
    "preview_answer",
    "provider_for",
]


# The dashboard's preview is imported when asked for (chatflow._lazy): it brings organisations, users
# and their live sockets, which the visitor's chat never needs at its cold start.
__getattr__ = lazy_attributes(__name__, {"preview_answer": "chatflow.ai.preview"})
