"""The dashboard API answers errors in the operator's language, which the SPA sends as
Accept-Language; Content-Language says which. Codes never change; only the message does."""

from __future__ import annotations

import pytest

from tests.support.people import People


def _login(people: People, accept_language: str) -> tuple[int, dict[str, str], str | None]:
    person = people.make()
    answer = people.client.post(
        "/api/dashboard/auth/login",
        json={"email": person.email, "password": "wrong-password"},
        headers={"Accept-Language": accept_language},
    )
    return answer.status_code, answer.json()["error"], answer.headers.get("content-language")


@pytest.mark.parametrize("accept_language", ["es", "es-MX;q=0.9, en;q=0.8", "fr, es;q=0.5"])
def test_a_wrong_password_is_told_in_spanish_to_a_spanish_operator(people: People, accept_language: str) -> None:
    assert _login(people, accept_language) == (
        401,
        {"code": "invalid_credentials", "message": "El correo electrónico o la contraseña no son correctos."},
        "es",
    )


@pytest.mark.parametrize("accept_language", ["fr", "pt-BR", "*", "", "garbage;q=x,,;"])
def test_a_language_we_do_not_speak_is_answered_in_english(people: People, accept_language: str) -> None:
    assert _login(people, accept_language) == (
        401,
        {"code": "invalid_credentials", "message": "The email or password is not correct."},
        "en",
    )


def test_validation_errors_name_the_field_in_spanish_and_unknown_routes_answer_in_spanish(people: People) -> None:
    spanish = {"Accept-Language": "es"}

    invalid = people.client.post("/api/dashboard/auth/login", json={"email": "not-an-email"}, headers=spanish)
    missing = people.client.get("/api/dashboard/no-such-route", headers=spanish)
    no_token = people.client.get("/api/dashboard/me", headers=spanish)

    assert (invalid.status_code, invalid.json()["error"]["code"]) == (400, "invalid_field")
    assert invalid.json()["error"]["message"].endswith("tiene un valor que esta operación no admite.")
    assert missing.json() == {"error": {"code": "route_not_found", "message": "No existe esa ruta."}}
    assert no_token.json() == {
        "error": {"code": "missing_token", "message": "Envía un token de acceso de tipo bearer."}
    }
    assert {invalid.headers["content-language"], missing.headers["content-language"]} == {"es"}


def test_a_query_parameter_given_twice_is_refused_unless_the_route_repeats_it(people: People) -> None:
    agent = people.make(super_admin=True)

    twice = people.client.get("/api/dashboard/conversations?q=a&q=b", headers=agent.headers)
    repeatable = people.client.get("/api/dashboard/conversations?status=open&status=pending", headers=agent.headers)

    assert (twice.status_code, twice.json()["error"]["code"]) == (400, "invalid_field")
    assert repeatable.status_code == 200
