"""AI providers behind one interface, the prompt we send them, and the answering pipeline that the
visitor's chat and the dashboard's preview share."""

from chatflow.ai.answering import Answer, answer
from chatflow.ai.base import AIProvider, AIProviderError, ChatTurn, Completion
from chatflow.ai.factory import provider_for
from chatflow.ai.preview import preview_answer
from chatflow.ai.prompt import build_prompt

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
