"""Configuration inheritance: technical parameters from the organisation, business ones from the
channel when it overrides them."""

from __future__ import annotations

from chatflow.ai_settings import ChannelOverrides, OrganizationAISettings, effective_config

ORG = OrganizationAISettings(
    provider="openai",
    model="gpt-4o-mini",
    temperature=0.7,
    max_tokens=500,
    system_prompt="Organisation prompt",
    handoff_keywords=("human",),
    encrypted_api_key="encrypted",
)


def test_a_channel_without_overrides_inherits_the_organisation() -> None:
    config = effective_config(ORG, ChannelOverrides(system_prompt=None, handoff_keywords=None, handoff_enabled=True))

    assert config.system_prompt == "Organisation prompt"
    assert config.handoff_keywords == ("human",)


def test_channel_overrides_win_for_business_parameters() -> None:
    config = effective_config(
        ORG, ChannelOverrides(system_prompt="Channel prompt", handoff_keywords=("manager",), handoff_enabled=False)
    )

    assert config.system_prompt == "Channel prompt"
    assert config.handoff_keywords == ("manager",)
    assert config.handoff_enabled is False


def test_technical_parameters_always_come_from_the_organisation() -> None:
    config = effective_config(ORG, ChannelOverrides(system_prompt="x", handoff_keywords=(), handoff_enabled=True))

    assert (config.provider, config.model, config.temperature, config.max_tokens, config.encrypted_api_key) == (
        "openai",
        "gpt-4o-mini",
        0.7,
        500,
        "encrypted",
    )


def test_a_blank_channel_prompt_does_not_erase_the_organisation_prompt() -> None:
    config = effective_config(ORG, ChannelOverrides(system_prompt="  ", handoff_keywords=None, handoff_enabled=True))

    assert config.system_prompt == "Organisation prompt"


def test_an_empty_keyword_list_on_the_channel_means_no_keywords() -> None:
    config = effective_config(ORG, ChannelOverrides(system_prompt=None, handoff_keywords=(), handoff_enabled=True))

    assert config.handoff_keywords == ()
