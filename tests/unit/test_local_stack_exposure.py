"""The local stack listens on loopback only unless told otherwise, and says why (issue #23, item 1):
moto is not an identity provider, and the stack's admin password and keys sit in `.local/`."""

from __future__ import annotations

import pytest

from infra.local.stack import StackConfig, StackError, exposure_warning


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", ""])
def test_a_host_other_than_loopback_is_refused_unless_told(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("GATEWAY_HOST", host)
    monkeypatch.delenv("GATEWAY_ALLOW_REMOTE", raising=False)

    with pytest.raises(StackError, match="GATEWAY_ALLOW_REMOTE=true"):
        StackConfig.from_environment()


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.2"])
def test_loopback_needs_nothing(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("GATEWAY_HOST", host)
    monkeypatch.delenv("GATEWAY_ALLOW_REMOTE", raising=False)

    config = StackConfig.from_environment()

    assert config.gateway_host == host
    assert exposure_warning(config) is None


def test_told_explicitly_it_listens_and_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_HOST", "0.0.0.0")
    monkeypatch.setenv("GATEWAY_ALLOW_REMOTE", "true")

    config = StackConfig.from_environment()

    warning = exposure_warning(config)
    assert warning is not None
    assert "not an identity provider" in warning


def test_the_stack_honours_an_explicit_knowledge_allow_private_urls_false() -> None:
    from infra.local.stack import knowledge_allow_private_urls

    assert knowledge_allow_private_urls({"KNOWLEDGE_ALLOW_PRIVATE_URLS": "false"}) == "false"
    assert knowledge_allow_private_urls({}) == "true"
