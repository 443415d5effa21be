"""Configuration inheritance: which AI parameters a channel's conversations actually use.

Technical parameters always come from the organisation's ai_settings. Business parameters come from
the channel when it overrides them (a non-NULL column), else from the organisation.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChannelOverrides", "EffectiveAIConfig", "OrganizationAISettings", "effective_config"]


@dataclass(frozen=True, slots=True)
class OrganizationAISettings:
    provider: str
    model: str
    temperature: float
    max_tokens: int
    system_prompt: str
    handoff_keywords: tuple[str, ...]
    encrypted_api_key: str | None


@dataclass(frozen=True, slots=True)
class ChannelOverrides:
    system_prompt: str | None
    handoff_keywords: tuple[str, ...] | None
    handoff_enabled: bool


@dataclass(frozen=True, slots=True)
class EffectiveAIConfig:
    provider: str
    model: str
    temperature: float
    max_tokens: int
    encrypted_api_key: str | None
    system_prompt: str
    handoff_enabled: bool
    handoff_keywords: tuple[str, ...]


def effective_config(org: OrganizationAISettings, channel: ChannelOverrides) -> EffectiveAIConfig:
    # A blank channel prompt is treated as "not overridden": an empty instruction set is never intended.
    channel_prompt = channel.system_prompt if channel.system_prompt and channel.system_prompt.strip() else None
    return EffectiveAIConfig(
        provider=org.provider,
        model=org.model,
        temperature=org.temperature,
        max_tokens=org.max_tokens,
        encrypted_api_key=org.encrypted_api_key,
        system_prompt=channel_prompt if channel_prompt is not None else org.system_prompt,
        handoff_enabled=channel.handoff_enabled,
        handoff_keywords=channel.handoff_keywords if channel.handoff_keywords is not None else org.handoff_keywords,
    )
