"""AI providers behind one interface, and the prompt we send them."""

from chatflow.ai.base import AIProvider, AIProviderError, ChatTurn, Completion
from chatflow.ai.factory import provider_for
from chatflow.ai.prompt import build_prompt

__all__ = ["AIProvider", "AIProviderError", "ChatTurn", "Completion", "build_prompt", "provider_for"]
