"""The suite's secret scan finds what it must and nothing else, and a finding fails the session."""

from __future__ import annotations

import os

import pytest

from infra.functions import ROOT
from tests.support.secret_scan import SecretScanner

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWJ5dGVz"


def _kinds(text: str, known: dict[str, str] | None = None) -> list[str]:
    scanner = SecretScanner(known=dict(known or {}))
    return [finding.kind for finding in scanner.scan(text, "here")]


def test_a_known_secret_is_found_and_named_by_what_it_is() -> None:
    assert _kinds('{"message": "key=00112233aabbccdd"}', {"00112233aabbccdd": "$ENCRYPTION_KEY"}) == ["$ENCRYPTION_KEY"]


def test_a_token_is_found_by_its_shape() -> None:
    assert _kinds(f"Authorization: Bearer {JWT}") == ["a JWT"]


def test_an_api_key_is_found_by_its_shape_but_its_hint_is_not() -> None:
    assert _kinds("using sk-proj-abcdefghijklmnopqrstuvwx") == ["an API key"]
    assert _kinds('{"apiKeyHint": "sk-...wxyz"}') == []


def test_environment_variables_named_like_secrets_are_known(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOME_SERVICE_PASSWORD", "hunter2hunter2")
    monkeypatch.setenv("COGNITO_CLIENT_ID", "not-a-secret-client")
    scanner = SecretScanner()

    scanner.register_environment()

    assert "hunter2hunter2" in scanner.known
    assert "not-a-secret-client" not in scanner.known


def test_a_secret_in_a_tests_log_fails_the_session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(ROOT / "layers" / "common" / "python")]))
    pytester.makeconftest('pytest_plugins = ["tests.support.secret_scan"]')
    pytester.makepyfile(
        f"""
        import logging

        def test_logs_a_token():
            logging.getLogger("chatflow").warning("token %s", "{JWT}")
        """
    )

    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")

    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*a JWT in the output of test_a_secret_in_a_tests_log_fails_the_session.py::*"])
    assert "c2lnbmF0dXJlLWJ5dGVz" not in result.stdout.str()
