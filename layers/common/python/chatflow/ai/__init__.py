"""AI providers behind one interface, the prompt we send them, and the answering pipeline that the
visitor's chat and the dashboard's preview share."""

from typing import TYPE_CHECKING

from chatflow._lazy import lazy_attributes

if TYPE_CHECKING:
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


# Every name is imported when first read (chatflow._lazy): a module that needs only the providers'
# types (chatflow.ai.base, as the conversations' queries do) does not import the answering pipeline,
# the providers and their settings; and the dashboard's preview brings organisations, users and their
# live sockets, which the visitor's chat never needs at its cold start.
__getattr__ = lazy_attributes(
    __name__,
    {
        "AIProvider": "chatflow.ai.base",
        "AIProviderError": "chatflow.ai.base",
        "Answer": "chatflow.ai.answering",
        "ChatTurn": "chatflow.ai.base",
        "Completion": "chatflow.ai.base",
        "answer": "chatflow.ai.answering",
        "build_prompt": "chatflow.ai.prompt",
        "preview_answer": "chatflow.ai.preview",
        "provider_for": "chatflow.ai.factory",
    },
)
