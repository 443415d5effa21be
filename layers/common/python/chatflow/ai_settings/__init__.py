"""The AI configuration: an organisation's settings and a channel's overrides (configuration
inheritance), the platform's OpenAI key, and which key answers (see service.py for the rules)."""

from chatflow.ai_settings.key_check import InvalidApiKey, KeyCheck, check_api_key
from chatflow.ai_settings.models import (
    MAX_SYSTEM_PROMPT_LENGTH,
    AISettings,
    AISettingsChanges,
    AnsweringConfig,
    ChannelOverrides,
    EffectiveAIConfig,
    KeySource,
    OrganizationAISettings,
    PlatformKey,
    ResolvedKey,
)
from chatflow.ai_settings.repository import PLATFORM_KEY_SETTING
from chatflow.ai_settings.service import (
    answering_config,
    clean_api_key,
    clean_handoff_keywords,
    clear_platform_key,
    effective_config,
    get_ai_settings,
    get_platform_key,
    resolve_api_key,
    set_platform_key,
    update_ai_settings,
)
from chatflow.handoff import DEFAULT_HANDOFF_KEYWORDS

__all__ = [
    "DEFAULT_HANDOFF_KEYWORDS",
    "MAX_SYSTEM_PROMPT_LENGTH",
    "PLATFORM_KEY_SETTING",
    "AISettings",
    "AISettingsChanges",
    "AnsweringConfig",
    "ChannelOverrides",
    "EffectiveAIConfig",
    "InvalidApiKey",
    "KeyCheck",
    "KeySource",
    "OrganizationAISettings",
    "PlatformKey",
    "ResolvedKey",
    "answering_config",
    "check_api_key",
    "clean_api_key",
    "clean_handoff_keywords",
    "clear_platform_key",
    "effective_config",
    "get_ai_settings",
    "get_platform_key",
    "resolve_api_key",
    "set_platform_key",
    "update_ai_settings",
]
