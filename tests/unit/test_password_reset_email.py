"""The password-reset email Cognito sends, worded by its CustomMessage trigger
(functions/auth_messages) in the language of the person who asked, with Cognito's code in it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from infra.functions import load_handler

EVENT = json.loads((Path(__file__).parents[1] / "events" / "cognito_custom_message_forgot_password.json").read_text())


def _reset_email(**request: Any) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    event["request"].update(request)
    answer = load_handler("auth_messages")(event, None)
    response: dict[str, Any] = answer["response"]
    return response


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("en", "Your ChatFlow360 password reset code", "<p>Hello,</p>"),
        ("es", "Tu código para restablecer la contraseña de ChatFlow360", "<p>Hola:</p>"),
    ],
)
def test_the_reset_email_speaks_the_language_the_dashboard_passed(language: str, subject: str, greeting: str) -> None:
    response = _reset_email(clientMetadata={"language": language})

    assert response["emailSubject"] == subject
    assert response["emailMessage"].startswith(greeting)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_reset_email_carries_cognitos_code_placeholder(language: str) -> None:
    response = _reset_email(clientMetadata={"language": language})

    assert "<p>{####}</p>" in response["emailMessage"]


def test_without_a_language_from_the_dashboard_the_users_locale_is_read() -> None:
    attributes = {**EVENT["request"]["userAttributes"], "locale": "es-MX"}

    response = _reset_email(clientMetadata=None, userAttributes=attributes)

    assert response["emailSubject"].startswith("Tu código")


@pytest.mark.parametrize("language", [None, "fr", "", "<script>"])
def test_a_language_we_do_not_speak_reads_english(language: str | None) -> None:
    response = _reset_email(clientMetadata={"language": language})

    assert response["emailSubject"] == "Your ChatFlow360 password reset code"


def test_other_cognito_messages_keep_cognitos_own_words() -> None:
    event = copy.deepcopy(EVENT)
    event["triggerSource"] = "CustomMessage_UpdateUserAttribute"

    answer = load_handler("auth_messages")(copy.deepcopy(event), None)

    assert answer == event


def test_no_line_of_the_email_is_lost_to_html() -> None:
    response = _reset_email(clientMetadata={"language": "en"})

    assert "\n" not in response["emailMessage"]
    assert response["emailMessage"].count("<p>") == 6
