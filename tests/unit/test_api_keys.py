"""API key resolution: organisation → platform → OPENAI_API_KEY → none."""

from __future__ import annotations

import pytest

from chatflow.ai_settings import resolve_api_key
from chatflow.crypto import encrypt
from chatflow.settings import Settings

KEY_HEX = "ab" * 32
KEY = bytes.fromhex(KEY_HEX)


def _settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"database_url": "postgresql://unused", "encryption_key": KEY_HEX}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def test_the_organisation_key_wins() -> None:
    resolved = resolve_api_key(
        organization_encrypted=encrypt("sk-org", KEY),
        platform_encrypted=encrypt("sk-platform", KEY),
        settings=_settings(openai_api_key="sk-env"),
    )

    assert (resolved.source, resolved.api_key) == ("organization", "sk-org")


def test_the_platform_key_comes_next() -> None:
    resolved = resolve_api_key(
        organization_encrypted=None, platform_encrypted=encrypt("sk-platform", KEY), settings=_settings()
    )

    assert (resolved.source, resolved.api_key) == ("platform", "sk-platform")


def test_the_environment_key_comes_last() -> None:
    resolved = resolve_api_key(
        organization_encrypted=None, platform_encrypted=None, settings=_settings(openai_api_key="sk-env")
    )

    assert (resolved.source, resolved.api_key) == ("environment", "sk-env")


def test_no_key_anywhere_resolves_to_none() -> None:
    resolved = resolve_api_key(organization_encrypted=None, platform_encrypted=None, settings=_settings())

    assert (resolved.source, resolved.api_key) == ("none", None)


def test_a_key_encrypted_with_another_key_is_skipped(caplog: pytest.LogCaptureFixture) -> None:
    resolved = resolve_api_key(
        organization_encrypted=encrypt("sk-org", bytes(32)),
        platform_encrypted=encrypt("sk-platform", KEY),
        settings=_settings(),
    )

    assert resolved.source == "platform"
    assert "sk-org" not in caplog.text


def test_stored_keys_are_ignored_without_an_encryption_key() -> None:
    resolved = resolve_api_key(
        organization_encrypted=encrypt("sk-org", KEY),
        platform_encrypted=None,
        settings=_settings(encryption_key=None, openai_api_key="sk-env"),
    )

    assert resolved.source == "environment"


def test_the_resolved_key_never_shows_in_its_repr() -> None:
    resolved = resolve_api_key(
        organization_encrypted=None, platform_encrypted=None, settings=_settings(openai_api_key="sk-env-secret")
    )

    assert "sk-env-secret" not in repr(resolved)
